"""kill -9 one of two Daphne workers (on a private Redis) during a live class.

The killed worker's students come back through the other worker (clients try the next worker,
as nginx skips a dead upstream); the room goes on across processes; the reaper closes the dead
worker's intervals at their last heartbeat; after the end no interval is open and nobody lost
more than one heartbeat. tests/resilience/test_kill_worker.py covers the single-worker case.
"""

import asyncio
import json
import time

import pytest

from tests.resilience.attendance_checks import assert_attendance_kept
from tests.resilience.clients import two_worker_room, until
from tests.resilience.servers import (
    manage,
    migrated_sqlite,
    server_env,
    sqlite_rows,
    ws_connect,
)
from tests.resilience.services import PrivateRedis, fault_test

pytestmark = [pytest.mark.asyncio, fault_test]

HEARTBEAT = 1
STALE = 6
STUDENTS = 6


async def test_killing_one_of_two_workers_loses_at_most_one_heartbeat(tmp_path, tmp_path_factory):
    redis = PrivateRedis().start()
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "kill2.sqlite3")
    env = server_env(
        db,
        REDIS_URL=redis.url,
        LIVE_HEARTBEAT_SECONDS=str(HEARTBEAT),
        ATTENDANCE_STALE_SECONDS=str(STALE),
    )

    rows = sqlite_rows(db)
    room, workers, clients = two_worker_room(env, tmp_path, students=STUDENTS)
    session_id = room["session"]
    on_killed = clients[0::2]  # first=0, 2, 4: worker 0
    tasks = [asyncio.create_task(c.run()) for c in clients]
    teacher = None
    try:
        await until(lambda: all(c.in_room.is_set() for c in clients), 30, "everyone in")
        await asyncio.sleep(3 * HEARTBEAT)

        workers[0].kill()
        killed_at = time.time()
        await until(lambda: all(len(c.joins) == 2 for c in on_killed), 20, "rejoin on worker 1")
        assert all(len(c.joins) == 1 for c in clients[1::2])  # the others never noticed
        # The dead worker's intervals are still open, nobody closed them.
        assert len(rows("SELECT id FROM classrooms_attendanceinterval WHERE left_at IS NULL")) == (
            STUDENTS + len(on_killed)
        )

        teacher = await ws_connect(
            workers[1].ws_url(session_id), room["teacher"]["cookie"], workers[1].url
        )
        await asyncio.sleep(0.5)
        await teacher.send(json.dumps({"type": "chat.send", "text": "Còn đủ lớp không?"}))
        await until(lambda: all("Còn đủ lớp không?" in c.chat for c in clients), 10, "chat")

        await asyncio.sleep(max(0.0, killed_at + STALE + 1 - time.time()))
        manage("close_stale_attendance", env=env)
        reaped = rows(
            "SELECT last_seen_at, left_at FROM classrooms_attendanceinterval "
            "WHERE left_at IS NOT NULL"
        )
        assert len(reaped) == len(on_killed)
        assert all(seen == left for seen, left in reaped)  # closed at the last heartbeat

        await teacher.send(json.dumps({"type": "session.end"}))
        await until(lambda: all(c.ended.is_set() for c in clients), 15, "session end")
    finally:
        if teacher is not None:
            await teacher.close()
        for task in tasks:
            task.cancel()
        for worker in workers:
            worker.stop()
        redis.stop()

    assert_attendance_kept(
        rows, session_id, [s["id"] for s in room["students"]], heartbeat=HEARTBEAT, stale=STALE
    )
