"""A live class in three browsers: the teacher starts it, two students join, chat, raise a hand,
answer a poll; one drops and comes back; the teacher ends it and reads the attendance sheet.

Each person has their own browser context (own cookies), phone-sized. The session is put in the
shared server's database directly (a one-off for the demo class 9A, starting now), then started
through the real start endpoint, as the start page's button does.
"""

import datetime
import os
import re
import sqlite3

import pytest

from .helpers import server_now, shot

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

pytestmark = pytest.mark.e2e

# Adds a session and its attendance to the demo class: run after the start-page screenshots.
E2E_WRITES_DATA = True

# A class of a few seconds: with the default 20 s heartbeat a student's presence would rest on
# the single "last heartbeat" asked for at the end, and one late answer on a loaded machine
# would turn a present student absent. Heartbeats every 2 s make the journey measure presence
# as a real class does (the shared server is started after this module is imported).
os.environ.setdefault("LIVE_HEARTBEAT_SECONDS", "2")
# A student whose connection is lost leaves the teacher's list once the presence grace has
# passed (30 s by default: a network blip is not a departure; one who closes the page leaves at
# once); 2 s keeps the journey short.
os.environ.setdefault("LIVE_PRESENCE_GRACE_SECONDS", "2")

PASSWORD = "HocTiep@2026"  # every demo account's (demo/org.py)
PHONE = {"width": 390, "height": 844}


def db(server):
    return server.log_path.parent / "e2e.db"


def query(server, sql, *params):
    with sqlite3.connect(db(server)) as conn:
        return conn.execute(sql, params).fetchall()


def create_session(server, **extra) -> dict:
    """A scheduled one-off session of the demo teacher's class 9A, starting now (``extra``:
    more columns, e.g. ``lesson_id``)."""
    (teacher_id,) = query(server, "SELECT id FROM accounts_user WHERE username = 'giaovien'")[0]
    (an_id, an_name) = query(
        server, "SELECT id, full_name FROM accounts_user WHERE username = 'hocsinh'"
    )[0]
    (classroom_id,) = query(
        server,
        "SELECT classroom_id FROM classrooms_enrollment WHERE student_id = ? AND active = 1",
        an_id,
    )[0]
    (subject_id,) = query(
        server,
        "SELECT subject_id FROM classrooms_teachingassignment "
        "WHERE classroom_id = ? AND teacher_id = ? ORDER BY id",
        classroom_id,
        teacher_id,
    )[0]
    (binh_id, binh_username, binh_name) = query(
        server,
        "SELECT u.id, u.username, u.full_name FROM accounts_user u "
        "JOIN classrooms_enrollment e ON e.student_id = u.id "
        "WHERE e.classroom_id = ? AND e.active = 1 AND u.username != 'hocsinh' "
        "AND u.must_change_password = 0 ORDER BY u.username",
        classroom_id,
    )[0]
    now = server_now().replace(tzinfo=None)
    values = {
        "classroom_id": classroom_id,
        "subject_id": subject_id,
        "teacher_id": teacher_id,
        "title": "Ôn tập chương 1",
        "starts_at": now - datetime.timedelta(minutes=1),
        "ends_at": now + datetime.timedelta(minutes=44),
        "status": "scheduled",
        "meeting_url": "",
        "cancelled_reason": "",
        "chat_enabled": True,
        "created_at": now,
        **extra,
    }
    columns = {row[1] for row in query(server, "PRAGMA table_info(classrooms_livesession)")}
    values = {k: (v.isoformat(" ") if isinstance(v, datetime.datetime) else v)
              for k, v in values.items() if k in columns}  # fmt: skip
    with sqlite3.connect(db(server)) as conn:
        cursor = conn.execute(
            f"INSERT INTO classrooms_livesession ({', '.join(values)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(values))})",
            tuple(values.values()),
        )
        session_id = cursor.lastrowid
    return {
        "id": session_id,
        "an": (an_id, an_name),
        "binh": (binh_id, binh_username, binh_name),
    }


def signed_in(browser, server, username):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    return context, page


def in_roster(page, user_id):
    return page.locator(f'#room-online li[data-user="{user_id}"]')


