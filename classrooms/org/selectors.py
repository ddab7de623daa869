"""Reads for the org tree, always scoped to a user (DESIGN.md "Who may see what").

Every view and consumer fetches classrooms, schools, districts and students through these
functions. An object outside the user's scope is simply not in the queryset, so `*_get`
answers 404 and existence does not leak.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Notice, Role, User
from lms.access import has_role, scoped
from lms.collation import vi_order
from lms.roles import ADMIN_ROLES

from .models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
    Term,
)


def _ward_ids(user: User):
    return user.wards.values("student_id")


def classroom_list(*, user: User) -> QuerySet[Classroom]:
    def enrolled(students) -> Q:
        return Q(
            Exists(
                Enrollment.objects.filter(
                    classroom=OuterRef("pk"), student__in=students, active=True
                )
            )
        )

    def teaches() -> Q:
        taught = Q(teaching_assignments__teacher=user) | Q(homeroom_teacher=user)
        return Q(pk__in=Classroom.objects.filter(taught).values("pk"))

    return scoped(
        Classroom.objects.select_related("school", "school__district", "year", "homeroom_teacher"),
        user=user,
        rules={
            Role.DISTRICT_OFFICER: lambda: Q(school__district_id=user.district_id),
            Role.SCHOOL_ADMIN: lambda: Q(school_id=user.school_id),
            Role.TEACHER: teaches,
            Role.STUDENT: lambda: enrolled([user.pk]),
            Role.GUARDIAN: lambda: enrolled(_ward_ids(user)),
        },
    )


def classroom_get(*, user: User, pk) -> Classroom:
    return get_object_or_404(classroom_list(user=user), pk=pk)


def school_list(*, user: User) -> QuerySet[School]:
    def own_school() -> Q:
        return Q(pk=user.school_id)

    return scoped(
        School.objects.select_related("district"),
        user=user,
        rules={
            Role.DISTRICT_OFFICER: lambda: Q(district_id=user.district_id),
            Role.SCHOOL_ADMIN: own_school,
            Role.TEACHER: own_school,
            Role.STUDENT: own_school,
            Role.GUARDIAN: lambda: Q(
                pk__in=User.objects.filter(pk__in=_ward_ids(user)).values("school_id")
            ),
        },
    )


def school_get(*, user: User, pk) -> School:
    return get_object_or_404(school_list(user=user), pk=pk)


def user_manages_schools(user: User) -> bool:
    return has_role(user, ADMIN_ROLES)


def school_managed_list(*, user: User) -> QuerySet[School]:
    """Schools the user may onboard (classes, rosters): a school admin's own school, and an
    officer's schools in scope."""
    if not user_manages_schools(user):
        return School.objects.none()
    return school_list(user=user)


def school_managed_get(*, user: User, pk) -> School:
    return get_object_or_404(school_managed_list(user=user), pk=pk)


def slips_school_allowed(*, user: User, school: School) -> bool:
    """Initial passwords (sign-in slips, classrooms.roster) are read by the school's own
    admins, never by officers above it."""
    return user.is_authenticated and user.role == Role.SCHOOL_ADMIN and user.school_id == school.pk


def slips_allowed(*, user: User, classroom: Classroom) -> bool:
    """A class's slips: the school's admins and the class's homeroom teacher."""
    return (
        slips_school_allowed(user=user, school=classroom.school)
        or classroom.homeroom_teacher_id == user.pk
    )


