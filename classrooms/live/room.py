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
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from lms.cache_ops import delete_each
from lms.collation import vi_order

from . import attendance, selectors
from .models import (
    AttendanceInterval,
    ChatMessage,
    HandRaise,
    LiveSession,
    Poll,
    PollAnswer,
    SessionMute,
    SessionStatus,
)

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

    @property
    def key(self) -> tuple[int, int]:
        """(session id, user id): the member whatever socket they are on."""
        return self.session.pk, self.user.pk

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
    return person_dict(user.pk, user.display_name, role or role_label(user))


def person_dict(user_id: int, name: str, role: str) -> dict:
    """A user as the room's messages show them (`user_dict`, from a row)."""
    return {"id": user_id, "name": name, "role": role}


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


def room_members(requests: list[tuple[User, int]]) -> list[Member | None]:
    """`room_member` for many (user, session id) at once, as a process admits a class that
    reconnects together: the students in three queries whatever their number (a student is
    admitted exactly when `room_member` admits them: active, and actively enrolled in the
    session's class); anyone else one by one."""
    students = [
        user.is_authenticated and user.is_active and user.role == Role.STUDENT
        for user, _ in requests
    ]
    admitting = [request for request, student in zip(requests, students, strict=True) if student]
    sessions, enrolled, muted = selectors.student_rooms(
        student_ids={user.pk for user, _ in admitting},
        session_ids={session_id for _, session_id in admitting},
    )
    members = []
    for (user, session_id), student in zip(requests, students, strict=True):
        if not student:
            members.append(room_member(user=user, session_id=session_id))
            continue
        session = sessions.get(session_id)
        if session is None or (user.pk, session.classroom_id) not in enrolled:
            members.append(None)
            continue
        members.append(
            Member(
                session=_session_alone(session),
                user=user,
                role=STUDENT,
                muted=(session.pk, user.pk) in muted,
            )
        )
    return members


def _session_alone(session: LiveSession) -> LiveSession:
    """The session without the class, school, subject and teacher loaded to admit the member.
    A member keeps its session for as long as the socket is open and the room needs none of
    them (what it does need, such as the lesson, loads when asked): a thousand sockets in a
    process would otherwise keep four thousand more model instances for the garbage collector
    to walk on every full collection, and the room's latency would pay for them."""
    names = [f.attname for f in LiveSession._meta.concrete_fields]
    return LiveSession.from_db(session._state.db, names, [getattr(session, n) for n in names])


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


def _staff_online(session_ids: list[int]) -> dict[int, list[dict]]:
    """Session id → its staff with a live connection: two cache round trips for all."""
    indexes = cache.get_many([_staff_index_key(pk) for pk in session_ids])
    keys = {
        session_id: [
            _staff_key(session_id, pk) for pk in indexes.get(_staff_index_key(session_id)) or []
        ]
        for session_id in session_ids
    }
    entries = cache.get_many([key for wanted in keys.values() for key in wanted])
    now = time.time()
    return {
        session_id: [
            entries[key]["user"]
            for key in wanted
            if key in entries and any(exp > now for exp in entries[key]["conns"].values())
        ]
        for session_id, wanted in keys.items()
    }


def presence_connect(conn: Connection) -> bool:
    """Mark the connection present (a student's interval opens); True on the user's first.
    Raises ValidationError when the session is no longer live."""
    [first] = presence_connect_many([conn])
    if isinstance(first, ValidationError):
        raise first
    return first


def presence_grace_seconds() -> float:
    return settings.LIVE_PRESENCE_GRACE_SECONDS


# Close codes of a socket its client closed on purpose: the page was closed or left (1001,
# "going away"), or closed its socket (1000; 1005 when it gave no code). Any other close (1006:
# the connection was lost; a code of ours when the server closed it) may be followed by a
# reconnect.
LEFT_ON_PURPOSE = frozenset({1000, 1001, 1005})


def presence_graced(close_code: int | None) -> bool:
    """Whether a member whose last socket closed with this code is announced as gone only after
    the grace (a lost network, a restart): a member who closed the page is gone at once."""
    return bool(presence_grace_seconds()) and close_code not in LEFT_ON_PURPOSE


def _leaving_key(conn: Connection) -> str:
    return f"live:leaving:{conn.member.session.pk}:{conn.member.user.pk}"


