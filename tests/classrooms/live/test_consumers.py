"""The live room's websocket (`/ws/sessions/<id>/`) through the real lms.asgi stack.

Every client → server type, every server → client type, the refusals and the bad input that
must leave the room up. docs/live-protocol.md is the reference.
"""

import asyncio
import json
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from classrooms.live import actions, room
from classrooms.models import (
    AttendanceInterval,
    AttendanceRecord,
    ChatMessage,
    HandRaise,
    LiveSession,
    Poll,
    PollAnswer,
    SessionMute,
)
from lms.asgi import application
from tests.classrooms.live.test_routing import ORIGIN, session_cookie_for
from tests.factories import (
    EnrollmentFactory,
    GuardianshipFactory,
    LiveSessionFactory,
    SchoolAdminFactory,
    StudentFactory,
)

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

TIMEOUT = 2


@sync_to_async
def make_room(status="live"):
    session = LiveSessionFactory(
        status=status, started_at=timezone.now() if status != "scheduled" else None
    )
    enrolled = [EnrollmentFactory(classroom=session.classroom).student for _ in range(2)]
    return SimpleNamespace(
        session=session,
        teacher=session.teacher,
        an=enrolled[0],
        binh=enrolled[1],
        outsider=StudentFactory(),
    )


async def connect(session, user, *, origin=ORIGIN, cookies="", timeout=TIMEOUT):
    headers = [origin]
    if user is not None:
        cookie = (await session_cookie_for(user)).decode()
        headers.append((b"cookie", f"{cookie}; {cookies}".strip("; ").encode()))
    ws = WebsocketCommunicator(application, f"/ws/sessions/{session.pk}/", headers=headers)
    connected, code = await ws.connect(timeout=timeout)
    return ws, connected, code


async def join(session, user, **kwargs):
    """Connect a member and return the socket with its `presence.state`."""
    ws, connected, code = await connect(session, user, **kwargs)
    assert connected, code
    state = await ws.receive_json_from(timeout=TIMEOUT)
    assert state["type"] == "presence.state"
    return ws, state


async def next_of(ws, kind, user=None, **fields):
    """The next message of a type (about a user, with these fields), skipping others."""
    while True:
        message = await ws.receive_json_from(timeout=TIMEOUT)
        if message["type"] != kind or (user is not None and message["user"]["id"] != user.pk):
            continue
        if all(message.get(k) == v for k, v in fields.items()):
            return message


async def drain(*sockets):
    """Drop what is already queued (presence notices, earlier broadcasts)."""
    for ws in sockets:
        while not await ws.receive_nothing(timeout=0.1):
            await ws.receive_output()


async def send(ws, **content):
    await ws.send_json_to(content)


async def error_for(ws, **content):
    await send(ws, **content)
    message = await next_of(ws, "error")
    assert message["message"]
    return message["code"]


async def still_up(ws):
    """The socket answers a heartbeat: bad input did not take the room down."""
    await send(ws, type="heartbeat")
    assert (await next_of(ws, "heartbeat")) == {"type": "heartbeat"}


async def close_code(ws):
    while True:
        output = await ws.receive_output(timeout=TIMEOUT)
        if output["type"] == "websocket.close":
            return output.get("code")


# --- Who gets in ------------------------------------------------------------------------


async def test_anonymous_outsider_and_guardian_are_closed_with_4403():
    r = await make_room()
    guardian = (await sync_to_async(GuardianshipFactory)(student=r.an)).guardian
    for user in (None, r.outsider, guardian):
        ws, connected, code = await connect(r.session, user)
        assert (connected, code) == (False, 4403), user


async def test_foreign_origin_is_refused_even_for_the_teacher():
    r = await make_room()
    ws, connected, _code = await connect(
        r.session, r.teacher, origin=(b"origin", b"http://evil.example")
    )
    assert not connected


async def test_session_not_running_accepts_then_closes_with_a_reason():
    scheduled = await make_room(status="scheduled")
    ws, connected, _ = await connect(scheduled.session, scheduled.an)
    assert connected
    message = await ws.receive_json_from(timeout=TIMEOUT)
    assert (message["type"], message["code"]) == ("error", "not_live")
    assert await close_code(ws) == 4409

    ended = await make_room(status="ended")
    ws, connected, _ = await connect(ended.session, ended.an)
    assert connected
    message = await ws.receive_json_from(timeout=TIMEOUT)
    assert (message["type"], message["session"]) == ("session.ended", ended.session.pk)
    assert message["message"]  # the page says so in words
    assert await close_code(ws) == 4410
    assert not await sync_to_async(AttendanceInterval.objects.exists)()


