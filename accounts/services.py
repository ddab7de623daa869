"""Writes for accounts. Views, imports and seed_demo create users through these functions."""

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from lms.roles import SCHOOL_ROLES

from .models import Guardianship, Role, User


def user_validate_affiliation(
    *, role: str, school: models.Model | None, district: models.Model | None
):
    """A user's role fixes what it is attached to: a school, a district, or neither.

    `school` and `district` are the classrooms models User's foreign keys name; accounts sits
    below classrooms (docs/architecture.md), so they are typed as models, not imported."""
    errors = {}
    if role in SCHOOL_ROLES and school is None:
        errors["school"] = _("A student, teacher or school admin must belong to a school.")
    if role not in SCHOOL_ROLES and school is not None:
        errors["school"] = _("Only students, teachers and school admins belong to a school.")
    if role == Role.DISTRICT_OFFICER and district is None:
        errors["district"] = _("A district officer must belong to a district.")
    if role != Role.DISTRICT_OFFICER and district is not None:
        errors["district"] = _("Only district officers belong to a district.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    full_name: str,
    password: str | None = None,
    email: str = "",
    phone: str = "",
    school: models.Model | None = None,
    district: models.Model | None = None,
) -> User:
    user_validate_affiliation(role=role, school=school, district=district)
    user = User(
        username=username,
        role=role,
        full_name=full_name,
        email=email,
        phone=phone,
        school=school,
        district=district,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


def guardianship_create(*, guardian: User, student: User, relation: str = "") -> Guardianship:
    if guardian.role != Role.GUARDIAN:
        raise ValidationError({"guardian": _("This account is not a guardian account.")})
    if student.role != Role.STUDENT:
        raise ValidationError({"student": _("A guardian can only be linked to a student.")})
    guardianship = Guardianship(guardian=guardian, student=student, relation=relation)
    guardianship.full_clean()
    guardianship.save()
    return guardianship
