"""Reads for roster imports and sign-in slips, scoped to the user.

Who may read a class's slips is an org rule (classrooms.org.selectors.slips_allowed), since the
class page offers the link; this module fetches the objects behind that rule, 404 otherwise.
"""

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import RosterImport, User

from ..org.models import Classroom, School
from ..org.selectors import (
    classroom_get,
    school_managed_get,
    school_managed_list,
    slips_allowed,
    slips_school_allowed,
)


def roster_school_list(*, user: User) -> QuerySet[School]:
    """Schools whose roster the user may import: their own (school admin) or in their scope."""
    return school_managed_list(user=user)


def roster_import_get(*, user: User, pk) -> RosterImport:
    return get_object_or_404(
        RosterImport.objects.select_related("school"),
        pk=pk,
        school__in=roster_school_list(user=user),
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
