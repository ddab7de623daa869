"""Reads for the org tree, always scoped to a user (DESIGN.md "Who may see what").

Every view and consumer fetches classrooms, schools, districts and students through these
functions. An object outside the user's scope is simply not in the queryset, so `*_get`
answers 404 and existence does not leak.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Role, User

from .models import AcademicYear, Classroom, District, Enrollment, School


def _is_province_wide(user: User) -> bool:
    return user.is_superuser or user.role == Role.PROVINCE_OFFICER


def _ward_ids(user: User):
    return user.wards.values("student_id")


def classroom_list(*, user: User) -> QuerySet[Classroom]:
    qs = Classroom.objects.select_related("school", "school__district", "year", "homeroom_teacher")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _is_province_wide(user):
        return qs
    if user.role == Role.DISTRICT_OFFICER:
        return qs.filter(school__district_id=user.district_id)
    if user.role == Role.SCHOOL_ADMIN:
        return qs.filter(school_id=user.school_id)
    if user.role == Role.TEACHER:
        teaches = Q(teaching_assignments__teacher=user) | Q(homeroom_teacher=user)
        return qs.filter(pk__in=Classroom.objects.filter(teaches).values("pk"))
    if user.role == Role.STUDENT:
        return qs.filter(
            Exists(Enrollment.objects.filter(classroom=OuterRef("pk"), student=user, active=True))
        )
    if user.role == Role.GUARDIAN:
        return qs.filter(
            Exists(
                Enrollment.objects.filter(
                    classroom=OuterRef("pk"), student__in=_ward_ids(user), active=True
                )
            )
        )
    return qs.none()


def classroom_get(*, user: User, pk) -> Classroom:
    return get_object_or_404(classroom_list(user=user), pk=pk)


def school_list(*, user: User) -> QuerySet[School]:
    qs = School.objects.select_related("district")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _is_province_wide(user):
        return qs
    if user.role == Role.DISTRICT_OFFICER:
        return qs.filter(district_id=user.district_id)
    if user.role in (Role.SCHOOL_ADMIN, Role.TEACHER, Role.STUDENT):
        return qs.filter(pk=user.school_id)
    if user.role == Role.GUARDIAN:
        return qs.filter(pk__in=User.objects.filter(pk__in=_ward_ids(user)).values("school_id"))
    return qs.none()


def school_get(*, user: User, pk) -> School:
    return get_object_or_404(school_list(user=user), pk=pk)


MANAGING_ROLES = {Role.SCHOOL_ADMIN, Role.DISTRICT_OFFICER, Role.PROVINCE_OFFICER}


def school_managed_list(*, user: User) -> QuerySet[School]:
    """Schools the user may onboard (classes, rosters): a school admin's own school, and an
    officer's schools in scope."""
    if not user.is_authenticated or not (user.is_superuser or user.role in MANAGING_ROLES):
        return School.objects.none()
    return school_list(user=user)


def school_managed_get(*, user: User, pk) -> School:
    return get_object_or_404(school_managed_list(user=user), pk=pk)


def district_list(*, user: User) -> QuerySet[District]:
    qs = District.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _is_province_wide(user):
        return qs
    if user.role == Role.DISTRICT_OFFICER:
        return qs.filter(pk=user.district_id)
    return qs.filter(pk__in=school_list(user=user).values("district_id"))


def student_list(*, user: User) -> QuerySet[User]:
    """Students the user may see: their names, classes and, later, their results."""
    qs = User.objects.filter(role=Role.STUDENT, is_active=True).select_related("school")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if _is_province_wide(user):
        return qs
    if user.role == Role.DISTRICT_OFFICER:
        return qs.filter(school__district_id=user.district_id)
    if user.role == Role.SCHOOL_ADMIN:
        return qs.filter(school_id=user.school_id)
    if user.role == Role.TEACHER:
        taught = Enrollment.objects.filter(
            active=True, classroom__in=classroom_list(user=user)
        ).values("student_id")
        return qs.filter(pk__in=taught)
    if user.role == Role.STUDENT:
        return qs.filter(pk=user.pk)
    if user.role == Role.GUARDIAN:
        return qs.filter(pk__in=_ward_ids(user))
    return qs.none()


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
