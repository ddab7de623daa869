"""Writes for live sessions: start, end (attendance, then the `session_ended` event), cancel,
one-off sessions."""

import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User

from ..events import announce, session_ended
from ..org.models import Classroom, Subject
from ..org.services import check_teaches
from . import attendance, lessons
from .models import LiveSession, SessionStatus
from .room import session_group
from .selectors import SESSION_START_EARLY_MINUTES, session_can_run, session_room_role


def _locked(session: LiveSession) -> LiveSession:
    return (
        LiveSession.objects.select_for_update()
        .select_related("classroom", "classroom__school", "subject", "teacher")
        .get(pk=session.pk)
    )


def session_meeting_url(session: LiveSession) -> str:
    """The video meeting of a session: its own link (a timetable slot's link is copied into
    its sessions), else its class's, else the province's template, else ""."""
    if session.meeting_url:
        return session.meeting_url
    if session.classroom.meeting_url:
        return session.classroom.meeting_url
    template = settings.MEETING_URL_TEMPLATE
    if not template:
        return ""
    return template.format(
        session=session.pk, classroom=session.classroom_id, school=session.classroom.school_id
    )


@transaction.atomic
def session_start(*, session: LiveSession, by: User, at=None) -> LiveSession:
    at = at or timezone.now()
    session = _locked(session)
    if not session_can_run(session=session, user=by):
        raise PermissionDenied
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be started."))
    if at < session.starts_at - datetime.timedelta(minutes=SESSION_START_EARLY_MINUTES):
        raise ValidationError(
            _("A session can be started at most %(minutes)s minutes before it begins.")
            % {"minutes": SESSION_START_EARLY_MINUTES}
        )
    if at >= session.ends_at:
        raise ValidationError(_("This session's time is over."))
    session.status = SessionStatus.LIVE
    session.started_at = at
    session.save(update_fields=["status", "started_at"])
    return session


def _broadcast_ended(session: LiveSession, by: User | None) -> None:
    """Tell the room (every process) that the class is over, who ended it and when; each
    socket words it in its member's language (consumers.LiveSessionConsumer.session_ended)."""
    async_to_sync(get_channel_layer().group_send)(
        session_group(session.pk),
        {
            "type": "session.ended",
            "session": session.pk,
            "at": session.ended_at.isoformat(),
            "by": by.display_name if by is not None else None,
        },
    )


def session_end(*, session: LiveSession, by: User | None = None, at=None) -> LiveSession:
    """End a live session: close its presence intervals, build its attendance records and tell
    the room. Safe to call twice, also at the same time: only the call that moves the session
    from live to ended does the work. ``by`` is None when the system ends a forgotten session."""
    at = at or timezone.now()
    with transaction.atomic():
        session = _locked(session)
        if by is not None and not session_can_run(session=session, user=by):
            raise PermissionDenied
        if session.status == SessionStatus.ENDED:
            return session
        if session.status != SessionStatus.LIVE:
            raise ValidationError(_("Only a live session can be ended."))
        # The row lock serialises PostgreSQL; the conditional UPDATE also guards databases
        # without row locks (SQLite): only one caller moves live → ended.
        claimed = LiveSession.objects.filter(pk=session.pk, status=SessionStatus.LIVE).update(
            status=SessionStatus.ENDED, ended_at=at
        )
        if not claimed:
            session.refresh_from_db()
            return session
        session.status, session.ended_at = SessionStatus.ENDED, at
        attendance.close_stale_intervals(now=at, session_id=session.pk)
        attendance.intervals_close_all(session_id=session.pk, at=at)
        attendance.records_build(session)
        transaction.on_commit(lambda: _broadcast_ended(session, by))
        announce(session_ended, LiveSession, session=session)
    return session


