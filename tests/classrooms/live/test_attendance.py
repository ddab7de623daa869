"""Attendance from presence: the pure arithmetic, the interval API the consumer calls, the
reaper, records and overrides (docs/attendance.md)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Notice
from classrooms.live import attendance
from classrooms.live.attendance import clip_spans, measure, merge_spans, session_window
from classrooms.models import AttendanceChange, AttendanceInterval, AttendanceRecord
from tests.factories import (
    AttendanceIntervalFactory,
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    TeacherFactory,
)

T0 = datetime.datetime(2026, 10, 5, 7, 0, tzinfo=datetime.UTC)
GAP = datetime.timedelta(seconds=60)


def t(minutes: float = 0, seconds: float = 0) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes, seconds=seconds)


def rules(**overrides):
    values = {"stale_seconds": 60, "present_ratio": 0.5, "late_minutes": 10}
    values.update(overrides)
    return values


WINDOW = (t(0), t(45))


# --- pure functions ------------------------------------------------------------------------


def test_merge_overlapping_and_nested_spans():
    spans = [(t(10), t(20)), (t(0), t(12)), (t(5), t(8))]
    assert merge_spans(spans, gap=GAP) == [(t(0), t(20))]


def test_gap_of_exactly_the_stale_window_is_continuous():
    assert merge_spans([(t(0), t(10)), (t(11), t(20))], gap=GAP) == [(t(0), t(20))]


def test_gap_one_second_longer_splits():
    spans = [(t(0), t(10)), (t(11, 1), t(20))]
    assert merge_spans(spans, gap=GAP) == spans


def test_empty_and_reversed_spans_are_dropped():
    assert merge_spans([(t(5), t(5)), (t(9), t(8))], gap=GAP) == []


def test_clip_drops_spans_outside_the_window():
    spans = [(t(-20), t(-10)), (t(-5), t(5)), (t(40), t(60)), (t(50), t(55))]
    assert clip_spans(spans, t(0), t(45)) == [(t(0), t(5)), (t(40), t(45))]


def test_measure_no_interval_is_absent():
    m = measure([], window=WINDOW, **rules())
    assert (m.status, m.minutes, m.first_join, m.last_leave) == ("absent", 0, None, None)


def test_measure_on_time_and_half_is_present():
    m = measure([(t(-3), t(22, 30))], window=WINDOW, **rules())
    assert (m.status, m.minutes) == ("present", 22)
    assert m.first_join == t(-3)


def test_measure_short_stay_is_absent_even_on_time():
    m = measure([(t(0), t(10))], window=WINDOW, **rules())
    assert (m.status, m.minutes) == ("absent", 10)


def test_measure_late_join_with_enough_time_is_late():
    m = measure([(t(10, 1), t(45))], window=WINDOW, **rules())
    assert (m.status, m.minutes) == ("late", 34)


def test_measure_exactly_ten_minutes_late_is_on_time():
    assert measure([(t(10), t(45))], window=WINDOW, **rules()).status == "present"


def test_measure_reconnects_within_the_gap_count_as_continuous():
    # Three drops of a minute each on a weak network: 45 minutes, not 42.
    intervals = [(t(0), t(10)), (t(11), t(20)), (t(21), t(30)), (t(31), t(45))]
    assert measure(intervals, window=WINDOW, **rules()).minutes == 45


def test_measure_presence_outside_the_window_does_not_count():
    m = measure([(t(-30), t(-1)), (t(46), t(90))], window=WINDOW, **rules())
    assert (m.status, m.minutes) == ("absent", 0)
    assert (m.first_join, m.last_leave) == (t(-30), t(90))


def test_measure_threshold_ratio_is_a_setting():
    intervals = [(t(0), t(30))]
    assert measure(intervals, window=WINDOW, **rules(present_ratio=0.8)).status == "absent"
    assert measure(intervals, window=WINDOW, **rules(present_ratio=0.5)).status == "present"


def test_session_window_follows_a_late_start_and_an_early_end():
    session = LiveSessionFactory.build(starts_at=t(0), ends_at=t(45))
    assert session_window(session) == (t(0), t(45))
    session.started_at, session.ended_at = t(-10), t(80)  # early start, forgotten end
    assert session_window(session) == (t(0), t(45))
    session.started_at, session.ended_at = t(5), t(40)
    assert session_window(session) == (t(5), t(40))


# --- intervals ------------------------------------------------------------------------------


@pytest.fixture
def live():
    return LiveSessionFactory(status="live", started_at=timezone.now())


@pytest.mark.django_db
def test_interval_open_touch_close(live):
    student = EnrollmentFactory(classroom=live.classroom).student
    now = timezone.now()
    pk = attendance.interval_open(session_id=live.pk, student_id=student.pk, at=now)
    later = now + datetime.timedelta(seconds=20)
    assert attendance.intervals_touch([pk], at=later) == 1
    attendance.interval_close(pk, at=later + datetime.timedelta(seconds=5))
    attendance.interval_close(pk, at=later + datetime.timedelta(minutes=5))  # idempotent
    interval = AttendanceInterval.objects.get(pk=pk)
    assert interval.joined_at == now
    assert interval.left_at == later + datetime.timedelta(seconds=5)
    assert attendance.intervals_touch([pk], at=later + datetime.timedelta(minutes=6)) == 0


@pytest.mark.django_db
def test_interval_open_refuses_non_students_and_sessions_not_live(live):
    outsider = EnrollmentFactory().student
    with pytest.raises(ValidationError):
        attendance.interval_open(session_id=live.pk, student_id=outsider.pk)
    with pytest.raises(ValidationError):
        attendance.interval_open(session_id=live.pk, student_id=live.teacher.pk)
    scheduled = LiveSessionFactory()
    student = EnrollmentFactory(classroom=scheduled.classroom).student
    with pytest.raises(ValidationError):
        attendance.interval_open(session_id=scheduled.pk, student_id=student.pk)


@pytest.mark.django_db
def test_touch_is_one_query_for_many_students(live, django_assert_num_queries):
    now = timezone.now()
    ids = [
        attendance.interval_open(
            session_id=live.pk,
            student_id=EnrollmentFactory(classroom=live.classroom).student.pk,
            at=now,
        )
        for _ in range(5)
    ]
    with django_assert_num_queries(1):
        assert attendance.intervals_touch(ids, at=now + datetime.timedelta(seconds=20)) == 5


@pytest.mark.django_db
def test_reaper_closes_stale_intervals_at_their_last_heartbeat(live):
    now = timezone.now()
    stale = AttendanceIntervalFactory(
        session=live,
        joined_at=now - datetime.timedelta(minutes=5),
        last_seen_at=now - datetime.timedelta(seconds=61),
    )
    fresh = AttendanceIntervalFactory(
        session=live,
        joined_at=now - datetime.timedelta(minutes=5),
        last_seen_at=now - datetime.timedelta(seconds=30),
    )
    other = AttendanceIntervalFactory(last_seen_at=now - datetime.timedelta(minutes=5))
    assert attendance.close_stale_intervals(now=now, session_id=live.pk) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.left_at == stale.last_seen_at
    assert fresh.left_at is None
    assert attendance.close_stale_intervals(now=now) == 1  # the other session's
    other.refresh_from_db()
    assert other.left_at == other.last_seen_at


# --- records --------------------------------------------------------------------------------


@pytest.fixture
def ended():
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=2)
    return LiveSessionFactory(
        status="ended",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=45),
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=45),
    )


def _at(session, minutes):
    return session.starts_at + datetime.timedelta(minutes=minutes)


@pytest.mark.django_db
def test_records_for_every_enrolled_student(ended):
    on_time, late, short, away = (
        EnrollmentFactory(classroom=ended.classroom).student for _ in range(4)
    )
    EnrollmentFactory(classroom=ended.classroom, active=False)
    for student, (a, b) in [(on_time, (0, 45)), (late, (15, 45)), (short, (0, 5))]:
        AttendanceIntervalFactory(
            session=ended, student=student, joined_at=_at(ended, a), left_at=_at(ended, b)
        )
    records = {r.student_id: r for r in attendance.records_build(ended)}
    assert len(records) == 4
    assert (records[on_time.pk].status, records[on_time.pk].minutes) == ("present", 45)
    assert (records[late.pk].status, records[late.pk].minutes) == ("late", 30)
    assert (records[short.pk].status, records[short.pk].minutes) == ("absent", 5)
    assert (records[away.pk].status, records[away.pk].minutes) == ("absent", 0)
    assert records[late.pk].first_join == _at(ended, 15)
    assert AttendanceRecord.objects.filter(session=ended).count() == 4


@pytest.mark.django_db
def test_rebuild_keeps_teacher_overrides_and_refreshes_minutes(ended):
    student = EnrollmentFactory(classroom=ended.classroom).student
    [record] = attendance.records_build(ended)
    assert record.status == "absent"
    attendance.record_override(record=record, status="excused", reason="Ốm", by=ended.teacher)
    AttendanceIntervalFactory(
        session=ended, student=student, joined_at=_at(ended, 0), left_at=_at(ended, 10)
    )
    [record] = attendance.records_build(ended)
    record.refresh_from_db()
    assert (record.status, record.source, record.minutes) == ("excused", "teacher", 10)
    assert AttendanceRecord.objects.filter(session=ended).count() == 1


@pytest.mark.django_db
def test_guardians_of_absent_students_get_one_notice(ended):
    absent = EnrollmentFactory(classroom=ended.classroom).student
    present = EnrollmentFactory(classroom=ended.classroom).student
    AttendanceIntervalFactory(
        session=ended, student=present, joined_at=_at(ended, 0), left_at=_at(ended, 45)
    )
    mother = GuardianshipFactory(student=absent).guardian
    GuardianshipFactory(student=present)
    attendance.records_build(ended)
    attendance.records_build(ended)
    notices = Notice.objects.filter(kind="absence")
    assert [n.user for n in notices] == [mother]
    assert absent.display_name in notices[0].text
    assert notices[0].url == f"/children/{absent.pk}/attendance/"
    # Excused before the parent read it: the notice goes away.
    record = AttendanceRecord.objects.get(session=ended, student=absent)
    attendance.record_override(record=record, status="excused", reason="Ốm", by=ended.teacher)
    assert not Notice.objects.filter(kind="absence").exists()


@pytest.mark.django_db
def test_override_needs_a_reason_and_keeps_history(ended):
    EnrollmentFactory(classroom=ended.classroom)
    [record] = attendance.records_build(ended)
    with pytest.raises(ValidationError):
        attendance.record_override(record=record, status="excused", reason="  ", by=ended.teacher)
    attendance.record_override(record=record, status="excused", reason="Lũ", by=ended.teacher)
    admin = SchoolAdminFactory(school=ended.classroom.school)
    attendance.record_override(record=record, status="present", reason="Nhầm", by=admin)
    changes = list(AttendanceChange.objects.filter(record=record))
    assert [(c.old_status, c.new_status, c.reason) for c in changes] == [
        ("absent", "excused", "Lũ"),
        ("excused", "present", "Nhầm"),
    ]
    record.refresh_from_db()
    assert (record.status, record.changed_by, record.reason) == ("present", admin, "Nhầm")


@pytest.mark.django_db
def test_override_only_by_the_teacher_homeroom_or_school(ended):
    EnrollmentFactory(classroom=ended.classroom)
    [record] = attendance.records_build(ended)
    for outsider in [TeacherFactory(school=ended.classroom.school), SchoolAdminFactory()]:
        with pytest.raises(PermissionDenied):
            attendance.record_override(record=record, status="present", reason="x", by=outsider)
    homeroom = TeacherFactory(school=ended.classroom.school)
    ended.classroom.homeroom_teacher = homeroom
    ended.classroom.save()
    record.refresh_from_db()
    attendance.record_override(record=record, status="present", reason="ok", by=homeroom)


def test_worked_example_of_the_docs():
    """docs/attendance.md, "Worked example"."""
    session = LiveSessionFactory.build(starts_at=t(0), ends_at=t(45), started_at=t(2))
    session.ended_at = t(45)
    window = session_window(session)
    assert window == (t(2), t(45))
    students = {
        "An": [(t(-2), t(20)), (t(20, 40), t(45))],
        "Bình": [(t(15), t(45))],
        "Chi": [(t(2), t(10)), (t(11, 30), t(24, 50))],
        "Dũng": [(t(5), t(9))],
        "Em": [],
    }
    results = {
        name: (m.minutes, m.status)
        for name, intervals in students.items()
        for m in [measure(intervals, window=window, **rules())]
    }
    assert results == {
        "An": (43, "present"),
        "Bình": (30, "late"),
        "Chi": (21, "absent"),
        "Dũng": (4, "absent"),
        "Em": (0, "absent"),
    }
