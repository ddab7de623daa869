"""Hostile websocket input costs no one else anything (issue 18, items 11 and 12).

Text no database can store (a lone surrogate, valid as the JSON escape "\\ud800"; a NUL, which
PostgreSQL refuses) gets an `invalid` error to its sender alone, in any field; a request that
fails in a batch fails alone; and a path that matches no route is refused without a traceback.
Runs on SQLite, and on PostgreSQL when DATABASE_URL is set."""

import asyncio
import json
import logging

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from classrooms.live import room
from classrooms.live.batching import ChatBatch, ProcessBatch
from classrooms.models import ChatMessage, Poll
from lms.asgi import application
from tests.classrooms.live.test_consumers import (
    TIMEOUT,
    drain,
    error_for,
    join,
    make_room,
    next_of,
    still_up,
)
from tests.classrooms.live.test_routing import ORIGIN, session_cookie_for

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]

# As a client sends them: JSON escapes, so the frame itself is valid UTF-8.
HOSTILE = ["\\ud800", "b\\u0000c", "\\udfff\\ud800", "ok \\ud83d"]


async def send_raw(ws, **content):
    """Send `content` with the JSON escapes in its strings left as they are."""
    await ws.send_to(text_data=json.dumps(content).replace("\\\\u", "\\u"))


@database_sync_to_async
def stored_texts(session):
    return list(ChatMessage.objects.filter(session=session).values_list("text", flat=True))


@pytest.mark.parametrize("text", HOSTILE)
async def test_unstorable_chat_text_is_refused_to_its_sender_alone(text):
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    an, _ = await join(r.session, r.an)
    binh, _ = await join(r.session, r.binh)
    await drain(teacher, an, binh)

    await send_raw(an, type="chat.send", text=text)
    error = await next_of(an, "error")
    assert error["code"] == "invalid" and error["message"]
    await still_up(an)

    await send_raw(binh, type="chat.send", text="Em chào cô ạ")
    for ws in (teacher, an, binh):
        message = await next_of(ws, "chat.message")
        assert message["message"]["text"] == "Em chào cô ạ"
    assert await stored_texts(r.session) == ["Em chào cô ạ"]
    for ws in (teacher, binh):  # no one else heard of An's frame
        assert await ws.receive_nothing(timeout=0.2)
    for ws in (teacher, an, binh):
        await ws.disconnect()


async def test_unstorable_text_in_any_field_is_refused():
    r = await make_room()
    teacher, _ = await join(r.session, r.teacher)
    await drain(teacher)
    for content in (
        {"type": "poll.open", "question": "Câu \\u0000 hỏi", "options": ["A", "B"]},
        {"type": "poll.open", "question": "Câu hỏi", "options": ["A", "\\ud800"]},
        {"type": "lesson.focus", "anchor": "\\udc00"},
        {"type": "chat.mute", "student": 1, "muted": True, "note": {"x": ["\\u0000"]}},
        {"type": "heartbeat", "\\ud800": 1},
    ):
        await send_raw(teacher, **content)
        assert (await next_of(teacher, "error"))["code"] == "invalid", content
    assert not await database_sync_to_async(Poll.objects.exists)()
    await still_up(teacher)
    await teacher.disconnect()


async def test_deeply_nested_json_is_bad_json_and_the_socket_stays():
    r = await make_room()
    an, _ = await join(r.session, r.an)
    await an.send_to(text_data="[" * 2000 + "]" * 2000)
    assert (await next_of(an, "error"))["code"] == "bad_json"
    await still_up(an)
    await an.disconnect()


# --- A failing request in a batch fails alone ---------------------------------------------------


@pytest.mark.parametrize("text", ["\ud800", "b\x00c"])
async def test_a_message_that_cannot_be_stored_fails_alone_in_its_chat_batch(text):
    """Straight to the batch, past the edge check: the other member's message in the same
    INSERT is stored and sent all the same (on SQLite a NUL stores fine: both are kept)."""
    r = await make_room()
    members = [
        await database_sync_to_async(room.room_member)(user=user, session_id=r.session.pk)
        for user in (r.an, r.binh)
    ]
    batch = ChatBatch.for_loop()
    bad, good = await asyncio.gather(
        batch.send(members[0], {"text": text}),
        batch.send(members[1], {"text": "Em nộp bài rồi ạ"}),
        return_exceptions=True,
    )
    [out] = good
    assert out.payload["message"]["text"] == "Em nộp bài rồi ạ"
    assert "Em nộp bài rồi ạ" in await stored_texts(r.session)
    assert isinstance(bad, Exception) or bad[0].payload["message"]["text"] == text


async def test_process_batch_retries_each_request_alone(caplog):
    class Doubling(ProcessBatch):
        def write(self, items):
            if "bad" in items:
                raise ValueError("cannot store")
            return [item * 2 for item in items]

    batch = Doubling.for_loop()
    with caplog.at_level(logging.WARNING):
        results = await asyncio.gather(
            batch.add("a"), batch.add("bad"), batch.add("c"), return_exceptions=True
        )
    assert results[0] == "aa" and results[2] == "cc"
    assert isinstance(results[1], ValueError)


# --- Unknown routes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/ws/nope/",
        "/ws/sessions/abc/",
        "/ws/sessions/",
        "/ws/classes/1/",  # the class channel is gone: nothing used it
        "/ws/classes/1/extra/",
        "/",
        "/ws/sessions/99999999999999999999999999/",
        "/ws/classes/99999999999999999999999999/",
    ],
)
async def test_a_path_that_matches_no_route_is_refused_cleanly(path):
    r = await make_room()
    cookie = await session_cookie_for(r.teacher)
    ws = WebsocketCommunicator(application, path, headers=[ORIGIN, (b"cookie", cookie)])
    connected, code = await ws.connect(timeout=TIMEOUT)  # a traceback would raise here
    assert not connected
    assert code in (4403, 4404)


async def test_known_routes_still_work_next_to_the_catch_all():
    r = await make_room()
    teacher, state = await join(r.session, r.teacher)
    assert state["you"]["id"] == r.teacher.pk
    assert await error_for(teacher, type="no.such.type") == "unknown_type"
    await teacher.disconnect()
