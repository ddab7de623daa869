"""The drill-down as an officer uses it (issue 19 item 12): the level filter reaches "Cần chú
ý", a reversed period is swapped and said, class and school pages offer only filters that
apply, the school's phone, the student page and who may open it; names in Vietnamese order
(item 11). On docs/coverage.md's worked example (tests/coverage/fixture.py)."""

import re

import pytest

from coverage import selectors, students
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    SchoolAdminFactory,
    SchoolFactory,
    StudentFactory,
)

from .fixture import MON, PERIOD, THU, TUE

pytestmark = pytest.mark.django_db


def page(client, url, params=None) -> str:
    response = client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def attention_section(html: str) -> str:
    return html[html.index('id="attention-title"') :]


def test_needs_attention_follows_the_level_filter(client, fx):
    client.force_login(fx.province)
    everything = attention_section(page(client, "/coverage/", PERIOD))
    assert re.findall(r'data-school="(\d+)"', everything) == [
        str(fx.s3.pk), str(fx.s2.pk), str(fx.s1.pk),
    ]  # fmt: skip
    assert f'data-at-risk="{fx.students["9A"][3].pk}"' in everything

    upper = attention_section(page(client, "/coverage/", {**PERIOD, "level": "thpt"}))
    assert re.findall(r'data-school="(\d+)"', upper) == [str(fx.s3.pk)]
    assert "data-at-risk=" not in upper  # the only student at risk is in 9A (THCS)

    lower = attention_section(page(client, "/coverage/", {**PERIOD, "level": "thcs"}))
    assert re.findall(r'data-school="(\d+)"', lower) == [str(fx.s2.pk), str(fx.s1.pk)]
    assert f'data-at-risk="{fx.students["9A"][3].pk}"' in lower

    grade_6 = selectors.filters_from_params({**PERIOD, "grade": "6"})
    assert [s["id"] for s in selectors.attention_schools(user=fx.province, filters=grade_6)] == [
        fx.s2.pk
    ]
    assert students.at_risk_students(user=fx.province, filters=grade_6) == []


def test_a_reversed_period_is_swapped_and_the_page_says_so(client, fx):
    client.force_login(fx.province)
    reversed_period = {"start": THU.isoformat(), "end": MON.isoformat()}
    html = page(client, "/coverage/", reversed_period)
    assert "data-dates-swapped" in html
    assert "showing 23/11/2026 to 26/11/2026" in html
    # The form shows the dates the figures are for, and the figures are the period's.
    assert 'name="start" value="2026-11-23"' in html
    assert 'name="end" value="2026-11-26"' in html
    assert "5 of 10 closed class-days taught online" in html
    assert "data-dates-swapped" not in page(client, "/coverage/", PERIOD)


def _visible_selects(html: str) -> set[str]:
    form = html[html.index('class="filter-form') :]
    form = form[: form.index("</form>")]
    return set(re.findall(r'<select name="(\w+)"', form))


def test_class_pages_offer_no_level_or_grade_and_ignore_them(client, fx):
    client.force_login(fx.province)
    url = f"/coverage/classes/{fx.classes['9A'].pk}/"
    html = page(client, url, {**PERIOD, "level": "thpt", "grade": "11"})
    assert _visible_selects(html) == {"days"}
    # The dashboard's level rides along hidden, for the way back up …
    assert '<input type="hidden" name="level" value="thpt"' in html
    # … but a THPT filter cannot apply to 9A: its students' attendance is still shown.
    hs4 = fx.students["9A"][3]
    row = html[html.index(f'data-student="{hs4.pk}"') :]
    assert re.search(r'<td class="num">3</td><td class="num">0</td><td class="num">3</td>', row)


def test_school_pages_offer_the_grades_the_school_teaches(client, fx):
    client.force_login(fx.province)
    html = page(client, f"/coverage/schools/{fx.s1.pk}/", PERIOD)
    assert _visible_selects(html) == {"grade", "days"}  # S1 teaches one level: no choice
    select = html[html.index('name="grade"') :]
    grades = re.findall(r'<option value="(\d+)"', select[: select.index("</select>")])
    assert grades == ["6", "7", "8", "9"]
    # A grade the school does not teach is dropped rather than emptying the page.
    other = page(client, f"/coverage/schools/{fx.s1.pk}/", {**PERIOD, "grade": "11"})
    assert f'data-id="{fx.classes["9A"].pk}"' in other
    both = SchoolFactory(has_lower_secondary=True, has_upper_secondary=True)
    assert "level" in _visible_selects(page(client, f"/coverage/schools/{both.pk}/", PERIOD))


def test_call_the_school_shows_its_phone(client, fx):
    fx.s2.phone = "0235 3861 234"
    fx.s2.save()
    client.force_login(fx.province)
    html = attention_section(page(client, "/coverage/", PERIOD))
    s2 = html[html.index(f'data-school="{fx.s2.pk}"') :]
    s2 = s2[: s2.index("</li>")]
    assert '<a href="tel:0235 3861 234" data-school-phone>0235 3861 234</a>' in s2


