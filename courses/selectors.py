"""Reads for lessons, always scoped to the user (DESIGN.md "Who may see what").

- Students read the lessons assigned to their classes (once available) and the shared library.
- Guardians read what is assigned to their children.
- Teachers and school admins read their school's lessons and the library; officers those of the
  schools in their scope. Staff and province officers read everything.
Unpublished pages are never read here: drafts are the Wagtail admin's business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Left, Length
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model
from wagtail.models import ModelLogEntry, Page, PageLogEntry, ReferenceIndex
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.permissions import policy_registry

from accounts.models import Role, User
from classrooms.models import Classroom, Enrollment, LiveSession, SessionStatus, Subject
from classrooms.org.selectors import (
    academic_year_current,
    classroom_list,
    school_list,
    subjects_for_teacher,
)
from lms.access import has_role, scoped
from lms.collation import vi_order
from lms.roles import FAMILY_ROLES, STAFF_ROLES

from .models import (
    CoursePage,
    LessonAssignment,
    LessonPage,
    LessonProgress,
    LibraryIndexPage,
    SchoolIndexPage,
)


def _below(pages) -> Q:
    """Pages under any of the given index pages (Wagtail's materialised path)."""
    return reduce(or_, (Q(path__startswith=p.path) for p in pages), Q(pk__in=[]))


def _library() -> list[LibraryIndexPage]:
    return list(LibraryIndexPage.objects.all()[:1])


def _available_now() -> Q:
    return Q(available_from__isnull=True) | Q(available_from__lte=timezone.now())


def _assigned_to(students) -> Q:
    """Lessons assigned to the students' classes, and the lessons their classes were taken
    through live once the session began (the room shows it, its files and activities must load)."""
    assignments = LessonAssignment.objects.filter(
        _available_now(),
        classroom__enrollments__student__in=students,
        classroom__enrollments__active=True,
    )
    taught_live = LiveSession.objects.filter(
        status__in=[SessionStatus.LIVE, SessionStatus.ENDED],
        lesson__isnull=False,
        classroom__enrollments__student__in=students,
        classroom__enrollments__active=True,
    )
    return Q(pk__in=assignments.values("lesson_id")) | Q(pk__in=taught_live.values("lesson_id"))


def _of_visible_schools(user: User):
    def rule() -> Q:
        indexes = SchoolIndexPage.objects.filter(school__in=school_list(user=user))
        return _below([*indexes, *_library()])

    return rule


def _pages(qs: QuerySet, user: User) -> QuerySet:
    return scoped(
        qs,
        user=user,
        rules={
            Role.TEACHER: _of_visible_schools(user),
            Role.SCHOOL_ADMIN: _of_visible_schools(user),
            Role.DISTRICT_OFFICER: _of_visible_schools(user),
            Role.STUDENT: lambda: _assigned_to([user.pk]) | _below(_library()),
            Role.GUARDIAN: lambda: _assigned_to(user.wards.values("student_id")),
        },
    )


def lesson_list(*, user: User) -> QuerySet[LessonPage]:
    return _pages(LessonPage.objects.live(), user)


def lesson_get(*, user: User, pk) -> LessonPage:
    return get_object_or_404(lesson_list(user=user), pk=pk)


def lesson_readable(*, user: User, lesson: LessonPage) -> bool:
    return lesson_list(user=user).filter(pk=lesson.pk).exists()


# --- Wagtail admin lists (page chooser, search, site history) ----------------------------------


def admin_pages(qs: QuerySet[Page], *, user: User) -> QuerySet[Page]:
    """What an editor's admin lists may show: their school's tree, the shared library, and the
    pages on the way down to them; never another school's titles."""

    def visible() -> Q:
        indexes = [
            *SchoolIndexPage.objects.filter(school__in=school_list(user=user)),
            *_library(),
        ]
        steps = Page.steplen
        ancestors = {p.path[:end] for p in indexes for end in range(steps, len(p.path), steps)}
        return _below(indexes) | Q(path__in=ancestors)

    return scoped(qs, user=user, rules=dict.fromkeys(STAFF_ROLES, visible))


def admin_log_entries(qs: QuerySet, *, user: User) -> QuerySet:
    """Site history entries an editor may see: those about pages in `admin_pages`, and other
    entries (documents, images) made by people of the schools in their scope."""
    if qs.model is PageLogEntry:

        def rule() -> Q:
            return Q(page_id__in=admin_pages(Page.objects.all(), user=user).values("pk"))

    elif qs.model is ModelLogEntry:

        def rule() -> Q:
            return Q(user__school__in=school_list(user=user).values("pk"))

    else:  # a log model we do not know: province-wide roles only
        rule = None
    return scoped(qs, user=user, rules=dict.fromkeys(STAFF_ROLES, rule) if rule else {})


# --- Files that lessons carry (H5P packages, documents) ---------------------------------------


def lesson_file_readable(
    *,
    user: User,
    uploaded_by_id: int | None,
    manages: Callable[[], bool],
    used_in: Callable[[], QuerySet[LessonPage]],
) -> bool:
    """The one rule for a lesson's files: its uploader, staff who manage it, and anyone who may
    read a lesson that uses it. `manages` and `used_in` are only asked when needed."""
    if not user.is_authenticated or not user.is_active:
        return False
    if uploaded_by_id is not None and uploaded_by_id == user.pk:
        return True
    if has_role(user, STAFF_ROLES) and manages():
        return True
    return used_in().exists()


def lessons_referencing(*, user: User, obj: models.Model) -> QuerySet[LessonPage]:
    """Lessons the user may read whose published content refers to `obj` (a chooser block or
    a rich-text link), from Wagtail's reference index: it is built from the page row, which
    holds the live version, so a draft that adds a file grants nothing until it is published."""
    ids = (
        ReferenceIndex.get_references_to(obj)
        .filter(content_type=ContentType.objects.get_for_model(LessonPage))
        .values_list("object_id", flat=True)
    )
    return lesson_list(user=user).filter(pk__in=[int(pk) for pk in ids])


def document_readable(*, user: User, document) -> bool:
    """Wagtail documents: managers are those with Wagtail's "choose" or "change" permission on
    the document's collection (the school's teachers, the library's editors)."""
    return lesson_file_readable(
        user=user,
        uploaded_by_id=document.uploaded_by_user_id,
        manages=lambda: policy_registry.get_by_type(
            get_document_model()
        ).user_has_any_permission_for_instance(user, ["change", "choose"], document),
        used_in=lambda: lessons_referencing(user=user, obj=document),
    )


def course_list(*, user: User) -> QuerySet[CoursePage]:
    """Courses whose lessons the user may browse. Students browse the library's, and students
    and guardians the courses of the lessons assigned to them (the course page then lists
    only those: `lesson_list`)."""
    qs = CoursePage.objects.live().select_related("subject")
    if user.is_authenticated and user.role in FAMILY_ROLES:
        lesson_paths = _pages(LessonPage.objects.live(), user).values_list("path", flat=True)
        parents = Q(path__in={path[: -Page.steplen] for path in lesson_paths})
        return qs.filter(_below(_library()) | parents if user.role == Role.STUDENT else parents)
    return _pages(qs, user)


def course_parent_readable(*, user: User, course: CoursePage) -> bool:
    """Whether the course's own index (a school's courses, or the library) may be opened: the
    breadcrumb links to it only then."""
    index = course.get_parent().specific
    if isinstance(index, SchoolIndexPage):
        return school_index_readable(user=user, index=index)
    return user.is_authenticated


def school_index_readable(*, user: User, index: SchoolIndexPage) -> bool:
    """A school's course list is for its staff and the officers above it, not a directory."""
    if not user.is_authenticated or user.role in FAMILY_ROLES:
        return False
    return school_list(user=user).filter(pk=index.school_id).exists()


def own_school_courses(*, user: User) -> QuerySet[CoursePage]:
    """Courses in the teacher's own school, where library lessons can be copied to."""
    index = SchoolIndexPage.objects.filter(school_id=user.school_id).first()
    if index is None or user.role != Role.TEACHER:
        return CoursePage.objects.none()
    return CoursePage.objects.child_of(index).select_related("subject").order_by("grade", "title")


def lesson_new_courses(*, user: User) -> QuerySet[CoursePage]:
    """Courses where the user may write a new lesson: Wagtail's "add" permission on the page
    tree (their school's courses, the library's for its editors), within what they may read."""
    if not has_role(user, STAFF_ROLES):
        return CoursePage.objects.none()
    addable = PagePermissionPolicy().instances_user_has_any_permission_for(user, ["add"])
    return course_list(user=user).filter(pk__in=addable.values("pk")).order_by("grade", "title")


def lesson_new_allowed(*, user: User, course: CoursePage) -> bool:
    return lesson_new_courses(user=user).filter(pk=course.pk).exists()


def session_lesson_choices(
    *, user: User, classroom: Classroom, subject: Subject | None = None
) -> QuerySet[LessonPage]:
    """Lessons a teacher may take a class through live (`classrooms.live.lessons` asks this):
    the published lessons of the school's courses for the class's grade, in the subjects the
    teacher holds sessions of in that class (or in `subject`). Each carries `course_title`."""
    subjects = subjects_for_teacher(user=user, classroom=classroom)
    if subject is not None:
        subjects = subjects.filter(pk=subject.pk)
    index = SchoolIndexPage.objects.filter(school_id=classroom.school_id).first()
    if index is None:
        return LessonPage.objects.none()
    courses = (
        CoursePage.objects.live()
        .descendant_of(index)
        .filter(grade=classroom.grade, subject__in=subjects.order_by())
    )
    parent_path = Left(OuterRef("path"), Length(OuterRef("path")) - Page.steplen)
    return (
        LessonPage.objects.live()
        .filter(_below(courses))
        .annotate(
            course_title=Subquery(CoursePage.objects.filter(path=parent_path).values("title")[:1])
        )
        .order_by("path")
    )


def lesson_search(*, user: User, query: str):
    """Wagtail search over what the user may read; PostgreSQL full-text search on PostgreSQL."""
    return lesson_list(user=user).search(query, operator="and")


# --- Students' lessons -----------------------------------------------------------------------


class LessonStatus(models.TextChoices):
    NEW = "new", _("New")
    OPENED = "opened", _("Opened")
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Overdue")


@dataclass
class StudentLesson:
    lesson: LessonPage
    assignment: LessonAssignment
    status: str
    opened_at: datetime | None
    completed_at: datetime | None


def lesson_status(assignment: LessonAssignment, progress: LessonProgress | None, now) -> str:
    if progress and progress.completed_at:
        return LessonStatus.COMPLETED
    if assignment.due_at and assignment.due_at < now:
        return LessonStatus.OVERDUE
    if progress:
        return LessonStatus.OPENED
    return LessonStatus.NEW


def student_lessons(*, user: User) -> list[StudentLesson]:
    """A student's assigned lessons with their status, the soonest due first."""
    if user.role != Role.STUDENT:
        return []
    assignments = (
        LessonAssignment.objects.filter(
            _available_now(),
            lesson__live=True,
            classroom__enrollments__student=user,
            classroom__enrollments__active=True,
        )
        .select_related("lesson", "classroom")
        .order_by("due_at", "-created_at")
    )
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(
            student=user, lesson_id__in=[a.lesson_id for a in assignments]
        )
    }
    now, seen, rows = timezone.now(), set(), []
    for assignment in assignments:
        if assignment.lesson_id in seen:
            continue
        seen.add(assignment.lesson_id)
        p = progress.get(assignment.lesson_id)
        rows.append(
            StudentLesson(
                lesson=assignment.lesson,
                assignment=assignment,
                status=lesson_status(assignment, p, now),
                opened_at=p.opened_at if p else None,
                completed_at=p.completed_at if p else None,
            )
        )
    # Lessons without a due date come after the dated ones.
    rows.sort(key=lambda r: (r.assignment.due_at is None, r.assignment.due_at or now))
    return rows


