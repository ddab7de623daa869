"""Steps every browser journey shares: signing in and out, and saving screenshots."""

import datetime
import re
import time
from pathlib import Path

from tests.clock import SCHOOL_TZ

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
PASSWORD = "HocTiep@2026"  # every demo account's (demo/org.py)


def login(page, base_url: str, username: str, password: str = PASSWORD):
    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form", has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(username)
    form.locator("input[name=password]").fill(password)
    with page.expect_navigation() as navigation:
        form.locator("button[type=submit]").click()
    return navigation.value


def logout(page) -> None:
    with page.expect_navigation():
        page.locator("form[action='/accounts/logout/'] button").click()


# Resolves once the service worker keeps this user's start page (static/js/offline/sw.js).
_START_PAGE_KEPT = """async (user) => {
  const cache = await caches.open('hoctiep-u' + user + '-pages');
  return !!(await cache.match('/', { ignoreVary: true }));
}"""


def under_the_worker(page, user: int) -> None:
    """After signing in: the service worker is active, knows who is signed in and has kept
    their start page (what the installed app opens on offline) without any other visit; then
    the page reloads under its control."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    deadline = time.monotonic() + 15
    while not page.evaluate(_START_PAGE_KEPT, user):
        assert time.monotonic() < deadline, "the service worker kept no copy of the start page"
        page.wait_for_timeout(200)
    page.reload()
    assert page.evaluate("!!navigator.serviceWorker.controller")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _last_school_day_morning() -> datetime.datetime:
    """The server's clock (tests/e2e/clocked.py): 09:30 school time on today, or on the last
    Friday at a weekend, so that the journeys see a school day on any day CI runs, and never
    cross midnight. Close to the real date, so the browser's cookies are valid."""
    day = datetime.datetime.now(SCHOOL_TZ).date()
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(9, 30), tzinfo=SCHOOL_TZ)


E2E_NOW = _last_school_day_morning()
# The server's clock minus the real one: server_now() in the tests reads the server's time.
CLOCK_OFFSET = E2E_NOW - datetime.datetime.now(datetime.UTC)


def server_now() -> datetime.datetime:
    """Now on the server's clock (aware, UTC)."""
    return datetime.datetime.now(datetime.UTC) + CLOCK_OFFSET


def declare_class_closure(page, base: str, first: datetime.date, last: datetime.date) -> int:
    """The school admin declares a flood closure of the demo class 9A through the form; the
    closure's id. Signs out afterwards."""
    login(page, base, "bgh")
    page.goto(f"{base}/closures/new/")
    form = page.locator("form.stacked-form")
    form.locator("select[name=scope]").select_option("classroom")
    form.locator("select[name=classroom]").select_option(label="9A – Trường THCS Nguyễn Trãi")
    form.locator("input[name=starts_on]").fill(first.isoformat())
    form.locator("input[name=ends_on]").fill(last.isoformat())
    form.locator("select[name=reason]").select_option("flood")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    match = re.search(r"/closures/(\d+)/$", page.url)
    assert match, page.url
    logout(page)
    return int(match.group(1))
