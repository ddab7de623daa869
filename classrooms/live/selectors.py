"""Reads for live sessions and attendance, scoped through the org selectors (DESIGN.md "Who
may see what"): a session is visible when its class is, and a sheet when its session is."""

import datetime

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Role, User
from lms.access import has_role, scoped
from lms.collation import vi_order
from lms.roles import STAFF_ROLES

from ..org.models import AcademicYear, Classroom, Enrollment, School, Term
from ..org.selectors import classroom_list, school_get, user_teaches_classroom
from .attendance import session_window
from .models import (
    AttendanceInterval,
    AttendanceRecord,
    AttendanceStatus,
    LiveSession,
    SessionMute,
    SessionStatus,
)


def session_list(*, user: User) -> QuerySet[LiveSession]:
    """Sessions the user may see: those of the classes they can see, and, for a teacher, also
    the sessions they teach themselves (a substitute teacher of a one-off session)."""

    def of_visible_classes() -> Q:
        return Q(classroom__in=classroom_list(user=user).values("pk"))

    def teacher() -> Q:
        return of_visible_classes() | Q(teacher=user)

    return scoped(
        LiveSession.objects.select_related("classroom", "classroom__school", "subject", "teacher"),
        user=user,
        rules={
            Role.DISTRICT_OFFICER: lambda: Q(classroom__school__district_id=user.district_id),
            Role.SCHOOL_ADMIN: lambda: Q(classroom__school_id=user.school_id),
            Role.TEACHER: teacher,
            Role.STUDENT: of_visible_classes,
            Role.GUARDIAN: of_visible_classes,
        },
    )


def session_get(*, user: User, pk) -> LiveSession:
    return get_object_or_404(session_list(user=user), pk=pk)


def session_room_role(*, user: User, session: LiveSession) -> str | None:
    """The user's part in a session's live room: "teacher" (the session's teacher or a teacher
    of the class), "student" (actively enrolled in the class), "observer" (a school admin of the
    school, an officer in scope) or None (not admitted)."""
    if not user.is_authenticated or not user.is_active:
        return None
    classroom = session.classroom
    if session.teacher_id == user.pk or user_teaches_classroom(user, classroom):
        return "teacher"
    if user.role == Role.STUDENT:
        enrolled = Enrollment.objects.filter(
            classroom=classroom, student=user, active=True
        ).exists()
        return "student" if enrolled else None
    if user.is_superuser or user.role == Role.PROVINCE_OFFICER:
        return "observer"
    if user.role == Role.SCHOOL_ADMIN and user.school_id == classroom.school_id:
        return "observer"
    if user.role == Role.DISTRICT_OFFICER and user.district_id == classroom.school.district_id:
        return "observer"
    return None


def student_rooms(
    *, student_ids: set[int], session_ids: set[int]
) -> tuple[dict[int, LiveSession], set[tuple[int, int]], set[tuple[int, int]]]:
    """What admitting many students to live rooms at once needs, in three queries: the
    sessions by id, the (student, class) pairs of active enrollments among them, and the
    (session, student) pairs muted in the chat. A student sees a session, and is a student of
    its room, exactly when actively enrolled in its class (`session_list`,
    `session_room_role`)."""
    if not student_ids or not session_ids:
        return {}, set(), set()
    sessions = {s.pk: s for s in LiveSession.objects.filter(pk__in=session_ids)}
    enrolled = set(
        Enrollment.objects.filter(
            student_id__in=student_ids,
            classroom_id__in={s.classroom_id for s in sessions.values()},
            active=True,
        ).values_list("student_id", "classroom_id")
    )
    muted = set(
        SessionMute.objects.filter(session_id__in=sessions, student_id__in=student_ids).values_list(
            "session_id", "student_id"
        )
    )
    return sessions, enrolled, muted


# A teacher may open the room this long before the scheduled start, to set up.
SESSION_START_EARLY_MINUTES = 30