def classroom_meeting_editable(*, user: User, classroom: Classroom) -> bool:
    """A class's own meeting link: its homeroom teacher and the school's admins."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.SCHOOL_ADMIN:
        return user.school_id == classroom.school_id
    return user.role == Role.TEACHER and classroom.homeroom_teacher_id == user.pk


def district_list(*, user: User) -> QuerySet[District]:
    def of_visible_schools() -> Q:
        return Q(pk__in=school_list(user=user).values("district_id"))

    rules = dict.fromkeys(Role, of_visible_schools)
    rules[Role.DISTRICT_OFFICER] = lambda: Q(pk=user.district_id)
    return scoped(District.objects.all(), user=user, rules=rules)


def student_list(*, user: User) -> QuerySet[User]:
    """Students the user may see: their names, classes and, later, their results."""
    return scoped(
        User.objects.filter(role=Role.STUDENT, is_active=True).select_related("school"),
        user=user,
        rules={
            Role.DISTRICT_OFFICER: lambda: Q(school__district_id=user.district_id),
            Role.SCHOOL_ADMIN: lambda: Q(school_id=user.school_id),
            Role.TEACHER: lambda: Q(
                pk__in=Enrollment.objects.filter(
                    active=True, classroom__in=classroom_list(user=user)
                ).values("student_id")
            ),
            Role.STUDENT: lambda: Q(pk=user.pk),
            Role.GUARDIAN: lambda: Q(pk__in=_ward_ids(user)),
        },
    )


def classroom_roster(*, user: User, classroom: Classroom) -> QuerySet[User]:
    """Active students of a class the user can already see, by name."""
    classroom_get(user=user, pk=classroom.pk)
    if user.role == Role.GUARDIAN:
        return student_list(user=user).filter(
            enrollments__classroom=classroom, enrollments__active=True
        )
    return (
        User.objects.filter(enrollments__classroom=classroom, enrollments__active=True)
        .order_by(vi_order("full_name"), "username")
        .distinct()
    )


def academic_year_current() -> AcademicYear | None:
    return AcademicYear.objects.filter(is_current=True).first()


def with_student_counts(qs: QuerySet[Classroom]) -> QuerySet[Classroom]:
    return qs.annotate(
        student_count=Count("enrollments", filter=Q(enrollments__active=True), distinct=True)
    )


def user_teaches_classroom(user: User, classroom: Classroom) -> bool:
    """A teacher of the class: its homeroom teacher or one with a subject in it."""
    if not user.is_authenticated or user.role != Role.TEACHER:
        return False
    return classroom.homeroom_teacher_id == user.pk or (
        TeachingAssignment.objects.filter(classroom=classroom, teacher=user).exists()
    )


def subjects_for_teacher(*, user: User, classroom: Classroom) -> QuerySet[Subject]:
    """The subjects a teacher may hold a session of in a class: the ones they teach there. A
    homeroom teacher who teaches no subject in their own class gets the subjects they teach
    this year at the class's level, else every subject of that level (a class meeting needs
    one). Anyone who does not teach the class gets none."""
    if not user_teaches_classroom(user, classroom):
        return Subject.objects.none()
    mine = TeachingAssignment.objects.filter(teacher=user)
    subjects = Subject.objects.filter(pk__in=mine.filter(classroom=classroom).values("subject_id"))
    if classroom.homeroom_teacher_id == user.pk and not subjects.exists():
        of_level = Subject.objects.with_level(classroom.level)
        subjects = of_level.filter(
            pk__in=mine.filter(classroom__year_id=classroom.year_id).values("subject_id")
        )
        if not subjects.exists():
            subjects = of_level
    return subjects.order_by(vi_order("name"))


def terms_for(*, year: AcademicYear, term_id=None) -> tuple[list[Term], Term | None]:
    """The year's terms and the chosen one: ?term=<id>, else the term of today, else the
    latest that has begun, else the first. None when the year has no terms (whole year)."""
    terms = list(year.terms.all())
    if not terms:
        return terms, None
    chosen = next((t for t in terms if str(t.pk) == str(term_id)), None)
    if chosen is None:
        today = timezone.localdate()
        begun = [t for t in terms if t.starts_on <= today]
        chosen = next((t for t in begun if today <= t.ends_on), begun[-1] if begun else terms[0])
    return terms, chosen


def ward_get(*, user: User, pk) -> User:
    """A guardian's child; anyone else's child (or a non-guardian) answers 404."""
    if not user.is_authenticated or user.role != Role.GUARDIAN:
        raise Http404
    return get_object_or_404(User.objects.filter(pk__in=_ward_ids(user)), pk=pk)


def notices_unread(*, user: User) -> QuerySet:
    return Notice.objects.filter(user=user, read_at__isnull=True)
