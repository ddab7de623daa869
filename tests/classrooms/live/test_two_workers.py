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
GRACE = 1  # LIVE_PRESENCE_GRACE_SECONDS of both workers


async def next_of(ws, kind, user=None):
    """The next message of a type (about a user), skipping the others."""
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        if message["type"] == kind and (user is None or message["user"]["id"] == user):
            return message


@pytest.fixture
def two_workers(redis_url, tmp_path, tmp_path_factory):
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "two.sqlite3")
    env = server_env(db, REDIS_URL=redis_url, LIVE_PRESENCE_GRACE_SECONDS=str(GRACE))
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

    # Their connection to worker B lost (no close frame, as when a phone's network drops) and
    # back on worker A within the grace: nobody sees them leave or join.
    student.transport.abort()
    student = await ws_connect(a.ws_url(session), an["cookie"], a.url)
    await next_of(student, "presence.state")
    assert await presence_of(teacher, an["id"], GRACE * 2) == []

    await student.close()  # the page closed: gone at once, on both workers
    await next_of(teacher, "presence.leave", user=an["id"])
    await next_of(other, "presence.leave", user=an["id"])
    for ws in (teacher, other):
        await ws.close()


async def presence_of(ws, user: int, seconds: float) -> list[str]:
    """The presence events about a user the socket receives within this many seconds."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            message = json.loads(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
        if message["type"].startswith("presence.") and message.get("user", {}).get("id") == user:
            seen.append(message["type"])
    return seen


def redis_clients(url: str) -> int:
    """Connections to the Redis database at `url` (the worker's cache and channel layer)."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        db = client.connection_pool.connection_kwargs.get("db", 0)
        return sum(1 for c in client.client_list() if int(c["db"]) == db) - 1  # not ours
    finally:
        client.close()


async def test_sockets_of_one_worker_share_its_redis_connections(
    redis_url, tmp_path, tmp_path_factory
):
    """Django keeps a cache handle per async context, and each websocket is one: left alone,
    every socket that touched the cache opened its own Redis connection pool (a class of 40 was
    40 connections per worker, and a thousand sockets a thousand, each with its client's objects
    for the garbage collector to walk). The worker's sockets share its connections."""
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "share.sqlite3")
    env = server_env(db, REDIS_URL=redis_url)
    [room] = make_rooms(env, rooms=1, students=40)
    before = redis_clients(redis_url)
    worker = Daphne(env, tmp_path / "daphne.log").start()
    sockets = []
    try:
        for student in room["students"]:
            ws = await ws_connect(worker.ws_url(room["session"]), student["cookie"], worker.url)
            await next_of(ws, "presence.state")  # read the room's state (and the cache)
            sockets.append(ws)
        teacher = await ws_connect(
            worker.ws_url(room["session"]), room["teacher"]["cookie"], worker.url
        )
        await next_of(teacher, "presence.state")
        await teacher.send(json.dumps({"type": "chat.send", "text": "Cả lớp chú ý"}))
        for ws in sockets:  # the whole class hears it: the room works over shared connections
            assert (await next_of(ws, "chat.message"))["message"]["text"] == "Cả lớp chú ý"
        opened = redis_clients(redis_url) - before
        assert 0 < opened <= 8, f"{opened} Redis connections for 41 sockets"
        sockets.append(teacher)
    finally:
        for ws in sockets:
            await ws.close()
        worker.stop()
