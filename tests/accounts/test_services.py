import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.models import Guardianship, Role, User
from tests.factories import (
    DistrictFactory,
    GuardianFactory,
    SchoolFactory,
    StudentFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


def test_student_needs_a_school():
    with pytest.raises(ValidationError) as exc:
        services.user_create(username="an", role=Role.STUDENT, full_name="Nguyễn Văn An")
    assert "school" in exc.value.message_dict
    assert not User.objects.filter(username="an").exists()


def test_district_officer_needs_a_district_and_no_school():
    with pytest.raises(ValidationError) as exc:
        services.user_create(
            username="pgd", role=Role.DISTRICT_OFFICER, full_name="Lê B", school=SchoolFactory()
        )
    assert set(exc.value.message_dict) == {"school", "district"}
    officer = services.user_create(
        username="pgd",
        role=Role.DISTRICT_OFFICER,
        full_name="Lê B",
        district=DistrictFactory(),
        password="Mat-khau-2026",
    )
    assert officer.check_password("Mat-khau-2026")


def test_user_without_password_cannot_log_in():
    user = services.user_create(
        username="hs1", role=Role.STUDENT, full_name="Trần C", school=SchoolFactory()
    )
    assert not user.has_usable_password()


def test_database_refuses_a_district_officer_without_district():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x", role=Role.DISTRICT_OFFICER)


def test_guardianship_links_a_guardian_to_a_student_once():
    guardian = GuardianFactory()
    student = StudentFactory()
    services.guardianship_create(guardian=guardian, student=student, relation="Bố")
    with pytest.raises(ValidationError):
        services.guardianship_create(guardian=guardian, student=student)
    assert Guardianship.objects.filter(guardian=guardian).count() == 1


def test_guardianship_rejects_wrong_roles():
    with pytest.raises(ValidationError):
        services.guardianship_create(guardian=TeacherFactory(), student=StudentFactory())
    with pytest.raises(ValidationError):
        services.guardianship_create(guardian=GuardianFactory(), student=TeacherFactory())