def session_can_run(*, session: LiveSession, user: User) -> bool:
    """Start, end and cancel: the session's teacher, or a school admin of its school."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.pk == session.teacher_id:
        return True
    return user.role == Role.SCHOOL_ADMIN and user.school_id == session.classroom.school_id


def session_rows(sessions, *, user: User, now=None) -> list[dict]:
    """Sessions with what the user can do with each of them on a start page."""
    now = now or timezone.now()
    early = datetime.timedelta(minutes=SESSION_START_EARLY_MINUTES)
    rows = []
    for session in sessions:
        runs = session_can_run(session=session, user=user)
        scheduled = session.status == SessionStatus.SCHEDULED
        rows.append(
            {
                "session": session,
                "can_start": runs
                and scheduled
                and session.starts_at - early <= now < session.ends_at,
                "can_end": runs and session.status == SessionStatus.LIVE,
                "can_cancel": runs and scheduled,
                "can_join": session.status == SessionStatus.LIVE,
                # Its time passed and nobody started it.
                "missed": scheduled and session.ends_at <= now,
                "sheet": session.status == SessionStatus.ENDED and _reads_attendance(user),
                "is_today": timezone.localdate(session.starts_at) == timezone.localdate(now),
            }
        )
    return rows


def sessions_upcoming(*, user: User, days: int = 7, now=None) -> QuerySet[LiveSession]:
    """Today's sessions (from midnight, school time) and those of the next ``days`` days, plus
    any session still live, soonest first."""
    now = now or timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    return (
        session_list(user=user)
        .filter(
            Q(starts_at__gte=midnight, starts_at__lt=midnight + datetime.timedelta(days=days + 1))
            | Q(status=SessionStatus.LIVE)
        )
        .order_by("starts_at")
    )


def session_states(*, user: User, now=None) -> list[dict]:
    """What a start page polls for (static/js/sessions-live.js): the status of the user's
    sessions of today and of any still live, and whether they can join now. Small on purpose:
    a student's phone asks every few seconds."""
    sessions = sessions_upcoming(user=user, days=0, now=now)[:50]
    return [
        {
            "id": row["session"].pk,
            "status": row["session"].status,
            "status_label": str(row["session"].get_status_display()),
            "can_join": row["can_join"],
            "subject": row["session"].subject.name,
            "time": "{:%H:%M}–{:%H:%M}".format(
                timezone.localtime(row["session"].starts_at),
                timezone.localtime(row["session"].ends_at),
            ),
        }
        for row in session_rows(sessions, user=user, now=now)
    ]


def _reads_attendance(user: User) -> bool:
    """Who may read attendance sheets and summaries: staff (officers read only). Students and
    guardians see their own records elsewhere."""
    return has_role(user, STAFF_ROLES)


def session_attendance_get(*, user: User, pk) -> LiveSession:
    """An ended session whose sheet the user may read: a teacher of the class (or the session's
    teacher), the school, officers in scope."""
    session = session_get(user=user, pk=pk)
    if session.status != SessionStatus.ENDED or session_room_role(
        user=user, session=session
    ) not in ("teacher", "observer"):
        raise Http404
    return session


def session_attendance_rows(*, session: LiveSession) -> list[dict]:
    """Every record of the session with its intervals (as % offsets of the session window for
    the timeline) and its history of changes."""
    start, end = session_window(session)
    length = max((end - start).total_seconds(), 1)
    intervals: dict[int, list] = {}
    for interval in AttendanceInterval.objects.filter(session=session).order_by("joined_at"):
        s = max(interval.joined_at, start)
        e = min(interval.left_at or interval.last_seen_at, end)
        bar = None
        if e > s:
            bar = {
                "left": round((s - start).total_seconds() * 100 / length, 2),
                "width": max(round((e - s).total_seconds() * 100 / length, 2), 0.5),
            }
        intervals.setdefault(interval.student_id, []).append({"interval": interval, "bar": bar})
    records = (
        AttendanceRecord.objects.filter(session=session)
        .select_related("student", "changed_by")
        .prefetch_related("changes__changed_by")
        .order_by(vi_order("student__full_name"), "student__username")
    )
    return [
        {"record": r, "intervals": intervals.get(r.student_id, []), "changes": r.changes.all()}
        for r in records
    ]


def record_get(*, user: User, pk) -> AttendanceRecord:
    record = get_object_or_404(
        AttendanceRecord.objects.select_related("session", "session__classroom", "student"), pk=pk
    )
    session_attendance_get(user=user, pk=record.session_id)
    return record


