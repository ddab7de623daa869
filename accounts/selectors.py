"""Reads for accounts, scoped to the user."""

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from classrooms.org.models import Classroom, School
from classrooms.org.selectors import classroom_get, school_managed_get, school_managed_list

from .models import Role, RosterImport, User


def roster_school_list(*, user: User) -> QuerySet[School]:
    """Schools whose roster the user may import: their own (school admin) or in their scope."""
    return school_managed_list(user=user)


def roster_import_get(*, user: User, pk) -> RosterImport:
    return get_object_or_404(
        RosterImport.objects.select_related("school"),
        pk=pk,
        school__in=roster_school_list(user=user),
    )


def slips_school_allowed(*, user: User, school: School) -> bool:
    """Initial passwords are read by the school's own admins, never by officers above it."""
    return user.is_authenticated and user.role == Role.SCHOOL_ADMIN and user.school_id == school.pk


def slips_allowed(*, user: User, classroom: Classroom) -> bool:
    """A class's slips: the school's admins and the class's homeroom teacher."""
    return (
        slips_school_allowed(user=user, school=classroom.school)
        or classroom.homeroom_teacher_id == user.pk
    )


def slips_classroom_get(*, user: User, pk) -> Classroom:
    classroom = classroom_get(user=user, pk=pk)
    if not slips_allowed(user=user, classroom=classroom):
        raise Http404
    return classroom


def slips_school_get(*, user: User, pk) -> School:
    """The school whose teachers' slips the user may read."""
    school = school_managed_get(user=user, pk=pk)
    if not slips_school_allowed(user=user, school=school):
        raise Http404
    return school


def user_mfa_required(*, user: User) -> bool:
    """Whether the user must have an authenticator app (settings.MFA_REQUIRED_ROLES)."""
    roles = settings.MFA_REQUIRED_ROLES
    return user.role in roles or (user.is_superuser and "superuser" in roles)


def user_has_totp(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_must_set_up_mfa(*, user: User) -> bool:
    """A role that must have an authenticator app and has none yet: pages send it to the setup,
    sockets refuse it (accounts.middleware, lms.routing)."""
    return user_mfa_required(user=user) and not user_has_totp(user=user)
