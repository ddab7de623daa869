"""500 live-room clients, one Daphne worker restarted under them: do they come back in a storm?

The clients are `RoomClient`s, which mirror live-room.js's reconnect policy exactly (backoff
base 1 s, cap 30 s, full jitter; see tests/resilience/clients.py for the line-by-line mirror).
Driving 500 real Chromium pages would not fit this machine; the policy is small enough that a
faithful mirror measures the same thing, and the e2e journey covers the JS itself.

Measured: when each client's first reconnection attempt happens after its socket closed, how
the attempts that reach the restarted worker are spread, and whether each client is back in
the room (`presence.state`) at its first attempt once the worker answers. The worker runs with
production's Daphne options (`Procfile`): with Daphne's default 5 s handshake timeout, a
restarted worker took handshakes faster than it could finish them, dropped the queue's tail
after 5 s having already done its database work, and the retries kept it there (12 of 500
back; docs/deployment.md, "Restarts and outages").
"""

import asyncio
import resource
import statistics
import time

import pytest

from tests.resilience.clients import RoomClient, until
from tests.resilience.servers import Daphne, make_rooms, migrated_sqlite, server_env
from tests.resilience.services import fault_test

pytestmark = [pytest.mark.asyncio, fault_test]

ROOMS, STUDENTS = 10, 50  # 500 clients
BIN = 0.5
ARRIVALS_PER_SECOND = 50  # the first join: classes arriving over 10 s, not one burst


def histogram(values, width=BIN):
    bins = {}
    for value in values:
        bins[int(value // width)] = bins.get(int(value // width), 0) + 1
    return {f"{k * width:.1f}s": v for k, v in sorted(bins.items())}


def busiest_share(values, width=BIN):
    return max(histogram(values, width).values()) / len(values)


def _account(clients):
    codes = {}
    for c in clients:
        for _, code in c.closes:
            codes[code] = codes.get(code, 0) + 1
    return f"{sum(c.in_room.is_set() for c in clients)} in, closes {codes}"


async def _until(predicate, timeout, what, clients):
    await until(predicate, timeout, what, describe=lambda: _account(clients))


async def test_500_clients_reconnect_spread_out_after_a_restart(tmp_path, tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "storm.sqlite3")
    # Persistent database connections, as production's CONN_MAX_AGE keeps them.
    env = server_env(
        db, conn_max_age=60, LIVE_HEARTBEAT_SECONDS="10", ATTENDANCE_STALE_SECONDS="60"
    )
    rooms = make_rooms(env, rooms=ROOMS, students=STUDENTS, seconds=900)
    server = Daphne(env, tmp_path / "daphne.log").start()
    clients = [
        RoomClient([server.ws_url(room["session"])], s["cookie"], [server.url])
        for room in rooms
        for s in room["students"]
    ]
    assert len(clients) == ROOMS * STUDENTS
    tasks = []
    try:
        started = time.monotonic()
        for client in clients:
            tasks.append(asyncio.create_task(client.run()))
            await asyncio.sleep(1 / ARRIVALS_PER_SECOND)
        await _until(lambda: all(c.in_room.is_set() for c in clients), 60, "all 500 in", clients)
        joined_in = time.monotonic() - started
        first_try = sum(len(c.attempts) == 1 for c in clients)

        # As `systemctl restart` does: SIGTERM, then a new process. Both in a thread: the clients'
        # loop must keep running, or their retries would pile up behind it and leave together.
        await asyncio.to_thread(server.stop)
        await _until(
            lambda: not any(c.in_room.is_set() for c in clients), 30, "all dropped", clients
        )
        await asyncio.to_thread(server.start)
        ready = time.monotonic()
        await _until(lambda: all(c.in_room.is_set() for c in clients), 60, "all 500 back", clients)
        back_in = time.monotonic() - ready
    finally:
        for task in tasks:
            task.cancel()
        server.stop()

    # The first retry of each client: a uniform wait in [0, 2 s) after its socket closed.
    first_retry = []
    for c in clients:
        closed_at = c.closes[0][0]
        first_retry.append(min(t for t in c.attempts if t >= closed_at) - closed_at)
    # Each client's last attempt is the one that got it back in; the earliest of them is when
    # the new worker started listening (every attempt before it was refused at once).
    listening = min(c.attempts[-1] for c in clients)
    arrivals = [c.attempts[-1] - listening for c in clients]
    back = [c.joins[-1] - listening for c in clients]
    # A close after the first client was back in is a handshake the worker dropped.
    first_back = min(c.joins[-1] for c in clients)
    dropped = sum(1 for c in clients for t, _ in c.closes if first_back + 0.5 < t)
    print(f"first join: all in after {joined_in:.1f} s, {first_try} at their first attempt")
    print("first retry after close:", histogram(first_retry))
    print("rejoining attempts, from when the worker listened:", histogram(arrivals))
    print("back in the room, from when the worker listened:", histogram(back))
    print(
        f"busiest {BIN}s: {busiest_share(first_retry):.0%} of first retries, "
        f"{busiest_share(arrivals):.0%} of rejoining attempts; dropped handshakes: {dropped}; "
        f"all back {back_in:.1f} s after the worker answered (p50 {statistics.median(back):.1f} s "
        f"after it listened)"
    )
    # Full jitter over 2 s puts ~25% in each 500 ms; a storm would put ~100% in one.
    share_first_half_second = sum(1 for v in first_retry if v < BIN) / len(clients)
    assert share_first_half_second < 0.35
    assert max(first_retry) < 2.0 + 0.5
    assert statistics.pstdev(first_retry) > 0.4  # uniform on [0, 2): 0.58
    # The restarted worker sees the reconnections spread over seconds, not in one burst. With
    # full jitter no half second can hold more than the first retries' share (a quarter: they
    # are uniform over 2 s) plus the second retries' (an eighth: uniform over 4 s), 37.5%; a
    # worker back within the first 2 s (1.6 s on an idle machine) gets close to that, a slower
    # restart (the first wave over) about 18%. A storm puts nearly everyone in one.
    assert busiest_share(arrivals) < 0.45
    assert statistics.quantiles(arrivals, n=10)[-1] - statistics.quantiles(arrivals, n=10)[0] > 1.0
    # ...and finishes each handshake it takes: none is dropped for the client to retry.
    assert dropped == 0
