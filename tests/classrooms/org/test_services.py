import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Role
from classrooms.models import Enrollment
from classrooms.org import services
from classrooms.org.levels import Level
from tests.factories import (
    AcademicYearFactory,
    ClassroomFactory,
    DistrictFactory,
    SchoolFactory,
    StudentFactory,
    SubjectFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


def test_school_needs_a_level():
    with pytest.raises(ValidationError) as exc:
        services.school_create(name="Trường X", code="X1", district=DistrictFactory(), levels=[])
    assert "levels" in exc.value.message_dict


def test_school_levels_roundtrip_and_filter():
    district = DistrictFactory()
    both = services.school_create(
        name="Trường TH&THCS Kim Đồng",
        code="KD",
        district=district,
        levels=[Level.PRIMARY, Level.LOWER_SECONDARY],
    )
    services.school_create(
        name="Trường THPT Đông Hà", code="DH", district=district, levels=["thpt"]
    )
    assert both.levels == [Level.PRIMARY, Level.LOWER_SECONDARY]
    assert both.get_levels_display() == "TH, THCS"
    from classrooms.models import School

    assert list(School.objects.with_level("tieu_hoc")) == [both]
    assert School.objects.with_level("thpt").count() == 1


def test_classroom_grade_must_fit_school_levels():
    school = SchoolFactory(has_lower_secondary=True)
    year = AcademicYearFactory()
    with pytest.raises(ValidationError) as exc:
        services.classroom_create(school=school, name="10A1", grade=10, year=year)
    assert "grade" in exc.value.message_dict
    classroom = services.classroom_create(school=school, name="9A", grade=9, year=year)
    assert classroom.level == Level.LOWER_SECONDARY


def test_classroom_grade_out_of_range_is_rejected():
    with pytest.raises(ValidationError):
        services.classroom_create(
            school=SchoolFactory(), name="13A", grade=13, year=AcademicYearFactory()
        )


def test_duplicate_class_name_in_school_year_is_rejected():
    school = SchoolFactory()
    year = AcademicYearFactory()
    services.classroom_create(school=school, name="9A", grade=9, year=year)
    with pytest.raises(ValidationError):
        services.classroom_create(school=school, name="9A", grade=9, year=year)


def test_homeroom_teacher_must_teach_at_the_school():
    school = SchoolFactory()
    outsider = TeacherFactory()
    with pytest.raises(ValidationError) as exc:
        services.classroom_create(
            school=school, name="9A", grade=9, year=AcademicYearFactory(), homeroom_teacher=outsider
        )
    assert "homeroom_teacher" in exc.value.message_dict


def test_enrollment_requires_same_school():
    classroom = ClassroomFactory()
    other_school_student = StudentFactory()
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(student=other_school_student, classroom=classroom)
    assert "student" in exc.value.message_dict
    assert not Enrollment.objects.exists()


def test_enrollment_requires_a_student():
    classroom = ClassroomFactory()
    teacher = TeacherFactory(school=classroom.school)
    with pytest.raises(ValidationError):
        services.enrollment_create(student=teacher, classroom=classroom)


def test_no_duplicate_active_enrollment_in_the_same_year():
    classroom = ClassroomFactory(name="9A")
    other = ClassroomFactory(school=classroom.school, name="9B", year=classroom.year)
    student = StudentFactory(school=classroom.school)
    services.enrollment_create(student=student, classroom=classroom)
    with pytest.raises(ValidationError):
        services.enrollment_create(student=student, classroom=classroom)
    with pytest.raises(ValidationError) as exc:
        services.enrollment_create(student=student, classroom=other)
    assert "9A" in str(exc.value)
    assert Enrollment.objects.filter(student=student, active=True).count() == 1


def test_a_student_moves_class_after_the_old_enrollment_ends():
    classroom = ClassroomFactory(name="9A")
    other = ClassroomFactory(school=classroom.school, name="9B", year=classroom.year)
    student = StudentFactory(school=classroom.school)
    old = services.enrollment_create(student=student, classroom=classroom)
    Enrollment.objects.filter(pk=old.pk).update(active=False)  # ended (in the admin)
    services.enrollment_create(student=student, classroom=other)
    assert list(
        Enrollment.objects.filter(student=student, active=True).values_list(
            "classroom__name", flat=True
        )
    ) == ["9B"]


def test_database_refuses_a_duplicate_active_enrollment():
    classroom = ClassroomFactory()
    student = StudentFactory(school=classroom.school)
    Enrollment.objects.create(classroom=classroom, student=student, active=True)
    Enrollment.objects.create(classroom=classroom, student=student, active=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(classroom=classroom, student=student, active=True)


def test_database_refuses_grade_outside_1_to_12():
    classroom = ClassroomFactory()
    classroom.grade = 0
    with pytest.raises(IntegrityError), transaction.atomic():
        classroom.save()


def test_teaching_assignment_checks_teacher_school_and_subject_level():
    classroom = ClassroomFactory(grade=9)
    teacher = TeacherFactory(school=classroom.school)
    primary_only = SubjectFactory(
        code="tv", name="Tiếng Việt", has_lower_secondary=False, has_upper_secondary=False
    )
    with pytest.raises(ValidationError) as exc:
        services.teaching_assignment_create(
            classroom=classroom, subject=primary_only, teacher=teacher
        )
    assert "subject" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.teaching_assignment_create(
            classroom=classroom, subject=SubjectFactory(), teacher=TeacherFactory()
        )
    assignment = services.teaching_assignment_create(
        classroom=classroom, subject=SubjectFactory(), teacher=teacher
    )
    assert assignment.teacher.role == Role.TEACHER
    with pytest.raises(ValidationError):
        services.teaching_assignment_create(
            classroom=classroom,
            subject=SubjectFactory(),
            teacher=TeacherFactory(school=classroom.school),
        )


def test_only_one_current_academic_year():
    AcademicYearFactory(name="2025-2026", is_current=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        AcademicYearFactory(name="2026-2027", is_current=True)
