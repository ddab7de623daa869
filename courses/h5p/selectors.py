"""Reads for H5P activities, always scoped to the user (DESIGN.md "Who may see what").

- Staff manage (list, choose, delete) their school's packages and the province library's;
  officers see the packages of the schools in their scope, province officers all.
- Anyone may *play* a package that sits in a lesson they may read (courses.selectors), and
  staff may play the packages they manage.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role, User
from classrooms.models import Classroom, Enrollment
from classrooms.org.selectors import classroom_list
from jobs.models import Job
from lms.access import has_role, scoped
from lms.collation import vi_order
from lms.roles import SCHOOL_STAFF_ROLES, STAFF_ROLES

from ..blocks import PASSED
from ..models import H5PPackage, H5PResult, LessonAssignment, LessonPage
from ..selectors import lesson_file_readable, lesson_list
from ..services import LIBRARY_GROUP
from .storage import IMPORT_JOB_KIND


def package_list(*, user: User) -> QuerySet[H5PPackage]:
    """Packages a user manages: their school's and the library's (school empty)."""
    library = Q(school__isnull=True)
    return scoped(
        H5PPackage.objects.select_related("school", "uploaded_by"),
        user=user,
        rules={
            Role.TEACHER: lambda: library | Q(school_id=user.school_id),
            Role.SCHOOL_ADMIN: lambda: library | Q(school_id=user.school_id),
            Role.DISTRICT_OFFICER: lambda: library | Q(school__district_id=user.district_id),
        },
    )


def package_imports_recent(*, user: User, limit: int = 10) -> list[Job]:
    """The user's own uploads of the last day, each with its job (waiting, running, done or
    refused), so that one who closed the job page finds it again."""
    since = timezone.now() - datetime.timedelta(days=1)
    jobs = Job.objects.defer("result").filter(
        owner=user, kind=IMPORT_JOB_KIND, created_at__gte=since
    )
    return list(jobs.order_by("-created_at")[:limit])


def package_get(*, user: User, pk) -> H5PPackage:
    return get_object_or_404(package_list(user=user), pk=pk)


def package_library_versions(package: H5PPackage) -> dict[str, str]:
    """The package's installed libraries: folder → a version that changes with each upgrade."""
    return {
        library.folder: f"{library.patch}-{library.updated_at.timestamp()}"
        for library in package.libraries.all()
    }


@dataclass(frozen=True)
class Requirement:
    """What an H5P block asks before the lesson counts the activity done (its teacher's
    choice): an answer, or a best score of at least `percent` of the points."""

    passing: bool = False
    percent: int = 50

    def passed(self, result: H5PResult | None) -> bool:
        if result is None or result.best_score is None or not result.max_score:
            return False
        return result.best_score * 100 >= self.percent * result.max_score

    def met_by(self, result: H5PResult | None) -> bool:
        if result is None:
            return False
        if self.passing and result.max_score:
            return self.passed(result)
        return result.completed


def requirements_in(lesson: LessonPage) -> dict[int, Requirement]:
    """Package id → the requirement of its first block in the lesson."""
    requirements = {}
    for block in lesson.body:
        if block.block_type == "h5p" and block.value.get("package") is not None:
            requirements.setdefault(block.value["package"].pk, block_requirement(block.value))
    return requirements


def block_requirement(value) -> Requirement:
    return Requirement(
        passing=value.get("completion") == PASSED, percent=value.get("pass_percent") or 50
    )


def requirement_for(*, lesson: LessonPage, package: H5PPackage) -> Requirement:
    return requirements_in(lesson.specific).get(package.pk, Requirement())


def package_ids_in(lesson: LessonPage) -> list[int]:
    """The packages of a lesson's H5P blocks, in page order."""
    ids = []
    for block in lesson.body:
        if block.block_type == "h5p" and block.value.get("package") is not None:
            package = block.value["package"]
            if package.pk not in ids:
                ids.append(package.pk)
    return ids


def _raw_package_ids(lesson: LessonPage) -> set[int]:
    # The stored JSON, without resolving choosers (one query fewer per block).
    return {
        block.get("value", {}).get("package")
        for block in lesson.body.raw_data
        if block.get("type") == "h5p"
    } - {None}


def lessons_using(*, user: User, package: H5PPackage) -> QuerySet[LessonPage]:
    """Lessons the user may read that hold an H5P block for this package."""
    # A cheap text pre-filter on the stored JSON, then an exact check on the few candidates.
    pk = package.pk
    candidates = (
        lesson_list(user=user)
        .annotate(body_text=Cast("body", TextField()))
        .filter(
            Q(body_text__contains=f'"package": {pk},')
            | Q(body_text__contains=f'"package": {pk}}}')
            | Q(body_text__contains=f'"package":{pk},')
            | Q(body_text__contains=f'"package":{pk}}}')
        )
    )
    ids = [lesson.pk for lesson in candidates if pk in _raw_package_ids(lesson)]
    return LessonPage.objects.filter(pk__in=ids)


