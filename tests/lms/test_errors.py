"""Error pages in Vietnamese, in the site's layout, with DEBUG off (the test settings): 400,
403, 404, 500 and the CSRF failure; the API's errors in the request's language (Vietnamese
unless Accept-Language asks otherwise); /favicon.ico; no avatar from gravatar.com."""

import pytest
from django.test import Client

from tests.factories import StudentFactory, TeacherFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.lms.error_urls")]

SITE_LAYOUT = 'class="site-header"'


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


def page(response) -> str:
    return response.content.decode()


def test_unknown_address_is_a_vietnamese_404_in_the_site_layout(client):
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = page(response)
    assert SITE_LAYOUT in html
    assert '<html lang="vi">' in html
    assert "Không tìm thấy trang" in html
    assert "Page not found" not in html


def test_the_404_speaks_english_to_an_english_browser(client):
    response = client.get("/khong-co-trang-nay/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert "Page not found" in page(response)


def test_a_signed_in_user_keeps_their_menu_on_the_404(client):
    client.force_login(StudentFactory())
    html = page(client.get("/khong-co-trang-nay/"))
    assert "Đăng xuất" in html


def test_forbidden_is_a_vietnamese_403(client):
    response = client.get("/test-errors/403/")
    assert response.status_code == 403
    html = page(response)
    assert SITE_LAYOUT in html
    assert "Không có quyền truy cập" in html


def test_bad_request_is_a_vietnamese_400(client):
    response = client.get("/test-errors/400/")
    assert response.status_code == 400
    html = page(response)
    assert SITE_LAYOUT in html
    assert "Yêu cầu không hợp lệ" in html


def test_server_error_is_a_vietnamese_500_in_the_site_layout():
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/500/")
    assert response.status_code == 500
    html = page(response)
    assert SITE_LAYOUT in html
    assert "Đã có lỗi xảy ra" in html
    assert "a bug" not in html


def test_a_form_sent_without_its_csrf_token_explains_in_vietnamese():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"login": "x", "password": "y"})
    assert response.status_code == 403
    html = page(response)
    assert SITE_LAYOUT in html
    assert "Biểu mẫu đã hết hạn" in html
    assert "CSRF verification failed" not in html


# --- The API -----------------------------------------------------------------------------------


def test_api_permission_error_is_vietnamese_by_default(client):
    client.force_login(TeacherFactory())
    response = client.get("/api/v1/coverage/")
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert not detail.isascii(), detail  # not the permission's English message


def test_api_permission_error_is_english_when_asked(client):
    client.force_login(TeacherFactory())
    response = client.get("/api/v1/coverage/", headers={"accept-language": "en"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("Coverage is for")


def test_api_anonymous_error_follows_accept_language(client):
    vietnamese = client.get("/api/v1/coverage/")
    english = client.get("/api/v1/coverage/", headers={"accept-language": "en"})
    assert vietnamese.status_code == english.status_code == 401
    assert english.json()["detail"] == "Authentication credentials were not provided."
    assert not vietnamese.json()["detail"].isascii()


def test_unknown_api_address_and_api_crash_answer_json():
    client = Client(raise_request_exception=False)
    missing = client.get("/api/v1/khong-co/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Không tìm thấy."}
    crashed = client.get("/api/test-errors/500/", headers={"accept-language": "en"})
    assert crashed.status_code == 500
    assert crashed.json() == {"detail": "A server error occurred."}


# --- Favicon and avatars -----------------------------------------------------------------------


def test_favicon_answers_with_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an .ico header


def test_wagtail_admin_loads_no_avatar_from_gravatar(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True, role="province_officer"))
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "gravatar.com" not in page(response)
