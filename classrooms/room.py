"""The live room's rules and state: what each member may send, and what the room looks like.

The consumer (`classrooms.consumers.LiveSessionConsumer`) parses frames and calls `room_handle`
through `database_sync_to_async`; everything it would otherwise have to decide lives here, as
plain synchronous functions that tests can call without a socket. docs/live-protocol.md is the
reference for every message.

State that must survive a worker crash (chat, mutes, hands, polls, attendance) is in the
database. Two small things live in the cache (Redis when REDIS_URL is set, so every Daphne process
sees them): the presence of teachers and observers, who have no attendance intervals, and the
section the teacher is focusing on. Students' presence is their open attendance intervals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lms.text import unstorable_text_in

from . import attendance, selectors
from .models import (
    AttendanceInterval,
    ChatMessage,
    Enrollment,
    HandRaise,
    LiveSession,
    Poll,
    PollAnswer,
    SessionMute,
    SessionStatus,
)

TEACHER, STUDENT, OBSERVER = "teacher", "student", "observer"
CHAT_HISTORY = 50
CHAT_RATE_WINDOW_SECONDS = 10
# Any client message counts here, heartbeats included; a real client sends a few per minute.
CONNECTION_RATE = 30
CONNECTION_RATE_WINDOW_SECONDS = 10
POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 6
POLL_OPTION_MAX_LENGTH = 200
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
    """Keep the member's chat state current from a room event (no database access)."""
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


def presence_heartbeat(conn: Connection) -> None:
    presence_heartbeats([conn])


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
    from . import services

    return services.session_can_run(session=member.session, user=member.user)


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
    ).order_by("full_name", "username")
    staff = _staff_online(session.pk)
    return [*staff, *(user_dict(s, STUDENT) for s in students)]


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


def _focus_key(session_id: int) -> str:
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
        "focus": cache.get(_focus_key(session.pk)),
        "heartbeat": settings.LIVE_HEARTBEAT_SECONDS,
    }
    if member.is_teacher:
        state["muted_students"] = sorted(muted)
    if poll and member.role == STUDENT:
        answer = poll.answers.filter(student=member.user).first()
        state["answered"] = answer.option if answer else None
    return state


# --- Actions --------------------------------------------------------------------------------


def content_check(content: dict) -> None:
    """Refuse a message holding text no database stores (a NUL, a lone surrogate) in any
    field, before it can reach a batch shared with other members' messages."""
    if unstorable_text_in(content):
        raise RoomError("invalid")


def _require_teacher(member: Member) -> None:
    if not member.is_teacher:
        raise RoomError("forbidden")


def _int_field(content: dict, name: str) -> int:
    value = content.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RoomError("invalid")
    return value


def _text_field(content: dict, name: str, max_length: int) -> str:
    value = content.get(name)
    if not isinstance(value, str):
        raise RoomError("invalid")
    value = value.strip()
    if not value:
        raise RoomError("empty")
    if len(value) > max_length:
        raise RoomError("too_long")
    return value


