"""The live room's members, presence and state: who is in the room, and what it looks like.

The consumer (`consumers.LiveSessionConsumer`) parses frames; what members may send is in
`actions`, and heartbeats and chat go through the process's batches (`batching`). Everything
here is plain synchronous code that tests can call without a socket. docs/live-protocol.md is
the reference for every message.

State that must survive a worker crash (chat, mutes, hands, polls, attendance) is in the
database. Two small things live in the cache (Redis when REDIS_URL is set, so every Daphne process
sees them): the presence of teachers and observers, who have no attendance intervals, and the
section the teacher is focusing on. Students' presence is their open attendance intervals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lms.collation import vi_order

from . import attendance, selectors
from .models import AttendanceInterval, ChatMessage, LiveSession, Poll, SessionMute, SessionStatus

TEACHER, STUDENT, OBSERVER = "teacher", "student", "observer"
CHAT_HISTORY = 50
# Any client message counts here, heartbeats included; a real client sends a few per minute.
CONNECTION_RATE = 30
CONNECTION_RATE_WINDOW_SECONDS = 10
# Before ending, every socket is asked for a last heartbeat; this long is left for it.
END_FLUSH_SECONDS = 0.5
# A process gathers the heartbeats that arrive within this long into one UPDATE.
HEARTBEAT_BATCH_SECONDS = 0.25
# Focus and staff presence outlive any class; they are dropped a day later.
STATE_TTL_SECONDS = 24 * 3600

# Error codes → messages (translated into the member's language when sent).
ERRORS = {
    "bad_json": _("Messages must be JSON objects."),
    "too_big": _("The message is too large."),
    "unknown_type": _("Unknown message type."),
    "invalid": _("The message is missing a field or has a wrong value."),
    "forbidden": _("You are not allowed to do that in this class."),
    "rate_limited": _("You are sending too many messages. Wait a few seconds."),
    "chat_rate_limited": _("You are chatting too fast. Wait a few seconds."),
    "too_long": _("The message is too long."),
    "empty": _("The message is empty."),
    "chat_off": _("The teacher has turned the chat off."),
    "muted": _("The teacher has muted you in the chat."),
    "not_found": _("That no longer exists."),
    "no_poll": _("There is no open poll."),
    "already_answered": _("You have already answered this poll."),
    "bad_anchor": _("That section is not in this lesson."),
    "no_lesson": _("This session has no lesson."),
    "bad_lesson": _("Choose one of your lessons for this class."),
    "not_live": _("The class is not running now."),
}


class RoomError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    @property
    def message(self) -> str:
        return str(ERRORS[self.code])


def session_group(session_id: int) -> str:
    """Every socket of a session's room (services.session_end tells it the session ended)."""
    return f"session.{session_id}"


def teachers_group(session_id: int) -> str:
    return f"session.{session_id}.teachers"


@dataclass(slots=True)
class Member:
    """One user in one session's room, with their part in it.

    `muted` (and `session.chat_enabled`) are read from the database when the member joins and
    then kept current by the room's `chat.mute` events (`apply_event`), which reach every
    socket in every process; so sending a chat message needs no query for them."""

    session: LiveSession
    user: User
    role: str
    muted: bool = False

    @property
    def is_teacher(self) -> bool:
        return self.role == TEACHER

    def as_dict(self) -> dict:
        return user_dict(self.user, self.role)


@dataclass(slots=True)
class Connection:
    """One socket of a member: a student's interval, a staff member's presence entry."""

    member: Member
    conn_id: str
    interval_id: int | None = None
    last_touch: float = 0.0


@dataclass(slots=True)
class Outgoing:
    """What a handled message causes: a payload for the room, its teachers or the sender."""

    to: str  # "room" | "teachers" | "self"
    payload: dict


@dataclass(slots=True)
class RateWindow:
    """A fixed-window counter for one connection (no shared state: it guards the process)."""

    limit: int = CONNECTION_RATE
    seconds: float = CONNECTION_RATE_WINDOW_SECONDS
    started: float = 0.0
    count: int = 0
    clock: object = field(default=time.monotonic, repr=False)

    def allow(self) -> bool:
        now = self.clock()
        if now - self.started >= self.seconds:
            self.started, self.count = now, 0
        self.count += 1
        return self.count <= self.limit


def role_label(user: User) -> str:
    if user.role == Role.STUDENT:
        return STUDENT
    if user.role == Role.TEACHER:
        return TEACHER
    return OBSERVER


def user_dict(user: User, role: str | None = None) -> dict:
    return {"id": user.pk, "name": user.display_name, "role": role or role_label(user)}


# --- Joining --------------------------------------------------------------------------------


def room_member(*, user: User, session_id: int) -> Member | None:
    """The user's membership of a session's room, or None when they are not admitted."""
    try:
        session = selectors.session_get(user=user, pk=session_id)
    except Http404:
        return None
    role = selectors.session_room_role(user=user, session=session)
    if not role:
        return None
    member = Member(session=_session_alone(session), user=user, role=role)
    if role == STUDENT:
        member.muted = SessionMute.objects.filter(session=session, student=user).exists()
    return member


