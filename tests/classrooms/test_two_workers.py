"""Two Daphne processes sharing Redis (issue 6 §7): chat and presence cross between them.

Each process has its own memory, so anything the room keeps in a process would show up here:
a student on worker B must appear in the roster of a teacher on worker A, and their chat must
reach each other. Skips outside CI when Redis is down (tests/conftest.py `redis_url`).
"""

import asyncio
import json

import pytest

from tests.resilience.servers import Daphne, make_rooms, migrated_sqlite, server_env, ws_connect

pytestmark = pytest.mark.asyncio

TIMEOUT = 10


async def next_of(ws, kind, user=None):
    """The next message of a type (about a user), skipping the others."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message["type"] == kind and (user is None or message["user"]["id"] == user):
            return message


@pytest.fixture
def two_workers(redis_url, tmp_path, tmp_path_factory):
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "two.sqlite3")
    env = server_env(db, REDIS_URL=redis_url)
    [room] = make_rooms(env, rooms=1, students=2)
    workers = [Daphne(env, tmp_path / f"daphne-{n}.log") for n in "ab"]
    try:
        for worker in workers:
            worker.start()
        yield room, workers
    finally:
        for worker in workers:
            worker.stop()


async def test_chat_and_presence_cross_between_two_daphne_processes(two_workers):
    room, (a, b) = two_workers
    session = room["session"]
    an, binh = room["students"]

    teacher = await ws_connect(a.ws_url(session), room["teacher"]["cookie"], a.url)
    state = await next_of(teacher, "presence.state")
    assert [u["id"] for u in state["online"]] == [room["teacher"]["id"]]

    student = await ws_connect(b.ws_url(session), an["cookie"], b.url)
    state = await next_of(student, "presence.state")
    # The teacher's presence (worker A, Redis cache) is visible on worker B.
    assert {u["id"] for u in state["online"]} == {room["teacher"]["id"], an["id"]}
    await next_of(teacher, "presence.join", user=an["id"])

    await student.send(json.dumps({"type": "chat.send", "text": "Chào cô ạ"}))
    message = await next_of(teacher, "chat.message")
    assert message["message"]["text"] == "Chào cô ạ"
    await teacher.send(json.dumps({"type": "chat.send", "text": "Chào em"}))
    assert (await next_of(student, "chat.message"))["message"]["text"] == "Chào cô ạ"
    assert (await next_of(student, "chat.message"))["message"]["text"] == "Chào em"

    # A second student on worker A sees the first one (on B) in their roster.
    other = await ws_connect(a.ws_url(session), binh["cookie"], a.url)
    state = await next_of(other, "presence.state")
    assert {u["id"] for u in state["online"]} == {room["teacher"]["id"], an["id"], binh["id"]}

    await student.close()
    await next_of(teacher, "presence.leave", user=an["id"])
    await next_of(other, "presence.leave", user=an["id"])
    for ws in (teacher, other):
        await ws.close()