def _chat_rate_key(member: Member) -> str:
    window = int(time.time() // CHAT_RATE_WINDOW_SECONDS)
    return f"live:chat-rate:{member.session.pk}:{member.user.pk}:{window}"


def _counters_incr(keys: list[str], timeout: int) -> list[int]:
    """Add one to each counter (a key listed twice counts twice) and return the new counts.

    On Redis, one round trip for all of them: SET NX starts a window's counter with its expiry,
    INCR counts, pipelined. Other caches (tests, a laptop) count key by key."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        full_keys = [backend.make_and_validate_key(key) for key in keys]
        pipe = backend._cache.get_client(write=True).pipeline(transaction=False)
        for key in full_keys:
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
        return pipe.execute()[1::2]
    counts = []
    for key in keys:
        try:
            counts.append(backend.incr(key))
        except ValueError:  # the window's first message (or the key expired)
            counts.append(1 if backend.add(key, 1, timeout) else backend.incr(key))
    return counts


def chat_send(member: Member, content: dict) -> list[Outgoing]:
    [result] = chat_send_many([(member, content)])
    if isinstance(result, RoomError):
        raise result
    return result


def chat_send_many(requests: list[tuple[Member, dict]]) -> list[list[Outgoing] | RoomError]:
    """Chat messages that arrived together in one process, in order: each is checked (text,
    chat off, muted: the member's state, kept current by `apply_event`, not a query), counted
    against the shared rate limit (at most LIVE_CHAT_RATE per user per 10 s across tabs and
    processes; one cache round trip for all), and the accepted ones are stored with one INSERT.
    Returns, for each, what to send (the stored message, with its id) or its error."""
    results: list[list[Outgoing] | RoomError] = []
    checked = []  # (index, member, text)
    for member, content in requests:
        try:
            text = _text_field(content, "text", settings.LIVE_CHAT_MAX_LENGTH)
            if not member.is_teacher:
                if not member.session.chat_enabled:
                    raise RoomError("chat_off")
                if member.muted:
                    raise RoomError("muted")
        except RoomError as exc:
            results.append(exc)
            continue
        results.append([])
        checked.append((len(results) - 1, member, text))
    counts = _counters_incr(
        [_chat_rate_key(member) for _, member, _ in checked], CHAT_RATE_WINDOW_SECONDS * 2
    )
    accepted = []
    for (index, member, text), count in zip(checked, counts, strict=True):
        if count > settings.LIVE_CHAT_RATE:
            results[index] = RoomError("chat_rate_limited")
        else:
            accepted.append(
                (index, ChatMessage(session=member.session, author=member.user, text=text))
            )
    # PostgreSQL and SQLite ≥ 3.35 return the new ids from the one INSERT.
    ChatMessage.objects.bulk_create([message for _, message in accepted])
    for index, message in accepted:
        results[index] = [Outgoing("room", {"type": "chat.message", "message": chat_dict(message)})]
    return results


def chat_delete(member: Member, content: dict) -> list[Outgoing]:
    _require_teacher(member)
    message_id = _int_field(content, "message")
    updated = ChatMessage.objects.filter(
        session=member.session, pk=message_id, deleted_at__isnull=True
    ).update(deleted_at=timezone.now(), deleted_by=member.user)
    if not updated:
        raise RoomError("not_found")
    return [Outgoing("room", {"type": "chat.deleted", "message": message_id})]


def chat_mute(member: Member, content: dict) -> list[Outgoing]:
    """Mute or unmute one student (`student`), or turn the whole chat off/on (`all`)."""
    _require_teacher(member)
    muted = content.get("muted", True)
    if not isinstance(muted, bool):
        raise RoomError("invalid")
    session = member.session
    if content.get("all") is True:
        session.chat_enabled = not muted
        session.save(update_fields=["chat_enabled"])
        return [Outgoing("room", {"type": "chat.mute", "all": True, "muted": muted})]
    student_id = _int_field(content, "student")
    if not Enrollment.objects.filter(
        classroom_id=session.classroom_id, student_id=student_id, active=True
    ).exists():
        raise RoomError("not_found")
    if muted:
        SessionMute.objects.get_or_create(
            session=session, student_id=student_id, defaults={"muted_by": member.user}
        )
    else:
        SessionMute.objects.filter(session=session, student_id=student_id).delete()
    return [Outgoing("room", {"type": "chat.mute", "student": student_id, "muted": muted})]


def _queue_changed(member: Member) -> list[Outgoing]:
    return [Outgoing("room", {"type": "hand.queue", "queue": hand_queue(member.session)})]


def hand_raise(member: Member, content: dict) -> list[Outgoing]:
    if member.role != STUDENT:
        raise RoomError("forbidden")
    try:
        with transaction.atomic():
            HandRaise.objects.create(session=member.session, student=member.user)
    except IntegrityError:
        return []  # already raised: nothing changes
    return _queue_changed(member)


def hand_lower(member: Member, content: dict) -> list[Outgoing]:
    """A student lowers their own hand; the teacher lowers anyone's (`student`)."""
    student_id = member.user.pk
    if "student" in content:
        student_id = _int_field(content, "student")
        if student_id != member.user.pk:
            _require_teacher(member)
    lowered = HandRaise.objects.filter(
        session=member.session, student_id=student_id, lowered_at__isnull=True
    ).update(lowered_at=timezone.now())
    return _queue_changed(member) if lowered else []


def poll_open(member: Member, content: dict) -> list[Outgoing]:
    """Open a poll (2–6 options); a poll still open is closed first, with its results sent."""
    _require_teacher(member)
    question = _text_field(content, "question", Poll._meta.get_field("question").max_length)
    options = content.get("options")
    if not isinstance(options, list) or not (POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS):
        raise RoomError("invalid")
    options = [_text_field({"o": o}, "o", POLL_OPTION_MAX_LENGTH) for o in options]
    out = []
    for previous in member.session.polls.filter(closed_at__isnull=True):
        out += _close(previous)
    poll = Poll.objects.create(
        session=member.session, question=question, options=options, created_by=member.user
    )
    return [*out, Outgoing("room", {"type": "poll.opened", "poll": poll_dict(poll)})]


def _close(poll: Poll) -> list[Outgoing]:
    poll.closed_at = timezone.now()
    poll.save(update_fields=["closed_at"])
    return [Outgoing("room", {"type": "poll.results", "poll": poll_dict(poll)})]


def _poll(member: Member, content: dict) -> Poll:
    poll = member.session.polls.filter(pk=_int_field(content, "poll")).first()
    if poll is None:
        raise RoomError("not_found")
    return poll


def poll_answer(member: Member, content: dict) -> list[Outgoing]:
    if member.role != STUDENT:
        raise RoomError("forbidden")
    poll = _poll(member, content)
    option = _int_field(content, "option")
    if poll.closed_at is not None:
        raise RoomError("no_poll")
    if not 0 <= option < len(poll.options):
        raise RoomError("invalid")
    try:
        with transaction.atomic():
            PollAnswer.objects.create(poll=poll, student=member.user, option=option)
    except IntegrityError:
        raise RoomError("already_answered") from None
    return [Outgoing("room", {"type": "poll.results", "poll": poll_dict(poll)})]


def poll_close(member: Member, content: dict) -> list[Outgoing]:
    _require_teacher(member)
    poll = _poll(member, content)
    if poll.closed_at is not None:
        raise RoomError("no_poll")
    return _close(poll)


def lesson_anchors(session: LiveSession) -> list[dict] | None:
    """The lesson's sections ({"id", "label", "kind"}), or None when it has no lesson."""
    lesson = getattr(session, "lesson", None)
    if lesson is None:
        return None
    return list(lesson.specific.anchors())


def _anchor(member: Member, content: dict, kind: str | None = None) -> dict:
    anchor_id = content.get("anchor")
    if not isinstance(anchor_id, str) or not anchor_id:
        raise RoomError("invalid")
    anchors = lesson_anchors(member.session)
    if anchors is None:
        raise RoomError("no_lesson")
    for anchor in anchors:
        if anchor["id"] == anchor_id and (kind is None or anchor.get("kind") == kind):
            return {"anchor": anchor["id"], "label": str(anchor.get("label", ""))}
    raise RoomError("bad_anchor")


def lesson_focus(member: Member, content: dict) -> list[Outgoing]:
    """Point the class at a section of the lesson; `"anchor": null` stops focusing."""
    _require_teacher(member)
    if content.get("anchor") is None:
        cache.delete(_focus_key(member.session.pk))
        return [Outgoing("room", {"type": "lesson.focus", "anchor": None, "label": ""})]
    focus = _anchor(member, content)
    cache.set(_focus_key(member.session.pk), focus, STATE_TTL_SECONDS)
    return [Outgoing("room", {"type": "lesson.focus", **focus})]


def h5p_launch(member: Member, content: dict) -> list[Outgoing]:
    _require_teacher(member)
    return [Outgoing("room", {"type": "h5p.launch", **_anchor(member, content, kind="h5p")})]


def session_finish(member: Member, content: dict) -> list[Outgoing]:
    """End the session. The service checks who may (the session's teacher, a school admin),
    reaps, builds the records and tells the room with `session.ended`."""
    from . import services

    try:
        services.session_end(session=member.session, by=member.user)
    except PermissionDenied:
        raise RoomError("forbidden") from None
    except ValidationError:
        raise RoomError("not_live") from None
    return []


ACTIONS = {
    "chat.send": chat_send,
    "chat.delete": chat_delete,
    "chat.mute": chat_mute,
    "hand.raise": hand_raise,
    "hand.lower": hand_lower,
    "poll.open": poll_open,
    "poll.answer": poll_answer,
    "poll.close": poll_close,
    "lesson.focus": lesson_focus,
    "h5p.launch": h5p_launch,
    "session.end": session_finish,
}


def room_handle(conn: Connection, content: dict) -> list[Outgoing]:
    """Apply one client message (already a JSON object); raises RoomError on bad input."""
    kind = content.get("type")
    if kind == "heartbeat":
        presence_heartbeat(conn)
        return [Outgoing("self", {"type": "heartbeat"})]
    action = ACTIONS.get(kind) if isinstance(kind, str) else None
    if action is None:
        raise RoomError("unknown_type")
    return action(conn.member, content)