async def test_observer_joins_without_attendance():
    r = await make_room()
    admin = await sync_to_async(SchoolAdminFactory)(school=r.session.classroom.school)
    ws, state = await join(r.session, admin)
    assert state["you"]["role"] == "observer"
    assert [u["id"] for u in state["online"]] == [admin.pk]
    assert not await sync_to_async(AttendanceInterval.objects.exists)()
    await ws.disconnect()


# --- Presence and attendance --------------------------------------------------------------


async def test_presence_state_join_and_leave_with_two_tabs(settings):
    settings.LIVE_HEARTBEAT_SECONDS = 20
    r = await make_room()
    teacher, state = await join(r.session, r.teacher)
    assert state["you"] == {"id": r.teacher.pk, "name": r.teacher.display_name, "role": "teacher"}
    assert state["chat_enabled"] is True
    assert state["heartbeat"] == 20
    assert state["poll"] is None and state["hands"] == [] and state["chat"] == []

    tab1, state = await join(r.session, r.an)
    assert {u["id"] for u in state["online"]} == {r.teacher.pk, r.an.pk}
    joined = await next_of(teacher, "presence.join", r.an)
    assert joined["user"] == {"id": r.an.pk, "name": r.an.display_name, "role": "student"}
    interval = await sync_to_async(AttendanceInterval.objects.get)(student=r.an)
    assert interval.session_id == r.session.pk and interval.left_at is None

    # A second tab is the same presence: no second join, no leave until the last tab closes.
    tab2, _ = await join(r.session, r.an)
    await tab1.disconnect()
    await send(teacher, type="chat.send", text="sync")
    assert (await teacher.receive_json_from(timeout=TIMEOUT))["type"] == "chat.message"
    await tab2.disconnect()
    left = await next_of(teacher, "presence.leave", r.an)
    assert left["user"]["id"] == r.an.pk
    intervals = await sync_to_async(list)(AttendanceInterval.objects.filter(student=r.an))
    assert len(intervals) == 2 and all(i.left_at is not None for i in intervals)
    await teacher.disconnect()


async def test_heartbeat_touches_the_interval_and_reopens_a_reaped_one(settings):
    settings.LIVE_HEARTBEAT_SECONDS = 0  # every heartbeat writes
    r = await make_room()
    ws, _ = await join(r.session, r.an)
    first = await sync_to_async(AttendanceInterval.objects.get)(student=r.an)
    await asyncio.sleep(0.01)
    await still_up(ws)
    touched = await sync_to_async(AttendanceInterval.objects.get)(pk=first.pk)
    assert touched.last_seen_at > first.last_seen_at and touched.left_at is None

    # The reaper closed it (a long stall): the next heartbeat opens a fresh interval.
    await sync_to_async(AttendanceInterval.objects.filter(pk=first.pk).update)(
        left_at=touched.last_seen_at
    )
    await still_up(ws)
    intervals = await sync_to_async(list)(AttendanceInterval.objects.filter(student=r.an))
    assert len(intervals) == 2 and intervals[1].left_at is None
    await ws.disconnect()
    assert not await sync_to_async(AttendanceInterval.objects.filter(left_at__isnull=True).exists)()


# --- Chat -------------------------------------------------------------------------------


async def test_chat_reaches_everyone_raw_and_teacher_deletes_it():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    text = "<script>alert(1)</script> xin chào"
    await send(an, type="chat.send", text=f"  {text} ")
    for ws in (teacher, an):
        message = (await next_of(ws, "chat.message"))["message"]
        assert message["text"] == text
        assert message["author"]["id"] == r.an.pk
    stored = await sync_to_async(ChatMessage.objects.get)()
    assert stored.text == text

    assert await error_for(an, type="chat.delete", message=stored.pk) == "forbidden"
    await send(teacher, type="chat.delete", message=stored.pk)
    for ws in (teacher, an):
        assert await next_of(ws, "chat.deleted") == {"type": "chat.deleted", "message": stored.pk}
    assert await error_for(teacher, type="chat.delete", message=stored.pk) == "not_found"

    # A late joiner's history leaves the deleted message out.
    binh, state = await join(r.session, r.binh)
    assert state["chat"] == []
    for ws in (teacher, an, binh):
        await ws.disconnect()


