"""Attendance from presence (DESIGN.md "Attendance", docs/attendance.md).

The live room's consumer opens an interval when a student connects, touches it on every
heartbeat (batched: one UPDATE for many students) and closes it on disconnect. The reaper closes
intervals whose heartbeat stopped, at their last heartbeat. When a session ends, every actively
enrolled student gets an AttendanceRecord computed from their intervals.

The arithmetic (union, gaps, clipping, status) is in plain functions at the top so that it can
be tested without a database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Guardianship, Notice, Role, User
from lms.collation import vi_order

from ..org.models import Enrollment
from .models import (
    AttendanceChange,
    AttendanceInterval,
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    LiveSession,
    SessionStatus,
)

Span = tuple[datetime.datetime, datetime.datetime]


# --- Pure computations ---------------------------------------------------------------------


def merge_spans(spans: Iterable[Span], *, gap: datetime.timedelta) -> list[Span]:
    """The union of spans, where a gap of at most ``gap`` between two spans counts as
    continuous presence (a reconnect within the stale window). Empty spans are dropped."""
    merged: list[list[datetime.datetime]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start - merged[-1][1] <= gap:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def clip_spans(
    spans: Iterable[Span], start: datetime.datetime, end: datetime.datetime
) -> list[Span]:
    """The parts of the spans inside [start, end]."""
    clipped = []
    for s, e in spans:
        s, e = max(s, start), min(e, end)
        if e > s:
            clipped.append((s, e))
    return clipped


def spans_seconds(spans: Iterable[Span]) -> float:
    return sum((end - start).total_seconds() for start, end in spans)


def session_window(session: LiveSession) -> Span:
    """The stretch of the session that attendance is measured against: the scheduled lesson,
    starting later if the teacher started late and ending earlier if they ended early. Starting
    early or overrunning does not stretch it, so a forgotten session that the reaper ends half
    an hour late does not lower everyone's share."""
    start = max(session.starts_at, session.started_at or session.starts_at)
    end = min(session.ends_at, session.ended_at or session.ends_at)
    if end <= start and session.started_at and session.ended_at:
        # Ran entirely outside its slot (started early and ended before the slot began).
        start, end = session.started_at, session.ended_at
    return start, end


