"""`manage.py generate_province` with tiny numbers: the counts it promises, consistent data."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Q

from accounts.models import Role, User
from classrooms.models import (
    AttendanceRecord,
    AttendanceStatus,
    Classroom,
    Closure,
    Enrollment,
    LiveSession,
    School,
    SessionStatus,
    TimetableSlot,
)
from demo.province import school_days

pytestmark = pytest.mark.django_db

END = datetime.date(2026, 11, 26)  # a Thursday


def generate(**options):
    out = io.StringIO()
    call_command(
        "generate_province",
        schools=5,
        classes=12,
        students=300,
        days=4,
        end=END,
        no_rollup=True,
        stdout=out,
        **options,
    )
    return out.getvalue()


def test_counts_match_the_arguments():
    generate()
    schools = School.objects.filter(code__startswith="GP")
    assert schools.count() == 5
    assert Classroom.objects.filter(school__in=schools).count() == 12
    students = User.objects.filter(role=Role.STUDENT, username__startswith="gp")
    assert students.count() == 300
    assert Enrollment.objects.filter(active=True, student__in=students).count() == 300
    # Every class has at least one student, and each student one class.
    assert not Classroom.objects.annotate(n=Count("enrollments")).filter(n=0).exists()
    # Two online periods a day, five weekdays.
    assert TimetableSlot.objects.count() == 12 * 10
    # One province closure over the four school days (Mon 23 – Thu 26 Nov).
    closure = Closure.objects.get()
    assert (closure.scope, closure.starts_on, closure.ends_on) == (
        "province",
        datetime.date(2026, 11, 23),
        END,
    )
    # A session per slot per day; the officers and school admins exist.
    assert LiveSession.objects.count() == 12 * 4 * 2
    assert User.objects.filter(role=Role.SCHOOL_ADMIN).count() == 5
    assert User.objects.filter(role=Role.DISTRICT_OFFICER).count() == 10
    assert User.objects.filter(role=Role.PROVINCE_OFFICER, username="gp.sgd").exists()


def test_attendance_is_consistent_with_the_sessions():
    generate()
    ended = LiveSession.objects.filter(status=SessionStatus.ENDED)
    assert ended.exists()
    # Every ended session has one record per enrolled student, and no other session has any.
    for session in ended.annotate(n=Count("records")):
        assert session.n == session.classroom.enrollments.count()
        assert session.started_at is not None and session.ended_at is not None
    assert not AttendanceRecord.objects.exclude(session__status=SessionStatus.ENDED).exists()
    # Held sessions (someone present or late) outnumber the rest, and every status occurs.
    held = ended.filter(
        Q(records__status=AttendanceStatus.PRESENT) | Q(records__status=AttendanceStatus.LATE)
    ).distinct()
    assert held.count() > LiveSession.objects.count() / 2
    statuses = set(AttendanceRecord.objects.values_list("status", flat=True))
    assert {AttendanceStatus.PRESENT, AttendanceStatus.ABSENT} <= statuses
    attended = AttendanceRecord.objects.filter(status=AttendanceStatus.PRESENT).first()
    assert attended.minutes > 0 and attended.first_join < attended.last_leave


def _snapshot():
    return list(
        AttendanceRecord.objects.order_by(
            "session__classroom__school__code", "session__classroom__name", "session__starts_at",
            "student__username",
        ).values_list(
            "session__classroom__school__name", "student__username", "student__full_name",
            "status", "minutes",
        )
    )  # fmt: skip


def test_same_seed_same_data_and_refuses_a_second_run():
    with transaction.atomic():
        generate()
        first = _snapshot()
        transaction.set_rollback(True)
    generate()
    assert _snapshot() == first and len(first) > 500
    with pytest.raises(CommandError, match="already"):
        generate()


def test_school_days_skip_weekends_and_stay_in_the_year():
    from classrooms.models import AcademicYear

    year = AcademicYear(starts_on=datetime.date(2026, 9, 5), ends_on=datetime.date(2027, 5, 31))
    days = school_days(days=6, end=datetime.date(2026, 11, 29), year=year)  # a Sunday
    assert days[0] == datetime.date(2026, 11, 20) and days[-1] == datetime.date(2026, 11, 27)
    assert all(d.weekday() < 5 for d in days)
    # Too early in the year: the year's first school days instead.
    days = school_days(days=3, end=datetime.date(2026, 9, 8), year=year)
    assert days == [datetime.date(2026, 9, 7), datetime.date(2026, 9, 8), datetime.date(2026, 9, 9)]
