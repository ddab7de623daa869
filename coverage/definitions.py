"""The coverage definitions as code (docs/coverage.md explains each one with a worked example).

The rollup (services.py) and the per-class reads (selectors.py) both use these, so that a
number on the class page and the same number summed in the rollup cannot disagree."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from classrooms.models import (
    AttendanceRecord,
    AttendanceStatus,
    Classroom,
    Closure,
    LiveSession,
    SchoolHoliday,
    SessionStatus,
    Term,
    TimetableSlot,
)
from courses.h5p.results import SCORED_VERBS
from courses.models import LessonProgress, XAPIStatement

SATURDAY, SUNDAY = 5, 6
ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
# How far back the at-risk streak looks for held sessions before the first day rebuilt.
AT_RISK_LOOKBACK_DAYS = 28


def days(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def day_bounds(start: datetime.date, end: datetime.date) -> tuple:
    """[start 00:00, end+1 00:00) in school time (TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(start, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
    )


def local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


# --- School days ---------------------------------------------------------------------------


class SchoolCalendar:
    """School days of classrooms: Monday to Friday, plus Saturday for a class whose timetable
    has a Saturday lesson; inside a term of the class's academic year (the whole year when the
    year has no terms); never Sunday; never a holiday of the school."""

    def __init__(self, classrooms: list[Classroom], start: datetime.date, end: datetime.date):
        year_ids = {c.year_id for c in classrooms}
        self.terms = defaultdict(list)
        for term in Term.objects.filter(year_id__in=year_ids):
            self.terms[term.year_id].append((term.starts_on, term.ends_on))
        self.holidays = set(
            SchoolHoliday.objects.filter(
                school_id__in={c.school_id for c in classrooms}, date__range=(start, end)
            ).values_list("school_id", "date")
        )
        self.saturday = set(
            TimetableSlot.objects.filter(
                classroom__in=[c.pk for c in classrooms], weekday=SATURDAY
            ).values_list("classroom_id", flat=True)
        )

    def is_school_day(self, classroom: Classroom, day: datetime.date) -> bool:
        weekday = day.weekday()
        if weekday == SUNDAY or (weekday == SATURDAY and classroom.pk not in self.saturday):
            return False
        if (classroom.school_id, day) in self.holidays:
            return False
        ranges = self.terms.get(classroom.year_id) or [
            (classroom.year.starts_on, classroom.year.ends_on)
        ]
        return any(first <= day <= last for first, last in ranges)


# --- Closures ------------------------------------------------------------------------------


def closures_between(start: datetime.date, end: datetime.date) -> list[Closure]:
    """Closures in force (not cancelled) on some day of [start, end]."""
    return list(
        Closure.objects.filter(cancelled_at__isnull=True, starts_on__lte=end, ends_on__gte=start)
    )


def closure_covers(closure: Closure, classroom: Classroom, district_id: int) -> bool:
    if closure.scope == "province":
        return True
    if closure.scope == "district":
        return closure.district_id == district_id
    if closure.scope == "school":
        return closure.school_id == classroom.school_id
    return closure.classroom_id == classroom.pk


def closure_classrooms(closure: Closure):
    """The classrooms a closure is for (all years; callers narrow to the year in force)."""
    qs = Classroom.objects.all()
    if closure.scope == "district":
        return qs.filter(school__district_id=closure.district_id)
    if closure.scope == "school":
        return qs.filter(school_id=closure.school_id)
    if closure.scope == "classroom":
        return qs.filter(pk=closure.classroom_id)
    return qs


# --- Held sessions -------------------------------------------------------------------------


def sessions_between(classroom_ids: Iterable[int], start: datetime.date, end: datetime.date):
    """Sessions of the classrooms that start on a day of [start, end], cancelled ones left out:
    (id, classroom_id, starts_at, started_at, ended_at, status)."""
    first, last = day_bounds(start, end)
    return list(
        LiveSession.objects.filter(
            classroom_id__in=list(classroom_ids), starts_at__gte=first, starts_at__lt=last
        )
        .exclude(status=SessionStatus.CANCELLED)
        .values_list("id", "classroom_id", "starts_at", "started_at", "ended_at", "status")
        .order_by("starts_at", "id")
    )


def record_counts(session_ids: list[int]) -> dict[int, dict]:
    """Per ended session: records (the enrolled students), attended (present or late) and
    joined (students who connected at all)."""
    counts = {}
    for start in range(0, len(session_ids), 900):
        chunk = session_ids[start : start + 900]
        for row in (
            AttendanceRecord.objects.filter(session_id__in=chunk)
            .values("session_id")
            .annotate(
                total=Count("pk"),
                attended=Count("pk", filter=Q(status__in=ATTENDED)),
                joined=Count("pk", filter=Q(first_join__isnull=False)),
            )
            .order_by()
        ):
            counts[row["session_id"]] = row
    return counts


def is_held(status, started_at, ended_at, joined: int) -> bool:
    """Held: went live and ended, at least one student joined, lasted at least
    COVERAGE_HELD_MIN_MINUTES."""
    if status != SessionStatus.ENDED or not started_at or not ended_at or joined < 1:
        return False
    return ended_at - started_at >= datetime.timedelta(minutes=settings.COVERAGE_HELD_MIN_MINUTES)


def held_sessions(classroom_ids: Iterable[int], start: datetime.date, end: datetime.date):
    """Held sessions of the classrooms in [start, end], in order, each as a dict with id,
    classroom_id, date, starts_at, records and attended."""
    rows = sessions_between(classroom_ids, start, end)
    counts = record_counts([r[0] for r in rows if r[5] == SessionStatus.ENDED])
    held = []
    for pk, classroom_id, starts_at, started_at, ended_at, status in rows:
        c = counts.get(pk, {"total": 0, "attended": 0, "joined": 0})
        if is_held(status, started_at, ended_at, c["joined"]):
            held.append(
                {
                    "id": pk,
                    "classroom_id": classroom_id,
                    "date": local_date(starts_at),
                    "starts_at": starts_at,
                    "records": c["total"],
                    "attended": c["attended"],
                }
            )
    return held


def absent_students(session_ids: list[int]) -> dict[int, set[int]]:
    """Per session, the students whose record is absent."""
    absent = defaultdict(set)
    for start in range(0, len(session_ids), 900):
        for session_id, student_id in AttendanceRecord.objects.filter(
            session_id__in=session_ids[start : start + 900], status=AttendanceStatus.ABSENT
        ).values_list("session_id", "student_id"):
            absent[session_id].add(student_id)
    return absent


def streaks(held: list[dict], absent: dict[int, set[int]]):
    """Walk one class's held sessions in order and yield (session, streaks) after each, where
    streaks maps a student to their consecutive absences so far. A record that is present,
    late or excused (or no record: not enrolled then) ends the streak."""
    current: dict[int, int] = {}
    for session in held:
        current = {s: current.get(s, 0) + 1 for s in absent.get(session["id"], ())}
        yield session, current


def final_streaks(held: list[dict], absent: dict[int, set[int]]) -> dict[int, int]:
    """Consecutive absences of each student after the last of the held sessions."""
    current: dict[int, int] = {}
    for _session, current in streaks(held, absent):  # noqa: B007 - the last value is the answer
        pass
    return current


# --- Learned asynchronously ----------------------------------------------------------------

# The work that counts: a lesson's first completion (LessonProgress.completed_at) and an H5P
# answer (a statement "answered" or "completed", the ones that make an attempt in H5PResult;
# "attempted" only says the activity was opened). Each is dated when it was done.
LEARNING_WORK = (
    (LessonProgress, "student", "completed_at", {}),
    (XAPIStatement, "user", "occurred_at", {"verb__in": sorted(SCORED_VERBS)}),
)


def _work(model, who: str, when: str, extra: dict, start, end, **enrolment):
    """The model's work done in [start, end] (school days) by students enrolled as
    ``enrolment`` says (lookups on the enrolment: classroom_id__in, active), for lessons
    assigned to that enrolment's class. One filter() call, so that the lesson's class and
    the enrolment's class are the same join."""
    first, last = day_bounds(start, end)
    return model.objects.filter(
        **{f"{when}__gte": first, f"{when}__lt": last}, **extra,
        **{f"{who}__enrollments__{k}": v for k, v in enrolment.items()},
        lesson__assignments__classroom_id=F(f"{who}__enrollments__classroom_id"),
    )  # fmt: skip


def learning_done(
    classroom_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> set[tuple[int, datetime.date, int]]:
    """(classroom_id, date, student_id) where an active student of the class completed a lesson
    assigned to the class, or answered an H5P activity in one, on that day (school time)."""
    ids = list(classroom_ids)
    done = set()
    if not ids:
        return done
    zone = timezone.get_default_timezone()
    for model, who, when, extra in LEARNING_WORK:
        done.update(
            _work(model, who, when, extra, start, end, classroom_id__in=ids, active=True)
            .annotate(day=TruncDate(when, tzinfo=zone))
            .values_list(f"{who}__enrollments__classroom_id", "day", f"{who}_id")
            .distinct()
        )  # fmt: skip
    return done


def learning_items(
    *, student_id: int, classroom_ids: Iterable[int], day: datetime.date
) -> dict[int, int]:
    """How many pieces of work (``learning_done``'s) a student did on a day for the lessons of
    each of these classes."""
    counts: dict[int, int] = defaultdict(int)
    for model, who, when, extra in LEARNING_WORK:
        for classroom_id, n in (
            _work(model, who, when, extra, day, day, classroom_id__in=list(classroom_ids))
            .filter(**{f"{who}_id": student_id})
            .values_list(f"{who}__enrollments__classroom_id")
            .annotate(n=Count("pk"))
            .order_by()
        ):  # fmt: skip
            counts[classroom_id] += n
    return counts