def package_playable(*, user: User, package: H5PPackage) -> bool:
    """May this user load the package's files: a lesson they read uses it, or they manage it."""
    return lesson_file_readable(
        user=user,
        uploaded_by_id=package.uploaded_by_id,
        manages=lambda: package_list(user=user).filter(pk=package.pk).exists(),
        used_in=lambda: lessons_using(user=user, package=package),
    )


def package_playable_get(*, user: User, uuid) -> H5PPackage:
    package = get_object_or_404(H5PPackage, uuid=uuid)
    if not package_playable(user=user, package=package):
        raise Http404
    return package


def lesson_with_package_get(*, user: User, package: H5PPackage, lesson_pk) -> LessonPage:
    """A lesson the user reads that holds this package (404 otherwise)."""
    return get_object_or_404(lessons_using(user=user, package=package), pk=lesson_pk)


def result_for(*, user: User, package: H5PPackage, lesson: LessonPage) -> H5PResult | None:
    return H5PResult.objects.filter(student=user, package=package, lesson=lesson).first()


def my_results(*, user: User) -> QuerySet[H5PResult]:
    """A student's own results (guardians and staff have the class views)."""
    if not user.is_authenticated or user.role != Role.STUDENT:
        return H5PResult.objects.none()
    return (
        H5PResult.objects.filter(student=user)
        .select_related("package", "lesson")
        .order_by("-updated_at")
    )


# --- Teachers' tables ------------------------------------------------------------------------


@dataclass
class Column:
    lesson: LessonPage
    package: H5PPackage

    @property
    def key(self) -> tuple[int, int]:
        return (self.lesson.pk, self.package.pk)


@dataclass
class GradeRow:
    student: User
    cells: list[H5PResult | None] = field(default_factory=list)

    @property
    def completed(self) -> int:
        return sum(1 for cell in self.cells if cell and cell.completed)


def _students(classroom: Classroom) -> QuerySet[User]:
    return User.objects.filter(
        pk__in=Enrollment.objects.filter(classroom=classroom, active=True).values("student_id")
    ).order_by(vi_order("full_name"), "username")


def _grid(classroom: Classroom, columns: list[Column]) -> list[GradeRow]:
    students = list(_students(classroom))
    results = {
        (r.student_id, r.lesson_id, r.package_id): r
        for r in H5PResult.objects.filter(
            student__in=students,
            lesson_id__in={c.lesson.pk for c in columns},
            package_id__in={c.package.pk for c in columns},
        )
    }
    return [
        GradeRow(student, [results.get((student.pk, *column.key)) for column in columns])
        for student in students
    ]


def _columns(lessons) -> list[Column]:
    columns = []
    for lesson in lessons:
        ids = package_ids_in(lesson)
        packages = H5PPackage.objects.in_bulk(ids)
        columns += [Column(lesson, packages[pk]) for pk in ids if pk in packages]
    return columns


def assignment_results(assignment: LessonAssignment) -> tuple[list[Column], list[GradeRow]]:
    """One lesson's activities × the class's students (the assignment is already scoped)."""
    columns = _columns([assignment.lesson.specific])
    return columns, _grid(assignment.classroom, columns)


def gradebook_classroom_get(*, user: User, pk) -> Classroom:
    """A class whose gradebook the user may read: staff in scope only (404 otherwise)."""
    if not has_role(user, STAFF_ROLES):
        return get_object_or_404(Classroom.objects.none(), pk=pk)
    return get_object_or_404(classroom_list(user=user), pk=pk)


def gradebook(classroom: Classroom) -> tuple[list[Column], list[GradeRow]]:
    """Every H5P activity of the lessons assigned to the class × its students."""
    lesson_ids = LessonAssignment.objects.filter(classroom=classroom).values("lesson_id")
    lessons = LessonPage.objects.live().filter(pk__in=lesson_ids).order_by("path").specific()
    columns = _columns(lessons)
    return columns, _grid(classroom, columns)


def package_upload_targets(*, user: User) -> dict:
    """Where a user may upload: {"school": School | None, "library": bool}."""
    library = bool(
        user.is_superuser
        or user.role == Role.PROVINCE_OFFICER
        or (user.role == Role.TEACHER and user.groups.filter(name=LIBRARY_GROUP).exists())
    )
    school = user.school if user.role in SCHOOL_STAFF_ROLES else None
    return {"school": school, "library": library}


def package_can_delete(*, user: User, package: H5PPackage) -> bool:
    if not package_list(user=user).filter(pk=package.pk).exists():
        return False
    if user.is_superuser or user.role == Role.PROVINCE_OFFICER or package.uploaded_by_id == user.pk:
        return True
    if package.school_id is None:
        return package_upload_targets(user=user)["library"]
    return user.role == Role.SCHOOL_ADMIN and user.school_id == package.school_id