def presence_leaving(conns: list[Connection]) -> None:
    """These connections' users have none left in their rooms: each is announced as gone once
    the grace has passed, unless they come back first (`claim_leaving`). One cache round trip,
    shared by every process (Redis with REDIS_URL)."""
    if conns:
        # Kept a minute past the grace: a process that stops meanwhile announces nobody.
        cache.set_many({_leaving_key(conn): 1 for conn in conns}, presence_grace_seconds() + 60)


def claim_leaving(conns: list[Connection]) -> list[bool]:
    """For each connection's user, whether they were leaving within the grace; claiming is a
    delete, so of their return and the end of their grace exactly one gets True: a user back
    in time is neither announced as gone nor as joining, one back later is announced as both."""
    return delete_each([_leaving_key(conn) for conn in conns])


def presence_connect_many(conns: list[Connection]) -> list[bool | ValidationError]:
    """`presence_connect` for many connections of a process at once: the students' intervals
    in one INSERT after one query for the sessions still live and one for the intervals
    already open. Each gets True on the user's first connection, False otherwise, or the
    ValidationError of a session that is no longer live (its interval is not opened)."""
    now = time.monotonic()
    results: list[bool | ValidationError | None] = [None] * len(conns)
    students = []
    for index, conn in enumerate(conns):
        conn.last_touch = now
        if conn.member.role == STUDENT:
            students.append((index, conn))
        else:
            results[index] = _staff_touch(conn)
    if students:
        opened = attendance.intervals_open([conn.member.key for _, conn in students])
        for (index, conn), (interval_id, first) in zip(students, opened, strict=True):
            if interval_id is None:
                results[index] = ValidationError(attendance.NOT_LIVE_MESSAGE)
            else:
                conn.interval_id = interval_id
                results[index] = first
    return results


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
    [last] = presence_disconnect_many([conn])
    return last


def presence_disconnect_many(conns: list[Connection]) -> list[bool]:
    """`presence_disconnect` for the sockets a process saw close together (a network going
    down under a class): the students' intervals closed in one UPDATE, then one query for
    who still has another one open. A user with several of these sockets is "last" once, on
    the last of them."""
    results = [False] * len(conns)
    students = []
    for index, conn in enumerate(conns):
        if conn.member.role != STUDENT:
            results[index] = _staff_leave(conn)
        else:
            students.append((index, conn))
    if not students:
        return results
    leaving = [conn for _index, conn in students]
    attendance.intervals_close([conn.interval_id for conn in leaving if conn.interval_id])
    for conn in leaving:
        conn.interval_id = None
    pairs = {conn.member.key for conn in leaving}
    still_there = set(
        attendance.fresh_open_intervals(
            session_ids={session for session, _student in pairs},
            student_ids={student for _session, student in pairs},
        )
        .values_list("session_id", "student_id")
        .distinct()
    )
    told = set()
    for index, conn in reversed(students):
        pair = conn.member.key
        results[index] = pair not in still_there and pair not in told
        told.add(pair)
    return results


def online_list(session: LiveSession) -> list[dict]:
    return online_lists([session.pk])[session.pk]


def online_lists(session_ids: list[int]) -> dict[int, list[dict]]:
    """Session id → who is in its room (staff first, then the students in Vietnamese order):
    one query for all the sessions."""
    students: dict[int, dict[int, dict]] = {pk: {} for pk in session_ids}
    # Rows, not model instances: a batch of newcomers reads every student of their rooms.
    present = (
        attendance.fresh_open_intervals(session_ids=session_ids)
        .order_by(vi_order("student__full_name"), "student__username")
        .values_list(
            "session_id",
            "student_id",
            "student__full_name",
            "student__first_name",
            "student__last_name",
            "student__username",
        )
    )
    for session_id, student_id, *names in present:
        if student_id not in students[session_id]:
            students[session_id][student_id] = person_dict(
                student_id, User.name_from(*names), STUDENT
            )
    staff = _staff_online(session_ids)
    return {pk: [*staff[pk], *students[pk].values()] for pk in session_ids}


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
    return hand_queues([session.pk])[session.pk]