def classroom_attendance_list(*, user: User) -> QuerySet[Classroom]:
    if not _reads_attendance(user):
        return Classroom.objects.none()
    return classroom_list(user=user)


def classroom_attendance_get(*, user: User, pk) -> Classroom:
    return get_object_or_404(classroom_attendance_list(user=user), pk=pk)


def school_attendance_get(*, user: User, pk) -> School:
    if not _reads_attendance(user) or user.role == Role.TEACHER:
        raise Http404
    return school_get(user=user, pk=pk)


def _period(term: Term | None, year: AcademicYear) -> tuple[datetime.datetime, datetime.datetime]:
    first, last = (term.starts_on, term.ends_on) if term else (year.starts_on, year.ends_on)
    zone = timezone.get_default_timezone()
    return (
        datetime.datetime.combine(first, datetime.time.min, tzinfo=zone),
        datetime.datetime.combine(
            last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        ),
    )


def ended_sessions(*, classrooms, term: Term | None, year: AcademicYear) -> QuerySet[LiveSession]:
    """The sessions of the classes that ended in the period, for the attendance sheets. Not
    DESIGN's "held" (went live, a student joined, ≥ 10 minutes: coverage.definitions): an ended
    session may have had nobody in it."""
    start, end = _period(term, year)
    return (
        LiveSession.objects.filter(
            classroom__in=classrooms,
            status=SessionStatus.ENDED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("subject", "teacher", "classroom")
        .order_by("-starts_at")
    )


def attendance_summary(*, classrooms, term: Term | None, year: AcademicYear) -> list[dict]:
    """Per active student of the classes: sessions with a record in the period, counts by
    status, and the attendance rate = (present + late) / (sessions − excused)."""
    start, end = _period(term, year)
    counts: dict[tuple[int, int], dict[str, int]] = {}
    for student_id, classroom_id, status, n in (
        AttendanceRecord.objects.filter(
            session__classroom__in=classrooms,
            session__starts_at__gte=start,
            session__starts_at__lt=end,
        )
        .values_list("student_id", "session__classroom_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault((student_id, classroom_id), {})[status] = n
    names = {c.pk: c.name for c in classrooms}
    enrollments = (
        Enrollment.objects.filter(classroom__in=classrooms, active=True)
        .select_related("student", "classroom")
        .order_by(
            "classroom__grade",
            "classroom__name",
            vi_order("student__full_name"),
            "student__username",
        )
    )
    rows = []
    for enrollment in enrollments:
        by_status = counts.get((enrollment.student_id, enrollment.classroom_id), {})
        row = {s: by_status.get(s, 0) for s in AttendanceStatus.values}
        row.update(
            student=enrollment.student,
            classroom=names.get(enrollment.classroom_id, enrollment.classroom.name),
            classroom_id=enrollment.classroom_id,
            sessions=sum(by_status.values()),
        )
        counted = row["sessions"] - row["excused"]
        row["rate"] = round(100 * (row["present"] + row["late"]) / counted) if counted else None
        rows.append(row)
    return rows


def class_totals(rows: list[dict], classrooms) -> list[dict]:
    """The school page: one line per class from the per-student rows."""
    totals = {
        c.pk: {"classroom": c, "students": 0, "attended": 0, "counted": 0, "absent": 0}
        for c in classrooms
    }
    for row in rows:
        t = totals[row["classroom_id"]]
        t["students"] += 1
        t["attended"] += row["present"] + row["late"]
        t["counted"] += row["sessions"] - row["excused"]
        t["absent"] += row["absent"]
    for t in totals.values():
        t["rate"] = round(100 * t["attended"] / t["counted"]) if t["counted"] else None
    return list(totals.values())


def child_records(*, child: User, limit: int = 60) -> list[AttendanceRecord]:
    return list(
        AttendanceRecord.objects.filter(student=child)
        .select_related("session", "session__subject", "session__classroom")
        .order_by("-session__starts_at")[:limit]
    )


def status_counts(records) -> dict[str, int]:
    counts = dict.fromkeys(AttendanceStatus.values, 0)
    for record in records:
        counts[record.status] += 1
    return counts