def _student_assignments(*, user: User, lesson: LessonPage) -> QuerySet[LessonAssignment]:
    return LessonAssignment.objects.filter(
        lesson=lesson, classroom__enrollments__student=user, classroom__enrollments__active=True
    ).order_by("due_at")


def student_assignment_for(*, user: User, lesson: LessonPage) -> LessonAssignment | None:
    return _student_assignments(user=user, lesson=lesson).first()


@dataclass
class StudentLessonAccess:
    readable: bool
    assignment: LessonAssignment | None


def student_lesson_access(*, user: User, lesson: LessonPage) -> StudentLessonAccess:
    """A student's lesson page in one query: whether they may read it (`lesson_list`'s rule:
    the shared library, or an assignment to one of their classes that is available now) and the
    assignment it shows (`student_assignment_for`'s). The library is known from the page's
    parents, which routing has already read."""
    assignments = list(_student_assignments(user=user, lesson=lesson))
    now = timezone.now()
    available = any(a.available_from is None or a.available_from <= now for a in assignments)
    readable = user.is_active and lesson.live and (available or lesson.in_library)
    return StudentLessonAccess(readable, assignments[0] if assignments else None)


def progress_for(*, user: User, lesson: LessonPage) -> LessonProgress | None:
    return LessonProgress.objects.filter(student=user, lesson=lesson).first()