def hand_queues(session_ids: list[int]) -> dict[int, list[dict]]:
    """Session id → its raised hands, oldest first: one query for all the sessions."""
    queues: dict[int, list[dict]] = {pk: [] for pk in session_ids}
    hands = HandRaise.objects.filter(session_id__in=session_ids, lowered_at__isnull=True)
    for hand in hands.select_related("student").order_by("raised_at", "pk"):
        queues[hand.session_id].append(
            {**user_dict(hand.student, STUDENT), "at": hand.raised_at.isoformat()}
        )
    return queues


def poll_dict(poll: Poll, answers: list[int] | None = None) -> dict:
    """The poll with its counts; `answers` (the options chosen) when already read."""
    if answers is None:
        answers = poll.answers.values_list("option", flat=True)
    counts = [0] * len(poll.options)
    for option in answers:
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
    [state] = room_states([member])
    return state


def room_states(members: list[Member]) -> list[dict]:
    """`room_state` for many members at once: what is the same for everyone in a room (its
    online list, hands, poll, chat, mutes) is read once for all their rooms together, then
    each member gets their own part (`you`, muted, their poll answer)."""
    shared = _shared_states(list(dict.fromkeys(member.session.pk for member in members)))
    states = []
    for member in members:
        room = shared[member.session.pk]
        # The member's chat state, now that it is in the room's groups.
        member.session.status = room["status"]
        member.session.chat_enabled = room["chat_enabled"]
        member.muted = member.user.pk in room["muted"]
        poll = room["poll"]
        state = {
            "type": "presence.state",
            "session": member.session.pk,
            "you": member.as_dict(),
            "online": room["online"],
            "hands": room["hands"],
            "poll": room["poll_data"],
            "answered": None,
            "chat_enabled": room["chat_enabled"],
            "muted": member.muted,
            "chat": room["chat"],
            "focus": room["focus"],
            "heartbeat": settings.LIVE_HEARTBEAT_SECONDS,
        }
        if member.is_teacher:
            state["muted_students"] = sorted(room["muted"])
        if poll and member.role == STUDENT:
            state["answered"] = room["chosen"].get(member.user.pk)
        states.append(state)
    return states


def _shared_states(session_ids: list[int]) -> dict[int, dict]:
    """Session id → what is the same for everyone in its room. The same queries however many
    rooms a batch of newcomers enters (a province reconnecting at once enters hundreds)."""
    if not session_ids:
        return {}
    polls: dict[int, Poll] = {}
    open_polls = Poll.objects.filter(session_id__in=session_ids, closed_at__isnull=True)
    for poll in open_polls.order_by("-opened_at", "-pk"):
        polls.setdefault(poll.session_id, poll)
    # Each open poll's answers: its counts, and what each newcomer chose (student → option).
    chosen: dict[int, dict[int, int]] = {poll.pk: {} for poll in polls.values()}
    if chosen:
        answers = PollAnswer.objects.filter(poll_id__in=chosen)
        for poll_id, student_id, option in answers.values_list("poll_id", "student_id", "option"):
            chosen[poll_id][student_id] = option
    chats: dict[int, list[dict]] = {pk: [] for pk in session_ids}
    latest = (
        ChatMessage.objects.filter(session_id__in=session_ids, deleted_at__isnull=True)
        .annotate(
            newest=Window(
                RowNumber(),
                partition_by=[F("session_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(newest__lte=CHAT_HISTORY)
        .select_related("author")
        .order_by("created_at", "pk")
    )
    for message in latest:
        chats[message.session_id].append(chat_dict(message))
    muted: dict[int, set[int]] = {pk: set() for pk in session_ids}
    mutes = SessionMute.objects.filter(session_id__in=session_ids)
    for session_id, student_id in mutes.values_list("session_id", "student_id"):
        muted[session_id].add(student_id)
    current = LiveSession.objects.filter(pk__in=session_ids).values("pk", "status", "chat_enabled")
    online, hands = online_lists(session_ids), hand_queues(session_ids)
    focus = cache.get_many([focus_key(pk) for pk in session_ids])
    shared = {}
    for row in current:
        pk = row.pop("pk")
        poll = polls.get(pk)
        shared[pk] = {
            **row,
            "poll": poll,
            "poll_data": poll_dict(poll, list(chosen[poll.pk].values())) if poll else None,
            "chosen": chosen[poll.pk] if poll else {},
            "muted": muted[pk],
            "online": online[pk],
            "hands": hands[pk],
            "chat": chats[pk],
            "focus": focus.get(focus_key(pk)),
        }
    return shared
