"""The rollup: class-days, closed and taught, held sessions, participation, at risk, and the
incremental rebuilds."""

import datetime

import pytest
from django.utils import timezone

from classrooms.models import AttendanceRecord, Closure, LiveSession, SchoolHoliday
from coverage.models import DailyCoverage
from coverage.services import rollup, rollup_incremental
from tests.clock import FRIDAY, MONDAY, THURSDAY, WEDNESDAY, at
from tests.factories import (
    ClassroomFactory,
    EnrollmentFactory,
    SubjectFactory,
    TeacherFactory,
)

pytestmark = pytest.mark.django_db


def held(classroom, day, statuses, *, minutes=45, status="ended", hour=8):
    """A session of the class on day whose students got the given statuses in order."""
    teacher = TeacherFactory(school=classroom.school)
    session = LiveSession.objects.create(
        classroom=classroom, subject=SubjectFactory(), teacher=teacher,
        starts_at=at(day, hour), ends_at=at(day, hour, 45), status=status,
        started_at=at(day, hour) if status != "scheduled" else None,
        ended_at=at(day, hour) + datetime.timedelta(minutes=minutes) if status == "ended" else None,
    )  # fmt: skip
    students = [e.student for e in classroom.enrollments.order_by("pk")]
    for student, st in zip(students, statuses, strict=False):
        AttendanceRecord.objects.create(
            session=session, student=student, status=st,
            first_join=None if st == "absent" else at(day, hour),
        )  # fmt: skip
    return session


@pytest.fixture
def today(time_machine):
    # Friday afternoon of the fixture week is "now". The clock ticks: the rebuilds compare
    # updated_at.
    time_machine.move_to(at(FRIDAY, 16), tick=True)
    return FRIDAY


@pytest.fixture
def klass():
    classroom = ClassroomFactory()
    for _ in range(4):
        EnrollmentFactory(classroom=classroom)
    return classroom


def test_one_row_per_school_day_with_closed_taught_and_participation(today, klass):
    Closure.objects.create(
        scope="school", school=klass.school, starts_on=MONDAY,
        ends_on=MONDAY + datetime.timedelta(days=1), reason="flood",
    )  # fmt: skip
    held(klass, MONDAY, ["present", "late", "absent", "excused"])
    held(klass, MONDAY + datetime.timedelta(days=1), ["present"] * 4, minutes=5)  # too short
    SchoolHoliday.objects.create(
        school=klass.school, date=MONDAY + datetime.timedelta(days=3), name="x"
    )
    written = rollup(since=MONDAY - datetime.timedelta(days=2))  # Sat, Sun are not school days
    rows = {r.date: r for r in DailyCoverage.objects.all()}
    assert written == 4 and sorted(rows) == [
        MONDAY,
        MONDAY + datetime.timedelta(days=1),
        MONDAY + datetime.timedelta(days=2),
        today,
    ]
    mon, tue = rows[MONDAY], rows[MONDAY + datetime.timedelta(days=1)]
    assert (mon.closed, mon.taught, mon.sessions_scheduled, mon.sessions_held) == (True, True, 1, 1)
    assert (mon.enrolled, mon.attendances, mon.expected) == (4, 2, 4)
    assert (tue.closed, tue.taught, tue.sessions_scheduled, tue.sessions_held) == (
        True,
        False,
        1,
        0,
    )
    assert not rows[today].closed


def test_at_risk_after_three_absences_in_a_row(today, klass):
    for i, statuses in enumerate(
        [
            ["absent", "absent", "present"],
            ["absent", "excused", "present"],
            ["absent", "absent", "late"],
        ]
    ):
        held(klass, MONDAY + datetime.timedelta(days=i), statuses)
    rollup(since=MONDAY)
    at_risk = dict(DailyCoverage.objects.values_list("date", "at_risk"))
    # Student 1 absent three times by Wednesday; student 2's excuse broke their run. (A session
    # nobody joined is not held, so it never counts towards a run.)
    assert at_risk[MONDAY + datetime.timedelta(days=1)] == 0
    assert at_risk[MONDAY + datetime.timedelta(days=2)] == 1
    assert at_risk[today] == 1


def test_the_at_risk_list_follows_the_latest_rollup(today, klass, django_assert_max_num_queries):
    from coverage import students
    from coverage.models import AtRiskStudent
    from tests.factories import ProvinceOfficerFactory

    officer = ProvinceOfficerFactory()
    first, second = klass.enrollments.order_by("pk")[:2]
    for i in range(3):
        held(klass, MONDAY + datetime.timedelta(days=i), ["absent", "absent", "present"])
    rollup(since=MONDAY)
    # As of the class's latest school day (today): Thursday had no session, so the runs stand.
    assert set(
        AtRiskStudent.objects.values_list("student_id", "as_of", "consecutive_absences")
    ) == {
        (first.student_id, today, 3),
        (second.student_id, today, 3),
    }
    assert {r["id"] for r in students.at_risk_students(user=officer)} == {
        first.student_id,
        second.student_id,
    }

    # The second student leaves the class: no longer listed, without waiting for a rollup.
    second.active = False
    second.save()
    with django_assert_max_num_queries(3):  # the last day, the list with its joins, guardians
        listed = students.at_risk_students(user=officer)
    assert [(r["id"], r["consecutive_absences"]) for r in listed] == [(first.student_id, 3)]

    # Rebuilding a past day alone leaves the current list as it is.
    rollup(dates=[MONDAY])
    assert [r["id"] for r in students.at_risk_students(user=officer)] == [first.student_id]

    # Thursday the first student comes back: the next rollup takes them off the list.
    held(klass, MONDAY + datetime.timedelta(days=3), ["present"])
    rollup(since=MONDAY + datetime.timedelta(days=3))
    assert students.at_risk_students(user=officer) == []
    assert not AtRiskStudent.objects.exists()


