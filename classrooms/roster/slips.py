"""Credential slips: what a class's students (and their guardians) need to sign in."""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.credentials import credential_password, credentials_discard, initial_password_set
from accounts.models import Guardianship, InitialCredential, Role, User
from accounts.usernames import vietnamese_name_key
from lms.exports import xlsx_bytes

from ..org.models import Classroom, School


@dataclass
class Slip:
    user: User
    password: str | None  # None: handed out already, or expired; a reset makes a new one
    guardians: list[tuple[User, str | None]]


def classroom_slips(*, classroom: Classroom) -> list[Slip]:
    return _slips_for(
        User.objects.filter(
            role=Role.STUDENT, enrollments__classroom=classroom, enrollments__active=True
        ).distinct()
    )


def school_teacher_slips(*, school: School) -> list[Slip]:
    return _slips_for(User.objects.filter(role=Role.TEACHER, school=school, is_active=True))


def _slips_for(users) -> list[Slip]:
    students = sorted(users, key=lambda u: (*vietnamese_name_key(u.full_name), u.username))
    credentials = {c.user_id: c for c in InitialCredential.objects.filter(user__in=students)}
    guardians: dict[int, list[User]] = {}
    for link in Guardianship.objects.filter(student__in=students).select_related("guardian"):
        guardians.setdefault(link.student_id, []).append(link.guardian)
    guardian_credentials = {
        c.user_id: c
        for c in InitialCredential.objects.filter(
            user__in=[g for gs in guardians.values() for g in gs]
        )
    }

    def readable(credentials_by_user, user):
        credential = credentials_by_user.get(user.pk)
        return credential_password(credential) if credential else None

    return [
        Slip(
            user=student,
            password=readable(credentials, student),
            guardians=[
                (g, readable(guardian_credentials, g)) for g in guardians.get(student.pk, [])
            ],
        )
        for student in students
    ]


def slips_xlsx(*, school: School, group: str, slips: list[Slip], site_url: str) -> bytes:
    """The slips as a spreadsheet; `group` is the class name, or "Giáo viên" for teachers."""
    headers = [
        _("School"),
        _("Class"),
        _("Full name"),
        _("Username"),
        _("Initial password"),
        _("Guardian username"),
        _("Guardian initial password"),
        _("Site"),
    ]
    rows = []
    for slip in slips:
        guardian, guardian_password = slip.guardians[0] if slip.guardians else (None, None)
        rows.append(
            [
                school.name,
                group,
                slip.user.full_name,
                slip.user.username,
                slip.password or _("(handed out: reset to print again)"),
                guardian.username if guardian else "",
                guardian_password or "" if guardian else "",
                site_url,
            ]
        )
    return xlsx_bytes(group, headers, rows)


@transaction.atomic
def slips_hand_out(*, slips: list[Slip]) -> int:
    """The slips are on paper now: forget these readable initial passwords."""
    users = [s.user for s in slips] + [g for s in slips for g, _ in s.guardians]
    return credentials_discard(users=users)


def slips_of(*, slips: list[Slip], user_id) -> list[Slip]:
    """The slips that show this person: their own, or (a guardian) their children's."""
    chosen = str(user_id)
    return [
        s
        for s in slips
        if str(s.user.pk) == chosen or any(str(g.pk) == chosen for g, _p in s.guardians)
    ]


def slips_person(*, slips: list[Slip], user_id) -> User | None:
    """The person with this id on these slips (a student, a teacher or a guardian), if any."""
    for slip in slips:
        for person in (slip.user, *(g for g, _p in slip.guardians)):
            if str(person.pk) == str(user_id):
                return person
    return None


@transaction.atomic
def slips_reset(*, slips: list[Slip], user_ids: list) -> int:
    """New initial passwords for the chosen people on these slips (students, teachers or their
    guardians), and no one else: the way back in for someone who forgot their password."""
    chosen = {str(pk) for pk in user_ids}
    people = {}
    for slip in slips:
        for person in (slip.user, *(g for g, _p in slip.guardians)):
            if str(person.pk) in chosen:
                people[person.pk] = person
    for person in people.values():
        initial_password_set(user=person)
    return len(people)