async def test_chat_input_errors_keep_the_room_up(settings):
    settings.LIVE_CHAT_MAX_LENGTH = 10
    r = await make_room()
    ws, _ = await join(r.session, r.an)
    assert await error_for(ws, type="chat.send", text="x" * 11) == "too_long"
    assert await error_for(ws, type="chat.send", text="   ") == "empty"
    assert await error_for(ws, type="chat.send", text=5) == "invalid"
    await still_up(ws)
    assert not await sync_to_async(ChatMessage.objects.exists)()
    await ws.disconnect()


async def test_mute_a_student_and_turn_the_chat_off():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    binh, _ = await join(r.session, r.binh)

    await send(teacher, type="chat.mute", student=r.an.pk, muted=True)
    assert await next_of(an, "chat.mute") == {
        "type": "chat.mute",
        "student": r.an.pk,
        "muted": True,
    }
    assert await error_for(an, type="chat.send", text="hello") == "muted"
    await send(binh, type="chat.send", text="still here")
    assert (await next_of(binh, "chat.message"))["message"]["text"] == "still here"
    _, state = await join(r.session, r.an)
    assert state["muted"] is True
    await send(teacher, type="chat.mute", student=r.an.pk, muted=False)
    await next_of(an, "chat.mute")
    assert not await sync_to_async(SessionMute.objects.exists)()

    await drain(teacher, an, binh)
    await send(teacher, type="chat.mute", all=True, muted=True)
    assert await next_of(binh, "chat.mute") == {"type": "chat.mute", "all": True, "muted": True}
    assert await error_for(binh, type="chat.send", text="hello") == "chat_off"
    await send(teacher, type="chat.send", text="teacher can")
    assert (await next_of(binh, "chat.message"))["message"]["text"] == "teacher can"
    await send(teacher, type="chat.mute", all=True, muted=False)
    await next_of(binh, "chat.mute")
    await send(binh, type="chat.send", text="back on")
    assert (await next_of(binh, "chat.message"))["message"]["text"] == "back on"

    assert await error_for(binh, type="chat.mute", student=r.an.pk) == "forbidden"
    assert await error_for(teacher, type="chat.mute", student=r.outsider.pk) == "not_found"
    for ws in (teacher, an, binh):
        await ws.disconnect()


async def test_mute_state_is_kept_on_the_connection_from_room_events():
    """A `chat.mute` event from any process (here: sent straight to the layer, with no mute in
    the database) updates the member's connection; chat.send checks that, not the database."""
    r = await make_room()
    an, _ = await join(r.session, r.an)
    layer = get_channel_layer()

    async def event(**payload):
        payload = {"type": "chat.mute", **payload}
        await layer.group_send(
            room.session_group(r.session.pk),
            {
                "type": "room.event",
                "kind": "chat.mute",
                "payload": payload,
                "text": json.dumps(payload),
            },
        )
        assert await next_of(an, "chat.mute") == payload

    await event(student=r.an.pk, muted=True)
    assert await error_for(an, type="chat.send", text="hello") == "muted"
    await event(student=r.an.pk, muted=False)
    await event(all=True, muted=True)
    assert await error_for(an, type="chat.send", text="hello") == "chat_off"
    await event(all=True, muted=False)
    await send(an, type="chat.send", text="back")
    assert (await next_of(an, "chat.message"))["message"]["text"] == "back"
    await an.disconnect()


async def test_chat_arriving_during_a_write_is_stored_together_with_the_ids_it_was_sent_with(
    monkeypatch,
):
    r = await make_room()
    sockets = [(await join(r.session, user))[0] for user in (r.an, r.binh, r.teacher)]
    batches = []
    real = actions.chat_send_many

    def slow_first_write(requests):
        batches.append([content["text"] for _, content in requests])
        if len(batches) == 1:
            time.sleep(0.3)  # a slow INSERT: the others arrive meanwhile
        return real(requests)

    monkeypatch.setattr(actions, "chat_send_many", slow_first_write)
    await send(sockets[0], type="chat.send", text="an")
    await asyncio.sleep(0.05)
    await asyncio.gather(
        send(sockets[1], type="chat.send", text="bình"),
        send(sockets[2], type="chat.send", text="cô"),
    )
    seen = [[(await next_of(ws, "chat.message"))["message"] for _ in range(3)] for ws in sockets]
    assert batches[0] == ["an"] and sorted(batches[1]) == ["bình", "cô"] and len(batches) == 2
    stored = await sync_to_async(dict)(ChatMessage.objects.values_list("text", "pk"))
    for messages in seen:
        assert {m["text"]: m["id"] for m in messages} == stored
    await send(sockets[2], type="chat.delete", message=stored["bình"])
    assert await next_of(sockets[0], "chat.deleted") == {
        "type": "chat.deleted",
        "message": stored["bình"],
    }
    for ws in sockets:
        await ws.disconnect()


