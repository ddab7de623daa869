import pytest
from django.core import mail

from tests.factories import PASSWORD, StudentFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def post_login(client, login, password):
    return client.post(LOGIN_URL, {"login": login, "password": password})


def test_login_by_username_lands_on_the_start_page(client):
    user = StudentFactory(username="nguyenvanan.9a")
    response = post_login(client, "nguyenvanan.9a", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").context["user"] == user


def test_login_by_email_works_too(client):
    StudentFactory(email="an@truong.edu.vn")
    response = post_login(client, "an@truong.edu.vn", PASSWORD)
    assert response.status_code == 302


def test_wrong_password_shows_a_vietnamese_error(client):
    StudentFactory(username="an")
    response = post_login(client, "an", "sai-mat-khau")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'lang="vi"' in page
    assert "Tên đăng nhập và/hoặc mật khẩu không đúng." in page
    assert "_auth_user_id" not in client.session


def test_repeated_failures_are_rate_limited_even_with_the_right_password(client):
    StudentFactory(username="an")
    for _ in range(5):
        post_login(client, "an", "sai-mat-khau")
    response = post_login(client, "an", PASSWORD)
    page = response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "Bạn đã đăng nhập sai quá nhiều lần" in page


def test_public_signup_is_closed(client):
    response = client.get("/accounts/signup/")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="password1"' not in page
    response = client.post(
        "/accounts/signup/",
        {"username": "hacker", "password1": "Xx-12345678", "password2": "Xx-12345678"},
    )
    from accounts.models import User

    assert not User.objects.filter(username="hacker").exists()


def test_password_reset_sends_a_link_by_email(client):
    StudentFactory(email="an@truong.edu.vn")
    response = client.post("/accounts/password/reset/", {"email": "an@truong.edu.vn"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_logout_needs_a_post_with_csrf(client):
    from django.test import Client

    user = StudentFactory()
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.post("/accounts/logout/")
    assert response.status_code == 403
    assert csrf_client.session.get("_auth_user_id") == str(user.pk)


def test_login_page_uses_the_site_layout_in_vietnamese(client):
    page = client.get(LOGIN_URL).content.decode()
    assert 'lang="vi"' in page
    assert "Đăng nhập" in page
    assert "css/site.css" in page


def test_an_officer_can_turn_on_two_factor_with_an_authenticator_app(client):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import hotp_value

    from tests.factories import DistrictOfficerFactory

    officer = DistrictOfficerFactory()
    post_login(client, officer.username, PASSWORD)
    # allauth asks for the password again before a security change.
    page = client.get("/accounts/2fa/totp/activate/")
    assert page["Location"].startswith("/accounts/reauthenticate/")
    client.post(page["Location"], {"password": PASSWORD})
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value

    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post("/accounts/2fa/totp/activate/", {"code": code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=officer, type=Authenticator.Type.TOTP).exists()
    # The start page no longer nags them.
    assert "/accounts/2fa/totp/activate/" not in client.get("/").content.decode()


def test_rate_limited_password_resets_get_a_vietnamese_page(client):
    StudentFactory(email="an@truong.edu.vn")
    statuses = [
        client.post("/accounts/password/reset/", {"email": "an@truong.edu.vn"}).status_code
        for _ in range(7)
    ]
    assert 429 in statuses
    response = client.post("/accounts/password/reset/", {"email": "an@truong.edu.vn"})
    assert response.status_code == 429
    assert 'lang="vi"' in response.content.decode()
