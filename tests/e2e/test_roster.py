"""A school admin imports a class list in the browser, prints the slips, and a new student
signs in with one (docs/screenshots/roster-*.png).

The session server (conftest.live_server_e2e) is shared with the other e2e tests, so the
import adds only six students, two per class: 9A stays within the class size that
test_start_pages expects of the demo teacher's class.
"""

import datetime
import re
from contextlib import contextmanager
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    Page = expect = None

from .helpers import login, logout, shot

pytestmark = pytest.mark.e2e

# This journey adds students to the demo school: run it after the start-page tests.
E2E_WRITES_DATA = True

ADMIN = "bgh"  # school admin of the demo school (demo/org.py)
ADMIN_PASSWORD = "HocTiep@2026"
SCHOOL = "Trường THCS Nguyễn Trãi"
IMPORT_TIMEOUT = 30_000  # ms: a worker beside the server runs the import, the page polls it
PHONE_VIEWPORT = {"width": 390, "height": 844}  # as conftest.page
A4_VIEWPORT = {"width": 794, "height": 1123}  # an A4 page at 96 dpi, for the print check

HEADERS = [
    "Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã học sinh",
    "Họ tên phụ huynh", "SĐT phụ huynh", "Email",
]  # fmt: skip
# Family names that the demo data never uses (demo/org.py), so every row is new.
NEW_STUDENTS = [
    ["Lương Văn Khải", "14/02/2012", "Nam", "9A", "E2E-001", "Lương Văn Thắng", "0389100201", ""],
    ["Tạ Thị Ánh Tuyết", datetime.date(2012, 9, 3), "Nữ", "9A", "E2E-002", "", "", ""],
    ["Quách Ngọc Hân", "27/05/2012", "Nữ", "9B", "", "Quách Văn Lộc", "0389100202", ""],
    ["Kiều Minh Đức", "08/12/2012", "Nam", "9B", "E2E-004", "", "", "kieuminhduc@example.vn"],
    ["Châu Gia Bảo", "19/07/2013", "Nam", "8A", "E2E-005", "Châu Thị Mỹ", "0389100203", ""],
    ["Thái Thị Diệu Linh", datetime.date(2013, 1, 30), "Nữ", "8A", "", "", "", ""],
]  # fmt: skip
STUDENT = "Lương Văn Khải"  # the one who signs in with the slip
STUDENT_USERNAME = "luongvankhai.9a"  # accounts/usernames.py: name without diacritics + class
STUDENT_GUARDIAN_PHONE = "0389100201"
NEW_PASSWORD = "Sao-Bang-7-Mau!"


def write_xlsx(path: Path, rows: list[list]) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def stat(page: Page, label: str) -> int:
    """A number of the import's summary (`Mới`, `Lỗi`, …)."""
    item = page.locator("#roster-summary > div", has=page.locator("dt", has_text=label))
    return int(item.locator("dd").inner_text())


def upload(page: Page, base_url: str, path: Path) -> None:
    """From bgh's start page to the preview of `path`."""
    response = login(page, base_url, ADMIN, ADMIN_PASSWORD)
    assert response.status == 200, f"start page: {response.status}"
    expect(page).to_have_url(f"{base_url}/")
    with page.expect_navigation():
        page.get_by_role("link", name="Nhập danh sách").click()
    expect(page).to_have_url(f"{base_url}/roster/")
    page.locator("input[type=file][name=file]").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page).to_have_url(re.compile(rf"^{re.escape(base_url)}/roster/imports/\d+/$"))
    expect(page.locator("h1")).to_have_text(path.name)


