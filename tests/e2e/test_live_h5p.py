"""An H5P activity launched into the live room: the teacher launches it, the player opens on
the student's phone in the room, the student answers, and the teacher sees the score.

Uses the demo lesson with the TrueFalse sample (../shared/h5p/hello-truefalse.h5p), assigned
to 9A by seed_demo; skipped when the sample is absent.
"""

import re

import pytest

from .test_h5p import LESSON_TITLE, SAMPLE
from .test_live_class import create_session, query, signed_in

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

pytestmark = pytest.mark.e2e

# Adds a session and an H5P result to the demo class.
E2E_WRITES_DATA = True


@pytest.fixture(autouse=True)
def sample_present():
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is absent, so seed_demo made no H5P lesson")


def start(server, teacher, session_id):
    teacher.goto(f"{server.url}/")
    token = teacher.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    response = teacher.request.post(
        f"{server.url}/sessions/{session_id}/start/",
        form={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{server.url}/"},
    )
    assert response.ok, response.status


def test_teacher_launches_student_answers_in_room_teacher_sees_score(browser, live_server_e2e):
    server = live_server_e2e
    (lesson_id,) = query(
        server,
        "SELECT id FROM wagtailcore_page WHERE title = ? AND live = 1 ORDER BY id",
        LESSON_TITLE,
    )[0]
    session = create_session(server, lesson_id=lesson_id)
    live_url = f"{server.url}/sessions/{session['id']}/live/"
    binh_id, binh_username, binh_name = session["binh"]

    teacher_ctx, teacher = signed_in(browser, server, "giaovien")
    student_ctx, student = signed_in(browser, server, binh_username)
    bad: list[str] = []
    student.on(
        "response",
        lambda r: bad.append(f"{r.status} {r.url}") if r.status >= 400 else None,
    )
    try:
        start(server, teacher, session["id"])
        for page in (teacher, student):
            page.goto(live_url)
            expect(page.locator("#live-room")).to_have_attribute("data-connected", "true")
        # Nothing heavy is loaded before the activity is launched (3G phones).
        assert student.locator("iframe.h5p-iframe").count() == 0

        picker = teacher.locator("#room-focus-anchor")
        h5p_anchor = picker.locator("option[data-kind=h5p]").first.get_attribute("value")
        expect(teacher.locator("#room-h5p-launch")).to_be_disabled()  # a heading is picked
        picker.select_option(h5p_anchor)
        teacher.click("#room-h5p-launch")

        # The student's phone opens the player in the room, at the activity.
        expect(student.locator("#room-focus-notice")).to_be_visible()
        frame = student.frame_locator(f"[id='{h5p_anchor}'] iframe.h5p-iframe")
        # The activity's own words (Vietnamese where the library has them).
        frame.get_by_role("radio", name=re.compile(r"Sai|False")).click()
        frame.get_by_role("button", name=re.compile(r"Kiểm tra|Check")).click()
        expect(student.locator("[data-h5p-score][data-recorded]")).to_contain_text(
            "1/1", timeout=15_000
        )

        # The score reaches the teacher live, named.
        result = teacher.locator("#room-h5p-results li", has_text=binh_name)
        expect(result).to_contain_text("1", timeout=15_000)
        assert bad == [], bad
        assert not server.log_tail().count("Traceback"), server.log_tail()
    finally:
        for context in (teacher_ctx, student_ctx):
            context.close()