def sessions_end_overdue(*, now=None) -> list[LiveSession]:
    """End the live sessions nobody ended, LIVE_SESSION_GRACE_MINUTES after their end."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(minutes=settings.LIVE_SESSION_GRACE_MINUTES)
    overdue = LiveSession.objects.filter(status=SessionStatus.LIVE, ends_at__lte=cutoff)
    return [session_end(session=session, at=now) for session in overdue]


@transaction.atomic
def session_meeting_url_set(*, session: LiveSession, by: User, meeting_url: str) -> LiveSession:
    """Change a session's video meeting before it starts (empty: the default link)."""
    session = _locked(session)
    if not session_can_run(session=session, user=by):
        raise PermissionDenied
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("The meeting link can only be changed before the session starts."))
    session.meeting_url = meeting_url
    session.full_clean(exclude=["classroom", "subject", "teacher", "slot", "lesson", "created_by"])
    session.save(update_fields=["meeting_url"])
    return session


@transaction.atomic
def session_cancel(*, session: LiveSession, by: User, reason: str) -> LiveSession:
    session = _locked(session)
    if not session_can_run(session=session, user=by):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give a reason for cancelling.")})
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(_("Only a scheduled session can be cancelled."))
    session.status = SessionStatus.CANCELLED
    session.cancelled_reason = reason
    session.save(update_fields=["status", "cancelled_reason"])
    return session


def _check_lesson(*, lesson, by: User, classroom: Classroom, subject: Subject) -> None:
    """A session's lesson is one of the chooser's own for the class and subject."""
    if lesson is None:
        return
    choices = lessons.lesson_choices(user=by, classroom=classroom, subject=subject)
    if not choices.filter(pk=lesson.pk).exists():
        raise ValidationError(
            {"lesson": _("Choose one of your lessons of %(subject)s for this class.")
             % {"subject": subject.name}}
        )  # fmt: skip


@transaction.atomic
def session_lesson_set(*, session: LiveSession, by: User, lesson) -> LiveSession:
    """Attach a lesson to a session (None: none), before it starts or while it is live: the
    room then shows it, and students' screens follow the teacher through it."""
    session = _locked(session)
    teaches = session_room_role(user=by, session=session) == "teacher"
    if not (teaches or session_can_run(session=session, user=by)):
        raise PermissionDenied
    if session.status not in (SessionStatus.SCHEDULED, SessionStatus.LIVE):
        raise ValidationError(_("The lesson can only be changed before or during the session."))
    _check_lesson(lesson=lesson, by=by, classroom=session.classroom, subject=session.subject)
    session.lesson = lesson
    session.save(update_fields=["lesson"])
    return session


def session_create_one_off(
    *,
    classroom: Classroom,
    subject: Subject,
    teacher: User,
    starts_at: datetime.datetime,
    duration_minutes: int,
    by: User,
    title: str = "",
    meeting_url: str = "",
    lesson=None,
) -> LiveSession:
    """A session outside the timetable (a make-up lesson, a review before an exam)."""
    if by.pk != teacher.pk and not (
        by.role == Role.SCHOOL_ADMIN and by.school_id == classroom.school_id
    ):
        raise PermissionDenied
    check_teaches(teacher=teacher, classroom=classroom, subject=subject)
    _check_lesson(lesson=lesson, by=by, classroom=classroom, subject=subject)
    if not 5 <= duration_minutes <= 240:
        raise ValidationError({"duration_minutes": _("A lesson lasts between 5 and 240 minutes.")})
    if starts_at < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationError({"starts_at": _("The session cannot start in the past.")})
    ends_at = starts_at + datetime.timedelta(minutes=duration_minutes)
    clash = (
        LiveSession.objects.filter(
            classroom=classroom, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(status=SessionStatus.CANCELLED)
        # A class ended early frees the rest of its slot for a make-up session.
        .exclude(status=SessionStatus.ENDED, ended_at__lte=starts_at)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "starts_at": _("Class %(classroom)s already has %(subject)s at %(time)s.")
                % {
                    "classroom": classroom.name,
                    "subject": clash.subject,
                    "time": timezone.localtime(clash.starts_at).strftime("%d/%m %H:%M"),
                }
            }
        )
    session = LiveSession(
        classroom=classroom,
        subject=subject,
        teacher=teacher,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        meeting_url=meeting_url,
        lesson=lesson,
        created_by=by,
    )
    session.full_clean()
    session.save()
    return session
