"""The site's Content-Security-Policy in a real browser: lessons with KaTeX and a played H5P
activity, and a live room over its websocket, raise no CSP violation (tests/lms/test_csp.py
checks the header itself)."""

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

from tests.e2e.test_h5p import LESSON_TITLE as H5P_LESSON
from tests.e2e.test_h5p import SAMPLE
from tests.e2e.test_live_class import create_session, in_roster, signed_in

pytestmark = pytest.mark.e2e

# Answers the H5P activity and runs a live session of 9A.
E2E_WRITES_DATA = True

# Chromium reports a blocked script, style, frame or connection both as a DOM event and as a
# console error; listen to both, in every frame (the H5P player's iframe included).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
});
"""


def watch_csp(context) -> list[str]:
    violations: list[str] = []
    context.add_init_script(REPORT_VIOLATIONS)

    def record(message):
        if "CSP violation" in message.text or "Content Security Policy" in message.text:
            violations.append(f"{message.page.url if message.page else ''}: {message.text}")

    context.on("console", record)
    return violations


def test_lessons_with_katex_and_h5p_raise_no_violation(browser, live_server_e2e):
    server = live_server_e2e
    context, page = signed_in(browser, server, "hocsinh")
    violations = watch_csp(context)
    try:
        page.goto(f"{server.url}/lessons/")
        links = page.locator("table a[href]").evaluate_all("links => links.map(a => a.href)")
        assert links, "the demo student has no lessons"
        typeset = 0
        for url in dict.fromkeys(links):
            page.goto(url)
            typeset += page.locator(".lesson-body .katex").count()
        assert typeset, "no lesson showed a KaTeX formula"

        if SAMPLE.is_file():
            page.goto(f"{server.url}/lessons/")
            page.get_by_role("link", name=H5P_LESSON).first.click()
            page.locator("[data-h5p-start]").click()
            frame = page.frame_locator("iframe.h5p-iframe")
            # The player speaks Vietnamese (courses/h5p/l10n.py): "Sai" is False.
            frame.get_by_role("radio", name="Sai").click()
            frame.get_by_role("button", name="Kiểm tra").click()
            expect(page.locator("[data-h5p-score][data-recorded]")).to_contain_text("1/1")
        assert violations == []
    finally:
        context.close()


def test_live_room_raises_no_violation(browser, live_server_e2e):
    server = live_server_e2e
    session = create_session(server)
    live_url = f"{server.url}/sessions/{session['id']}/live/"
    teacher_ctx, teacher = signed_in(browser, server, "giaovien")
    student_ctx, student = signed_in(browser, server, "hocsinh")
    teacher_violations, student_violations = watch_csp(teacher_ctx), watch_csp(student_ctx)
    try:
        teacher.goto(f"{server.url}/")
        token = teacher.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        response = teacher.request.post(
            f"{server.url}/sessions/{session['id']}/start/",
            form={"csrfmiddlewaretoken": token},
            headers={"Referer": f"{server.url}/"},
        )
        assert response.ok, response.status
        for page in (teacher, student):
            page.goto(live_url)
            expect(page.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(in_roster(teacher, session["an"][0])).to_be_visible()
        student.fill("#room-chat-text", "Em chào cô")
        student.click("#room-chat-form button")
        expect(teacher.locator("#room-chat li .text", has_text="Em chào cô")).to_be_visible()
        teacher.click("#room-end-open")  # "Kết thúc" asks first
        with teacher.expect_navigation():
            teacher.click("#room-end")
        assert teacher_violations == []
        assert student_violations == []
    finally:
        teacher_ctx.close()
        student_ctx.close()
