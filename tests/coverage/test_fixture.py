"""docs/coverage.md's worked example: the same numbers in the selectors, the dashboard, the
XLSX and the API."""

import io

import pytest
from openpyxl import load_workbook

from coverage import selectors, start_pages, students
from coverage.services import rollup

from .fixture import MON, PERIOD, TODAY

pytestmark = pytest.mark.django_db


def closed_filters(**kw):
    return selectors.filters_from_params({**PERIOD, **kw})


def test_rows_per_school_day(fx):
    from coverage.models import DailyCoverage

    assert DailyCoverage.objects.count() == 20  # 5 classes × 4 days
    assert DailyCoverage.objects.filter(closed=True).count() == 10


def test_summary(fx):
    s = selectors.coverage_summary(user=fx.province, filters=closed_filters())
    assert (s["closed_class_days"], s["taught_closed_class_days"], s["coverage_pct"]) == (
        10,
        5,
        50.0,
    )
    assert (s["sessions_scheduled"], s["sessions_held"]) == (7, 4)
    assert (s["attendances"], s["expected_attendances"], s["participation_pct"]) == (12, 16, 75.0)
    assert s["at_risk_students"] == 1
    assert s["today"]["closed_classes"] == 4 and s["today"]["coverage_pct"] == 25.0
    everything = selectors.coverage_summary(user=fx.province, filters=closed_filters(days="all"))
    assert (everything["class_days"], everything["taught_class_days"]) == (20, 6)
    assert everything["coverage_pct"] == 50.0
    assert (everything["attendances"], everything["expected_attendances"]) == (16, 20)
    assert everything["participation_pct"] == 80.0


def test_drill_down(fx):
    user, f = fx.province, closed_filters()
    districts = {r["name"]: r for r in selectors.district_rows(user=user, filters=f)}
    assert (districts["D1"]["closed_class_days"], districts["D1"]["taught_closed_class_days"]) == (
        9,
        5,
    )
    assert districts["D1"]["coverage_pct"] == 55.6 and districts["D1"]["participation_pct"] == 75.0
    assert districts["D2"]["coverage_pct"] == 0.0 and districts["D2"]["participation_pct"] is None
    schools = {r["name"]: r["coverage_pct"] for r in selectors.school_rows(user=user, filters=f)}
    assert schools == {"S1": 66.7, "S2": 33.3, "S3": 0.0}
    classes = {r["name"]: r for r in selectors.class_rows(user=user, filters=f, school_id=fx.s1.pk)}
    a, b = classes["9A"], classes["9B"]
    assert (
        a["coverage_pct"],
        a["sessions_held"],
        a["sessions_scheduled"],
        a["participation_pct"],
    ) == (100.0, 3, 3, 66.7)
    assert (
        b["coverage_pct"],
        b["sessions_held"],
        b["sessions_scheduled"],
        b["participation_pct"],
    ) == (33.3, 1, 3, 100.0)
    students = selectors.student_rows(user=user, filters=f, classroom_id=fx.classes["9A"].pk)
    assert [
        (r["attended"], r["sessions"], r["attendance_pct"], r["consecutive_absences"])
        for r in students
    ] == [(3, 3, 100.0, 0), (3, 3, 100.0, 0), (2, 3, 66.7, 0), (0, 3, 0.0, 3)]
    assert [r["at_risk"] for r in students] == [False, False, False, True]


def test_attention_and_at_risk(fx):
    attention = selectors.attention_schools(user=fx.province)
    assert [(s["name"], s["coverage_pct"]) for s in attention] == [
        ("S3", 0.0),
        ("S2", 33.3),
        ("S1", 66.7),
    ]
    assert attention[2]["admins"][0]["phone"] == "0233111222"
    at_risk = students.at_risk_students(user=fx.province)
    assert [(r["name"], r["classroom"], r["consecutive_absences"]) for r in at_risk] == [
        ("9A HS4", "9A", 3)
    ]
    assert at_risk[0]["guardians"][0]["phone"] == "0912345678"
    assert at_risk[0]["homeroom_phone"] == "0905000111"


