"""Closures and coverage in the browser (issue 7, "Done when").

The district officer of TP Đông Hà (phonggd) declares a flood closure for two of its schools
(THCS Nguyễn Trãi and THPT Đông Hà) through the closure form; the student start page marks 9A as
studying online. The homeroom teacher of 9A (giaovien) starts today's 9A session from their
start page, the student hocsinh joins it from theirs in a second browser, stays a few seconds,
and the teacher ends it. The officer's dashboard for today then shows 9A as taught and every
other class of the two schools as closed and not taught; the at-risk list names a student of
the seed's flood week (demo/coverage.py) whose last three held sessions were
all absences (checked against the server's database); the XLSX report downloads and holds the
same figures. A district officer gets 404 for another district's drill-down.

Thresholds. A session counts as *held* only if it lasted COVERAGE_HELD_MIN_MINUTES (10) — a
browser test cannot sit through ten minutes, so the server is started with
COVERAGE_HELD_MIN_MINUTES=0 (every other rule of "held" stays: it went live, ended, and a
student joined). It is a setting read from the environment, and tests/e2e/conftest.py starts
the shared server with a copy of this process's environment, so it is set here, at import
(collection happens before any server starts). It does not affect the other journeys. Ending
the session updates the rollup at once (classrooms' session_ended event; dashboards never
write).

Coverage counts school days only (Monday to Friday for the demo classes): the server runs on a
school day's clock (tests/e2e/clocked.py), whatever day CI runs.
"""

import datetime
import os
import re
import zoneinfo

import pytest

from .helpers import PASSWORD, login, server_now, shot

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.e2e_requirements skips (or, in CI, fails) every test here.
    expect = None

os.environ.setdefault("COVERAGE_HELD_MIN_MINUTES", "0")

pytestmark = pytest.mark.e2e

# Declares closures and runs a session in the demo class: after the start-page screenshots.
E2E_WRITES_DATA = True

SCHOOL_TZ = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER, TEACHER, STUDENT = "phonggd", "giaovien", "hocsinh"
CLOSED_SCHOOLS = ("Trường THCS Nguyễn Trãi", "Trường THPT Đông Hà")
OPEN_SCHOOL = "Trường TH Kim Đồng"  # same district, not closed today
DEMO_CLASS = "9A"
DEMO_SESSION_TITLE = "Lớp trực tuyến (demo)"  # demo/live.py: startable now
OTHER_DISTRICT = "465"  # Huyện Hướng Hóa
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def school_today() -> datetime.date:
    return server_now().astimezone(SCHOOL_TZ).date()


def one(server, sql, *params):
    rows = server.query(sql, params)
    assert rows, sql
    return rows[0]


def signed_in(browser, server, username):
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    login(page, server.url, username, PASSWORD)
    return context, page


def classes_of(server, school_name) -> dict[str, int]:
    """Class name → id, current year, of a school."""
    rows = server.query(
        "SELECT c.name, c.id FROM classrooms_classroom c "
        "JOIN classrooms_school s ON s.id = c.school_id "
        "JOIN classrooms_academicyear y ON y.id = c.year_id "
        "WHERE s.name = ? AND y.is_current = 1",
        (school_name,),
    )
    return dict(rows)


def declare_school_closure(page, base, school, *, note, screenshot=None) -> None:
    page.goto(f"{base}/")
    with page.expect_navigation():
        page.locator("a[href='/closures/new/']").first.click()
    form = page.locator("form.stacked-form")
    form.locator("select[name=scope]").select_option("school")
    form.locator("select[name=school]").select_option(label=school)
    # The form proposes today to four days from now: a flood closure of this week.
    today = school_today()
    expect(form.locator("input[name=starts_on]")).to_have_value(today.isoformat())
    form.locator("select[name=reason]").select_option("flood")
    form.locator("textarea[name=note]").fill(note)
    if screenshot:
        shot(page, screenshot)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert re.search(r"/closures/\d+/$", page.url), page.url
    expect(page.locator("main")).to_contain_text(school)
    assert not page.bad_responses, page.bad_responses


def pct(value: float):
    """A percentage as the page shows it: one decimal, a comma in Vietnamese."""
    return re.compile(rf"^\s*{int(value)}[.,]{round(value * 10) % 10}%\s*$")


