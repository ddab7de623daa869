"""Reads for the org tree, always scoped to a user (DESIGN.md "Who may see what").

Every view and consumer fetches classrooms, schools, districts and students through these
functions. An object outside the user's scope is simply not in the queryset, so `*_get`
answers 404 and existence does not leak.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role, User

from .models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    LiveSession,
    School,
    TeachingAssignment,
)


def _ward_ids(user: User):
    return user.wards.values("student_id")


def _scoped(qs: QuerySet, user: User, rules: dict) -> QuerySet:
    """The part of qs the user may see. Province officers (and superusers) see everything;
    every other role sees what its rule, a function returning a Q, lets through; an inactive
    or anonymous user, or a role without a rule, sees nothing."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_superuser or user.role == Role.PROVINCE_OFFICER:
        return qs
    rule = rules.get(user.role)
    return qs.filter(rule()) if rule else qs.none()


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

    return _scoped(
        Classroom.objects.select_related("school", "school__district", "year", "homeroom_teacher"),
        user,
        {
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

    return _scoped(
        School.objects.select_related("district"),
        user,
        {
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


MANAGING_ROLES = {Role.SCHOOL_ADMIN, Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER}


def user_manages_schools(user: User) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in MANAGING_ROLES)


def school_managed_list(*, user: User) -> QuerySet[School]:
    """Schools the user may onboard (classes, rosters): a school admin's own school, and an
    officer's schools in scope."""
    if not user_manages_schools(user):
        return School.objects.none()
    return school_list(user=user)


def school_managed_get(*, user: User, pk) -> School:
    return get_object_or_404(school_managed_list(user=user), pk=pk)


def district_list(*, user: User) -> QuerySet[District]:
    def of_visible_schools() -> Q:
        return Q(pk__in=school_list(user=user).values("district_id"))

    rules = dict.fromkeys(Role, of_visible_schools)
    rules[Role.DISTRICT_OFFICER] = lambda: Q(pk=user.district_id)
    return _scoped(District.objects.all(), user, rules)


def student_list(*, user: User) -> QuerySet[User]:
    """Students the user may see: their names, classes and, later, their results."""
    return _scoped(
        User.objects.filter(role=Role.STUDENT, is_active=True).select_related("school"),
        user,
        {
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


def student_get(*, user: User, pk) -> User:
    return get_object_or_404(student_list(user=user), pk=pk)


def classroom_roster(*, user: User, classroom: Classroom) -> QuerySet[User]:
    """Active students of a class the user can already see, by name."""
    classroom_get(user=user, pk=classroom.pk)
    if user.role == Role.GUARDIAN:
        return student_list(user=user).filter(
            enrollments__classroom=classroom, enrollments__active=True
        )
    return (
        User.objects.filter(enrollments__classroom=classroom, enrollments__active=True)
        .order_by("full_name", "username")
        .distinct()
    )


def academic_year_current() -> AcademicYear | None:
    return AcademicYear.objects.filter(is_current=True).first()


def with_student_counts(qs: QuerySet[Classroom]) -> QuerySet[Classroom]:
    return qs.annotate(
        student_count=Count("enrollments", filter=Q(enrollments__active=True), distinct=True)
    )


# --- Live sessions -------------------------------------------------------------------------


def session_list(*, user: User) -> QuerySet[LiveSession]:
    """Sessions the user may see: those of the classes they can see, and, for a teacher, also
    the sessions they teach themselves (a substitute teacher of a one-off session)."""

    def of_visible_classes() -> Q:
        return Q(classroom__in=classroom_list(user=user).values("pk"))

    def teacher() -> Q:
        return of_visible_classes() | Q(teacher=user)

    return _scoped(
        LiveSession.objects.select_related("classroom", "classroom__school", "subject", "teacher"),
        user,
        {
            Role.DISTRICT_OFFICER: lambda: Q(classroom__school__district_id=user.district_id),
            Role.SCHOOL_ADMIN: lambda: Q(classroom__school_id=user.school_id),
            Role.TEACHER: teacher,
            Role.STUDENT: of_visible_classes,
            Role.GUARDIAN: of_visible_classes,
        },
    )


def session_get(*, user: User, pk) -> LiveSession:
    return get_object_or_404(session_list(user=user), pk=pk)


def user_teaches_classroom(user: User, classroom: Classroom) -> bool:
    """A teacher of the class: its homeroom teacher or one with a subject in it."""
    if not user.is_authenticated or user.role != Role.TEACHER:
        return False
    return classroom.homeroom_teacher_id == user.pk or (
        TeachingAssignment.objects.filter(classroom=classroom, teacher=user).exists()
    )


def session_room_role(*, user: User, session: LiveSession) -> str | None:
    """The user's part in a session's live room: "teacher" (the session's teacher or a teacher
    of the class), "student" (actively enrolled in the class), "observer" (a school admin of the
    school, an officer in scope) or None (not admitted)."""
    if not user.is_authenticated or not user.is_active:
        return None
    classroom = session.classroom
    if session.teacher_id == user.pk or user_teaches_classroom(user, classroom):
        return "teacher"
    if user.role == Role.STUDENT:
        enrolled = Enrollment.objects.filter(
            classroom=classroom, student=user, active=True
        ).exists()
        return "student" if enrolled else None
    if user.is_superuser or user.role == Role.PROVINCE_OFFICER:
        return "observer"
    if user.role == Role.SCHOOL_ADMIN and user.school_id == classroom.school_id:
        return "observer"
    if user.role == Role.DISTRICT_OFFICER and user.district_id == classroom.school.district_id:
        return "observer"
    return None
