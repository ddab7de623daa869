"""What a member of the live room may send, and what each message causes (docs/live-protocol.md).

Every action takes the member and the message (already a JSON object) and returns what to send
(`room.Outgoing`), or raises `room.RoomError`. Chat messages go through `chat_send_many`, which
the consumer's `batching.ChatBatch` calls with every message that arrived together; heartbeats go
through `room.presence_heartbeats` the same way (`batching.HeartbeatBatch`). The rest goes
through `room_handle`, one message at a time.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from lms.text import unstorable_text_in

from ..org.models import Enrollment
from . import lessons, services
from .models import (
    ChatMessage,
    HandRaise,
    LiveSession,
    Poll,
    PollAnswer,
    SessionMute,
)
from .room import (
    STATE_TTL_SECONDS,
    STUDENT,
    Connection,
    Member,
    Outgoing,
    RoomError,
    chat_dict,
    focus_key,
    hand_queue,
    poll_dict,
)

CHAT_RATE_WINDOW_SECONDS = 10
POLL_MIN_OPTIONS, POLL_MAX_OPTIONS = 2, 6
POLL_OPTION_MAX_LENGTH = 200


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
        cache.delete(focus_key(member.session.pk))
        return [Outgoing("room", {"type": "lesson.focus", "anchor": None, "label": ""})]
    focus = _anchor(member, content)
    cache.set(focus_key(member.session.pk), focus, STATE_TTL_SECONDS)
    return [Outgoing("room", {"type": "lesson.focus", **focus})]


def lesson_set(member: Member, content: dict) -> list[Outgoing]:
    """Take the class through another lesson (`"lesson": null`: none). Every page in the room
    then loads it; the focus on a section of the old lesson is dropped."""
    _require_teacher(member)
    lesson_id = content.get("lesson")
    lesson = None
    if lesson_id is not None:
        if isinstance(lesson_id, bool) or not isinstance(lesson_id, int):
            raise RoomError("invalid")
        lesson = lessons.lesson_model().objects.filter(pk=lesson_id).first()
        if lesson is None:
            raise RoomError("bad_lesson")
    try:
        session = services.session_lesson_set(session=member.session, by=member.user, lesson=lesson)
    except PermissionDenied:
        raise RoomError("forbidden") from None
    except ValidationError as exc:
        raise RoomError(
            "bad_lesson" if "lesson" in getattr(exc, "error_dict", {}) else "not_live"
        ) from None
    cache.delete(focus_key(session.pk))
    member.session.lesson_id = session.lesson_id
    described = {"id": lesson.pk, "title": lesson.title} if lesson is not None else None
    return [Outgoing("room", {"type": "lesson.changed", "lesson": described})]


def h5p_launch(member: Member, content: dict) -> list[Outgoing]:
    _require_teacher(member)
    return [Outgoing("room", {"type": "h5p.launch", **_anchor(member, content, kind="h5p")})]


def session_finish(member: Member, content: dict) -> list[Outgoing]:
    """End the session. The service checks who may (the session's teacher, a school admin),
    reaps, builds the records and tells the room with `session.ended`."""
    try:
        services.session_end(session=member.session, by=member.user)
    except PermissionDenied:
        raise RoomError("forbidden") from None
    except ValidationError:
        raise RoomError("not_live") from None
    return []


ACTIONS = {
    "chat.delete": chat_delete,
    "chat.mute": chat_mute,
    "hand.raise": hand_raise,
    "hand.lower": hand_lower,
    "poll.open": poll_open,
    "poll.answer": poll_answer,
    "poll.close": poll_close,
    "lesson.focus": lesson_focus,
    "lesson.set": lesson_set,
    "h5p.launch": h5p_launch,
    "session.end": session_finish,
}


def room_handle(conn: Connection, content: dict) -> list[Outgoing]:
    """Apply one client message (already a JSON object) other than a heartbeat or a chat
    message, which the consumer batches; raises RoomError on bad input."""
    kind = content.get("type")
    action = ACTIONS.get(kind) if isinstance(kind, str) else None
    if action is None:
        raise RoomError("unknown_type")
    return action(conn.member, content)
