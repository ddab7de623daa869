"""Kill -9 the Daphne process of a live class while students are connected (issue 6).

No disconnect handler runs for the killed worker's sockets, so their attendance intervals stay
open. The clients reconnect to the restarted server, `close_stale_attendance` closes the dead
intervals at their last heartbeat, the teacher ends the session, and then: no interval is left
open, and every student's measured time is within one heartbeat of the truth (they never meant
to leave, and the outage is shorter than the stale window, so the truth is "all along").

Heartbeat and stale window are shortened through the environment so this runs in ~40 s on the
embedded defaults (SQLite + in-memory layer), in both CI passes.
"""

import asyncio
import datetime
import json
import random
import sqlite3
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from classrooms.live.attendance import measure, session_window
from classrooms.models import LiveSession
from tests.resilience.servers import (
    Daphne,
    make_rooms,
    manage,
    migrated_sqlite,
    server_env,
    ws_connect,
)

pytestmark = pytest.mark.asyncio

HEARTBEAT = 1
STALE = 6
STUDENTS = 4


class StudentClient:
    """Behaves like static/js/live-room.js: heartbeats, reconnects with full-jitter backoff."""

    def __init__(self, spec, server: Daphne, session_id: int):
        self.spec, self.server, self.session_id = spec, server, session_id
        self.joins: list[float] = []
        self.ended = asyncio.Event()
        self.connected = asyncio.Event()

    async def run(self):
        attempt = 0
        while not self.ended.is_set():
            try:
                ws = await ws_connect(
                    self.server.ws_url(self.session_id), self.spec["cookie"], self.server.url
                )
            except (TimeoutError, OSError, InvalidHandshake):
                attempt += 1
                await asyncio.sleep(random.uniform(0, min(1.0, 0.1 * 2**attempt)))
                continue
            beat = asyncio.create_task(self._heartbeats(ws))
            try:
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "presence.state":
                        attempt = 0
                        self.joins.append(time.time())
                        self.connected.set()
                    elif message["type"] == "session.ended":
                        self.ended.set()
            except ConnectionClosed:
                pass
            finally:
                beat.cancel()
                self.connected.clear()
            if ws.close_code == 4410:
                self.ended.set()

    async def _heartbeats(self, ws):
        while True:
            await asyncio.sleep(HEARTBEAT)
            await ws.send(json.dumps({"type": "heartbeat"}))


def _rows(db, sql, *params):
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def _dt(value):
    return datetime.datetime.fromisoformat(value) if value else None


async def _all(events, timeout=30):
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in events)), timeout)


async def test_killed_worker_loses_at_most_one_heartbeat_per_student(tmp_path, tmp_path_factory):
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "kill.sqlite3")
    env = server_env(db, LIVE_HEARTBEAT_SECONDS=str(HEARTBEAT), ATTENDANCE_STALE_SECONDS=str(STALE))
    [room] = make_rooms(env, rooms=1, students=STUDENTS, seconds=600)
    session_id = room["session"]
    server = Daphne(env, tmp_path / "daphne.log").start()
    clients = [StudentClient(s, server, session_id) for s in room["students"]]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    try:
        await _all([c.connected for c in clients])
        await asyncio.sleep(3 * HEARTBEAT)

        server.kill()
        killed_at = time.time()
        await asyncio.sleep(0.5)
        server.start()
        await _all([c.connected for c in clients])
        assert all(len(c.joins) == 2 for c in clients)
        # The dead worker's intervals are still open: nobody closed them.
        assert (
            len(_rows(db, "SELECT id FROM classrooms_attendanceinterval WHERE left_at IS NULL"))
            == 2 * STUDENTS
        )

        # Past the stale window, the reaper closes exactly those, at their last heartbeat.
        await asyncio.sleep(max(0.0, killed_at + STALE + 1 - time.time()))
        manage("close_stale_attendance", env=env)
        reaped = _rows(
            db,
            "SELECT joined_at, last_seen_at, left_at FROM classrooms_attendanceinterval "
            "WHERE left_at IS NOT NULL",
        )
        assert len(reaped) == STUDENTS
        for _joined, seen, left in reaped:
            assert left == seen
            last_beat = _dt(seen).replace(tzinfo=datetime.UTC).timestamp()
            assert killed_at - HEARTBEAT - 0.5 <= last_beat <= killed_at

        await asyncio.sleep(2 * HEARTBEAT)
        teacher = await ws_connect(server.ws_url(session_id), room["teacher"]["cookie"], server.url)
        await teacher.send(json.dumps({"type": "session.end"}))
        await _all([c.ended for c in clients], timeout=15)
        await teacher.close()
    finally:
        for task in tasks:
            task.cancel()
        server.stop()

    assert not _rows(db, "SELECT id FROM classrooms_attendanceinterval WHERE left_at IS NULL")
    started, ends, ended, starts = _rows(
        db,
        "SELECT started_at, ends_at, ended_at, starts_at FROM classrooms_livesession WHERE id = ?",
        session_id,
    )[0]
    session = LiveSession(
        starts_at=_dt(starts), ends_at=_dt(ends), started_at=_dt(started), ended_at=_dt(ended)
    )
    window = session_window(session)
    records = {
        sid: (status, minutes)
        for sid, status, minutes in _rows(
            db,
            "SELECT student_id, status, minutes FROM classrooms_attendancerecord "
            "WHERE session_id = ?",
            session_id,
        )
    }
    for client in clients:
        student_id = client.spec["id"]
        intervals = [
            (_dt(joined), _dt(left))
            for joined, left in _rows(
                db,
                "SELECT joined_at, left_at FROM classrooms_attendanceinterval "
                "WHERE student_id = ? ORDER BY joined_at",
                student_id,
            )
        ]
        assert len(intervals) == 2
        measured = measure(
            intervals, window=window, stale_seconds=STALE, present_ratio=0.5, late_minutes=10
        )
        # The truth: present from the first join to the end; the outage was shorter than the
        # stale window, so it counts as continuous presence.
        truth = (window[1] - max(window[0], intervals[0][0])).total_seconds()
        assert truth - HEARTBEAT - 0.25 <= measured.seconds <= truth + 0.001, (
            student_id,
            measured.seconds,
            truth,
        )
        assert records[student_id] == ("present", measured.minutes)