async def test_heartbeats_of_many_sockets_are_written_together(settings, monkeypatch):
    settings.LIVE_HEARTBEAT_SECONDS = 0
    r = await make_room()
    sockets = [(await join(r.session, user))[0] for user in (r.an, r.binh, r.teacher)]
    batches = []
    real = room.presence_heartbeats

    def recording(conns):
        batches.append(sorted(c.member.user.pk for c in conns))
        real(conns)

    monkeypatch.setattr(room, "presence_heartbeats", recording)
    before = await sync_to_async(list)(AttendanceInterval.objects.order_by("pk"))
    await asyncio.gather(*(send(ws, type="heartbeat") for ws in sockets))
    for ws in sockets:
        assert await next_of(ws, "heartbeat") == {"type": "heartbeat"}
    assert batches == [sorted([r.an.pk, r.binh.pk, r.teacher.pk])]
    after = await sync_to_async(list)(AttendanceInterval.objects.order_by("pk"))
    assert [i.pk for i in after] == [i.pk for i in before]
    assert all(a.last_seen_at > b.last_seen_at for a, b in zip(after, before, strict=True))
    for ws in sockets:
        await ws.disconnect()


async def test_chat_flooding_and_message_flooding_are_limited(settings, monkeypatch):
    settings.LIVE_CHAT_RATE = 3
    r = await make_room()
    ws, _ = await join(r.session, r.an)
    for n in range(3):
        await send(ws, type="chat.send", text=f"tin {n}")
        await next_of(ws, "chat.message")
    assert await error_for(ws, type="chat.send", text="tin 4") == "chat_rate_limited"
    # The limit is per user, not per socket: a second tab shares it.
    tab2, _ = await join(r.session, r.an)
    assert await error_for(tab2, type="chat.send", text="tin 5") == "chat_rate_limited"
    assert await sync_to_async(ChatMessage.objects.count)() == 3
    await still_up(ws)
    await tab2.disconnect()
    await ws.disconnect()

    monkeypatch.setattr(room, "CONNECTION_RATE", 4)
    ws, _ = await join(r.session, r.binh)
    for _ in range(4):
        await send(ws, type="heartbeat")
        await next_of(ws, "heartbeat")
    assert await error_for(ws, type="heartbeat") == "rate_limited"
    # Still connected: it receives the room's messages.
    teacher, _ = await join(r.session, r.teacher)
    await send(teacher, type="chat.send", text="ai còn đó?")
    assert (await next_of(ws, "chat.message"))["message"]["text"] == "ai còn đó?"
    await teacher.disconnect()
    await ws.disconnect()


async def test_malformed_oversized_and_unknown_messages_get_errors(settings):
    settings.LIVE_MESSAGE_MAX_BYTES = 200
    r = await make_room()
    ws, _ = await join(r.session, r.an)
    await ws.send_to(text_data="not json")
    assert (await next_of(ws, "error"))["code"] == "bad_json"
    await ws.send_to(text_data="[1, 2]")
    assert (await next_of(ws, "error"))["code"] == "bad_json"
    await ws.send_to(bytes_data=b"\x00\x01")
    assert (await next_of(ws, "error"))["code"] == "bad_json"
    await ws.send_to(text_data=json.dumps({"type": "chat.send", "text": "x" * 300}))
    assert (await next_of(ws, "error"))["code"] == "too_big"
    assert await error_for(ws, type="dance") == "unknown_type"
    assert await error_for(ws, text="no type") == "unknown_type"
    await still_up(ws)
    await ws.disconnect()


async def test_errors_speak_the_members_language():
    r = await make_room()
    ws, _ = await join(r.session, r.an, cookies="django_language=en")
    await send(ws, type="dance")
    assert (await next_of(ws, "error"))["message"] == "Unknown message type."
    await ws.disconnect()