def _session_alone(session: LiveSession) -> LiveSession:
    """The session without the class, school, subject and teacher loaded to admit the member.
    A member keeps its session for as long as the socket is open and the room needs none of
    them (what it does need, such as the lesson, loads when asked): a thousand sockets in a
    process would otherwise keep four thousand more model instances for the garbage collector
    to walk on every full collection, and the room's latency would pay for them."""
    names = [f.attname for f in LiveSession._meta.concrete_fields]
    return LiveSession.from_db(session._state.db, names, [getattr(session, n) for n in names])


def session_refresh(member: Member) -> None:
    member.session.refresh_from_db(fields=["status", "chat_enabled"])


def apply_event(member: Member, payload: dict) -> None:
    """Keep the member's chat state and the session's lesson current from a room event (no
    database access)."""
    if payload.get("type") == "lesson.changed":
        lesson = payload.get("lesson")
        # Setting the id drops the lesson loaded before, if any (Django's FK attribute).
        member.session.lesson_id = lesson["id"] if lesson else None
        return
    if payload.get("type") != "chat.mute":
        return
    if payload.get("all") is True:
        member.session.chat_enabled = not payload["muted"]
    elif payload.get("student") == member.user.pk:
        member.muted = payload["muted"]


def is_live(member: Member) -> bool:
    return member.session.status == SessionStatus.LIVE


def is_over(member: Member) -> bool:
    return member.session.status in (SessionStatus.ENDED, SessionStatus.CANCELLED)


# --- Presence -------------------------------------------------------------------------------
# Students: open attendance intervals with a fresh heartbeat (the database, so every process
# agrees and a killed worker's students drop out when the reaper closes their intervals).
# Teachers and observers: one cache entry per user holding their connections' expiry times, and
# a per-session index of those users. The index is read-modify-write, so two staff joining in the
# same instant on two processes could lose one entry; every heartbeat re-adds it.


def _staff_key(session_id: int, user_id: int) -> str:
    return f"live:staff:{session_id}:{user_id}"


def _staff_index_key(session_id: int) -> str:
    return f"live:staff-index:{session_id}"


def _stale_seconds() -> int:
    return settings.ATTENDANCE_STALE_SECONDS


def _staff_touch(conn: Connection) -> bool:
    """Record this connection as alive; True when it is the user's only one."""
    session_id, user = conn.member.session.pk, conn.member.user
    key = _staff_key(session_id, user.pk)
    now = time.time()
    entry = cache.get(key) or {"user": conn.member.as_dict(), "conns": {}}
    conns = {c: exp for c, exp in entry["conns"].items() if exp > now and c != conn.conn_id}
    first = not conns
    conns[conn.conn_id] = now + _stale_seconds()
    entry["conns"] = conns
    cache.set(key, entry, _stale_seconds())
    index = cache.get(_staff_index_key(session_id)) or []
    if user.pk not in index:
        cache.set(_staff_index_key(session_id), [*index, user.pk], STATE_TTL_SECONDS)
    return first


def _staff_leave(conn: Connection) -> bool:
    """Forget this connection; True when the user has no other one left."""
    key = _staff_key(conn.member.session.pk, conn.member.user.pk)
    now = time.time()
    entry = cache.get(key)
    if not entry:
        return True
    conns = {c: exp for c, exp in entry["conns"].items() if exp > now and c != conn.conn_id}
    if not conns:
        cache.delete(key)
        return True
    entry["conns"] = conns
    cache.set(key, entry, _stale_seconds())
    return False


def _staff_online(session_id: int) -> list[dict]:
    index = cache.get(_staff_index_key(session_id)) or []
    entries = cache.get_many([_staff_key(session_id, pk) for pk in index])
    now = time.time()
    return [
        entry["user"]
        for entry in entries.values()
        if any(exp > now for exp in entry["conns"].values())
    ]


def _open_intervals(session_id: int):
    fresh_since = timezone.now() - timedelta(seconds=_stale_seconds())
    return AttendanceInterval.objects.filter(
        session_id=session_id, left_at__isnull=True, last_seen_at__gte=fresh_since
    )


def presence_connect(conn: Connection) -> bool:
    """Mark the connection present (a student's interval opens); True on the user's first."""
    member = conn.member
    conn.last_touch = time.monotonic()
    if member.role != STUDENT:
        return _staff_touch(conn)
    others = _open_intervals(member.session.pk).filter(student=member.user).exists()
    conn.interval_id = attendance.interval_open(
        session_id=member.session.pk, student_id=member.user.pk
    )
    return not others


