"""Learning when the network goes down (docs/offline.md), in Chromium on a phone-sized screen:
the demo student saves two lessons (one with formulas, one with the H5P activity), goes
offline, reloads, opens both, answers the activity and marks the other done; back online, the
server holds each statement and the completion once, dated when they happened offline; and
signing out clears what the phone kept (checked in the browser's storage).

The H5P lesson exists only where ../shared/h5p/hello-truefalse.h5p is present (seed_demo skips
it otherwise): the test skips with that reason when the sample is missing."""

import datetime
import re
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    Page = expect = None

from tests.clock import SCHOOL_TZ
from tests.e2e.helpers import (
    declare_class_closure,
    login,
    logout,
    server_now,
    shot,
    under_the_worker,
)

pytestmark = pytest.mark.e2e
E2E_WRITES_DATA = True

SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "h5p" / "hello-truefalse.h5p"
MATH_LESSON = "Hệ hai phương trình bậc nhất hai ẩn"
H5P_LESSON = "Kiểm tra nhanh: đúng hay sai?"
# The phone's clock during the test: 45 minutes behind the server's, so that work dated by
# the phone is told apart from work dated on arrival.
PHONE_BEHIND = datetime.timedelta(minutes=45)

# What the phone holds for a user: their caches, their database, and the requests waiting in
# Workbox's Background Sync queue.
STORAGE = """async () => ({
  caches: (await caches.keys()).filter(n => n.startsWith('hoctiep-u')),
  dbs: (await indexedDB.databases()).map(d => d.name).filter(n => n.startsWith('hoctiep-u')),
  queued: await new Promise(resolve => {
    const open = indexedDB.open('workbox-background-sync');
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('requests')) { db.close(); resolve(0); return; }
      const count = db.transaction('requests').objectStore('requests').count();
      count.onsuccess = () => { db.close(); resolve(count.result); };
    };
    open.onerror = () => resolve(-1);
  }),
})"""
OUTBOX = """async (user) => new Promise(resolve => {
  const open = indexedDB.open('hoctiep-u' + user);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('outbox')) { db.close(); resolve([]); return; }
    const all = db.transaction('outbox').objectStore('outbox').getAll();
    all.onsuccess = () => { db.close(); resolve(all.result.map(i => i.kind)); };
  };
})"""


@pytest.fixture(autouse=True)
def sample_present():
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} is absent, so seed_demo made no H5P lesson")


def save_lesson(page: Page, base: str, title: str) -> str:
    page.goto(f"{base}/lessons/")
    page.get_by_role("link", name=title).first.click()
    expect(page.locator("h1")).to_have_text(title)
    box = page.locator("[data-offline-lesson]")
    box.locator("[data-offline-save]").click()
    # The size is shown before anything is downloaded.
    expect(box.locator("[data-offline-status]")).to_contain_text(re.compile(r"\d+(,\d)? [KM]B"))
    box.locator("[data-offline-confirm]").click()
    expect(box).to_have_attribute("data-offline-saved", "", timeout=30_000)
    return page.url


