"""lms.access: the one scoping rule behind every selector (DESIGN.md "Who may see what")."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from classrooms.models import District
from lms.access import has_role, scope_role, scoped
from lms.roles import ADMIN_ROLES, FAMILY_ROLES, STAFF_ROLES, Role
from tests.factories import (
    DistrictFactory,
    DistrictOfficerFactory,
    ProvinceOfficerFactory,
    SchoolFactory,
    TeacherFactory,
)


def _unused_rule():
    raise AssertionError("only the user's own rule is built")


@pytest.fixture
def districts(db):
    return DistrictFactory(code="DH"), DistrictFactory(code="HH"), DistrictFactory(code="GL")


def _own_district(user):
    return {
        Role.DISTRICT_OFFICER: lambda: Q(pk=user.district_id),
        Role.TEACHER: _unused_rule,
    }


def test_province_officer_sees_everything_without_a_rule(districts):
    officer = ProvinceOfficerFactory()
    seen = scoped(District.objects.all(), user=officer, rules={})
    assert set(seen) == set(districts)


def test_superuser_sees_everything_whatever_their_role(districts):
    admin = TeacherFactory(school=SchoolFactory(district=districts[0]), is_superuser=True)
    seen = scoped(District.objects.all(), user=admin, rules={Role.TEACHER: _unused_rule})
    assert set(seen) == set(districts)
    assert scope_role(admin) == Role.PROVINCE_OFFICER


def test_the_users_own_rule_is_applied(districts):
    officer = DistrictOfficerFactory(district=districts[1])
    seen = scoped(District.objects.all(), user=officer, rules=_own_district(officer))
    assert list(seen) == [districts[1]]


def test_a_role_without_a_rule_sees_nothing(districts):
    officer = DistrictOfficerFactory(district=districts[0])
    seen = scoped(District.objects.all(), user=officer, rules={Role.TEACHER: _unused_rule})
    assert not seen.exists()


@pytest.mark.parametrize("make", [ProvinceOfficerFactory, DistrictOfficerFactory])
def test_an_inactive_user_sees_nothing(districts, make):
    user = make(is_active=False, is_superuser=True)
    assert not scoped(District.objects.all(), user=user, rules=_own_district(user)).exists()


def test_an_anonymous_user_sees_nothing_and_has_no_role(districts):
    anonymous = AnonymousUser()
    assert not scoped(District.objects.all(), user=anonymous, rules={}).exists()
    assert not has_role(anonymous, STAFF_ROLES)


def test_has_role(db):
    teacher = TeacherFactory()
    assert has_role(teacher, STAFF_ROLES)
    assert not has_role(teacher, ADMIN_ROLES)
    teacher.is_superuser = True
    assert has_role(teacher, ADMIN_ROLES)


def test_every_role_is_either_staff_or_family():
    assert set(STAFF_ROLES) | set(FAMILY_ROLES) == set(Role)
    assert not set(STAFF_ROLES) & set(FAMILY_ROLES)