def presence_heartbeats(conns: list[Connection]) -> None:
    """Heartbeats of many connections of one process: one UPDATE for all the students'
    intervals (at most one write per student per heartbeat). A student whose interval was
    closed meanwhile (the reaper saw no heartbeat for too long) gets a new one, so their
    minutes count again."""
    now = time.monotonic()
    due = []
    for conn in {id(c): c for c in conns}.values():
        if now - conn.last_touch < settings.LIVE_HEARTBEAT_SECONDS / 2:
            continue  # a client beating faster than agreed costs no extra write
        conn.last_touch = now
        if conn.member.role != STUDENT:
            _staff_touch(conn)
        else:
            due.append(conn)
    if not due:
        return
    ids = [c.interval_id for c in due if c.interval_id]
    if ids and attendance.intervals_touch(ids) == len(ids):
        return
    still_open = set(
        AttendanceInterval.objects.filter(pk__in=ids, left_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    for conn in due:
        if conn.interval_id in still_open:
            continue
        try:
            conn.interval_id = attendance.interval_open(
                session_id=conn.member.session.pk, student_id=conn.member.user.pk
            )
        except ValidationError:  # the session ended meanwhile: its end closes the socket
            conn.interval_id = None


def presence_flush(conn: Connection) -> None:
    """A heartbeat now, asked for by the room just before the session ends, so that a student
    whose socket is alive counts until the end rather than until their last heartbeat."""
    if conn.member.role == STUDENT and conn.interval_id:
        attendance.intervals_touch([conn.interval_id])
        conn.last_touch = time.monotonic()


def may_end(member: Member) -> bool:
    return selectors.session_can_run(session=member.session, user=member.user)


def presence_disconnect(conn: Connection) -> bool:
    """Close the connection's presence; True when the user has no connection left."""
    member = conn.member
    if member.role != STUDENT:
        return _staff_leave(conn)
    if conn.interval_id:
        attendance.interval_close(conn.interval_id)
        conn.interval_id = None
    return not _open_intervals(member.session.pk).filter(student=member.user).exists()


def online_list(session: LiveSession) -> list[dict]:
    students = User.objects.filter(
        pk__in=_open_intervals(session.pk).values("student_id")
    ).order_by(vi_order("full_name"), "username")
    staff = _staff_online(session.pk)
    return [*staff, *(user_dict(s, STUDENT) for s in students)]


def ended_payload(*, session_id: int, at: str | None = None, by: str | None = None) -> dict:
    """`session.ended` as a member receives it: who ended the class and when, and a sentence
    for the page in the active language (the consumer overrides it per member)."""
    when = ""
    if at:
        when = timezone.localtime(datetime.fromisoformat(at)).strftime("%H:%M")
    if by and when:
        message = _("%(name)s ended the class at %(time)s.") % {"name": by, "time": when}
    elif when:
        message = _("The class ended at %(time)s.") % {"time": when}
    else:
        message = _("The class has ended.")
    return {"type": "session.ended", "session": session_id, "at": at, "by": by,
            "message": str(message)}  # fmt: skip


# --- Room state -----------------------------------------------------------------------------


def chat_dict(message: ChatMessage) -> dict:
    return {
        "id": message.pk,
        "author": user_dict(message.author),
        "text": message.text,
        "at": message.created_at.isoformat(),
    }


def hand_queue(session: LiveSession) -> list[dict]:
    hands = session.hands.filter(lowered_at__isnull=True).select_related("student")
    return [{**user_dict(h.student, STUDENT), "at": h.raised_at.isoformat()} for h in hands]


def poll_dict(poll: Poll) -> dict:
    counts = [0] * len(poll.options)
    for option in poll.answers.values_list("option", flat=True):
        if 0 <= option < len(counts):
            counts[option] += 1
    return {
        "id": poll.pk,
        "question": poll.question,
        "options": poll.options,
        "counts": counts,
        "total": sum(counts),
        "closed": poll.closed_at is not None,
    }


def focus_key(session_id: int) -> str:
    return f"live:focus:{session_id}"


def room_state(member: Member) -> dict:
    """The `presence.state` a member receives on joining."""
    session = member.session
    poll = session.polls.filter(closed_at__isnull=True).order_by("-opened_at").first()
    chat = (
        ChatMessage.objects.filter(session=session, deleted_at__isnull=True)
        .select_related("author")
        .order_by("-created_at")[:CHAT_HISTORY]
    )
    session_refresh(member)  # the member's chat state, now that it is in the room's groups
    muted = set(session.mutes.values_list("student_id", flat=True))
    member.muted = member.user.pk in muted
    state = {
        "type": "presence.state",
        "session": session.pk,
        "you": member.as_dict(),
        "online": online_list(session),
        "hands": hand_queue(session),
        "poll": poll_dict(poll) if poll else None,
        "answered": None,
        "chat_enabled": session.chat_enabled,
        "muted": member.user.pk in muted,
        "chat": [chat_dict(m) for m in reversed(chat)],
        "focus": cache.get(focus_key(session.pk)),
        "heartbeat": settings.LIVE_HEARTBEAT_SECONDS,
    }
    if member.is_teacher:
        state["muted_students"] = sorted(muted)
    if poll and member.role == STUDENT:
        answer = poll.answers.filter(student=member.user).first()
        state["answered"] = answer.option if answer else None
    return state
