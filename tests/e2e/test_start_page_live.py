"""The student's start page notices that a class went live and offers "Vào lớp" without a
reload (static/js/sessions-live.js polls classrooms:sessions_status)."""

import pytest

from .test_live_class import create_session, signed_in

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

pytestmark = pytest.mark.e2e

# Adds a session to the demo class.
E2E_WRITES_DATA = True


def test_join_appears_on_the_students_start_page_when_the_class_goes_live(browser, live_server_e2e):
    server = live_server_e2e
    session = create_session(server)
    teacher_ctx, teacher = signed_in(browser, server, "giaovien")
    student_ctx, student = signed_in(browser, server, "hocsinh")
    try:
        student.goto(f"{server.url}/")
        row = student.locator(f'li[data-session="{session["id"]}"]')
        expect(row).to_be_visible()
        expect(row.get_by_role("link", name="Vào lớp")).to_have_count(0)
        student.evaluate("window.__sameDocument = true")

        teacher.goto(f"{server.url}/")
        teacher.locator(
            f'li[data-session="{session["id"]}"] form[action$="/start/"] button'
        ).click()
        teacher.wait_for_url(f"**/sessions/{session['id']}/live/")

        # Within a poll (10 s) the student's page shows the class live, with "Vào lớp".
        join = row.get_by_role("link", name="Vào lớp")
        expect(join).to_be_visible(timeout=15_000)
        expect(row.locator(".tag")).to_have_class("tag status-live")
        assert student.evaluate("window.__sameDocument") is True  # no reload happened
        join.click()
        expect(student.locator("#live-room")).to_have_attribute("data-connected", "true")
    finally:
        for context in (teacher_ctx, student_ctx):
            context.close()
