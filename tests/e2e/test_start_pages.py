"""Each demo role signs in on a phone and lands on its own start page (docs/screenshots/)."""

import re
from pathlib import Path

import pytest

try:
    from playwright.sync_api import Page, expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    Page = expect = None

from .helpers import login, shot

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
# Our Vietnamese catalogue; until it is compiled, pages show the English source labels.
VI_CATALOGUE = REPO_ROOT / "locale" / "vi" / "LC_MESSAGES" / "django.mo"
PASSWORD = "HocTiep@2026"

# The demo data of `manage.py seed_demo` (demo/org.py).
STUDENT_NAME = "Nguyễn Văn An"
GUARDIAN_NAME = "Nguyễn Văn Bình"
TEACHER_NAME = "Trần Thị Hồng Nhung"
CLASS_NAME = "9A"
SCHOOL = "Trường THCS Nguyễn Trãi"
DISTRICT = "TP Đông Hà"
DISTRICT_SCHOOLS = {"Trường THCS Nguyễn Trãi", "Trường THPT Đông Hà", "Trường TH Kim Đồng"}
OTHER_DISTRICT = "Huyện Hướng Hóa"
OTHER_SCHOOL = "Trường THPT Hướng Hóa"


# --- what each role must see -----------------------------------------------------------------
# Assertions are on data (names, classes, schools) and structure, not on translated labels;
# each role also names Vietnamese labels, checked only once our catalogue is compiled.


def check_student(page: Page) -> None:
    expect(page.locator("h1")).to_contain_text(STUDENT_NAME)
    card = page.locator("section[aria-labelledby=classes-title] article.card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=3)).to_contain_text(CLASS_NAME)
    expect(card.get_by_role("link")).to_have_attribute("href", re.compile(r"/classes/\d+/$"))
    expect(card).to_contain_text(SCHOOL)
    expect(card).to_contain_text(TEACHER_NAME)  # the homeroom teacher
    maths = card.locator("tbody tr", has=page.locator("td", has_text=re.compile("^Toán$")))
    expect(maths.locator("td").nth(1)).to_have_text(TEACHER_NAME)


def check_teacher(page: Page) -> None:
    expect(page.locator("h1")).to_contain_text(TEACHER_NAME)
    table = page.locator("section[aria-labelledby=classes-title] table")
    expect(table).to_be_visible()
    classes = table.locator("tbody tr td:first-child a").all_inner_texts()
    assert sorted(classes) == ["8A", "9A", "9B", "9C"], classes
    row = table.locator("tbody tr", has=page.get_by_role("link", name=CLASS_NAME, exact=True))
    expect(row.locator(".tag")).to_have_count(1)  # the homeroom tag, on 9A only
    expect(table.locator(".tag")).to_have_count(1)
    expect(row.locator("td").nth(1)).to_have_text("Toán")
    students = int(row.locator("td.num").inner_text())
    assert 32 <= students <= 38, f"class 9A shows {students} students"


def check_school_admin(page: Page) -> None:
    expect(page.locator("#school-title")).to_have_text(SCHOOL)
    expect(page.locator("section[aria-labelledby=school-title]")).to_contain_text(DISTRICT)
    school_stats = page.locator("section[aria-labelledby=school-title] .stats dd")
    classes, teachers, students = (int(n) for n in school_stats.all_inner_texts())
    assert classes == 12, f"THCS Nguyễn Trãi has 4 grades of 3 classes, the page says {classes}"
    assert teachers > 0 and students >= 12 * 32, (teachers, students)
    table = page.locator("section[aria-labelledby=classes-title] table")
    expect(table.locator("tbody tr")).to_have_count(classes)
    row = table.locator("tbody tr", has=page.get_by_role("link", name=CLASS_NAME, exact=True))
    expect(row).to_contain_text(TEACHER_NAME)
    teacher_rows = page.locator("section[aria-labelledby=teachers-title] tbody tr")
    expect(teacher_rows).to_have_count(teachers)
    expect(teacher_rows.filter(has_text=TEACHER_NAME)).to_have_count(1)


def _schools(page: Page) -> dict[str, str]:
    """School name → the line under it (on a phone: "district · levels", or just the levels
    when the officer's scope is one district), from the officer's school table."""
    table = page.locator("section[aria-labelledby=schools-title] table")
    expect(table).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows).not_to_have_count(0)
    return {
        row.locator("td:first-child a").inner_text().strip(): row.locator("td:first-child .sub")
        .inner_text()
        .strip()
        for row in rows.all()
    }


def check_district_officer(page: Page) -> None:
    schools = _schools(page)
    assert set(schools) == DISTRICT_SCHOOLS, f"a district officer of {DISTRICT} sees {schools}"
    # One district in scope: the phone view shows the levels, not the district, under each name.
    assert all(DISTRICT not in line for line in schools.values()), schools
    expect(page.locator("main")).not_to_contain_text(OTHER_SCHOOL)
    expect(page.locator("#scope-title")).to_contain_text(DISTRICT)
    schools_count, students = (int(n) for n in page.locator(".stats dd").all_inner_texts())
    assert schools_count == 3 and students > 0, (schools_count, students)
    # Their scope is one district: no district filter.
    expect(page.locator("select[name=district]")).to_have_count(0)


