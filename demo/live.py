"""The demo school's live classes for `seed_demo`: a timetable, the sessions around this week,
one session giaovien can start now and two held ones with attendance."""

import datetime
import random

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from classrooms.live.attendance import records_build
from classrooms.models import (
    AttendanceInterval,
    Classroom,
    LiveSession,
    SessionStatus,
    TeachingAssignment,
    TimetableSlot,
)
from classrooms.timetable.services import sessions_generate

from .org import DEMO_CLASS_NAME, DEMO_SCHOOL_CODE, DEMO_STUDENT, DEMO_TEACHER

# A morning timetable for every class of the demo school: four 45-minute periods, Monday to
# Friday, filled from the class's teaching assignments. seed_demo then creates the sessions of
# the current week and the weeks either side, a session giaovien can start now in 9A, and two
# sessions of 9A held in the past days with attendance (hocsinh absent from one, so phuhuynh
# has a notice).
PERIOD_TIMES = [
    datetime.time(7, 0),
    datetime.time(7, 50),
    datetime.time(8, 50),
    datetime.time(9, 40),
]
SCHOOL_DAYS = range(5)  # Monday … Friday
LESSON_MINUTES = 45
DEMO_LIVE_TITLE = "Lớp trực tuyến (demo)"
DEMO_HELD_TITLES = ("Ôn tập chương II", "Luyện đề")


def seed_live_classes(write, *, now=None) -> None:
    """Timetable, sessions and attendance for the demo school; safe to run again."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    zone = timezone.get_default_timezone()
    classrooms = list(
        Classroom.objects.filter(school__code=DEMO_SCHOOL_CODE, year__is_current=True)
    )
    if not classrooms:
        return
    has_slots = set(
        TimetableSlot.objects.filter(classroom__in=classrooms).values_list(
            "classroom_id", flat=True
        )
    )
    assignments = {}
    for ta in TeachingAssignment.objects.filter(classroom__in=classrooms).order_by("subject__code"):
        assignments.setdefault(ta.classroom_id, []).append(ta)
    slots = []
    for classroom in classrooms:
        lessons = assignments.get(classroom.pk)
        if classroom.pk in has_slots or not lessons:
            continue
        cells = [(day, period) for day in SCHOOL_DAYS for period in range(len(PERIOD_TIMES))]
        for index, (day, period) in enumerate(cells):
            # Shift each day so that a subject does not always fall in the same period.
            ta = lessons[(index + day) % len(lessons)]
            slots.append(
                TimetableSlot(
                    classroom=classroom,
                    weekday=day,
                    period=period + 1,
                    starts_at=PERIOD_TIMES[period],
                    duration_minutes=LESSON_MINUTES,
                    subject_id=ta.subject_id,
                    teacher_id=ta.teacher_id,
                )
            )
    TimetableSlot.objects.bulk_create(slots)
    monday = today - datetime.timedelta(days=today.weekday())
    created = sessions_generate(
        start=monday - datetime.timedelta(days=7),
        end=monday + datetime.timedelta(days=13),
        classrooms=classrooms,
    )
    write(f"  lớp trực tuyến: {len(slots)} tiết trong thời khoá biểu, {created} buổi học mới")

    demo_class = next((c for c in classrooms if c.name == DEMO_CLASS_NAME), None)
    teacher = User.objects.filter(username=DEMO_TEACHER.username).first()
    ta = TeachingAssignment.objects.filter(classroom=demo_class, teacher=teacher).first()
    if demo_class is None or ta is None:
        return

    # A session giaovien can start right away (from 30 minutes before its start).
    if (
        not LiveSession.objects.filter(
            classroom=demo_class,
            title=DEMO_LIVE_TITLE,
            ends_at__gt=now + datetime.timedelta(minutes=20),
        )
        .filter(Q(status=SessionStatus.SCHEDULED) | Q(status=SessionStatus.LIVE))
        .exists()
    ):
        start = now.replace(second=0, microsecond=0) + datetime.timedelta(minutes=10)
        LiveSession.objects.create(
            classroom=demo_class,
            subject_id=ta.subject_id,
            teacher=teacher,
            title=DEMO_LIVE_TITLE,
            starts_at=start,
            ends_at=start + datetime.timedelta(minutes=60),
            created_by=teacher,
        )

    # Two held sessions (yesterday and the day before, 14:00) with presence and records.
    students = list(
        User.objects.filter(enrollments__classroom=demo_class, enrollments__active=True).order_by(
            "username"
        )
    )
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    for days_ago, title in zip((1, 2), DEMO_HELD_TITLES, strict=True):
        day = today - datetime.timedelta(days=days_ago)
        start = datetime.datetime.combine(day, datetime.time(14, 0), tzinfo=zone)
        end = start + datetime.timedelta(minutes=LESSON_MINUTES)
        session, new = LiveSession.objects.get_or_create(
            classroom=demo_class,
            title=title,
            starts_at=start,
            defaults={
                "subject_id": ta.subject_id,
                "teacher": teacher,
                "ends_at": end,
                "status": SessionStatus.ENDED,
                "started_at": start,
                "ended_at": end,
                "created_by": teacher,
            },
        )
        if not new:
            continue
        intervals = []
        for student in students:
            is_demo = student.username == DEMO_STUDENT.username
            roll = rng.random()
            if (is_demo and days_ago == 2) or (not is_demo and roll < 0.08):
                continue  # absent
            late = 0 if is_demo or roll < 0.8 else rng.randint(11, 20)
            joined = start + datetime.timedelta(minutes=late, seconds=rng.randint(0, 50))
            left = end - datetime.timedelta(seconds=rng.randint(0, 90))
            if not is_demo and roll > 0.95:  # a weak connection: dropped for good mid-lesson
                left = joined + datetime.timedelta(minutes=rng.randint(8, 18))
            intervals.append(
                AttendanceInterval(
                    session=session,
                    student=student,
                    joined_at=joined,
                    last_seen_at=left,
                    left_at=left,
                )
            )
        AttendanceInterval.objects.bulk_create(intervals)
        records_build(session)
