"""Reads for accounts, scoped to the user."""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from classrooms.models import Classroom, School
from classrooms.selectors import classroom_get, school_managed_list, user_manages_schools

from .models import RosterImport, User


def roster_school_list(*, user: User) -> QuerySet[School]:
    """Schools whose roster the user may import: their own (school admin) or in their scope."""
    return school_managed_list(user=user)


def roster_import_get(*, user: User, pk) -> RosterImport:
    return get_object_or_404(
        RosterImport.objects.select_related("school"),
        pk=pk,
        school__in=roster_school_list(user=user),
    )


def slips_allowed(*, user: User, classroom: Classroom) -> bool:
    """Credential slips are for the school's staff and the class's homeroom teacher."""
    return user_manages_schools(user) or classroom.homeroom_teacher_id == user.pk


def slips_classroom_get(*, user: User, pk) -> Classroom:
    classroom = classroom_get(user=user, pk=pk)
    if not slips_allowed(user=user, classroom=classroom):
        raise Http404
    return classroom
