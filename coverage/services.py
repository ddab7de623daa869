"""Writes for coverage: the DailyCoverage rollup (DESIGN.md "Coverage", docs/coverage.md).

``rollup`` rebuilds the class-days it is asked for with a handful of bulk queries per chunk of
classrooms and one bulk upsert, so that rebuilding a day of the whole province or a closure's
days is cheap. It is called:
- by coverage.signals, reacting to classrooms' events: a closure declared, edited, ended early
  or cancelled, a session ended, saved (cancelled, one-off) or a record overridden; and to
  courses': a student's learning recorded (learned asynchronously on a closed day);
- by ``rollup_incremental`` (the ``rollup_coverage`` command, run every few minutes) for days
  not yet rolled up (a new school day has no event) and, as a safety net, sessions ended since
  the last run. Dashboards never write: they read the rollup only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.http import QueryDict
from django.utils import timezone

from accounts.models import Role, User
from classrooms.models import (
    AcademicYear,
    Classroom,
    Enrollment,
    LiveSession,
    School,
    SessionStatus,
)
from courses.models import LessonAssignment, LessonProgress
from lms.cache_versions import cache_version_bump

from . import definitions, selectors, start_pages
from .models import AtRiskStudent, DailyCoverage, RollupRun, SchoolDailyCoverage

CHUNK = 400  # classrooms per batch of queries
ANALYZE_AFTER_ROWS = 10_000  # a full rebuild this big refreshes the planner's statistics
UPDATE_FIELDS = [
    "district", "school", "level", "grade", "closed", "taught", "sessions_scheduled",
    "sessions_held", "enrolled", "attendances", "expected", "at_risk", "async_learners",
    "updated_at",
]  # fmt: skip
# The stored figures a rebuild compares before it writes a row (updated_at: when they changed).
COMPARED = [DailyCoverage._meta.get_field(f).attname for f in UPDATE_FIELDS if f != "updated_at"]


def _classrooms(classroom_ids, start: datetime.date, end: datetime.date) -> list[Classroom]:
    """Classrooms of the academic years that overlap [start, end]."""
    qs = Classroom.objects.filter(year__starts_on__lte=end, year__ends_on__gte=start)
    if classroom_ids is not None:
        qs = qs.filter(pk__in=list(classroom_ids))
    return list(qs.select_related("school", "year").order_by("pk"))


def _lesson_taught_days(classrooms: list[Classroom], start, end, enrolled: dict) -> set:
    """(classroom_id, date) where a lesson due that day was opened by at least
    COVERAGE_LESSON_OPENED_RATIO of the class by the end of that day."""
    ratio = settings.COVERAGE_LESSON_OPENED_RATIO
    if ratio <= 0:
        return set()
    first, last = definitions.day_bounds(start, end)
    assignments = list(
        LessonAssignment.objects.filter(
            classroom__in=[c.pk for c in classrooms], due_at__gte=first, due_at__lt=last
        ).values_list("classroom_id", "lesson_id", "due_at")
    )
    if not assignments:
        return set()
    students = defaultdict(set)
    for classroom_id, student_id in Enrollment.objects.filter(
        classroom_id__in={a[0] for a in assignments}, active=True
    ).values_list("classroom_id", "student_id"):
        students[classroom_id].add(student_id)
    opened = defaultdict(list)
    for lesson_id, student_id, opened_at in LessonProgress.objects.filter(
        lesson_id__in={a[1] for a in assignments}
    ).values_list("lesson_id", "student_id", "opened_at"):
        opened[lesson_id].append((student_id, opened_at))
    taught = set()
    for classroom_id, lesson_id, due_at in assignments:
        day = definitions.local_date(due_at)
        _, day_end = definitions.day_bounds(day, day)
        class_students = students[classroom_id]
        count = sum(1 for s, at in opened[lesson_id] if s in class_students and at < day_end)
        if class_students and count >= ratio * len(class_students):
            taught.add((classroom_id, day))
    return taught


def _async_learners(classrooms: list[Classroom], closures, start, end) -> dict:
    """(classroom_id, date) -> students of the class who learned asynchronously that day
    (definitions.learning_done), for the classes that some closure of the days covers."""
    closable = [
        c.pk
        for c in classrooms
        if any(definitions.closure_covers(x, c, c.school.district_id) for x in closures)
    ]
    learners = defaultdict(int)
    for classroom_id, day, _student_id in definitions.learning_done(closable, start, end):
        learners[(classroom_id, day)] += 1
    return learners


def _rollup_chunk(
    classrooms: list[Classroom], days: list[datetime.date], now
) -> tuple[list[DailyCoverage], list[AtRiskStudent]]:
    """The DailyCoverage rows of the chunk's school days, and each class's at-risk students
    as of its last school day among them."""
    start, end = days[0], days[-1]
    calendar = definitions.SchoolCalendar(classrooms, start, end)
    closures = definitions.closures_between(start, end)
    ids = [c.pk for c in classrooms]
    enrolled = dict(
        Enrollment.objects.filter(classroom_id__in=ids, active=True)
        .values("classroom_id")
        .annotate(n=Count("pk"))
        .values_list("classroom_id", "n")
    )
    # Sessions of the days (scheduled = not cancelled) and the held ones, with a look back for
    # the at-risk streak.
    lookback = start - datetime.timedelta(days=definitions.AT_RISK_LOOKBACK_DAYS)
    scheduled = defaultdict(int)
    for _pk, classroom_id, starts_at, *_rest in definitions.sessions_between(ids, start, end):
        scheduled[(classroom_id, definitions.local_date(starts_at))] += 1
    held = definitions.held_sessions(ids, lookback, end)
    absent = definitions.absent_students([s["id"] for s in held])
    held_by_class = defaultdict(list)
    for session in held:
        held_by_class[session["classroom_id"]].append(session)
    lesson_days = _lesson_taught_days(classrooms, start, end, enrolled)
    learners = _async_learners(classrooms, closures, start, end)
    n = settings.COVERAGE_AT_RISK_SESSIONS
    rows, students_at_risk = [], []
    for classroom in classrooms:
        district_id = classroom.school.district_id
        # Per day of the class: held count, attendances, expected, at-risk at the day's end.
        per_day = defaultdict(lambda: [0, 0, 0])
        at_risk_after = {}  # date -> students at risk after that day's last held session
        for session, streak in definitions.streaks(held_by_class[classroom.pk], absent):
            day = session["date"]
            if day >= start:
                acc = per_day[day]
                acc[0] += 1
                acc[1] += session["attended"]
                acc[2] += session["records"]
            at_risk_after[day] = {s: v for s, v in streak.items() if v >= n}
        known = sorted(at_risk_after)
        at_risk, k, last_school_day = {}, 0, None
        for day in days:
            while k < len(known) and known[k] <= day:
                at_risk = at_risk_after[known[k]]
                k += 1
            if not calendar.is_school_day(classroom, day):
                continue
            last_school_day, last_at_risk = day, at_risk
            held_n, attended, expected = per_day.get(day, (0, 0, 0))
            closed = any(
                c.starts_on <= day <= c.ends_on
                and definitions.closure_covers(c, classroom, district_id)
                for c in closures
            )
            rows.append(
                DailyCoverage(
                    date=day,
                    district_id=district_id,
                    school_id=classroom.school_id,
                    classroom_id=classroom.pk,
                    level=classroom.level.value,
                    grade=classroom.grade,
                    closed=closed,
                    taught=held_n > 0 or (classroom.pk, day) in lesson_days,
                    sessions_scheduled=scheduled.get((classroom.pk, day), 0),
                    sessions_held=held_n,
                    enrolled=enrolled.get(classroom.pk, 0),
                    attendances=attended,
                    expected=expected,
                    at_risk=len(at_risk),
                    async_learners=learners.get((classroom.pk, day), 0) if closed else 0,
                    updated_at=now,
                )
            )
        if last_school_day is not None:
            students_at_risk.extend(
                AtRiskStudent(
                    as_of=last_school_day,
                    district_id=district_id,
                    school_id=classroom.school_id,
                    classroom_id=classroom.pk,
                    student_id=student_id,
                    consecutive_absences=count,
                )
                for student_id, count in last_at_risk.items()
            )
    return rows, students_at_risk


SCHOOL_KEY = ["date", "district_id", "school_id", "level", "grade", "closed"]
SCHOOL_SUMS = {
    "class_days": Count("pk"),
    "taught_class_days": Count("pk", filter=Q(taught=True)),
    "sessions_scheduled": Sum("sessions_scheduled"),
    "sessions_held": Sum("sessions_held"),
    "attendances": Sum("attendances"),
    "expected": Sum("expected"),
    "enrolled": Sum("enrolled"),
    "async_learners": Sum("async_learners"),
    "at_risk": Sum("at_risk"),
}


def rebuild_school_days(school_ids: set[int], days: list[datetime.date]) -> None:
    """Bring SchoolDailyCoverage of these schools and days in line with their DailyCoverage
    rows, writing only the rows that changed (and deleting those with no class-day left)."""
    fresh = {
        tuple(row[k] for k in SCHOOL_KEY): tuple(row[k] or 0 for k in SCHOOL_SUMS)
        for row in DailyCoverage.objects.filter(school_id__in=school_ids, date__in=days)
        .values(*SCHOOL_KEY)
        .annotate(**SCHOOL_SUMS)
        .order_by()
    }
    stored = {
        tuple(values[: len(SCHOOL_KEY)]): (pk, tuple(values[len(SCHOOL_KEY) :]))
        for pk, *values in SchoolDailyCoverage.objects.filter(
            school_id__in=school_ids, date__in=days
        ).values_list("pk", *SCHOOL_KEY, *SCHOOL_SUMS)
    }
    gone = [pk for key, (pk, _sums) in stored.items() if key not in fresh]
    if gone:
        SchoolDailyCoverage.objects.filter(pk__in=gone).delete()
    changed = [
        SchoolDailyCoverage(**dict(zip(SCHOOL_KEY, key, strict=True)),
                            **dict(zip(SCHOOL_SUMS, sums, strict=True)))
        for key, sums in fresh.items()
        if stored.get(key, (None, None))[1] != sums
    ]  # fmt: skip
    SchoolDailyCoverage.objects.bulk_create(
        changed,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["school", "date", "level", "grade", "closed"],
        update_fields=list(SCHOOL_SUMS),
    )


def _replace_at_risk(rows: list[DailyCoverage], run_end, students: list[AtRiskStudent]) -> None:
    """Store the at-risk students of the classes whose latest rollup row is among ``rows``
    (a rebuild of past days only, or of a day that is not a school day, leaves the current
    list alone)."""
    ids = {r.classroom_id for r in rows}
    ids -= set(
        DailyCoverage.objects.filter(classroom_id__in=ids, date__gt=run_end)
        .values_list("classroom_id", flat=True)
        .distinct()
    )
    AtRiskStudent.objects.filter(classroom_id__in=ids).delete()
    AtRiskStudent.objects.bulk_create(
        [s for s in students if s.classroom_id in ids], batch_size=1000
    )


def rollup(
    *,
    since: datetime.date | None = None,
    classroom_ids: Iterable[int] | None = None,
    dates: Iterable[datetime.date] | None = None,
    until: datetime.date | None = None,
    touched: set[int] | None = None,
) -> int:
    """Rebuild the DailyCoverage rows of the given class-days and return how many were
    written. Class-days are the school days of the classrooms (all, or ``classroom_ids``) on
    ``dates``, or from ``since`` to ``until`` (default today); days after today are never
    rolled up. With neither dates nor since, it is ``rollup_incremental``. Once committed,
    the start dashboards of the schools rolled up, their districts and the province get a
    new version (``start_pages_changed``); their ids are added to ``touched``."""
    today = timezone.localdate()
    if dates is None and since is None:
        return rollup_incremental(touched=touched)
    if dates is not None:
        wanted = sorted({d for d in dates if d <= today})
    else:
        last = min(until or today, today)
        wanted = definitions.days(since, last) if since <= last else []
    if not wanted:
        return 0
    start, end = wanted[0], wanted[-1]
    classrooms = _classrooms(classroom_ids, start, end)
    started = timezone.now()
    written = 0
    for i in range(0, len(classrooms), CHUNK):
        chunk = classrooms[i : i + CHUNK]
        # Contiguous runs are rolled up as a range; scattered dates one range each.
        for run in _runs(wanted):
            rows, students_at_risk = _rollup_chunk(chunk, run, started)
            with transaction.atomic():
                stored = {
                    (classroom_id, day): (pk, tuple(values))
                    for pk, classroom_id, day, *values in DailyCoverage.objects.filter(
                        classroom_id__in=[c.pk for c in chunk], date__in=run
                    ).values_list("pk", "classroom_id", "date", *COMPARED)
                }
                # Class-days that are no longer school days (a holiday added) disappear.
                keep = {(r.classroom_id, r.date) for r in rows}
                stale = [pk for key, (pk, _values) in stored.items() if key not in keep]
                if stale:
                    DailyCoverage.objects.filter(pk__in=stale).delete()
                # Rows whose figures did not change are not rewritten: a rebuild that changes
                # nothing writes nothing (no dead row versions for the dashboards to skip).
                changed = [
                    r
                    for r in rows
                    if stored.get((r.classroom_id, r.date), (None, None))[1]
                    != tuple(getattr(r, f) for f in COMPARED)
                ]
                DailyCoverage.objects.bulk_create(
                    changed,
                    batch_size=1000,
                    update_conflicts=True,
                    unique_fields=["classroom", "date"],
                    update_fields=UPDATE_FIELDS,
                )
                _replace_at_risk(rows, run[-1], students_at_risk)
                rebuild_school_days({c.school_id for c in chunk}, run)
            written += len(rows)
    full = classroom_ids is None and dates is None
    if full and written >= ANALYZE_AFTER_ROWS and connection.vendor == "postgresql":
        # The dashboards' plans depend on fresh statistics of the rollup tables; after a
        # rebuild of many class-days, refresh them now rather than when autoanalyze gets to it.
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE coverage_dailycoverage, coverage_schooldailycoverage, "
                "coverage_atriskstudent"
            )
    RollupRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        first_day=start,
        last_day=end,
        rows=written,
        full=full,
    )
    school_ids = {c.school_id for c in classrooms}
    if touched is not None:
        touched |= school_ids
    if school_ids:
        start_pages_changed(school_ids)
    return written


def _runs(days: list[datetime.date]) -> list[list[datetime.date]]:
    runs: list[list[datetime.date]] = []
    for day in days:
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def rollup_incremental(touched: set[int] | None = None) -> int:
    """Bring the rollup up to date: days after the last full run (all classes; a new school
    day announces itself with no event), and the class-days of sessions ended since the last
    run (coverage.signals already rolled them up when session_end sent session_ended; this
    catches any the event missed). Run by the ``rollup_coverage`` command every few minutes."""
    today = timezone.localdate()
    written = 0
    last_full = (
        RollupRun.objects.filter(full=True, last_day__isnull=False).order_by("-last_day").first()
    )
    if last_full is None:
        year = AcademicYear.objects.filter(is_current=True).first()
        since = year.starts_on if year else today
        if since <= today:
            written += rollup(
                since=max(since, today - datetime.timedelta(days=120)), touched=touched
            )
    elif last_full.last_day < today:
        written += rollup(since=last_full.last_day + datetime.timedelta(days=1), touched=touched)
    last = RollupRun.objects.order_by("-started_at").first()
    if last is not None:
        watermark = last.started_at
        # Sessions end at most a grace period after their scheduled end (the reaper), so the
        # (status, ends_at) index bounds the scan to the last day or so.
        horizon = watermark - datetime.timedelta(
            minutes=settings.LIVE_SESSION_GRACE_MINUTES, days=1
        )
        ended = LiveSession.objects.filter(
            status=SessionStatus.ENDED, ends_at__gte=horizon, ended_at__gte=watermark
        ).values_list("classroom_id", "starts_at")
        class_days = {(c, definitions.local_date(s)) for c, s in ended}
        if class_days:
            written += rollup_after_change(class_days, touched=touched)
    return written


def rollup_after_change(
    class_days: Iterable[tuple[int, datetime.date]], touched: set[int] | None = None
) -> int:
    """A change on some class-days also moves the at-risk streak of the class's later days:
    rebuild each class from its earliest changed day to today."""
    earliest = {}
    for classroom_id, day in class_days:
        if day <= timezone.localdate():
            earliest[classroom_id] = min(day, earliest.get(classroom_id, day))
    written = 0
    by_day = defaultdict(set)
    for classroom_id, day in earliest.items():
        by_day[day].add(classroom_id)
    for day, ids in sorted(by_day.items()):
        written += rollup(since=day, classroom_ids=ids, touched=touched)
    return written


def last_rollup_at() -> datetime.datetime | None:
    return RollupRun.objects.order_by("-finished_at").values_list("finished_at", flat=True).first()


# --- The start dashboards' cache -----------------------------------------------------------


def _districts_of(school_ids: set[int]) -> set[int]:
    return set(School.objects.filter(pk__in=school_ids).values_list("district_id", flat=True))


def start_pages_changed(school_ids: Iterable[int]) -> None:
    """The rollup rows of these schools changed: their start dashboards, their districts' and
    the province's get a new version (``start_pages.start_page_cache_key``), now and again at
    the commit, and are computed again when next viewed or warmed. Every other school and
    district keeps its cached page."""
    school_ids = set(school_ids)
    district_ids = _districts_of(school_ids)
    scopes = ["province"]
    scopes += [f"district:{pk}" for pk in sorted(district_ids)]
    scopes += [f"school:{pk}" for pk in sorted(school_ids)]
    for scope in scopes:
        cache_version_bump(start_pages.start_page_version(scope))


def start_page_viewers(school_ids: Iterable[int]) -> list[User]:
    """One active viewer of each start dashboard a rollup of these schools changes: a province
    officer (or a superuser), an officer of each of their districts, an admin of each school.
    A scope nobody can view is left alone."""
    school_ids = set(school_ids)
    district_ids = _districts_of(school_ids)
    active = User.objects.filter(is_active=True).order_by("pk")
    province = (
        active.filter(role=Role.PROVINCE_OFFICER).first()
        or active.filter(is_superuser=True).first()
    )
    viewers: dict[str, User] = {}
    if province is not None:
        viewers["province"] = province
    for user in active.filter(role=Role.DISTRICT_OFFICER, district_id__in=district_ids):
        viewers.setdefault(start_pages.start_page_scope(user), user)
    for user in active.filter(role=Role.SCHOOL_ADMIN, school_id__in=school_ids):
        viewers.setdefault(start_pages.start_page_scope(user), user)
    return list(viewers.values())


def warm_start_pages(school_ids: Iterable[int]) -> int:
    """Compute and cache the start dashboards a rollup of these schools changed, so that the
    first officer to open one after the rollup is served from the cache: the default view
    (``selectors.filters_from_params`` of no parameters) and the filter sets viewed lately
    (``start_pages.start_page_recent_filters``). Returns how many pages were computed (a page
    someone opened in between is already cached)."""
    default = selectors.filters_from_params(QueryDict())
    computed = 0
    for user in start_page_viewers(school_ids):
        for filters in [default, *start_pages.start_page_recent_filters(user)]:
            if cache.get(start_pages.start_page_cache_key(user=user, filters=filters)) is None:
                start_pages.start_page(user=user, filters=filters, warming=True)
                computed += 1
    return computed