# --- Teachers' view of assignments -----------------------------------------------------------


def assignable_classrooms(*, user: User) -> QuerySet[Classroom]:
    """Classes a teacher may give lessons to: the ones they teach this year."""
    if user.role != Role.TEACHER:
        return Classroom.objects.none()
    qs = classroom_list(user=user)
    year = academic_year_current()
    return qs.filter(year=year) if year else qs


def assignment_list(*, user: User) -> QuerySet[LessonAssignment]:
    if not has_role(user, STAFF_ROLES):
        return LessonAssignment.objects.none()
    active = Q(classroom__enrollments__active=True)
    return (
        LessonAssignment.objects.filter(classroom__in=classroom_list(user=user))
        .select_related("lesson", "classroom", "classroom__school", "assigned_by")
        .annotate(
            student_count=Count("classroom__enrollments", filter=active, distinct=True),
            opened_count=_progress_count(),
            completed_count=_progress_count(completed_at__isnull=False),
        )
        .order_by("-created_at")
    )


def _progress_count(**extra):
    """How many students now in the assignment's class have opened (or completed) its lesson:
    one subquery per list row instead of reading every class's progress."""
    progress = (
        LessonProgress.objects.filter(
            lesson=OuterRef("lesson"),
            student__enrollments__classroom=OuterRef("classroom"),
            student__enrollments__active=True,
            **extra,
        )
        .order_by()
        .values("lesson")
        .annotate(n=Count("student", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(progress), 0)


def assignment_get(*, user: User, pk) -> LessonAssignment:
    return get_object_or_404(assignment_list(user=user), pk=pk)


@dataclass
class ProgressRow:
    student: User
    opened_at: datetime | None
    completed_at: datetime | None
    status: str


def assignment_progress(assignment: LessonAssignment) -> list[ProgressRow]:
    """Every student now in the class, with when they opened and completed the lesson."""
    students = User.objects.filter(
        pk__in=Enrollment.objects.filter(classroom=assignment.classroom, active=True).values(
            "student_id"
        )
    ).order_by(vi_order("full_name"), "username")
    progress = {
        p.student_id: p
        for p in LessonProgress.objects.filter(lesson=assignment.lesson, student__in=students)
    }
    now = timezone.now()
    return [
        ProgressRow(
            student=s,
            opened_at=getattr(progress.get(s.pk), "opened_at", None),
            completed_at=getattr(progress.get(s.pk), "completed_at", None),
            status=lesson_status(assignment, progress.get(s.pk), now),
        )
        for s in students
    ]


def assignment_counts(rows: list[ProgressRow]) -> dict:
    return {
        "students": len(rows),
        "opened": sum(1 for r in rows if r.opened_at),
        "completed": sum(1 for r in rows if r.completed_at),
    }