def test_dashboard_shows_the_same_numbers(client, fx):
    client.force_login(fx.province)
    page = client.get("/coverage/", PERIOD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "5 of 10 closed class-days taught online" in page and "50.0%" in page
    assert "12 of 16 expected attendances" in page and "75.0%" in page
    assert "55.6%" in page and "9A HS4" in page
    assert "Learned asynchronously: 4 of 40 student-days of closed class-days" in page
    assert "(10.0%)" in page and "11.1%" in page  # D1's row
    school = client.get(f"/coverage/schools/{fx.s1.pk}/", PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    assert "66.7%" in school.content.decode() and "3 / 3" in school.content.decode()


def test_xlsx_shows_the_same_numbers(client, fx, django_capture_on_commit_callbacks):
    client.force_login(fx.province)
    query = "&".join(f"{k}={v}" for k, v in PERIOD.items())
    with django_capture_on_commit_callbacks(execute=True):  # the export task, after commit
        started = client.post(f"/coverage/report.xlsx?{query}", HTTP_ACCEPT_LANGUAGE="en")
    response = client.get(started["Location"] + "download/")
    assert response["Content-Disposition"] == (
        f'attachment; filename="bao-cao-day-hoc-truc-tuyen-{TODAY.isoformat()}.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    thcs = [r for r in rows if r[1] == "D1"][0]
    assert thcs[2:] == [9, 5, 55.6, 16, 12, 75.0, 36, 4, 11.1]
    thpt = [r for r in rows if r[1] == "D2"][0]
    assert thpt[2:] == [1, 0, 0.0, 0, 0, None, 4, 0, 0.0]
    assert rows[-1][1:] == ["Total", 10, 5, 50.0, 16, 12, 75.0, 40, 4, 10.0]
    header = [c.value for c in sheet[1]]
    assert header[-3:] == [
        "Students on closed class-days",
        "Students learning asynchronously",
        "Learned asynchronously (%)",
    ]


def test_api_shows_the_same_numbers(client, fx):
    client.force_login(fx.province)
    summary = client.get("/api/v1/coverage/", PERIOD).json()
    assert (summary["closed_class_days"], summary["coverage_pct"]) == (10, 50.0)
    assert (
        summary["attendances"],
        summary["expected_attendances"],
        summary["participation_pct"],
    ) == (12, 16, 75.0)
    districts = client.get("/api/v1/coverage/districts/", PERIOD).json()["results"]
    assert {d["name"]: d["coverage_pct"] for d in districts} == {"D1": 55.6, "D2": 0.0}
    assert (summary["async_learners"], summary["closed_student_days"], summary["async_pct"]) == (
        4,
        40,
        10.0,
    )
    assert summary["today"]["async_learners"] == 2
    assert {d["name"]: d["async_pct"] for d in districts} == {"D1": 11.1, "D2": 0.0}
    classes = client.get(f"/api/v1/coverage/schools/{fx.s1.pk}/classes/", PERIOD).json()
    assert {c["name"]: c["async_learners"] for c in classes["results"]} == {"9A": 0, "9B": 2}
    b9 = fx.classes["9B"].pk
    students = client.get(f"/api/v1/coverage/classes/{b9}/students/", PERIOD).json()
    assert [s["async_days"] for s in students["results"]] == [1, 0, 0, 1]
    daily = client.get("/api/v1/coverage/daily/", PERIOD).json()["results"]
    assert [d["async_learners"] for d in daily] == [0, 2, 2]  # Tue, Wed, Thu (closed days)


def test_district_officer_scope(client, fx):
    client.force_login(fx.officer_d1)
    assert client.get(f"/coverage/districts/{fx.d2.pk}/").status_code == 404
    assert client.get(f"/coverage/schools/{fx.s3.pk}/").status_code == 404
    assert client.get(f"/coverage/classes/{fx.classes['10A'].pk}/").status_code == 404
    assert client.get(f"/coverage/schools/{fx.s1.pk}/").status_code == 200
    s = selectors.coverage_summary(user=fx.officer_d1, filters=closed_filters())
    assert (s["closed_class_days"], s["taught_closed_class_days"]) == (9, 5)
    client.force_login(fx.admin_s1)
    assert client.get(f"/coverage/schools/{fx.s2.pk}/").status_code == 404
    page = client.get("/coverage/", PERIOD, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "4 of 6 closed class-days taught online" in page
    client.force_login(fx.classes["9A"].teacher)
    assert client.get("/coverage/").status_code == 404


def _series_from_class_days(filters):
    """The chart's series added up straight from the class-day rows."""
    from django.db.models import Count, Q, Sum

    from coverage.models import DailyCoverage

    qs = DailyCoverage.objects.filter(date__gte=filters.start, date__lte=filters.end)
    if filters.closures_only:
        qs = qs.filter(closed=True)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    return [
        (r["date"], r["n"], r["closed_n"], r["taught_n"], r["held"], r["att"], r["exp"])
        for r in qs.values("date")
        .annotate(
            n=Count("pk"),
            closed_n=Count("pk", filter=Q(closed=True)),
            taught_n=Count("pk", filter=Q(taught=True)),
            held=Sum("sessions_held"),
            att=Sum("attendances"),
            exp=Sum("expected"),
        )  # fmt: skip
        .order_by("date")
    ]


@pytest.mark.parametrize("extra", [{}, {"days": "all"}, {"grade": "9"}, {"level": "thpt"}])
def test_the_chart_series_adds_up_the_class_days(fx, extra):
    filters = closed_filters(**extra)
    series = [
        (
            r["date"],
            r["class_days"],
            r["closed_class_days"],
            r["taught_class_days"],
            r["sessions_held"],
            r["attendances"],
            r["expected_attendances"],
        )  # fmt: skip
        for r in selectors.daily_series(user=fx.province, filters=filters)
    ]
    assert series == _series_from_class_days(filters)
    assert series  # the fixture has rows for every filter set here


def test_the_chart_series_follows_a_class_rebuild(fx):
    from classrooms.models import AttendanceRecord

    filters = closed_filters(days="all")
    record = AttendanceRecord.objects.filter(status="absent").select_related("session").first()
    AttendanceRecord.objects.filter(pk=record.pk).update(status="present")
    rollup(since=MON, classroom_ids=[record.session.classroom_id])
    assert [r[5] for r in _series_from_class_days(filters)] == [
        r["attendances"] for r in selectors.daily_series(user=fx.province, filters=filters)
    ]


def test_deleting_a_class_takes_it_out_of_the_chart(fx, django_capture_on_commit_callbacks):
    from classrooms.models import Classroom

    filters = closed_filters(days="all")
    classroom = Classroom.objects.filter(daily_coverage__isnull=False).first()
    before = sum(r["class_days"] for r in selectors.daily_series(user=fx.province, filters=filters))
    days = classroom.daily_coverage.count()
    # The school-day totals are rebuilt by a task queued when the deletion commits.
    with django_capture_on_commit_callbacks(execute=True):
        classroom.delete()
    after = selectors.daily_series(user=fx.province, filters=filters)
    assert sum(r["class_days"] for r in after) == before - days
    assert [r[1] for r in _series_from_class_days(filters)] == [r["class_days"] for r in after]


@pytest.mark.parametrize("extra", [{}, {"days": "all"}, {"grade": "9"}])
def test_the_start_dashboard_rows_are_the_drill_down_rows(fx, extra):
    # The start page reads the per-school rollup; the drill-down and the API read class-days.
    from django.core.cache import cache

    filters = closed_filters(**extra)
    for user, rows in (
        (fx.province, lambda: selectors.district_rows(user=fx.province, filters=filters)),
        (
            fx.officer_d1,
            lambda: selectors.school_rows(
                user=fx.officer_d1, filters=filters, district_id=fx.d1.pk
            ),
        ),
    ):
        cache.clear()
        page = start_pages.start_page(user=user, filters=filters)["rows"]
        expected = rows()
        assert len(page) == len(expected) > 0
        for got, want in zip(page, expected, strict=True):
            assert {k: v for k, v in got.items() if k != "classes"} == {
                k: v for k, v in want.items() if k != "classes"
            }


def test_learned_asynchronously(fx):
    # docs/coverage.md "Learned asynchronously": 4 of 40 student-days of closed class-days.
    from coverage.models import DailyCoverage

    rows = {
        (r.classroom.name, r.date.isoformat()): r.async_learners
        for r in DailyCoverage.objects.filter(async_learners__gt=0).select_related("classroom")
    }
    assert rows == {
        ("9B", "2026-11-25"): 1,  # HS1 answered and completed Wednesday evening: once
        ("9B", "2026-11-26"): 1,
        ("6A", "2026-11-25"): 1,
        ("6A", "2026-11-26"): 1,
    }
    user, f = fx.province, closed_filters()
    s = selectors.coverage_summary(user=user, filters=f)
    assert (s["async_learners"], s["closed_student_days"], s["async_pct"]) == (4, 40, 10.0)
    assert (s["today"]["async_learners"], s["today"]["async_pct"]) == (2, 12.5)
    everything = selectors.coverage_summary(user=user, filters=closed_filters(days="all"))
    assert (everything["async_learners"], everything["async_pct"]) == (4, 10.0)
    # Beside "taught online", never mixed into it.
    assert (s["taught_closed_class_days"], s["coverage_pct"]) == (5, 50.0)
    districts = {r["name"]: r for r in selectors.district_rows(user=user, filters=f)}
    figures = [
        (d["async_learners"], d["closed_student_days"], d["async_pct"]) for d in districts.values()
    ]
    assert figures == [(4, 36, 11.1), (0, 4, 0.0)]
    schools = {r["name"]: r["async_pct"] for r in selectors.school_rows(user=user, filters=f)}
    assert schools == {"S1": 8.3, "S2": 16.7, "S3": 0.0}
    classes = {r["name"]: r for r in selectors.class_rows(user=user, filters=f, school_id=fx.s1.pk)}
    assert (classes["9A"]["async_pct"], classes["9B"]["async_pct"]) == (0.0, 16.7)
    students = selectors.student_rows(user=user, filters=f, classroom_id=fx.classes["9B"].pk)
    assert [r["async_days"] for r in students] == [1, 0, 0, 1]


def test_the_pages_show_learning_asynchronously_in_vietnamese(client, fx):
    client.force_login(fx.province)
    client.cookies["django_language"] = "vi"
    page = client.get("/coverage/", PERIOD).content.decode()
    assert "Học không đồng bộ: 4/40 lượt học sinh" in page
    school = client.get(f"/coverage/schools/{fx.s1.pk}/", PERIOD).content.decode()
    assert "Học không đồng bộ" in school
    assert '16,7% <span class="sub">(2/12)</span>' in school  # 9B: 2 of 12 student-days
    klass = client.get(f"/coverage/classes/{fx.classes['9B'].pk}/", PERIOD).content.decode()
    assert "Số ngày học không đồng bộ" in klass and "2/12 lượt học sinh" in klass
    printed = client.get("/coverage/report/", PERIOD).content.decode()
    assert "Tỉ lệ học không đồng bộ (%)" in printed and '<td class="num">10,0</td>' in printed