@dataclass(frozen=True)
class Measured:
    status: str
    seconds: float
    first_join: datetime.datetime | None
    last_leave: datetime.datetime | None

    @property
    def minutes(self) -> int:
        return int(self.seconds // 60)


def measure(
    intervals: Iterable[tuple[datetime.datetime, datetime.datetime]],
    *,
    window: Span,
    stale_seconds: int,
    present_ratio: float,
    late_minutes: int,
) -> Measured:
    """Status and minutes of one student from their (joined_at, end) intervals, where end is
    left_at, or last_seen_at for an interval still open.

    - absent: no presence inside the window, or less than ``present_ratio`` of it;
    - late: enough presence, but the first moment inside the window is more than
      ``late_minutes`` after the window's start;
    - present: enough presence, on time.
    """
    intervals = list(intervals)
    first_join = min((s for s, _e in intervals), default=None)
    last_leave = max((e for _s, e in intervals), default=None)
    start, end = window
    spans = clip_spans(
        merge_spans(intervals, gap=datetime.timedelta(seconds=stale_seconds)), start, end
    )
    seconds = spans_seconds(spans)
    window_seconds = (end - start).total_seconds()
    if not spans or seconds < present_ratio * window_seconds:
        status = AttendanceStatus.ABSENT
    elif spans[0][0] - start > datetime.timedelta(minutes=late_minutes):
        status = AttendanceStatus.LATE
    else:
        status = AttendanceStatus.PRESENT
    return Measured(status, seconds, first_join, last_leave)


# --- Intervals (called by the live room's consumer) -----------------------------------------


def _at(at: datetime.datetime | None) -> datetime.datetime:
    return at or timezone.now()


def _dt(value: datetime.datetime) -> Value:
    return Value(value, output_field=DateTimeField())


NOT_LIVE_MESSAGE = gettext_lazy("Attendance is only taken for students of a live session.")


def fresh_open_intervals(*, session_ids, student_ids=None, at=None):
    """Open intervals with a heartbeat within ATTENDANCE_STALE_SECONDS of `at` (now): the
    students present in these sessions (of these students, when given)."""
    fresh_since = _at(at) - datetime.timedelta(seconds=settings.ATTENDANCE_STALE_SECONDS)
    intervals = AttendanceInterval.objects.filter(
        session_id__in=session_ids, left_at__isnull=True, last_seen_at__gte=fresh_since
    )
    if student_ids is not None:
        intervals = intervals.filter(student_id__in=student_ids)
    return intervals


def interval_open(*, session_id: int, student_id: int, at=None) -> int:
    """Open a presence interval for an actively enrolled student of a live session."""
    [(interval_id, _first)] = intervals_open([(session_id, student_id)], at=at)
    if interval_id is None:
        raise ValidationError(NOT_LIVE_MESSAGE)
    return interval_id


def intervals_open(pairs: list[tuple[int, int]], at=None) -> list[tuple[int | None, bool]]:
    """Open presence intervals for many (session id, student id) at once, as a class that
    reconnects together does: one query for who is admitted (actively enrolled in a live
    session), one for who already has an open interval there, one INSERT. For each pair: the
    new interval's id (None when not admitted) and whether it is the student's only open one
    in that session (their first connection, where a heartbeat kept another one alive)."""
    at = _at(at)
    sessions = {session for session, _ in pairs}
    students = {student for _, student in pairs}
    admitted = set(
        Enrollment.objects.filter(
            student_id__in=students,
            active=True,
            classroom__live_sessions__pk__in=sessions,
            classroom__live_sessions__status=SessionStatus.LIVE,
        ).values_list("classroom__live_sessions__pk", "student_id")
    )
    already = set(
        fresh_open_intervals(session_ids=sessions, student_ids=students, at=at).values_list(
            "session_id", "student_id"
        )
    )
    created = AttendanceInterval.objects.bulk_create(
        AttendanceInterval(session_id=session, student_id=student, joined_at=at, last_seen_at=at)
        for session, student in pairs
        if (session, student) in admitted
    )
    ids = iter(interval.pk for interval in created)
    results = []
    for pair in pairs:
        if pair not in admitted:
            results.append((None, False))
            continue
        results.append((next(ids), pair not in already))
        already.add(pair)  # the same student twice in one batch: only the first is first
    return results


def intervals_touch(interval_ids: list[int], at=None) -> int:
    """One heartbeat for many open intervals, in one UPDATE. Returns how many were still open:
    an interval the reaper already closed is not reopened (the consumer opens a new one)."""
    if not interval_ids:
        return 0
    at = _at(at)
    return AttendanceInterval.objects.filter(
        pk__in=interval_ids, left_at__isnull=True, last_seen_at__lte=at
    ).update(last_seen_at=at)


def interval_close(interval_id: int, at=None) -> None:
    """Close an interval on disconnect. Closing twice (or after the reaper) changes nothing."""
    intervals_close([interval_id], at=at)


def intervals_close(interval_ids: list[int], at=None) -> None:
    """Close many intervals at once (the sockets a process saw drop together), in one UPDATE,
    each at its last heartbeat or `at`, whichever is later."""
    if not interval_ids:
        return
    at = _at(at)
    AttendanceInterval.objects.filter(pk__in=interval_ids, left_at__isnull=True).update(
        left_at=Greatest(F("last_seen_at"), _dt(at)),
        last_seen_at=Greatest(F("last_seen_at"), _dt(at)),
    )


def close_stale_intervals(*, now=None, session_id=None) -> int:
    """The reaper: close open intervals whose last heartbeat is older than
    ATTENDANCE_STALE_SECONDS, at that heartbeat. Returns how many it closed."""
    cutoff = _at(now) - datetime.timedelta(seconds=settings.ATTENDANCE_STALE_SECONDS)
    stale = AttendanceInterval.objects.filter(left_at__isnull=True, last_seen_at__lt=cutoff)
    if session_id is not None:
        stale = stale.filter(session_id=session_id)
    return stale.update(left_at=F("last_seen_at"))


def intervals_close_all(*, session_id: int, at) -> int:
    """Close every open interval of a session (at its end) at its last heartbeat, never later
    than ``at``."""
    return AttendanceInterval.objects.filter(session_id=session_id, left_at__isnull=True).update(
        left_at=Least(F("last_seen_at"), _dt(at))
    )


# --- Records -------------------------------------------------------------------------------


def _enrolled_students(session: LiveSession) -> list[User]:
    return list(
        User.objects.filter(
            enrollments__classroom_id=session.classroom_id, enrollments__active=True
        )
        .distinct()
        .order_by(vi_order("full_name"), "username")
    )


@transaction.atomic
def records_build(session: LiveSession) -> list[AttendanceRecord]:
    """Compute (or recompute) the records of an ended session from its intervals.

    A record a teacher overrode keeps its status and reason; its minutes and times are
    refreshed. Guardians of absent students get an in-app notice (once per session)."""
    window = session_window(session)
    intervals = defaultdict(list)
    for student_id, joined, left, seen in AttendanceInterval.objects.filter(
        session=session
    ).values_list("student_id", "joined_at", "left_at", "last_seen_at"):
        intervals[student_id].append((joined, left or seen))
    existing = {r.student_id: r for r in AttendanceRecord.objects.filter(session=session)}
    to_create, to_update, records = [], [], []
    now = timezone.now()
    for student in _enrolled_students(session):
        measured = measure(
            intervals.get(student.pk, []),
            window=window,
            stale_seconds=settings.ATTENDANCE_STALE_SECONDS,
            present_ratio=settings.ATTENDANCE_PRESENT_RATIO,
            late_minutes=settings.ATTENDANCE_LATE_MINUTES,
        )
        record = existing.get(student.pk) or AttendanceRecord(session=session, student=student)
        record.student = student
        record.updated_at = now  # bulk_update does not apply auto_now
        record.minutes = measured.minutes
        record.first_join = measured.first_join
        record.last_leave = measured.last_leave
        if record.source != AttendanceSource.TEACHER:
            record.status = measured.status
        (to_update if record.pk else to_create).append(record)
        records.append(record)
    AttendanceRecord.objects.bulk_create(to_create)
    AttendanceRecord.objects.bulk_update(
        to_update, ["minutes", "first_join", "last_leave", "status", "updated_at"]
    )
    _notify_guardians_of_absences(session, [r for r in records if r.status == "absent"])
    return records


def absence_notice_key(session_id: int, student_id: int) -> str:
    return f"absence:{session_id}:{student_id}"


def _notify_guardians_of_absences(session: LiveSession, absent: list[AttendanceRecord]) -> None:
    if not absent:
        return
    names = {r.student_id: r.student.display_name for r in absent}
    local_start = timezone.localtime(session.starts_at)
    notices = []
    # Notices are stored text; they are written in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        for guardianship in Guardianship.objects.filter(student_id__in=names):
            text = _("%(name)s was absent from %(subject)s (class %(classroom)s) on %(when)s.") % {
                "name": names[guardianship.student_id],
                "subject": session.subject.name,
                "classroom": session.classroom.name,
                "when": local_start.strftime("%d/%m/%Y %H:%M"),
            }
            notices.append(
                Notice(
                    user_id=guardianship.guardian_id,
                    kind=Notice.Kind.ABSENCE,
                    text=text,
                    url=reverse("classrooms:child_attendance", args=[guardianship.student_id]),
                    key=absence_notice_key(session.pk, guardianship.student_id),
                )
            )
    Notice.objects.bulk_create(notices, ignore_conflicts=True)


def record_override_allowed(*, record: AttendanceRecord, user: User) -> bool:
    session = record.session
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role == Role.TEACHER:
        return user.pk in (session.teacher_id, session.classroom.homeroom_teacher_id)
    return user.role == Role.SCHOOL_ADMIN and user.school_id == session.classroom.school_id


@transaction.atomic
def record_override(*, record: AttendanceRecord, status: str, reason: str, by: User):
    """A teacher's (or the school's) decision on a record, kept with its reason."""
    if not record_override_allowed(record=record, user=by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for the change.")})
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": _("Choose a valid attendance status.")})
    record = AttendanceRecord.objects.select_for_update().get(pk=record.pk)
    AttendanceChange.objects.create(
        record=record, old_status=record.status, new_status=status, changed_by=by, reason=reason
    )
    record.status = status
    record.source = AttendanceSource.TEACHER
    record.changed_by = by
    record.reason = reason
    record.save(update_fields=["status", "source", "changed_by", "reason", "updated_at"])
    if status != AttendanceStatus.ABSENT:
        # The guardian has not read it yet and it is no longer true.
        Notice.objects.filter(
            key=absence_notice_key(record.session_id, record.student_id), read_at__isnull=True
        ).delete()
    return record