def check_province_officer(page: Page) -> None:
    schools = _schools(page)
    assert len(schools) == 12 and OTHER_SCHOOL in schools, schools
    districts_seen = {line.split(" · ")[0] for line in schools.values()}
    assert len(districts_seen) >= 5, f"schools of only {districts_seen}"
    district_filter = page.locator("select[name=district]")
    expect(district_filter).to_be_visible()
    options = district_filter.locator("option").all_inner_texts()
    assert {DISTRICT, OTHER_DISTRICT} <= set(options), options
    districts, schools_count, students = (
        int(n) for n in page.locator(".stats dd").all_inner_texts()
    )
    assert (districts, schools_count) == (10, 12) and students > 0, (districts, schools_count)


def check_guardian(page: Page) -> None:
    expect(page.locator("h1")).to_contain_text(GUARDIAN_NAME)
    card = page.locator("section[aria-labelledby=children-title] article.card")
    expect(card).to_have_count(1)
    expect(card.get_by_role("heading", level=3)).to_have_text(STUDENT_NAME)
    expect(card.get_by_role("link", name=re.compile(CLASS_NAME))).to_have_attribute(
        "href", re.compile(r"/classes/\d+/$")
    )
    expect(card).to_contain_text(SCHOOL)
    expect(card).to_contain_text(TEACHER_NAME)  # the homeroom teacher
    expect(card.get_by_role("link", name=re.compile("chuyên cần|attendance", re.I))).to_have_count(
        1
    )


MY_CLASSES = ("Lớp của tôi", "Lớp học của tôi")  # either wording of "My classes"

ROLES = {
    # username: (role, check, Vietnamese labels the page must show once translated; a tuple
    # lists acceptable wordings)
    "hocsinh": ("student", check_student, [MY_CLASSES, "Giáo viên chủ nhiệm"]),
    "giaovien": ("teacher", check_teacher, [MY_CLASSES, "Chủ nhiệm"]),
    "bgh": ("school_admin", check_school_admin, ["Giáo viên", "Học sinh"]),
    "phonggd": ("district_officer", check_district_officer, ["Trường học", "Học sinh"]),
    "sogd": ("province_officer", check_province_officer, ["Trường học", "Học sinh"]),
    "phuhuynh": ("guardian", check_guardian, ["Con của tôi", "Giáo viên chủ nhiệm"]),
}


@pytest.mark.parametrize("username", list(ROLES), ids=[r[0] for r in ROLES.values()])
def test_role_lands_on_its_start_page(page: Page, live_server_e2e, username):
    role, check, vi_labels = ROLES[username]
    response = login(page, live_server_e2e.url, username)

    assert response is not None and response.status == 200, (
        f"{username}: start page answered {response and response.status}\n"
        f"{live_server_e2e.log_tail()}"
    )
    expect(page).to_have_url(f"{live_server_e2e.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("body")).to_have_class(re.compile(rf"\brole-{role}\b"))
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()
    check(page)
    shot(page, f"start-{role}")
    assert not page.bad_responses, page.bad_responses

    # --- Vietnamese labels: only once locale/vi/LC_MESSAGES/django.mo is compiled. -----------
    if VI_CATALOGUE.exists():
        expect(page.locator("h1")).to_contain_text("Xin chào")
        main = page.locator("main").inner_text()
        for label in vi_labels:
            wordings = (label,) if isinstance(label, str) else label
            assert any(w in main for w in wordings), (
                f"{role}: Vietnamese label {' / '.join(wordings)!r} missing from the page"
            )


def test_login_page(page: Page, live_server_e2e):
    response = page.goto(f"{live_server_e2e.url}/accounts/login/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("input[name=login]")).to_be_visible()
    expect(page.locator("input[name=password]")).to_have_attribute("type", "password")
    expect(page.locator("select#lang-select")).to_have_value("vi")
    shot(page, "login")
    assert not page.bad_responses, page.bad_responses


def test_wrong_password_stays_on_login_with_an_error(page: Page, live_server_e2e):
    response = login(page, live_server_e2e.url, "quantri", "not-the-password")

    assert response.status == 200
    expect(page).to_have_url(f"{live_server_e2e.url}/accounts/login/")
    errors = page.locator(".errorlist")
    expect(errors.first).to_be_visible()
    expect(errors.first).not_to_have_text("")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("input[name=password]")).to_be_visible()
    assert not page.bad_responses, page.bad_responses


def test_language_switcher_changes_to_english(page: Page, live_server_e2e):
    page.goto(f"{live_server_e2e.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    switcher = page.locator("form", has=page.locator("select#lang-select"))
    switcher.locator("select#lang-select").select_option("en")
    with page.expect_navigation():
        switcher.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server_e2e.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("select#lang-select")).to_have_value("en")
    expect(page.locator("h1")).to_have_text("Sign in to HọcTiếp")
    assert not page.bad_responses, page.bad_responses


def test_province_officer_filters_schools_by_district(page: Page, live_server_e2e):
    login(page, live_server_e2e.url, "sogd")
    form = page.get_by_role("search")
    form.locator("select[name=district]").select_option(label=OTHER_DISTRICT)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()

    schools = _schools(page)
    assert list(schools) == [OTHER_SCHOOL], schools
    assert schools[OTHER_SCHOOL].startswith(OTHER_DISTRICT), schools
    expect(page.locator("select[name=district] option:checked")).to_have_text(OTHER_DISTRICT)
    assert not page.bad_responses, page.bad_responses
