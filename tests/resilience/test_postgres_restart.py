"""Restart PostgreSQL (a private cluster) between heartbeats, under production settings.

Production keeps database connections open (CONN_MAX_AGE) and checks them before reuse
(CONN_HEALTH_CHECKS), so after the restart the worker's next heartbeat reconnects instead of
failing on a dead connection. The room goes on, the reaper leaves no interval open, and nobody
loses more than one heartbeat.
"""

import asyncio
import json
import time

import pytest

from tests.resilience.attendance_checks import assert_attendance_kept
from tests.resilience.clients import RoomClient, until
from tests.resilience.servers import Daphne, make_rooms, manage, server_env, ws_connect
from tests.resilience.services import PrivatePostgres, fault_test

pytestmark = [pytest.mark.asyncio, fault_test]

HEARTBEAT = 2
STALE = 8
STUDENTS = 4


async def test_room_and_attendance_survive_a_postgres_restart(tmp_path):
    psycopg = pytest.importorskip("psycopg")
    pg = PrivatePostgres().init().start()
    try:
        pg.createdb("hoctiep")
        env = server_env(
            tmp_path / "unused.sqlite3",
            DJANGO_SETTINGS_MODULE="lms.settings.production",
            SECRET_KEY="resilience-test-" + "k" * 50,
            SECURE_SSL_REDIRECT="false",
            LOG_FORMAT="text",
            DATABASE_URL=pg.url(),
            CONN_MAX_AGE="600",
            LIVE_HEARTBEAT_SECONDS=str(HEARTBEAT),
            ATTENDANCE_STALE_SECONDS=str(STALE),
        )
        manage("migrate", "--noinput", "-v0", env=env)
        [room] = make_rooms(env, rooms=1, students=STUDENTS, seconds=600)
        await _run_session(env, pg, room, tmp_path, psycopg)
    finally:
        pg.destroy()


async def _run_session(env, pg, room, tmp_path, psycopg):
    def rows(sql, *params):
        with psycopg.connect(pg.url()) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    session_id = room["session"]
    worker = Daphne(env, tmp_path / "daphne.log").start()
    url, origin = worker.ws_url(session_id), worker.url
    clients = [
        RoomClient([url], s["cookie"], [origin], base=0.25, cap=2.0) for s in room["students"]
    ]
    tasks = [asyncio.create_task(c.run()) for c in clients]
    teacher = None
    try:
        await until(lambda: all(c.in_room.is_set() for c in clients), 30, "everyone in")
        await asyncio.sleep(2 * HEARTBEAT + 0.3)  # just after a heartbeat

        pg.stop("fast")  # drops every connection the worker holds
        pg.start()
        restarted_at = time.time()
        await asyncio.sleep(3 * HEARTBEAT)
        assert worker.proc.poll() is None
        # Heartbeats reach the database again through fresh connections.
        ages = rows(
            "SELECT EXTRACT(EPOCH FROM now() - last_seen_at) FROM classrooms_attendanceinterval "
            "WHERE left_at IS NULL AND last_seen_at > to_timestamp(?)",
            restarted_at,
        )
        assert len(ages) >= STUDENTS

        teacher = await ws_connect(url, room["teacher"]["cookie"], origin)
        await asyncio.sleep(0.5)
        await teacher.send(json.dumps({"type": "chat.send", "text": "Máy chủ vừa khởi động lại"}))
        await until(lambda: all("Máy chủ vừa khởi động lại" in c.chat for c in clients), 10, "chat")
        await asyncio.sleep(STALE + 1)
        manage("close_stale_attendance", env=env)
        await asyncio.sleep(HEARTBEAT)
        await teacher.send(json.dumps({"type": "session.end"}))
        await until(lambda: all(c.ended.is_set() for c in clients), 15, "session end")
    finally:
        if teacher is not None:
            await teacher.close()
        for task in tasks:
            task.cancel()
        worker.stop()

    assert_attendance_kept(
        rows, session_id, [s["id"] for s in room["students"]], heartbeat=HEARTBEAT, stale=STALE
    )
