"""The teacher chooses the lesson from inside the room: every phone loads it, and the class
then follows the teacher through its sections (issue 19 item 14)."""

import re

import pytest

from .test_live_class import create_session, query, signed_in
from .test_live_h5p import start

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

pytestmark = pytest.mark.e2e

# Adds a session (with a lesson) to the demo class.
E2E_WRITES_DATA = True


def test_a_lesson_chosen_in_the_room_reaches_the_students_phone(browser, live_server_e2e):
    server = live_server_e2e
    session = create_session(server)
    live_url = f"{server.url}/sessions/{session['id']}/live/"
    teacher_ctx, teacher = signed_in(browser, server, "giaovien")
    student_ctx, student = signed_in(browser, server, session["binh"][1])
    try:
        start(server, teacher, session["id"])
        for page in (teacher, student):
            page.goto(live_url)
            expect(page.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(student.locator(".room-lesson")).to_have_count(0)  # no lesson yet

        # The teacher's own lessons for the class; a choice sends it to the class.
        choice = teacher.locator("#room-lesson option:not([value=''])").first
        lesson_id = int(choice.get_attribute("value"))
        (title,) = query(server, "SELECT title FROM wagtailcore_page WHERE id = ?", lesson_id)[0]
        teacher.select_option("#room-lesson", str(lesson_id))
        teacher.click("#room-lesson-form button[type=submit]")

        # The student's phone loads the lesson and joins the room again.
        expect(student.locator("#lesson-title")).to_have_text(title)
        expect(student.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(teacher.locator("#lesson-title")).to_have_text(title)
        expect(teacher.locator("#live-room")).to_have_attribute("data-connected", "true")

        # Follow the teacher: the section the teacher shows is marked on the student's phone.
        picker = teacher.locator("#room-focus-anchor")
        anchor = picker.locator("option").last.get_attribute("value")
        picker.select_option(anchor)
        teacher.click("#room-focus button[type=submit]")
        focused = student.locator(f"[id='{anchor}']")
        expect(focused).to_have_class(re.compile(r"\bis-focused\b"))
        expect(student.locator("#room-focus-notice")).to_be_visible()
    finally:
        teacher_ctx.close()
        student_ctx.close()