def wait_for(predicate, timeout=20.0, message=""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(message or "condition not met in time")


def test_saved_lessons_work_offline_and_sync_once_with_their_times(page: Page, live_server_e2e):
    base = live_server_e2e.url
    server = live_server_e2e
    # 9A is closed today (a flood): what the student does offline counts for coverage.
    today = server_now().astimezone(SCHOOL_TZ).date()
    declare_class_closure(page, base, today, today + datetime.timedelta(days=2))
    (classroom,) = server.query(
        "SELECT c.id FROM classrooms_classroom c JOIN accounts_user u ON u.school_id = c.school_id"
        " WHERE u.username = 'bgh' AND c.name = '9A'"
    )[0]
    phone_start = server_now() - PHONE_BEHIND
    page.context.clock.set_system_time(phone_start)
    login(page, base, "hocsinh")
    student = server.query("SELECT id FROM accounts_user WHERE username = 'hocsinh'")[0][0]
    under_the_worker(page, student)

    math_url = save_lesson(page, base, MATH_LESSON)
    h5p_url = save_lesson(page, base, H5P_LESSON)
    page.goto(f"{base}/lessons/")
    saved = page.locator("[data-offline-saved-lesson]")
    expect(saved).to_have_count(2)
    shot(page, "offline-saved")
    page.goto(f"{base}/")  # the start page's last known copy
    before = server.query(
        "SELECT count(*) FROM courses_xapistatement WHERE user_id = ?", (student,)
    )[0][0]

    last_before = server.query("SELECT coalesce(max(id), 0) FROM courses_xapistatement")[0][0]
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    expect(page.locator("h1")).to_be_visible()

    # The lesson with formulas opens, typeset; "Hoàn thành" is kept on the phone.
    page.goto(math_url)
    expect(page.locator("h1")).to_have_text(MATH_LESSON)
    expect(page.locator(".lesson-body[data-math-ready] .katex").first).to_be_visible()
    image = page.locator(".lesson-image img").first
    image.scroll_into_view_if_needed()
    wait_for(lambda: image.evaluate("i => i.complete && i.naturalWidth > 0"), message="image")
    page.locator("form[action$='/complete/'] button").click()
    expect(page.locator("[data-offline-done]")).to_be_visible()
    shot(page, "offline-lesson")

    # The activity plays from the phone and the answer waits in the outbox.
    page.goto(h5p_url)
    expect(page.locator("h1")).to_have_text(H5P_LESSON)
    page.locator("[data-h5p-start]").click()
    # Offline, the player runs in the page (its iframe would not reach the saved files).
    player = page.locator("[data-h5p-options]")
    player.get_by_role("radio", name=re.compile("False|Sai")).click()
    player.get_by_role("button", name=re.compile("Check|Kiểm tra")).click()
    expect(page.locator("[data-h5p-score][data-offline-queued]")).to_be_visible(timeout=15_000)
    kinds = page.evaluate(OUTBOX, student)
    assert "xapi" in kinds and "complete" in kinds, kinds
    assert (
        server.query("SELECT count(*) FROM courses_xapistatement WHERE user_id = ?", (student,))[0][
            0
        ]
        == before
    )

    # Back online: the outbox is sent, each item once, dated on the phone.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    wait_for(lambda: page.evaluate(OUTBOX, student) == [], timeout=30, message="outbox not sent")
    page.goto(f"{base}/lessons/")  # a second open sends nothing twice
    page.goto(math_url)
    rows = server.query(
        "SELECT statement_id, occurred_at, created_at FROM courses_xapistatement "
        "WHERE user_id = ? AND id > ?",
        (student, last_before),
    )
    ids = [r[0] for r in rows]
    assert ids and len(ids) == len(set(ids)), rows
    sent_at_phone = [datetime.datetime.fromisoformat(r[1]) for r in rows]
    cutoff = (server_now() - PHONE_BEHIND / 2).replace(tzinfo=None)
    assert all(when < cutoff for when in sent_at_phone), (rows, cutoff)
    completed = server.query(
        "SELECT p.completed_at FROM courses_lessonprogress p JOIN wagtailcore_page w "
        "ON w.id = p.lesson_id WHERE p.student_id = ? AND w.title = ?",
        (student, MATH_LESSON),
    )
    assert len(completed) == 1 and completed[0][0] is not None
    assert datetime.datetime.fromisoformat(completed[0][0]) < cutoff
    expect(page.locator(".lesson-done")).to_be_visible()
    assert page.locator("form[action$='/complete/']").count() == 0

    # Signing out leaves nothing of this student on the phone.
    logout(page)
    storage = page.evaluate(STORAGE)
    assert storage == {"caches": [], "dbs": [], "queued": 0}, storage

    # The coverage of the day shows the work done offline: the worker rolled the closed
    # class-day up again when it arrived (coverage.signals), and the class page says so.
    learners = wait_for(
        lambda: server.query(
            "SELECT async_learners FROM coverage_dailycoverage"
            " WHERE classroom_id = ? AND date = ? AND async_learners > 0",
            (classroom, today.isoformat()),
        ),
        timeout=30,
        message="the day's coverage does not count the offline work",
    )
    assert learners[0][0] >= 1, learners  # other journeys may have had 9A learn today too
    login(page, base, "bgh")
    page.goto(f"{base}/coverage/classes/{classroom}/?start={today}&end={today}")
    expect(page.locator("[data-summary]")).to_contain_text(f"Học không đồng bộ: {learners[0][0]}/")
    # This student's row: today counts as a day learned asynchronously.
    expect(page.locator(f"tr[data-student='{student}'] [data-async-days]")).to_have_text("1")