def test_an_at_risk_row_leads_to_the_student_page(client, fx):
    hs4 = fx.students["9A"][3]
    client.force_login(fx.officer_d1)
    dashboard = page(client, "/coverage/", PERIOD)
    link = f'href="/coverage/students/{hs4.pk}/?'
    assert link in dashboard
    html = page(client, f"/coverage/students/{hs4.pk}/", PERIOD)
    assert "<h1>9A HS4</h1>" in html
    # Closed days Tue–Thu: absent from all three held sessions, at risk.
    assert "Attended 0 of 3 held sessions" in html and "3 absences in a row" in html
    assert html.count('class="tag status-absent"') == 3
    assert 'href="tel:0912345678"' in html  # the guardian
    assert 'href="tel:0905000111"' in html  # the homeroom teacher
    # All school days: Monday's session counts too, and the run is the same.
    every_day = page(client, f"/coverage/students/{hs4.pk}/", {**PERIOD, "days": "all"})
    assert "Attended 1 of 4 held sessions" in every_day


def test_the_student_page_shows_lessons_opened_and_done(client, fx):
    opened, never = fx.students["6A"][0], fx.students["6A"][2]
    client.force_login(fx.province)
    html = page(client, f"/coverage/students/{opened.pk}/", PERIOD)
    row = html[html.index("Bài 1") :]
    row = row[: row.index("</tr>")]
    assert "25/11/2026 09:00" in row  # opened on Wednesday
    html = page(client, f"/coverage/students/{never.pk}/", PERIOD)
    row = html[html.index("Bài 1") :]
    row = row[: row.index("</tr>")]
    assert "09:00" not in row and "Overdue" in row
    # A lesson due outside the period is not this period's.
    before = {"start": TUE.isoformat(), "end": TUE.isoformat()}
    assert "Bài 1" not in page(client, f"/coverage/students/{never.pk}/", before)


def test_who_may_open_a_student_page(client, fx):
    hs4 = fx.students["9A"][3]
    url = f"/coverage/students/{hs4.pk}/"
    for allowed in (fx.province, fx.officer_d1, fx.admin_s1):
        client.force_login(allowed)
        assert client.get(url).status_code == 200, allowed.role
    guardian = hs4.guardianships.get().guardian
    for refused in (
        fx.officer_d2,  # another district
        SchoolAdminFactory(school=fx.s2),  # another school of the district
        fx.classes["9A"].teacher,  # teachers do not read coverage
        hs4,
        guardian,
    ):
        client.force_login(refused)
        assert client.get(url).status_code == 404, refused.role
    client.force_login(fx.province)
    assert client.get(f"/coverage/students/{fx.admin_s1.pk}/").status_code == 404  # not a student
    assert client.get("/coverage/students/999999/").status_code == 404


def test_names_and_schools_in_vietnamese_order(client, fx):
    # Code-point order would give Trương before Trần and every Đ last.
    names = ["Trương Văn Bình", "Đinh Thị Hoa", "Trần Văn An", "Dương Minh", "Đặng Thu"]
    classroom = ClassroomFactory(school=fx.s1, name="8A", grade=8)
    students = {
        n: EnrollmentFactory(classroom=classroom, student__full_name=n).student for n in names
    }
    client.force_login(fx.province)
    html = page(client, f"/coverage/classes/{classroom.pk}/", PERIOD)
    shown = re.findall(r'data-student="(\d+)"', html)
    expected = ["Dương Minh", "Đặng Thu", "Đinh Thị Hoa", "Trần Văn An", "Trương Văn Bình"]
    assert shown == [str(students[n].pk) for n in expected]
    # Schools of a district: Đ after D, not after Y.
    for name in ("Trường THCS Yên Thế", "Trường THCS Đoàn Kết", "Trường THCS Dịch Vọng"):
        SchoolFactory(district=fx.d1, name=name)
    rows = selectors.school_rows(
        user=fx.province, filters=selectors.filters_from_params(PERIOD), district_id=fx.d1.pk
    )
    assert [r["name"] for r in rows] == [
        "S1", "S2", "Trường THCS Dịch Vọng", "Trường THCS Đoàn Kết", "Trường THCS Yên Thế",
    ]  # fmt: skip
    district = page(client, f"/coverage/districts/{fx.d1.pk}/", PERIOD)
    assert district.index("Dịch Vọng") < district.index("Đoàn Kết") < district.index("Yên Thế")
    # The same order when sorting by name descending.
    reverse = page(client, f"/coverage/districts/{fx.d1.pk}/", {**PERIOD, "sort": "-name"})
    assert reverse.index("Yên Thế") < reverse.index("Đoàn Kết") < reverse.index("Dịch Vọng")


def test_a_student_in_no_class_has_a_page_that_says_so(client, fx):
    loose = StudentFactory(school=fx.s1, full_name="Lê Văn Tự")
    client.force_login(fx.admin_s1)
    html = page(client, f"/coverage/students/{loose.pk}/", PERIOD)
    assert "This student is not in any class now." in html
