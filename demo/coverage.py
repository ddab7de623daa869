"""Demo data for the coverage dashboards (`manage.py seed_demo`, after the live classes).

The story: last week's flood closed every school of TP Đông Hà. The district office (phonggd)
declared the closure on its first day, through the same service as the closure form, and ended
it early yesterday when the water went down. During those school days:
- THCS Nguyễn Trãi (the demo school, the only one with a timetable) held its first period
  online in most classes; 6C never got going and 7C stopped after two days; 9A has the two
  afternoon sessions of the live-class demo;
- a few students dropped out of sight (absent from every session: "at risk");
- THPT Đông Hà and TH Kim Đồng taught nothing online, so they are "Cần chú ý".
The rollup then runs, so /coverage/ shows the week straight after `make run`.

Safe to run again: once the demo closure exists nothing is added (the closure is found by its
note). Like the live-class demo, the dates follow the day the seed first runs.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from classrooms.closures.services import closure_declare, closure_end_early
from classrooms.live.services import session_end, session_start
from classrooms.models import (
    AcademicYear,
    AttendanceInterval,
    Classroom,
    Closure,
    ClosureReason,
    ClosureScope,
    District,
    Enrollment,
    LiveSession,
    SessionStatus,
)
from classrooms.timetable.services import sessions_generate
from coverage.services import rollup_incremental

from . import org as data

CLOSURE_NOTE = (
    "Mưa lũ ngập nhiều tuyến đường ở TP Đông Hà: các trường dừng học trực tiếp, "
    "học sinh học trực tuyến theo thời khoá biểu."
)
CLOSURE_DAYS = 5  # school days closed before today
PLANNED_EXTRA_DAYS = 4  # the closure as first declared ran this many days past today
NEVER_TAUGHT = {"6C"}  # the teacher's area lost power and network all week
# 9A's online lessons are the two afternoon sessions of seed_live_classes (yesterday and the day
# before), which the live-class demo and its tests count on: none are added here.
LIVE_DEMO_CLASS = data.DEMO_CLASS_NAME
TAUGHT_FIRST_DAYS = {"7C": 2}  # taught the first two days, then stopped
# Students who stopped connecting: (class, position in the roll, first day missed, 0-based).
DROPPED_OUT = [("8B", 5, 0), ("8B", 19, 1), ("6A", 11, 2)]
ABSENT_SHARE = 0.07
LATE_SHARE = 0.08


def _closure_days(year: AcademicYear, today: datetime.date) -> list[datetime.date]:
    days, day = [], today - datetime.timedelta(days=1)
    while len(days) < CLOSURE_DAYS and day >= year.starts_on:
        if day.weekday() < 5:
            days.append(day)
        day -= datetime.timedelta(days=1)
    return sorted(days)


def seed_coverage(write, *, now=None) -> None:
    """Declare (as phonggd) and end the demo flood closure, hold its sessions with attendance,
    and roll the coverage up. Runs inside seed_demo's transaction."""
    if Closure.objects.filter(note=CLOSURE_NOTE).exists():
        write("  độ bao phủ: đợt lũ mẫu đã có, bỏ qua")
        return
    now = now or timezone.now()
    today = timezone.localdate(now)
    year = AcademicYear.objects.filter(is_current=True).first()
    officer = User.objects.filter(username=data.DEMO_DISTRICT_OFFICER.username).first()
    district = District.objects.filter(code=data.DEMO_DISTRICT_CODE).first()
    if year is None or officer is None or district is None:
        return
    days = _closure_days(year, today)
    if not days:
        return

    closure = closure_declare(
        by=officer,
        scope=ClosureScope.DISTRICT,
        district=district,
        starts_on=days[0],
        ends_on=today + datetime.timedelta(days=PLANNED_EXTRA_DAYS),
        reason=ClosureReason.FLOOD,
        note=CLOSURE_NOTE,
    )
    # The water went down: classes meet again from today.
    closure_end_early(closure=closure, by=officer, last_day=today - datetime.timedelta(days=1))

    held, attendances = _hold_sessions(days, now)
    written = rollup_incremental()
    write(
        f"  độ bao phủ: tạm dừng học vì lũ ở {district.name} {len(days)} ngày học "
        f"({days[0]:%d/%m}–{days[-1]:%d/%m}), {held} buổi học đã dạy, {attendances} lượt "
        f"điểm danh, {written} dòng tổng hợp"
    )


@transaction.atomic
def _hold_sessions(days: list[datetime.date], now) -> tuple[int, int]:
    """The first period of each closed day, held online by the class's teacher through the
    session services. Presence is written as the intervals the live room would have opened
    and closed (bulk-created, like seed_live_classes does: ~1,700 connections one by one
    would only slow the seed down); session_end then builds the records from them."""
    classrooms = list(
        Classroom.objects.filter(school__code=data.DEMO_SCHOOL_CODE, year__is_current=True)
    )
    if not classrooms:
        return 0, 0
    # The timetable's sessions of those days (already there for the last two weeks).
    sessions_generate(start=days[0], end=days[-1], classrooms=classrooms)
    students = {}
    for classroom_id, student_id, username in (
        Enrollment.objects.filter(classroom__in=classrooms, active=True)
        .order_by("student__username")
        .values_list("classroom_id", "student_id", "student__username")
    ):
        students.setdefault(classroom_id, []).append((student_id, username))
    rng = random.Random(2026 + 7)  # noqa: S311 - demo data, not security
    zone = timezone.get_default_timezone()
    held = attendances = 0
    for classroom in sorted(classrooms, key=lambda c: (c.grade, c.name)):
        if classroom.name in NEVER_TAUGHT or classroom.name == LIVE_DEMO_CLASS:
            continue
        roll = students.get(classroom.pk, [])
        dropped = {
            roll[position][0]: first
            for name, position, first in DROPPED_OUT
            if name == classroom.name and position < len(roll)
        }
        for index, day in enumerate(days[: TAUGHT_FIRST_DAYS.get(classroom.name, len(days))]):
            first_of_day = datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)
            session = (
                LiveSession.objects.filter(
                    classroom=classroom,
                    status=SessionStatus.SCHEDULED,
                    slot__isnull=False,
                    starts_at__gte=first_of_day,
                    starts_at__lt=first_of_day + datetime.timedelta(days=1),
                )
                .select_related("teacher")
                .order_by("starts_at")
                .first()
            )
            if session is None or session.ends_at > now:
                continue
            start = session.starts_at + datetime.timedelta(minutes=rng.randint(0, 3))
            session = session_start(session=session, by=session.teacher, at=start)
            intervals = []
            for student_id, username in roll:
                if username == data.DEMO_STUDENT.username:
                    late, absent = 0, False  # hocsinh follows every lesson
                else:
                    r = rng.random()
                    absent = r < ABSENT_SHARE or (
                        student_id in dropped and index >= dropped[student_id]
                    )
                    late = rng.randint(11, 18) if r > 1 - LATE_SHARE else 0
                if absent:
                    continue
                joined = start + datetime.timedelta(minutes=late, seconds=rng.randint(5, 90))
                left = session.ends_at - datetime.timedelta(seconds=rng.randint(0, 120))
                intervals.append(
                    AttendanceInterval(
                        session=session,
                        student_id=student_id,
                        joined_at=joined,
                        last_seen_at=left,
                        left_at=left,
                    )
                )
            AttendanceInterval.objects.bulk_create(intervals)
            session_end(session=session, by=session.teacher, at=session.ends_at)
            held += 1
            attendances += len(intervals)
    return held, attendances
