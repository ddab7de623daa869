"""A small lesson world: school A (class 9A, its teacher and a student), school B (a teacher
and a student), a published lesson in A's "Toán 9" course and one in the shared library."""

from dataclasses import dataclass

import pytest
from wagtail.rich_text import RichText

from courses import services
from courses.models import CoursePage, LessonPage
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    ProvinceOfficerFactory,
    SchoolFactory,
    SubjectFactory,
    TeacherFactory,
    TeachingAssignmentFactory,
)


def add_lesson(course, title, *, owner=None, publish=True, body=None) -> LessonPage:
    lesson = course.add_child(
        instance=LessonPage(
            title=title,
            slug=services.vietnamese_slug(title),
            owner=owner,
            summary="Tóm tắt",
            body=body
            or [
                ("heading", {"text": "Khái niệm", "level": "h2"}),
                ("text", RichText("<p>Nghiệm của hệ $x + y = 3$ là cặp số.</p>")),
            ],
        )
    )
    if publish:
        lesson.save_revision(user=owner).publish()
    else:
        lesson.save_revision(user=owner)
    return LessonPage.objects.get(pk=lesson.pk)


def add_course(index, subject, grade=9, owner=None) -> CoursePage:
    return index.add_child(
        instance=CoursePage(
            title=f"{subject.name} {grade}",
            slug=services.vietnamese_slug(f"{subject.name} {grade}"),
            subject=subject,
            grade=grade,
            owner=owner,
        )
    )


@dataclass
class World:
    school_a: object
    school_b: object
    classroom: object
    teacher: object
    student: object
    other_teacher: object
    other_student: object
    officer: object
    course: CoursePage
    lesson: LessonPage
    library_course: CoursePage
    library_lesson: LessonPage


@pytest.fixture
def world(db) -> World:
    subject = SubjectFactory()
    school_a, school_b = SchoolFactory(), SchoolFactory()
    classroom = ClassroomFactory(school=school_a, name="9A")
    teacher = TeachingAssignmentFactory(classroom=classroom, subject=subject).teacher
    student = EnrollmentFactory(classroom=classroom).student
    other_teacher = TeacherFactory(school=school_b)
    other_student = EnrollmentFactory(classroom=ClassroomFactory(school=school_b)).student
    officer = ProvinceOfficerFactory()
    course = add_course(services.school_index_ensure(school_a), subject, owner=teacher)
    lesson = add_lesson(course, "Hệ hai phương trình bậc nhất hai ẩn", owner=teacher)
    library_course = add_course(services.library_index_ensure(), subject, owner=officer)
    library_lesson = add_lesson(library_course, "Phương pháp thế", owner=officer)
    return World(
        school_a,
        school_b,
        classroom,
        teacher,
        student,
        other_teacher,
        other_student,
        officer,
        course,
        lesson,
        library_course,
        library_lesson,
    )