def test_flood_closure_taught_class_at_risk_student_and_report(
    page, browser, live_server_e2e, tmp_path
):
    server, base = live_server_e2e, live_server_e2e.url
    today = school_today()
    assert today.weekday() < 5  # the server's clock is on a school day (conftest.E2E_NOW)
    session_id, starts_at = one(
        server,
        "SELECT s.id, s.starts_at FROM classrooms_livesession s "
        "JOIN classrooms_classroom c ON c.id = s.classroom_id "
        "WHERE s.title = ? AND s.status = 'scheduled' AND c.name = ? ORDER BY s.id DESC",
        DEMO_SESSION_TITLE,
        DEMO_CLASS,
    )
    starts = datetime.datetime.fromisoformat(starts_at).replace(tzinfo=datetime.UTC)
    assert starts.astimezone(SCHOOL_TZ).date() == today
    classes = {school: classes_of(server, school) for school in CLOSED_SCHOOLS}
    closed_total = sum(len(c) for c in classes.values())
    (student_id,) = one(server, "SELECT id FROM accounts_user WHERE username = ?", STUDENT)

    # 1. The district officer declares the flood closure for two schools.
    login(page, base, OFFICER)
    note = "Nước lũ lên lại, nhiều tuyến đường bị ngập: học trực tuyến."
    declare_school_closure(
        page, base, CLOSED_SCHOOLS[0], note=note, screenshot="coverage-closure-form"
    )
    declare_school_closure(page, base, CLOSED_SCHOOLS[1], note=note)

    teacher_ctx, teacher = signed_in(browser, server, TEACHER)
    student_ctx, student = signed_in(browser, server, STUDENT)
    try:
        # The closed class is marked "studying online" on its students' start page.
        banner = student.locator("[data-online-learning]")
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(DEMO_CLASS)

        # 2. The teacher starts today's 9A session from the start page and lands in the room.
        row = teacher.locator(f"li.session[data-session='{session_id}']")
        with teacher.expect_navigation():
            row.locator("form[action$='/start/'] button").click()
        assert teacher.url.endswith(f"/sessions/{session_id}/live/"), teacher.url
        expect(teacher.locator("#live-room")).to_have_attribute("data-connected", "true")

        # The student joins from their start page and stays a few seconds.
        student.reload()
        join = student.locator(f"li.session[data-session='{session_id}'] a.button")
        with student.expect_navigation():
            join.click()
        expect(student.locator("#live-room")).to_have_attribute("data-connected", "true")
        expect(teacher.locator(f'#room-online li[data-user="{student_id}"]')).to_be_visible()
        teacher.wait_for_timeout(6_000)

        # The teacher ends it (and confirms): the attendance sheet says the student was present.
        teacher.click("#room-end-open")
        with teacher.expect_navigation():
            teacher.click("#room-end")
        assert teacher.url.endswith(f"/sessions/{session_id}/attendance/"), teacher.url
        expect(teacher.locator(f"tr#student-{student_id} .status-present")).to_be_visible()
    finally:
        teacher_ctx.close()
        student_ctx.close()

    # 3. The officer's dashboard for today: the two schools' classes are closed, 9A is taught.
    page.set_viewport_size(DESKTOP)
    day = today.isoformat()
    page.goto(f"{base}/coverage/?start={day}&end={day}&days=closed")
    expect(page.locator("[data-kpi=closed] strong")).to_have_text(str(closed_total))
    expect(page.locator("[data-kpi=taught] strong")).to_have_text(pct(round(100 / closed_total, 1)))
    schools = page.locator("section[aria-labelledby=rows-title] tbody tr")
    first, second = (schools.filter(has=page.get_by_role("link", name=s)) for s in CLOSED_SCHOOLS)
    # Name, closed class-days, taught, coverage, …
    expect(first.locator("td").nth(0)).to_have_text(str(len(classes[CLOSED_SCHOOLS[0]])))
    expect(first.locator("td").nth(1)).to_have_text("1")
    expect(second.locator("td").nth(0)).to_have_text(str(len(classes[CLOSED_SCHOOLS[1]])))
    expect(second.locator("td").nth(1)).to_have_text("0")
    still_open = schools.filter(has=page.get_by_role("link", name=OPEN_SCHOOL))
    expect(still_open.locator("td").nth(0)).to_have_text("0")

    # The XLSX report of the day is built by a background worker; its page offers the file.
    dashboard = page.url
    with page.expect_navigation():
        page.locator("form[action^='/coverage/report.xlsx'] button").click()
    link = page.locator("a[href$='/download/']")
    link.wait_for(timeout=30000)
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename == f"bao-cao-day-hoc-truc-tuyen-{day}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    check_report(path, classes)
    page.goto(dashboard)

    # Drill-down to the school: 9A taught (100%), every other class closed and not taught.
    with page.expect_navigation():
        first.get_by_role("link", name=CLOSED_SCHOOLS[0]).click()
    rows = page.locator("table.coverage-table tbody tr")
    expect(rows).to_have_count(len(classes[CLOSED_SCHOOLS[0]]))
    for name, pk in classes[CLOSED_SCHOOLS[0]].items():
        cells = page.locator(f"table.coverage-table tr[data-id='{pk}'] td")
        expect(cells.nth(0)).to_have_text("1")  # closed today
        expect(cells.nth(1)).to_have_text("1" if name == DEMO_CLASS else "0")  # taught
        expect(cells.nth(2)).to_have_text(pct(100.0 if name == DEMO_CLASS else 0.0))
    shot(page, "coverage-school")

    # 4. The default dashboard (the last 14 days): the seed's flood week, what needs attention,
    # and the at-risk list naming a student whose last three held sessions were absences.
    page.goto(f"{base}/coverage/")
    at_risk = page.locator("tr[data-at-risk]")
    expect(at_risk.first).to_be_visible()
    shot(page, "coverage-dashboard")
    at_risk_id = int(at_risk.first.get_attribute("data-at-risk"))
    name = at_risk.first.locator("th").inner_text().strip()
    absences = int(at_risk.first.locator("td.num").inner_text())
    assert absences >= 3, absences
    (full_name,) = one(server, "SELECT full_name FROM accounts_user WHERE id = ?", at_risk_id)
    assert name == full_name
    assert last_held_statuses(server, at_risk_id, 3) == ["absent"] * 3
    assert not page.bad_responses, page.bad_responses

    # The officer follows the row to the student's page: their classes' held sessions (on every
    # school day: the three absences in a row), lessons, and the guardians to call.
    with page.expect_navigation():
        at_risk.first.locator("th a").click()
    assert page.url.startswith(f"{base}/coverage/students/{at_risk_id}/"), page.url
    expect(page.locator("h1")).to_have_text(full_name)
    page.goto(page.url + "&days=all")
    absent = page.locator("section[data-class] tbody .status-absent")
    assert absent.count() >= 3, absent.count()
    phones = server.query(
        "SELECT g.phone FROM accounts_guardianship s JOIN accounts_user g ON g.id = s.guardian_id "
        "WHERE s.student_id = ? AND g.phone != ''",
        (at_risk_id,),
    )
    for (phone,) in phones:
        expect(page.locator(f"[data-guardians] a[href='tel:{phone}']")).to_be_visible()
    shot(page, "coverage-student")
    assert not page.bad_responses, page.bad_responses

    # 5. Scope: another district's drill-down (district and school) answers 404.
    (district_id,) = one(
        server, "SELECT id FROM classrooms_district WHERE code = ?", OTHER_DISTRICT
    )
    (school_id,) = one(
        server, "SELECT id FROM classrooms_school WHERE district_id = ?", district_id
    )
    for url in (f"/coverage/districts/{district_id}/", f"/coverage/schools/{school_id}/"):
        response = page.goto(f"{base}{url}")
        assert response.status == 404, (url, response.status)
    assert "Traceback" not in server.log_tail(), server.log_tail()


