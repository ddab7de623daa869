"""Staff roles (settings.MFA_REQUIRED_ROLES) must set up an authenticator app before anything
else. The test settings turn the list off for the rest of the suite; these tests turn the
production list back on."""

import os

import pytest

from tests.factories import (
    PASSWORD,
    DistrictOfficerFactory,
    ProvinceOfficerFactory,
    SchoolAdminFactory,
    StudentFactory,
    TeacherFactory,
    UserFactory,
)
from tests.settings_probe import settings_output

from .totp import totp_activate, totp_code

pytestmark = pytest.mark.django_db

ACTIVATE = "/accounts/2fa/totp/activate/"
REQUIRED = ["district_officer", "province_officer", "school_admin", "superuser"]


@pytest.fixture(autouse=True)
def _enforced(settings):
    settings.MFA_REQUIRED_ROLES = REQUIRED


def sign_in(client, user):
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert client.session.get("_auth_user_id") == str(user.pk)
    return response


STAFF = [
    SchoolAdminFactory,
    DistrictOfficerFactory,
    ProvinceOfficerFactory,
    lambda: UserFactory(is_superuser=True, is_staff=True),
]


@pytest.mark.parametrize("factory", STAFF)
def test_staff_without_an_authenticator_reach_only_its_setup(client, factory):
    user = factory()
    sign_in(client, user)
    for path in ("/", "/coverage/", "/api/v1/coverage/schools/", "/admin/", "/django-admin/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == ACTIVATE, path
    page = client.get("/", follow=True).content.decode()
    assert "hãy bật xác thực hai lớp bằng ứng dụng xác thực trước khi tiếp tục" in page
    assert client.get(ACTIVATE).status_code in (200, 302)  # the setup itself (maybe reauth first)


@pytest.mark.parametrize("factory", STAFF)
def test_staff_with_an_authenticator_get_in(client, factory):
    user = factory()
    totp_activate(user)
    client.force_login(user)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("factory", [StudentFactory, TeacherFactory])
def test_students_and_teachers_are_not_asked(client, factory):
    sign_in(client, factory())
    assert client.get("/").status_code == 200


def test_a_school_admin_sets_up_the_app_and_then_reaches_the_start_page(client):
    admin = SchoolAdminFactory()
    sign_in(client, admin)
    assert client.get("/")["Location"] == ACTIVATE
    page = client.get(ACTIVATE)
    if page.status_code == 302:  # allauth asks for the password again first
        assert page["Location"].startswith("/accounts/reauthenticate/")
        client.post(page["Location"], {"password": PASSWORD})
        page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_an_initial_password_is_changed_first_then_the_app_is_set_up(client):
    admin = SchoolAdminFactory(must_change_password=True)
    sign_in(client, admin)
    # The forced password change comes first and is reachable (no redirect loop) …
    assert client.get("/")["Location"] == "/accounts/password/change/"
    assert client.get("/accounts/password/change/").status_code == 200
    client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": "Hoc-Tiep-2026!x", "password2": "Hoc-Tiep-2026!x"},
    )
    admin.refresh_from_db()
    assert not admin.must_change_password
    # … then the authenticator app.
    assert client.get("/")["Location"] == ACTIVATE


def test_production_requires_it_and_the_demo_settings_relax_it():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL", "SECRET_KEY"}}
    roles = {}
    for name in ("production", "dev"):
        env.update(
            SECRET_KEY="x7!k2-" + "q" * 60,
            ALLOWED_HOSTS="hoctiep.example.vn",
            DATABASE_URL="sqlite:////tmp/hoctiep-mfa-settings.db",
            DJANGO_SETTINGS_MODULE=f"lms.settings.{name}",
        )
        roles[name] = settings_output("sorted(s.MFA_REQUIRED_ROLES)", env=env, timeout=120)
    assert roles["production"] == str(REQUIRED)
    assert roles["dev"] == "[]"
