"""Lists of people in Vietnamese order (issue 19): Trần before Trương, which code-point order
reverses (ư is U+01B0, ầ is U+1EA7). The room's roster and the attendance records of a session."""

import datetime

import pytest
from django.utils import timezone

from classrooms.live import attendance, room
from tests.factories import AttendanceIntervalFactory, EnrollmentFactory, LiveSessionFactory

pytestmark = pytest.mark.django_db

NAMES = ["Trương Văn Bảo", "Trần Thị An", "Đinh Văn Cường", "Dương Minh Đức"]
IN_ORDER = ["Dương Minh Đức", "Đinh Văn Cường", "Trần Thị An", "Trương Văn Bảo"]


@pytest.fixture
def session():
    session = LiveSessionFactory(status="live", started_at=timezone.now())
    for name in NAMES:
        student = EnrollmentFactory(classroom=session.classroom, student__full_name=name).student
        AttendanceIntervalFactory(
            session=session,
            student=student,
            joined_at=timezone.now() - datetime.timedelta(minutes=1),
            last_seen_at=timezone.now(),
            left_at=None,
        )
    return session


def test_the_room_lists_trần_before_trương(session):
    names = [user["name"] for user in room.online_list(session)]
    assert names == IN_ORDER
    assert sorted(NAMES) != IN_ORDER  # code-point order would not do


def test_attendance_records_are_built_in_vietnamese_order(session):
    session.status, session.ended_at = "ended", timezone.now()
    records = attendance.records_build(session)
    assert [r.student.full_name for r in records] == IN_ORDER