def last_held_statuses(server, student_id: int, n: int) -> list[str]:
    """The student's records in the last n held sessions of their class (ended, went live and
    someone joined; the server's held minimum is 0 minutes here)."""
    rows = server.query(
        "SELECT r.status FROM classrooms_attendancerecord r "
        "JOIN classrooms_livesession s ON s.id = r.session_id "
        "WHERE r.student_id = ? AND s.status = 'ended' AND s.started_at IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM classrooms_attendancerecord j "
        "            WHERE j.session_id = s.id AND j.first_join IS NOT NULL) "
        "ORDER BY s.starts_at DESC LIMIT ?",
        (student_id, n),
    )
    return [status for (status,) in rows]


def check_report(path, classes: dict[str, dict[str, int]]) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(path).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header, body = rows[0], rows[1:]
    assert len(header) == 11 and all(header), header
    by_name = {r[1]: r for r in body}
    nguyen_trai, dong_ha = (by_name[s] for s in CLOSED_SCHOOLS)
    n1, n2 = (len(classes[s]) for s in CLOSED_SCHOOLS)
    # Level, school, closed classes, taught, coverage %, expected, attending, participation %,
    # then student-days of the closed classes, those who learned asynchronously, and their %.
    assert nguyen_trai[2:5] == [n1, 1, round(100 / n1, 1)], nguyen_trai
    assert dong_ha[2:5] == [n2, 0, 0.0], dong_ha
    assert nguyen_trai[5] >= 30 and nguyen_trai[6] == 1, nguyen_trai  # 9A's students; 1 came
    assert OPEN_SCHOOL not in by_name  # not closed today
    total = body[-1]
    assert total[2:4] == [n1 + n2, 1], total