@contextmanager
def fresh_page(browser):
    """A new phone-sized context: no cookies from the admin's session."""
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_admin_imports_a_roster_and_a_student_signs_in_with_the_slip(
    page: Page, browser, live_server_e2e, tmp_path
):
    base = live_server_e2e.url
    upload(page, base, write_xlsx(tmp_path / "danh-sach-hoc-sinh.xlsx", NEW_STUDENTS))

    # --- preview: counts, nothing written yet ------------------------------------------------
    counts = {label: stat(page, label) for label in ("Số dòng", "Mới", "Lỗi")}
    assert counts == {"Số dòng": 6, "Mới": 6, "Lỗi": 0}, f"{counts}\n{live_server_e2e.log_tail()}"
    expect(page.locator("#errors-title")).to_have_count(0)
    confirm = page.get_by_role("button", name="Nhập ngay")
    expect(confirm).to_be_visible()
    shot(page, "roster-preview")

    # --- import: a task a worker runs; the page polls and reloads itself when it ends -------
    with page.expect_navigation():
        confirm.click()
    expect(page.get_by_text("Đã nhập xong.")).to_be_visible(timeout=IMPORT_TIMEOUT)
    expect(page.locator("#roster-progress")).to_have_count(0)
    expect(page.locator("p.message.error")).to_have_count(0)
    assert stat(page, "Mới") == 6 and stat(page, "Lỗi") == 0
    classes = page.locator("section[aria-labelledby=slips-title] a")
    expect(classes).to_have_count(12)  # every class of the school: 4 grades × 3
    shot(page, "roster-done")

    # --- the slips of 9A: username and initial password of each new student ------------------
    with page.expect_navigation():
        page.get_by_role("link", name="Lớp 9A", exact=True).click()
    expect(page.locator("h1")).to_contain_text("9A")
    class_url = page.url.removesuffix("slips/")
    slip = page.locator("li.slip", has=page.locator(".slip-name", has_text=STUDENT))
    expect(slip).to_have_count(1)
    expect(slip.locator(".slip-school")).to_contain_text(SCHOOL)
    expect(slip.locator(".slip-username")).to_have_text(STUDENT_USERNAME)
    username = slip.locator(".slip-username").inner_text().strip()
    password = slip.locator(".slip-password").inner_text().strip()
    assert password and " " not in password, f"slip password {password!r}"
    expect(slip).to_contain_text(STUDENT_GUARDIAN_PHONE)  # the guardian account: the phone
    other = page.locator("li.slip", has=page.locator(".slip-name", has_text="Tạ Thị Ánh Tuyết"))
    expect(other.locator(".slip-password")).not_to_have_text("")
    open_slips = page.locator("li.slip:not(.slip-closed)")
    expect(open_slips).to_have_count(2)  # only the two new 9A students have initial passwords
    shot(page, "roster-slips")

    # --- print: slips only, two per row on an A4 page -----------------------------------------
    page.set_viewport_size(A4_VIEWPORT)
    page.emulate_media(media="print")
    try:
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".site-footer")).to_be_hidden()
        expect(page.locator(".no-print").first).to_be_hidden()
        expect(page.locator("li.slip.slip-closed").first).to_be_hidden()
        boxes = [open_slips.nth(i).bounding_box() for i in range(2)]
        assert all(boxes), boxes
        left, right = boxes
        assert abs(left["y"] - right["y"]) < 1 and right["x"] > left["x"] + left["width"] - 1, (
            f"the two slips are not side by side in print: {boxes}"
        )
        shot(page, "roster-slips-print")
    finally:
        page.emulate_media(media="screen")
        page.set_viewport_size(PHONE_VIEWPORT)
    expect(page.locator(".site-header")).to_be_visible()
    assert not page.bad_responses, page.bad_responses

    # --- the student, on their own phone: first sign-in with the slip -------------------------
    with fresh_page(browser) as student:
        login(student, base, username, password)
        expect(student).to_have_url(f"{base}/accounts/password/change/")
        expect(student.locator(".messages")).to_contain_text("Vui lòng đặt mật khẩu của riêng bạn")
        form = student.locator("form", has=student.locator("input[name=oldpassword]"))
        form.locator("input[name=oldpassword]").fill(password)
        form.locator("input[name=password1]").fill(NEW_PASSWORD)
        form.locator("input[name=password2]").fill(NEW_PASSWORD)
        with student.expect_navigation():
            form.locator("button[type=submit]").click()
        expect(student.locator(".errorlist")).to_have_count(0)
        expect(student.locator(".messages")).to_contain_text("Đổi mật khẩu thành công")

        response = student.goto(f"{base}/")
        assert response.status == 200
        expect(student).to_have_url(f"{base}/")  # no more detour to the password page
        expect(student.locator("h1")).to_contain_text(STUDENT)
        card = student.locator("section[aria-labelledby=classes-title] article.card")
        expect(card).to_have_count(1)
        expect(card.get_by_role("heading", level=3)).to_have_text("Lớp 9A")
        expect(card).to_contain_text(SCHOOL)

        # The new password works; the slip's password no longer does.
        logout(student)
        login(student, base, username, NEW_PASSWORD)
        expect(student).to_have_url(f"{base}/")
        expect(student.locator("h1")).to_contain_text(STUDENT)
        logout(student)
        login(student, base, username, password)
        expect(student).to_have_url(f"{base}/accounts/login/")
        expect(student.locator(".errorlist").first).to_be_visible()
        expect(student.locator("form[action='/accounts/logout/']")).to_have_count(0)

        # --- forgotten: the sign-in page says where to go; the school gives a new slip from
        # the class page in two clicks (the slips link, then "new slip" by the student's name)
        forgot = student.get_by_role("link", name="Quên mật khẩu?")
        expect(forgot).to_have_attribute("href", "#forgot-password")
        expect(student.locator("#forgot-password")).to_be_visible()
        page.goto(class_url)
        with page.expect_navigation():
            page.get_by_role("link", name="Phiếu đăng nhập", exact=True).click()
        slip = page.locator("li.slip", has=page.locator(".slip-name", has_text=STUDENT))
        with page.expect_navigation():
            slip.locator("p.no-print button").click()
        expect(page.locator("li.slip")).to_have_count(1)  # that slip alone, to print
        new_slip_password = page.locator("li.slip .slip-password").inner_text().strip()
        assert new_slip_password and new_slip_password != password, new_slip_password
        login(student, base, username, NEW_PASSWORD)
        expect(student).to_have_url(f"{base}/accounts/login/")  # the forgotten one is gone
        login(student, base, username, new_slip_password)
        expect(student).to_have_url(f"{base}/accounts/password/change/")