async def test_students_cannot_send_teacher_only_types():
    r = await make_room()
    ws, _ = await join(r.session, r.an)
    for content in (
        {"type": "chat.delete", "message": 1},
        {"type": "chat.mute", "student": r.binh.pk},
        {"type": "chat.mute", "all": True},
        {"type": "poll.open", "question": "?", "options": ["a", "b"]},
        {"type": "poll.close", "poll": 1},
        {"type": "lesson.focus", "anchor": "x"},
        {"type": "h5p.launch", "anchor": "x"},
        {"type": "session.end"},
        {"type": "hand.lower", "student": r.binh.pk},
    ):
        assert await error_for(ws, **content) == "forbidden", content
    await still_up(ws)
    session = await sync_to_async(LiveSession.objects.get)(pk=r.session.pk)
    assert session.status == "live" and session.chat_enabled
    await ws.disconnect()


# --- Hands and polls ------------------------------------------------------------------------


async def test_hand_queue():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    binh, _ = await join(r.session, r.binh)
    await send(an, type="hand.raise")
    queue = (await next_of(teacher, "hand.queue"))["queue"]
    assert [h["id"] for h in queue] == [r.an.pk]
    await send(binh, type="hand.raise")
    queue = (await next_of(teacher, "hand.queue"))["queue"]
    assert [h["id"] for h in queue] == [r.an.pk, r.binh.pk]
    await send(an, type="hand.raise")  # already raised: nothing changes, no error
    await still_up(an)

    _, state = await join(r.session, r.teacher)
    assert [h["id"] for h in state["hands"]] == [r.an.pk, r.binh.pk]

    await drain(teacher, an, binh)
    await send(teacher, type="hand.lower", student=r.an.pk)
    assert [h["id"] for h in (await next_of(binh, "hand.queue"))["queue"]] == [r.binh.pk]
    await send(binh, type="hand.lower")
    await next_of(teacher, "hand.queue", queue=[])
    assert await error_for(teacher, type="hand.raise") == "forbidden"
    assert await sync_to_async(HandRaise.objects.filter(lowered_at__isnull=True).count)() == 0
    for ws in (teacher, an, binh):
        await ws.disconnect()


async def test_poll_open_answer_results_close():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    binh, _ = await join(r.session, r.binh)

    assert await error_for(teacher, type="poll.open", question="2+2?", options=["4"]) == "invalid"
    assert (
        await error_for(teacher, type="poll.open", question="2+2?", options=list("abcdefg"))
        == "invalid"
    )
    await send(teacher, type="poll.open", question="2 + 2 = ?", options=["3", "4", "5"])
    opened = (await next_of(an, "poll.opened"))["poll"]
    assert opened["question"] == "2 + 2 = ?" and opened["options"] == ["3", "4", "5"]
    assert opened["counts"] == [0, 0, 0] and not opened["closed"]
    poll_id = opened["id"]

    await send(an, type="poll.answer", poll=poll_id, option=1)
    results = (await next_of(teacher, "poll.results"))["poll"]
    assert results["counts"] == [0, 1, 0] and results["total"] == 1
    assert await error_for(an, type="poll.answer", poll=poll_id, option=2) == "already_answered"
    assert await error_for(binh, type="poll.answer", poll=poll_id, option=9) == "invalid"
    assert await error_for(teacher, type="poll.answer", poll=poll_id, option=0) == "forbidden"
    await send(binh, type="poll.answer", poll=poll_id, option=2)
    # An's socket also holds the broadcast of its own answer ([0, 1, 0]); over Redis it may
    # arrive after the direct error reply above, so wait for the results with both answers.
    while (results := (await next_of(an, "poll.results"))["poll"])["total"] < 2:
        assert results["counts"] == [0, 1, 0]
    assert results["counts"] == [0, 1, 1]

    _, state = await join(r.session, r.an)
    assert state["poll"]["id"] == poll_id and state["answered"] == 1

    await drain(teacher, an, binh)
    await send(teacher, type="poll.close", poll=poll_id)
    closed = (await next_of(binh, "poll.results"))["poll"]
    assert closed["closed"] and closed["counts"] == [0, 1, 1]
    assert await error_for(binh, type="poll.answer", poll=poll_id, option=0) == "no_poll"
    assert await error_for(teacher, type="poll.close", poll=poll_id) == "no_poll"
    assert await error_for(teacher, type="poll.close", poll=999999) == "not_found"
    stored = await sync_to_async(Poll.objects.get)(pk=poll_id)
    assert stored.closed_at is not None
    assert await sync_to_async(PollAnswer.objects.filter(poll=stored).count)() == 2
    for ws in (teacher, an, binh):
        await ws.disconnect()