def test_live_class_journey(browser, live_server_e2e):
    server = live_server_e2e
    session = create_session(server)
    live_url = f"{server.url}/sessions/{session['id']}/live/"
    an_id, an_name = session["an"]
    (teacher_name,) = query(
        server, "SELECT full_name FROM accounts_user WHERE username = 'giaovien'"
    )[0]
    binh_id, binh_username, binh_name = session["binh"]

    teacher_ctx, teacher = signed_in(browser, server, "giaovien")
    an_ctx, an = signed_in(browser, server, "hocsinh")
    binh_ctx, binh = signed_in(browser, server, binh_username)
    try:
        # The teacher starts the session (the start page's button posts here) and lands in it.
        token = teacher.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        teacher.goto(f"{server.url}/")
        token = teacher.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
        response = teacher.request.post(
            f"{server.url}/sessions/{session['id']}/start/",
            form={"csrfmiddlewaretoken": token},
            headers={"Referer": f"{server.url}/"},
        )
        assert response.ok, response.status
        assert response.url.endswith(f"/sessions/{session['id']}/live/")
        teacher.goto(live_url)
        expect(teacher.locator("#live-room")).to_have_attribute("data-connected", "true")

        for page in (an, binh):
            page.goto(live_url)
            expect(page.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(in_roster(teacher, an_id)).to_be_visible()
        expect(in_roster(teacher, binh_id)).to_be_visible()
        expect(in_roster(an, binh_id)).to_be_visible()

        # Chat: raw text reaches everyone and is shown as text, not markup.
        an.fill("#room-chat-text", "<b>Em chào cô</b>")
        an.click("#room-chat-form button")
        for page in (teacher, binh):
            message = page.locator("#room-chat li .text", has_text="<b>Em chào cô</b>")
            expect(message).to_be_visible()
            assert page.locator("#room-chat b").count() == 0

        # A raised hand shows in the teacher's queue; the teacher lowers it.
        binh.click("#room-hand")
        expect(binh.locator("#room-hand")).to_have_attribute("aria-pressed", "true")
        hand = teacher.locator(f'#room-hands li[data-user="{binh_id}"]')
        expect(hand).to_be_visible()
        hand.locator("button").click()
        expect(hand).to_have_count(0)
        expect(binh.locator("#room-hand")).to_have_attribute("aria-pressed", "false")

        # A poll: the teacher opens it, both students answer, the bars count live.
        teacher.locator(".poll-new summary").click()
        teacher.fill("#poll-question", "2 + 2 = ?")
        teacher.fill("#poll-option-0", "3")
        teacher.fill("#poll-option-1", "4")
        teacher.click("#room-poll-form button[type=submit]")
        an.locator(".poll-answer", has_text="4").click()
        binh.locator(".poll-answer", has_text="3").click()
        expect(teacher.locator("#room-poll meter")).to_have_count(2)
        expect(teacher.locator("#room-poll .poll-bar .num")).to_have_text(["1", "1"])
        expect(an.locator("#room-poll .poll-bar.chosen")).to_contain_text("4")

        # Bình drops (closes the page) and comes back.
        binh.close()
        expect(in_roster(teacher, binh_id)).to_have_count(0)
        binh = binh_ctx.new_page()
        binh.goto(live_url)
        expect(binh.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(in_roster(teacher, binh_id)).to_be_visible()
        # The history came back with the reconnect.
        expect(binh.locator("#room-chat li .text", has_text="Em chào cô")).to_be_visible()
        # Both stay a few heartbeats before the end.
        teacher.wait_for_timeout(5_000)
        shot(teacher, "live-room-teacher")
        shot(an, "live-room-student")

        # One tap does not end the class: the first opens a confirmation, which can be
        # dismissed; the class goes on.
        teacher.click("#room-end-open")
        expect(teacher.locator("#room-end")).to_be_visible()
        teacher.click("#room-end-cancel")
        expect(teacher.locator("#room-end")).to_be_hidden()
        teacher.wait_for_timeout(500)
        expect(an.locator("#live-room")).to_have_attribute("data-connected", "true")

        # The teacher ends the class: every student is told, by name and time; the sheet has
        # the records.
        teacher.click("#room-end-open")
        with teacher.expect_navigation():
            teacher.click("#room-end")
        assert teacher.url.endswith(f"/sessions/{session['id']}/attendance/")
        for page in (an, binh):
            expect(page.locator("#live-room")).to_have_attribute("data-ended", "true")
            ended = page.locator("#room-ended[role=alert]")
            expect(ended).to_be_visible()
            expect(ended).to_contain_text(teacher_name)
            expect(ended).to_contain_text(re.compile(r"\b\d\d:\d\d\b"))
            expect(page.locator("#room-chat-text")).to_be_disabled()
        for student_id in (an_id, binh_id):
            row = teacher.locator(f"tr#student-{student_id}")
            expect(row.locator(".status-present")).to_be_visible()
            expect(row.locator("td.num")).to_have_text("0")  # well under a minute in class
        absent = teacher.locator("tbody tr[id^=student-] .status-absent")
        assert absent.count() >= 1  # the rest of 9A never joined
        shot(teacher, "live-attendance")
        assert not server.log_tail().count("Traceback"), server.log_tail()
    finally:
        for context in (teacher_ctx, an_ctx, binh_ctx):
            context.close()
