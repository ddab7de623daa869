"""One login, allauth's: the admins' own login pages only redirect to it, and the admins need a
session that passed MFA where the user has it."""

import pytest

from tests.factories import PASSWORD, StudentFactory, UserFactory

from .totp import totp_activate, totp_code

pytestmark = pytest.mark.django_db

ADMINS = ["/admin/", "/django-admin/"]


def superuser():
    return UserFactory(role="province_officer", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("home", ADMINS)
def test_a_password_posted_to_an_admin_login_page_signs_nobody_in(client, home):
    user = superuser()
    response = client.post(
        f"{home}login/?next={home}", {"username": user.username, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={home}"
    assert client.get(home).status_code == 302  # still signed out


@pytest.mark.parametrize("home", ADMINS)
def test_the_admins_send_anonymous_visitors_to_the_one_login(client, home):
    response = client.get(home, follow=True)
    assert response.redirect_chain[-1][0] == f"/accounts/login/?next={home}"
    assert response.status_code == 200
    assert 'name="login"' in response.content.decode()


def test_an_allauth_locked_account_cannot_use_the_admin_login_instead(client):
    user = superuser()
    for _ in range(5):
        client.post("/accounts/login/", {"login": user.username, "password": "sai-mat-khau"})
    client.post("/django-admin/login/", {"username": user.username, "password": PASSWORD})
    client.post("/admin/login/", {"username": user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("home", ADMINS)
def test_signing_in_with_password_and_code_opens_the_admin(client, home):
    user = superuser()
    secret = totp_activate(user)
    response = client.post(
        f"/accounts/login/?next={home}", {"login": user.username, "password": PASSWORD}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.parametrize("home", ADMINS)
def test_a_session_that_skipped_the_code_must_enter_it_for_the_admin(client, home):
    user = superuser()
    secret = totp_activate(user)
    client.force_login(user)  # a session that never entered a code
    response = client.get(home)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/")
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response["Location"] == home
    assert client.get(home).status_code == 200


@pytest.mark.parametrize("home", ADMINS)
def test_a_signed_in_student_finds_no_admin(client, home):
    client.force_login(StudentFactory())
    response = client.get(home, follow=True)
    assert response.status_code == 404
