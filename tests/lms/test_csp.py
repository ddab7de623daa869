"""The site's Content-Security-Policy (django-csp, lms/csp.py): on every site page, scripts only
from our origin or with the request's nonce, no inline handlers; the admins and the views that
send their own policy keep theirs. tests/e2e/test_csp.py checks it in a real browser."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.courses.conftest import world  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[2]
H5P_FRAME_SCRIPT = (
    "H5PIntegration = window.parent.H5PIntegration; var H5P = H5P || {}; H5P.externalEmbed = false;"
)


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def inline_scripts_carry_the_nonce(html: str, policy: dict) -> None:
    nonces = {v.removeprefix("'nonce-").removesuffix("'") for v in policy["script-src"]}
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        nonce = re.search(r'nonce="([^"]+)"', attributes)
        assert nonce and nonce.group(1) in nonces, f"inline script without nonce: {body[:80]}"


@pytest.fixture
def student(world):  # noqa: F811
    client = Client()
    client.force_login(world.student)
    return client


def test_site_pages_send_a_strict_policy(world, student):  # noqa: F811
    for response in (
        Client().get(reverse("account_login")),
        student.get(world.library_lesson.url),
        student.get(reverse("courses:my_lessons")),
    ):
        assert response.status_code == 200
        policy = directives(response)
        assert policy["script-src"][0] == "'self'"
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'self'"]
        assert "ws://testserver" in policy["connect-src"]
        inline_scripts_carry_the_nonce(response.content.decode(), policy)


def test_websocket_origin_follows_https(world, student):  # noqa: F811
    response = student.get(world.library_lesson.url, secure=True)
    assert "wss://testserver" in directives(response)["connect-src"]


def test_no_template_uses_inline_event_handlers():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "templates").rglob("*.html")
        if re.search(r"<[^>]+\son[a-z]+\s*=", path.read_text())
    ]
    assert offenders == []


def test_h5p_frame_script_hash_matches_the_player(settings):
    digest = base64.b64encode(hashlib.sha256(H5P_FRAME_SCRIPT.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["script-src"]
    frame = ROOT / "node_modules" / "h5p-standalone" / "dist" / "frame.bundle.js"
    if not frame.exists():
        pytest.skip("npm packages are not installed")
    assert f"<script>{H5P_FRAME_SCRIPT}<\\/script>" in frame.read_text()


def test_admin_keeps_wagtails_own_scripts(admin_client):
    response = admin_client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response