@pytest.mark.parametrize(
    ("now", "day", "rebuilt"),
    [
        (at(WEDNESDAY, 10), WEDNESDAY, 1),
        # Just after midnight the session's day is the day it started, yesterday; the class is
        # rebuilt from that day to today.
        (at(THURSDAY, 0, 20), WEDNESDAY, 2),
    ],
    ids=["mid-morning", "just-after-midnight"],
)
def test_incremental_runs_rebuild_only_what_changed(klass, time_machine, now, day, rebuilt):
    # The clock ticks: the test compares updated_at and the run's watermark.
    time_machine.move_to(now, tick=True)
    today = timezone.localdate()
    # A session that ends after the last run, through an UPDATE as session_end does.
    ended = timezone.now() + datetime.timedelta(minutes=1)
    assert timezone.localdate(ended - datetime.timedelta(minutes=45)) == day
    other = ClassroomFactory()
    rollup(since=today - datetime.timedelta(days=6))
    count = DailyCoverage.objects.count()
    before = dict(DailyCoverage.objects.filter(classroom=other).values_list("date", "updated_at"))
    session = held(klass, today, ["present"] * 4, status="live")
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", starts_at=ended - datetime.timedelta(minutes=45),
        started_at=ended - datetime.timedelta(minutes=45), ends_at=ended, ended_at=ended,
    )  # fmt: skip
    written = rollup_incremental()
    row = DailyCoverage.objects.get(classroom=klass, date=day)
    assert row.taught and row.attendances == 4
    assert written == rebuilt  # that class-day (and today, if the session began yesterday)
    assert DailyCoverage.objects.count() == count
    after = dict(DailyCoverage.objects.filter(classroom=other).values_list("date", "updated_at"))
    assert after == before


def test_a_session_from_sunday_evening_to_monday_counts_on_no_school_day(klass, time_machine):
    # It started on Sunday, which is never a school day, so it makes no class-day taught, not
    # even Monday's although it ended then.
    time_machine.move_to(at(MONDAY, 0, 20), tick=True)
    sunday = MONDAY - datetime.timedelta(days=1)
    rollup(since=MONDAY - datetime.timedelta(days=6))
    started = at(sunday, 23, 35)
    session = held(klass, MONDAY, ["present"] * 4, status="live")
    LiveSession.objects.filter(pk=session.pk).update(
        status="ended", starts_at=started, started_at=started,
        ends_at=timezone.now(), ended_at=timezone.now(),
    )  # fmt: skip
    assert rollup_incremental() == 1  # Monday's class-day, rebuilt
    assert not DailyCoverage.objects.filter(date=sunday).exists()
    monday = DailyCoverage.objects.get(classroom=klass, date=MONDAY)
    assert (monday.taught, monday.sessions_held, monday.attendances) == (False, 0, 0)


def test_a_rebuild_rewrites_only_the_rows_whose_figures_changed(today, klass):
    held(klass, MONDAY, ["present", "absent"])
    rollup(since=MONDAY)
    before = dict(DailyCoverage.objects.values_list("date", "updated_at"))
    rollup(since=MONDAY)  # nothing changed
    assert dict(DailyCoverage.objects.values_list("date", "updated_at")) == before

    record = AttendanceRecord.objects.get(session__classroom=klass, status="absent")
    AttendanceRecord.objects.filter(pk=record.pk).update(status="present")
    rollup(since=MONDAY)
    after = dict(DailyCoverage.objects.values_list("date", "updated_at"))
    assert after[MONDAY] > before[MONDAY]
    assert DailyCoverage.objects.get(date=MONDAY).attendances == 2
    assert {d: t for d, t in after.items() if d != MONDAY} == {
        d: t for d, t in before.items() if d != MONDAY
    }


def test_a_big_full_rebuild_refreshes_the_planner_statistics(today, klass, monkeypatch):
    from django.db import connection

    from coverage import services

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's ANALYZE: runs when DATABASE_URL points at PostgreSQL")

    def analyzed():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT analyze_count + autoanalyze_count FROM pg_stat_user_tables "
                "WHERE relname = 'coverage_schooldailycoverage'"
            )
            return cursor.fetchone()[0]

    monkeypatch.setattr(services, "ANALYZE_AFTER_ROWS", 1)
    before = analyzed()
    rollup(since=MONDAY)
    rollup(since=MONDAY, classroom_ids=[klass.pk])  # a partial rebuild does not
    connection.cursor().execute("SELECT pg_stat_clear_snapshot()")
    assert analyzed() == before + 1