# --- Lesson focus, H5P ----------------------------------------------------------------------

ANCHORS = [
    {"id": "b1", "label": "Mở đầu", "kind": "text"},
    {"id": "b2", "label": "Đúng hay sai", "kind": "h5p"},
]


async def test_focus_and_h5p_launch_are_checked_against_the_lesson(monkeypatch):
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    assert await error_for(teacher, type="lesson.focus", anchor="b1") == "no_lesson"

    monkeypatch.setattr(actions, "lesson_anchors", lambda session: ANCHORS)
    await send(teacher, type="lesson.focus", anchor="b1")
    assert await next_of(an, "lesson.focus") == {
        "type": "lesson.focus",
        "anchor": "b1",
        "label": "Mở đầu",
    }
    _, state = await join(r.session, r.binh)
    assert state["focus"] == {"anchor": "b1", "label": "Mở đầu"}
    assert await error_for(teacher, type="lesson.focus", anchor="nope") == "bad_anchor"
    assert await error_for(teacher, type="lesson.focus", anchor=3) == "invalid"
    await send(teacher, type="lesson.focus", anchor=None)
    assert (await next_of(an, "lesson.focus"))["anchor"] is None

    await send(teacher, type="h5p.launch", anchor="b2")
    assert await next_of(an, "h5p.launch") == {
        "type": "h5p.launch",
        "anchor": "b2",
        "label": "Đúng hay sai",
    }
    assert await error_for(teacher, type="h5p.launch", anchor="b1") == "bad_anchor"
    for ws in (teacher, an):
        await ws.disconnect()


async def test_h5p_results_reach_teachers_only():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    await drain(teacher, an)
    event = {"type": "h5p.result", "student": r.an.pk, "score": 1, "max_score": 1}
    await get_channel_layer().group_send(room.teachers_group(r.session.pk), event)
    assert await next_of(teacher, "h5p.result") == event
    assert await an.receive_nothing(timeout=0.2)
    for ws in (teacher, an):
        await ws.disconnect()


# --- Ending -----------------------------------------------------------------------------------


async def test_teacher_ends_the_session_for_everyone(settings):
    settings.LIVE_HEARTBEAT_SECONDS = 20
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an, cookies="django_language=en")
    await asyncio.sleep(0.2)
    await send(teacher, type="session.end")
    session = None
    for ws in (teacher, an):
        message = await next_of(ws, "session.ended")
        session = session or await sync_to_async(LiveSession.objects.get)(pk=r.session.pk)
        # Every member is told who ended the class and when, in words (their language).
        when = timezone.localtime(session.ended_at).strftime("%H:%M")
        text = message.pop("message")
        assert message == {
            "type": "session.ended",
            "session": r.session.pk,
            "at": session.ended_at.isoformat(),
            "by": r.teacher.display_name,
        }
        assert r.teacher.display_name in text and when in text
        if ws is an:
            assert text == f"{r.teacher.display_name} ended the class at {when}."
        assert await close_code(ws) == 4410
    assert session.status == "ended"
    assert not await sync_to_async(AttendanceInterval.objects.filter(left_at__isnull=True).exists)()
    statuses = dict(
        await sync_to_async(list)(
            AttendanceRecord.objects.filter(session=session).values_list("student_id", "status")
        )
    )
    # The room asked every socket for a last heartbeat: An counts until the end, not only until
    # the last regular heartbeat (here: the join).
    interval = await sync_to_async(AttendanceInterval.objects.get)(student=r.an)
    assert (interval.left_at - interval.joined_at).total_seconds() >= 0.2
    assert 0 <= (session.ended_at - interval.left_at).total_seconds() < room.END_FLUSH_SECONDS + 1
    # Records for every enrolled student (a few seconds of a 45-minute class is still absent).
    assert statuses == {r.an.pk: "absent", r.binh.pk: "absent"}


async def test_events_queued_for_a_closed_socket_are_dropped_not_raised():
    # A room event can reach a socket the server has just closed (the session ended): Daphne
    # would raise "Attempt to send on a closed protocol" for it.
    from classrooms.live.consumers import LiveSessionConsumer

    sent = []
    consumer = LiveSessionConsumer()

    async def base_send(message):
        sent.append(message)

    consumer.base_send = base_send
    await consumer.close(code=4410)
    await consumer.room_event({"type": "room.event", "kind": "chat.message", "text": "{}"})
    assert sent == [{"type": "websocket.close", "code": 4410}]