ROWS_WITH_ERRORS = [
    ["Mạc Thị Yến", "02/04/2012", "Nữ", "9A", "E2E-101", "", "", ""],
    ["Ông Văn Tùng", "11/10/2012", "Nam", "7Z", "E2E-102", "", "", ""],
    ["", "15/08/2012", "Nam", "9B", "E2E-103", "", "", ""],
    ["La Thị Quỳnh", "31/02/2012", "Nữ", "8A", "E2E-104", "", "", ""],
    ["Mạc Thị Yến", "02/04/2012", "Nữ", "9A", "E2E-101", "", "", ""],
]  # fmt: skip
# (row in the sheet, column, part of the Vietnamese message); the header is row 1.
EXPECTED_ERRORS = [
    ("3", "Lớp", f"Lớp 7Z không có ở {SCHOOL}"),
    ("4", "Họ và tên", "Chưa có họ và tên."),
    ("5", "Ngày sinh", "“31/02/2012” không phải là ngày hợp lệ"),
    ("6", "Mã học sinh", "Dòng này trùng với dòng 2"),
]


def test_a_file_with_errors_lists_each_by_row_and_cannot_be_imported(
    page: Page, live_server_e2e, tmp_path
):
    upload(page, live_server_e2e.url, write_xlsx(tmp_path / "co-loi.xlsx", ROWS_WITH_ERRORS))

    assert stat(page, "Số dòng") == 5
    assert stat(page, "Lỗi") == len(EXPECTED_ERRORS)
    section = page.locator("section[aria-labelledby=errors-title]")
    expect(section).to_be_visible()
    rows = section.locator("tbody tr")
    expect(rows).to_have_count(len(EXPECTED_ERRORS))
    found = sorted(
        tuple(cell.strip() for cell in row.locator("td").all_inner_texts()) for row in rows.all()
    )
    assert [(r, c) for r, c, _ in found] == [(r, c) for r, c, _ in EXPECTED_ERRORS], found
    for (_, _, message), (_, _, expected) in zip(found, EXPECTED_ERRORS, strict=True):
        assert expected in message, found
    expect(page.get_by_role("button", name="Nhập ngay")).to_have_count(0)
    expect(section.get_by_role("link", name="Tải lên tệp đã sửa")).to_be_visible()
    shot(page, "roster-errors")
    assert not page.bad_responses, page.bad_responses
