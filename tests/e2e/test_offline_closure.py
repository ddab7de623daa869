"""Saving the lessons of a closure's days in one tap (docs/offline.md "Before and during a
closure"), in Chromium on a phone-sized screen: the school admin declares a flood closure of 9A
from tomorrow; the student's start page shows the closure notice, whose link leads to the offer
with its lesson count and size; one tap saves them; offline, one of those lessons opens."""

import datetime
import re

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    Page = expect = None

from tests.clock import SCHOOL_TZ
from tests.e2e.helpers import declare_class_closure, login, server_now, under_the_worker
from tests.e2e.test_offline import wait_for

pytestmark = pytest.mark.e2e
# Declares a closure of the demo class.
E2E_WRITES_DATA = True

OFFER_BUTTON = "Tải về các bài học của những ngày nghỉ"


def test_one_tap_saves_the_closure_days_lessons_which_open_offline(page: Page, live_server_e2e):
    server, base = live_server_e2e, live_server_e2e.url
    today = server_now().astimezone(SCHOOL_TZ).date()
    first, last = today + datetime.timedelta(days=1), today + datetime.timedelta(days=5)
    closure = declare_class_closure(page, base, first, last)
    (student,) = server.query("SELECT id FROM accounts_user WHERE username = 'hocsinh'")[0]
    # The background worker writes the notices.
    wait_for(
        lambda: server.query(
            "SELECT 1 FROM accounts_notice WHERE user_id = ? AND key = ?",
            (student, f"closure:{closure}"),
        ),
        timeout=30,
        message="no closure notice for the student",
    )

    login(page, base, "hocsinh")
    under_the_worker(page, student)

    # The notice leads to the offer.
    notice = page.locator("#notices-title + ul li", has_text=first.strftime("%d/%m/%Y"))
    notice.get_by_role("link", name=OFFER_BUTTON).click()
    assert page.url.endswith("#closure-lessons")
    offer = page.locator("#closure-lessons")
    expect(offer).to_contain_text(f"Lớp 9A nghỉ học từ {first:%d/%m} đến {last:%d/%m} (Lũ lụt).")
    count = int(offer.locator("[data-offline-count]").get_attribute("data-offline-count"))
    lessons = offer.locator("[data-offline-closure-lesson] a")
    expect(lessons).to_have_count(count)
    assert count >= 1
    expect(offer).to_contain_text(f"{count} bài học được giao cho những ngày này")
    # The size is shown before the tap.
    status = offer.locator("[data-offline-status]")
    expect(status).to_contain_text(re.compile(r"Dung lượng: \d+(,\d)? [KM]B"))

    offer.get_by_role("button", name=OFFER_BUTTON).click()  # one tap, no confirmation
    expect(offer).to_have_attribute("data-offline-saved", "", timeout=60_000)
    expect(status).to_contain_text("Đã lưu trên điện thoại này")
    title = lessons.first.inner_text()
    lesson_url = lessons.first.get_attribute("href")
    saved = page.evaluate(
        """async (user) => new Promise(resolve => {
          const open = indexedDB.open('hoctiep-u' + user);
          open.onsuccess = () => {
            const all = open.result.transaction('saved').objectStore('saved').getAll();
            all.onsuccess = () => { open.result.close(); resolve(all.result.map(s => s.lesson)); };
          };
        })""",
        student,
    )
    assert len(saved) == count, saved

    page.context.set_offline(True)
    page.goto(f"{base}{lesson_url}")
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("[data-offline-banner]")).to_be_visible()
    # Back on the start page (its last copy), the offer says the lessons are on the phone.
    page.goto(f"{base}/")
    expect(page.locator("#closure-lessons")).to_have_attribute("data-offline-saved", "")
    page.context.set_offline(False)
    assert not page.bad_responses, page.bad_responses
