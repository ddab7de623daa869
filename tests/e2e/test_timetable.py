"""A school's timetable in the browser: a week's grid per class (days × periods, minutes
spelled as minutes), and removing a lesson takes a second, confirming tap."""

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    Page = expect = None

from tests.e2e.helpers import login, shot

pytestmark = pytest.mark.e2e


def test_school_admin_reads_a_class_week_as_a_grid(page: Page, live_server_e2e):
    server = live_server_e2e
    school, classroom = server.query(
        "SELECT u.school_id, c.id FROM accounts_user u JOIN classrooms_classroom c"
        " ON c.school_id = u.school_id WHERE u.username = 'bgh' AND c.name = '9A'"
    )[0]
    page.set_viewport_size({"width": 1280, "height": 900})  # staff work on a laptop
    login(page, server.url, "bgh")
    page.goto(f"{server.url}/schools/{school}/timetable/?class={classroom}")
    grid = page.locator("table.timetable-grid")
    expect(grid).to_have_count(1)
    # Monday to Friday across, periods down, each lesson in its cell with its minutes.
    expect(grid.locator("thead th")).to_contain_text(["Thứ Hai", "Thứ Sáu"])
    lessons = grid.locator("[data-slot]")
    assert lessons.count() >= 5, lessons.count()
    expect(lessons.first).to_contain_text("phút")
    expect(page.locator("main")).not_to_contain_text("tài khoản")
    # Deleting is behind a second tap: the first only opens the question.
    remove = lessons.first.locator("details")
    expect(remove.locator("button[type=submit]")).to_be_hidden()
    remove.locator("summary").click()
    expect(remove.locator("button[type=submit]")).to_be_visible()
    shot(page, "timetable-class")
