"""500 live-room clients, one Daphne worker restarted under them: do they come back in a storm?

The clients are `RoomClient`s, which mirror live-room.js's reconnect policy exactly (backoff
base 1 s, cap 30 s, full jitter; see tests/resilience/clients.py for the line-by-line mirror).
Driving 500 real Chromium pages would not fit this machine; the policy is small enough that a
faithful mirror measures the same thing, and the e2e journey covers the JS itself.

Measured: when each client's first reconnection attempt happens after its socket closed, and
when each one is back in the room (`presence.state`) after the worker answers again. A storm
would put most of them in the same instant; full jitter spreads them over seconds.
"""

import asyncio
import os
import resource
import statistics
import time

import pytest

from tests.resilience.clients import RoomClient
from tests.resilience.servers import Daphne, make_rooms, migrated_sqlite, server_env
from tests.resilience.services import fault_test

# Not yet reliable on this 2-core machine: with SQLite and a loaded box, one worker drops most
# of 500 first handshakes (Daphne's 5 s websocket connect timeout, close 1006), so the clients
# never all get in. Opt-in until that is solved (see the issue report); CI skips it.
pytestmark = [
    pytest.mark.asyncio,
    fault_test,
    pytest.mark.skipif(
        not os.environ.get("RESILIENCE_STORM"),
        reason="500-client storm test is opt-in (RESILIENCE_STORM=1): not yet stable here",
    ),
]

ROOMS, STUDENTS = 10, 50  # 500 clients
BIN = 0.5


def histogram(values, width=BIN):
    bins = {}
    for value in values:
        bins[int(value // width)] = bins.get(int(value // width), 0) + 1
    return {f"{k * width:.1f}s": v for k, v in sorted(bins.items())}


async def _until(predicate, timeout, what, clients):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            codes = {}
            for c in clients:
                for _, code in c.closes:
                    codes[code] = codes.get(code, 0) + 1
            in_room = sum(c.in_room.is_set() for c in clients)
            raise AssertionError(f"timed out waiting for {what}: {in_room} in, closes {codes}")
        await asyncio.sleep(0.1)


async def test_500_clients_reconnect_spread_out_after_a_restart(tmp_path, tmp_path_factory):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    db = migrated_sqlite(tmp_path_factory.getbasetemp(), tmp_path / "storm.sqlite3")
    env = server_env(db, LIVE_HEARTBEAT_SECONDS="10", ATTENDANCE_STALE_SECONDS="60")
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
        for client in clients:  # a class arriving over a few seconds, not one burst
            tasks.append(asyncio.create_task(client.run()))
            await asyncio.sleep(0.01)
        await _until(lambda: all(c.in_room.is_set() for c in clients), 120, "all 500 in", clients)

        server.stop()  # as `systemctl restart` does: SIGTERM, then a new process
        await _until(
            lambda: not any(c.in_room.is_set() for c in clients), 30, "all dropped", clients
        )
        server.start()
        ready = time.monotonic()
        await _until(lambda: all(c.in_room.is_set() for c in clients), 120, "all 500 back", clients)
    finally:
        for task in tasks:
            task.cancel()
        server.stop()

    # The first retry of each client: a uniform wait in [0, 2 s) after its socket closed.
    first_retry = []
    for c in clients:
        closed_at = c.closes[0][0]
        first_retry.append(min(t for t in c.attempts if t >= closed_at) - closed_at)
    # Back in the room, counted from the moment the restarted worker answered.
    back = [max(0.0, c.joins[-1] - ready) for c in clients]
    share_first_half_second = sum(1 for v in first_retry if v < BIN) / len(clients)
    busiest_bin = max(histogram(back).values()) / len(clients)
    print("first retry after close:", histogram(first_retry))
    print("back in the room after the worker answered:", histogram(back))
    print(
        f"first retries within {BIN}s: {share_first_half_second:.0%}; busiest {BIN}s of "
        f"rejoins: {busiest_bin:.0%}; rejoin p50 {statistics.median(back):.1f}s, "
        f"max {max(back):.1f}s"
    )
    # Full jitter over 2 s puts ~25% in the first 500 ms; a storm would put ~100% there.
    assert share_first_half_second < 0.35
    assert max(first_retry) < 2.0 + 0.5
    assert statistics.pstdev(first_retry) > 0.4  # uniform on [0, 2): 0.58
    # Nobody hammers: rejoining is spread over several seconds, no half second has most.
    assert busiest_bin < 0.35
    assert statistics.quantiles(back, n=10)[-1] - statistics.quantiles(back, n=10)[0] > 1.0
