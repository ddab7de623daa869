"""Scale: 2 Daphne workers + Redis holding thousands of signed-in student sockets.

    .venv/bin/python bench/scale.py [--sockets 5000 --per-room 40 --deliveries 500
                                     --seconds 60 --heartbeat 20 --layers redis,pubsub
                                     --connecting 20 --json results.json]
    .venv/bin/python bench/scale.py --quick   # 400 sockets, 20 s: a check that it all works
    .venv/bin/python bench/scale.py --storm [--sockets 10000 --storm-inflight 1000
                                             --layers redis --json storm.json]
    .venv/bin/python bench/scale.py --storm --quick   # 400 sockets, 5 s of chat: a check

Everything runs on this machine, on loopback: a private PostgreSQL cluster (the bench DB; the
students' sessions are made with Django's SessionStore in it), a private Redis, two Daphne
workers (lms.settings.production and the Procfile's Daphne options, as deployed), and this
process as every client. Students fill rooms of `per-room` (125 rooms of 40 for 5,000), split
between the workers as nginx's least_conn would, `--connecting` handshakes at a time. Each
socket heartbeats every `heartbeat` s; chat goes out so that the room fan-out makes
`deliveries` deliveries/s in total, from senders rotating within each room (below
LIVE_CHAT_RATE). Each message carries its send time.

For each channel layer in `--layers`, in the same run on the same data, it reports: connect
time (all sockets in their room), delivered/expected chat deliveries (target: nothing lost),
fan-out latency p50/p95/p99, memory per connection (workers' RSS growth / sockets), the CPU
of the workers, Redis and this client process while the chat runs, and the load average.

`--storm` (issue 17 item 2; layer redis unless `--layers` says otherwise) is the reconnect storm
after a Redis restart, a deploy or a mobile network coming back. Once all sockets are in their
room (`--connecting` at a time, each in when it has received `presence.state`), every socket is
dropped at once on the client side (transport aborted, no close frame: the server sees the
connection go), and all reconnect at once, at most `--storm-inflight` handshakes in flight
(0, the default: all of them). Reported: the storm's wall time, from the first reconnect until
the last socket has `presence.state` again (back in the room), sockets / that time as
authenticated handshakes/s, each socket's reconnect time (from its first attempt) p50/p95/p99,
split into until the handshake was done (101) and then until `presence.state`, retries and
handshakes failed for good (after 5 attempts) by kind (5xx, refused, timeout, dropped by the
server mid-handshake, closed before `presence.state`...), the CPU of the workers, Redis,
PostgreSQL and this client during the storm (a client near 100% is the bottleneck itself) and
the workers' CPU per reconnect (what a reconnect costs, whatever else the machine runs), the
kernel's listen-queue overflows meanwhile and the workers' listen queue (Twisted's default of
50 overflowed in every storm until the Procfile's endpoint asked for 4,096: a dropped SYN is
sent again after 1 s, 3 s, 7 s...), and the workers' log lines that say something went wrong
(a consumer that Daphne killed because its disconnect was still running
--application-close-timeout, 10 s, after its socket closed: its interval stays open). Then the
attendance, straight from the bench database: every student of the bench rooms must have
exactly one open interval (none lost, none doubled; polled for up to 30 s while the workers
process the disconnects), and each first interval closed at about the storm moment. Then
`--seconds` of chat at `--deliveries`/s, as above: latency after the storm. The same client
then does the same (first connect, storm, chat) against the bare Channels app
(bench/bare_app.py, group broadcast only) on fresh Daphne workers, where a socket is in the
room when its handshake is done (the bare app sends nothing on connect) and sends no heartbeats
(the bare app would broadcast them). One line per app, and the ratios room/bare of storm time
and p99. Targets (issue 17): 10,000 back within 20 s on 2 workers (≥ 500 handshakes/s), no
handshake failed, no interval lost or doubled, p99 ≤ 1.25 × the bare app's.
"""

import argparse
import asyncio
import collections
import contextlib
import gc
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.exceptions import (  # noqa: E402
    ConnectionClosed,
    InvalidHandshake,
    InvalidMessage,
    InvalidStatus,
)

from tests.resilience.servers import (  # noqa: E402
    HOST,
    START_TIMEOUT,
    Daphne,
    deployed_daphne_options,
    listen_backlog,
    make_rooms,
    manage,
    server_env,
    ws_connect,
)
from tests.resilience.services import PrivatePostgres, PrivateRedis  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")
OPEN_TIMEOUT = 60  # as long as the worker's own handshake timeout (a browser waits longer still)
ATTEMPTS = 5
BARE_APP = "bench.bare_app:application"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def pct(values, p):
    values = sorted(values)
    return 1000 * values[min(len(values) - 1, int(p / 100 * len(values)))] if values else 0.0


class NotInRoom(Exception):
    """The handshake went through but the socket closed before `presence.state`."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def failure_kind(exc: BaseException) -> str:
    if isinstance(exc, InvalidStatus):
        status = exc.response.status_code
        return "5xx" if status >= 500 else f"http {status}"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, NotInRoom):
        return f"closed {exc.code} before state"
    if isinstance(exc, ConnectionClosed):
        return f"closed {exc.rcvd.code if exc.rcvd else 1006} before state"
    if isinstance(exc, InvalidMessage):
        return "dropped mid-handshake"
    if isinstance(exc, ConnectionResetError):
        return "reset"
    return type(exc).__name__


class Student:
    def __init__(self, spec, room_index, url: str, origin: str, wait_state: bool = True):
        self.spec, self.room_index = spec, room_index
        self.url, self.origin, self.wait_state = url, origin, wait_state
        self.ws = None
        self.connect_seconds = None  # from the first attempt until in the room
        self.handshake_seconds = None  # from the first attempt until the handshake was done
        self.in_room_at = None
        self.retries = 0
        self.failures = collections.Counter()  # attempts that failed, by kind
        self.failed = None  # the kind of the last failure when all attempts failed

    async def connect(self, gate: asyncio.Semaphore | None = None):
        """In the room (`presence.state` received) within ATTEMPTS attempts, `gate` held during
        each; a failure is counted by kind (a handshake the worker dropped is a finding)."""
        self.ws, self.connect_seconds, self.in_room_at, self.failed = None, None, None, None
        started = None
        for attempt in range(ATTEMPTS):
            async with gate or contextlib.nullcontext():
                if started is None:
                    started = time.monotonic()
                try:
                    ws = await ws_connect(
                        self.url, self.spec["cookie"], self.origin, open_timeout=OPEN_TIMEOUT
                    )
                except (OSError, TimeoutError, InvalidHandshake) as exc:
                    kind = failure_kind(exc)
                else:
                    self.handshake_seconds = time.monotonic() - started  # 101 received
                    try:
                        if self.wait_state:
                            async with asyncio.timeout(OPEN_TIMEOUT):
                                await self._state(ws)
                    except (OSError, TimeoutError, ConnectionClosed, NotInRoom) as exc:
                        ws.transport.abort()
                        kind = failure_kind(exc)
                    else:
                        self.ws, self.in_room_at = ws, time.monotonic()
                        self.connect_seconds = self.in_room_at - started
                        return
            self.failures[kind] += 1
            if attempt == ATTEMPTS - 1:
                self.failed = kind
                return
            self.retries += 1
            await asyncio.sleep(1 + attempt)

    @staticmethod
    async def _state(ws):
        async for raw in ws:
            if json.loads(raw)["type"] == "presence.state":
                return
        raise NotInRoom(ws.close_code)


def students_for(rooms, workers, *, bare: bool) -> tuple[list[Student], list[list[Student]]]:
    """The rooms' students, split between the workers as nginx's least_conn would."""
    students, by_room = [], []
    for index, room in enumerate(rooms):
        members = []
        for spec in room["students"]:
            worker = workers[len(students) % len(workers)]
            url = (
                f"ws://{HOST}:{worker.port}/ws/bare/{index}/"
                if bare
                else worker.ws_url(room["session"])
            )
            members.append(Student(spec, index, url, worker.url, wait_state=not bare))
            students.append(members[-1])
        by_room.append(members)
    return students, by_room


async def connect_all(students, in_flight: int) -> float:
    """All students into their room, `in_flight` attempts at a time (0: all at once), a new one
    as soon as one is done; the seconds it took, until the last one was in."""
    gate = asyncio.Semaphore(in_flight) if in_flight else None
    started = time.monotonic()
    await asyncio.gather(*(s.connect(gate) for s in students))
    ins = [s.in_room_at for s in students if s.in_room_at is not None]
    return (max(ins) if ins else time.monotonic()) - started


async def listen(student, latencies, errors, sent_times, seen):
    try:
        async for raw in student.ws:
            message = json.loads(raw)
            seen[message["type"]] += 1
            text = None
            if message["type"] == "chat.message":
                text = message["message"]["text"]
            elif message["type"] == "chat.send":  # the bare app sends back what it received
                text = message["text"]
            if text is not None:
                sent_at = float(text.split("|")[0])
                latencies.append(time.time() - sent_at)
                sent_times.append(sent_at)
            elif message["type"] == "error":
                errors.append(message.get("code"))
    except Exception:  # noqa: BLE001 - a dropped socket shows up as missing deliveries
        errors.append("closed")


async def heartbeats(students, period):
    """Each socket heartbeats every `period` s from a phase of its own, as pages that joined at
    different times do: one timer per socket (a single loop over 10,000 sockets fell behind its
    period on a loaded client, and intervals went stale before the storm)."""

    async def beat(student):
        await asyncio.sleep(random.uniform(0, period))  # noqa: S311 - spread, not secret
        while True:
            with contextlib.suppress(Exception):  # a dropped socket counts as missing deliveries
                await student.ws.send('{"type": "heartbeat"}')
            await asyncio.sleep(period)

    tasks = [asyncio.create_task(beat(student)) for student in students]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ClientPauses:
    """The client's own garbage-collection pauses (a `gc.callbacks` entry)."""

    def __init__(self):
        self.started, self.seconds = None, []

    def __call__(self, phase, info):
        if phase == "start":
            self.started = time.perf_counter()
        elif self.started is not None:
            self.seconds.append(time.perf_counter() - self.started)

    def summary(self) -> dict:
        return {
            "count": len(self.seconds),
            "max_ms": 1000 * max(self.seconds, default=0),
            "total_ms": 1000 * sum(self.seconds),
        }


async def chat(workers, redis, students, by_room, args, *, beat: bool = True, profilers=()) -> dict:
    """`--seconds` of chat at `--deliveries`/s over the connected students; then closes them.
    `profilers` (`start_profiles`) are stopped before the sockets close."""
    latencies, errors, sent_times, seen = [], [], [], collections.Counter()
    live = [s for s in students if s.ws is not None]
    listeners = [asyncio.create_task(listen(s, latencies, errors, sent_times, seen)) for s in live]
    beating = asyncio.create_task(heartbeats(live, args.heartbeat)) if beat else None
    await asyncio.sleep(1)
    latencies.clear()
    sent_times.clear()
    seen.clear()
    # This process is every client: its own garbage collector walking 10,000 sockets' objects
    # would delay every receive it timestamps. What exists now is left out of its collections,
    # and its pauses during the chat are reported.
    gc.collect()
    gc.freeze()
    pauses = ClientPauses()
    gc.callbacks.append(pauses)
    first_sent = time.time()
    per_room = args.per_room
    messages_per_second = args.deliveries / (per_room - 0)  # every member receives, sender too
    interval = 1 / messages_per_second
    cpu_before = [cpu_seconds(w.proc.pid) for w in workers]
    redis_before, own_before = cpu_seconds(redis.proc.pid), own_cpu_seconds()
    chat_started = time.monotonic()
    sent = 0
    turn = 0
    until = time.monotonic() + args.seconds
    next_at = time.monotonic()
    while time.monotonic() < until:
        room = by_room[turn % len(by_room)]
        sender = room[(turn // len(by_room)) % per_room]
        turn += 1
        if sender.ws is None:  # failed to (re)connect: its room's deliveries go missing
            continue
        await sender.ws.send(json.dumps({"type": "chat.send", "text": f"{time.time()}|bench"}))
        sent += 1
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.sleep(5)  # drain
    gc.callbacks.remove(pauses)
    gc.unfreeze()
    cpu = [cpu_seconds(w.proc.pid) - b for w, b in zip(workers, cpu_before, strict=True)]
    chat_wall = time.monotonic() - chat_started
    redis_cpu, own_cpu = cpu_seconds(redis.proc.pid) - redis_before, own_cpu_seconds() - own_before
    load_during = os.getloadavg()
    stop_profiles(profilers)
    if beating is not None:
        beating.cancel()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.ws.close() for s in live), return_exceptions=True)
    return {
        "sent": sent,
        "delivered": len(latencies),
        "expected": sent * per_room,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        # Where the tail comes from: messages sent in the first 5 s against the rest.
        "p99_first_5s": pct(
            [x for x, at in zip(latencies, sent_times, strict=True) if at < first_sent + 5], 99
        ),
        "p99_after_5s": pct(
            [x for x, at in zip(latencies, sent_times, strict=True) if at >= first_sent + 5], 99
        ),
        "cpu_per_worker": cpu,
        "cpu_share_per_worker": [c / chat_wall for c in cpu],
        "cpu_share_redis": redis_cpu / chat_wall,
        "cpu_share_clients": own_cpu / chat_wall,
        "load_during": load_during,
        "errors": {e: errors.count(e) for e in set(errors)},
        "frames_received": dict(seen),
        "client_gc_pauses": pauses.summary(),
    }


async def measure(workers, redis, rooms, args) -> dict:
    load_before = os.getloadavg()
    rss_before = sum(rss_mb(w.proc.pid) for w in workers)
    students, by_room = students_for(rooms, workers, bare=False)
    # `connecting` handshakes in flight at a time, a new one as soon as one is done: students
    # arriving steadily, as fast as the workers let them in.
    connect_all_s = await connect_all(students, args.connecting)
    failed = [s.failed for s in students if s.failed]
    if failed:
        raise RuntimeError(
            f"{len(failed)} sockets not in their room: {collections.Counter(failed)}"
        )
    await asyncio.sleep(3)  # join notices settle
    rss_after = sum(rss_mb(w.proc.pid) for w in workers)
    chatted = await chat(workers, redis, students, by_room, args)
    connects = [s.connect_seconds for s in students]
    return {
        "sockets": len(students),
        "connect_all_s": connect_all_s,
        "connect_p50_ms": pct(connects, 50),
        "connect_p95_ms": pct(connects, 95),
        **{k: chatted[k] for k in ("sent", "delivered", "expected", "p50", "p95", "p99")},
        "connect_retries": sum(s.retries for s in students),
        "rss_per_socket_kb": 1024 * (rss_after - rss_before) / len(students),
        "rss_total_mb": rss_after,
        **{k: chatted[k] for k in ("cpu_per_worker", "cpu_share_per_worker")},
        **{k: chatted[k] for k in ("cpu_share_redis", "cpu_share_clients")},
        "handshakes_per_s": len(students) / connect_all_s,
        "load_before": load_before,
        "load_during": chatted["load_during"],
        "errors": chatted["errors"],
    }


# --- Reconnect storm ----------------------------------------------------------------------


def postgres_cpu_seconds(data_dir: Path) -> float:
    """CPU seconds of the bench PostgreSQL: its postmaster, its live children and (through the
    postmaster's cutime/cstime) those that have exited, as backends past CONN_MAX_AGE do."""
    procs = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        procs[int(entry.name)] = (int(stat[1]), cmdline, [int(x) for x in stat[11:15]])
    master = next((pid for pid, (_, cmd, _) in procs.items() if str(data_dir).encode() in cmd), 0)
    if not master:
        return 0.0
    ticks = sum(procs[master][2])  # its own and its reaped children's
    ticks += sum(t[0] + t[1] for ppid, _, t in procs.values() if ppid == master)
    return ticks / CLK_TCK


def listen_counters() -> dict[str, int]:
    """The kernel's ListenOverflows and ListenDrops (all of this machine's sockets)."""
    lines = [x.split() for x in Path("/proc/net/netstat").read_text().splitlines()]
    for names, values in zip(lines, lines[1:], strict=False):
        if names[0] == "TcpExt:" and values[0] == "TcpExt:":
            found = dict(zip(names[1:], map(int, values[1:]), strict=True))
            return {k: found.get(k, 0) for k in ("ListenOverflows", "ListenDrops")}
    return {}


LOG_PROBLEMS = {  # what the workers' logs say when something went wrong: what to look for
    # Daphne cancels a consumer whose disconnect handling is still running
    # `--application-close-timeout` (10 s) after its socket closed: an interval it would have
    # closed stays open.
    "consumer killed on close": "took too long to shut down",
    "traceback": "Traceback",
    "error": "ERROR",
    "warning": "WARNING",
    "timed out": "timed out",
    "over capacity": "over capacity",
}


def log_problems(workers, since: list[int]) -> dict[str, int]:
    """Lines of the workers' logs since `since` (byte offsets) that say something went wrong."""
    found = collections.Counter()
    for worker, start in zip(workers, since, strict=True):
        with worker.log_path.open("rb") as f:
            f.seek(start)
            for line in f.read().decode(errors="replace").splitlines():
                for label, word in LOG_PROBLEMS.items():
                    if word in line:
                        found[label] += 1
    return dict(found)


def log_sizes(workers) -> list[int]:
    return [w.log_path.stat().st_size if w.log_path.exists() else 0 for w in workers]


def attendance_now(db_url: str, rooms, since_id: int, storm_at: float) -> dict:
    """The bench rooms' students' intervals opened since interval `since_id`: how many students
    have exactly one open (none lost, none doubled) and how the closed ones were closed."""
    import psycopg

    expected = {(r["session"], s["id"]) for r in rooms for s in r["students"]}
    with psycopg.connect(db_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT session_id, student_id, left_at IS NULL, "
            "extract(epoch FROM left_at)::float8 "
            "FROM classrooms_attendanceinterval WHERE id > %s AND session_id = ANY(%s)",
            (since_id, sorted({r["session"] for r in rooms})),
        ).fetchall()
    open_count, closed_count = collections.Counter(), collections.Counter()
    closed_lag = []
    for session_id, student_id, is_open, left_at in rows:
        if is_open:
            open_count[session_id, student_id] += 1
        else:
            closed_count[session_id, student_id] += 1
            closed_lag.append(left_at - storm_at)
    closed_lag.sort()
    return {
        "students": len(expected),
        "one_open": sum(1 for k in expected if open_count[k] == 1),
        "lost": sum(1 for k in expected if open_count[k] == 0),
        "doubled": sum(1 for k in expected if open_count[k] > 1),
        "closed": sum(closed_count.values()),
        "one_closed": sum(1 for k in expected if closed_count[k] == 1),
        "closed_after_storm_s": (
            [closed_lag[0], closed_lag[len(closed_lag) // 2], closed_lag[-1]] if closed_lag else []
        ),
    }


def stale_open_intervals(db_url: str, rooms) -> int:
    """The bench rooms' open intervals with no heartbeat for ATTENDANCE_STALE_SECONDS (60 s):
    their students are no longer in the room's online list, so their reconnects are arrivals
    (a presence.join each). With clients heartbeating as pages do, 0."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(*) FROM classrooms_attendanceinterval WHERE left_at IS NULL "
            "AND session_id = ANY(%s) AND last_seen_at < now() - interval '60 seconds'",
            (sorted({r["session"] for r in rooms}),),
        ).fetchone()[0]


def max_interval_id(db_url: str) -> int:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        return conn.execute(
            "SELECT coalesce(max(id), 0) FROM classrooms_attendanceinterval"
        ).fetchone()[0]


async def attendance_settled(db_url, rooms, since_id, storm_at, *, limit=30.0) -> dict:
    """Polls the attendance until right (every student one open interval and one closed), or
    unchanged for 5 s, or `limit` s; the last figures, with the seconds waited."""
    started, last, same = time.monotonic(), None, 0
    while True:
        now = await asyncio.to_thread(attendance_now, db_url, rooms, since_id, storm_at)
        now["waited_s"] = time.monotonic() - started
        right = now["one_open"] == now["students"] and now["one_closed"] == now["students"]
        same = same + 1 if last and all(now[k] == last[k] for k in ("one_open", "closed")) else 0
        if right or same >= 5 or now["waited_s"] > limit:
            return now
        last = now
        await asyncio.sleep(1)


async def storm(workers, redis, rooms, args, *, bare: bool, db_url: str, pg_data: Path) -> dict:
    load_before = os.getloadavg()
    students, by_room = students_for(rooms, workers, bare=bare)
    since_id = 0 if bare else await asyncio.to_thread(max_interval_id, db_url)
    # The room's clients heartbeat from the moment they are in, as the page does: without it,
    # the intervals of the first sockets in are stale (ATTENDANCE_STALE_SECONDS) by the storm,
    # and their reconnects count as new arrivals (a presence.join each).
    beating = None if bare else asyncio.create_task(heartbeats(students, args.heartbeat))
    first_s = await connect_all(students, args.connecting)
    failed = collections.Counter(s.failed for s in students if s.failed)
    if failed:
        raise RuntimeError(f"first connect: {sum(failed.values())} not in their room: {failed}")
    first_retries = sum(s.retries for s in students)
    await asyncio.sleep(3)  # join notices settle
    if beating is not None:
        beating.cancel()
    stale = None if bare else await asyncio.to_thread(stale_open_intervals, db_url, rooms)

    logs_at = log_sizes(workers)
    cpu_before = [cpu_seconds(w.proc.pid) for w in workers]
    redis_before, own_before = cpu_seconds(redis.proc.pid), own_cpu_seconds()
    pg_before = postgres_cpu_seconds(pg_data)
    listen_before = listen_counters()
    profilers = start_profiles(workers, args.profile, "bare" if bare else "room")
    storm_at = time.time()
    for student in students:  # the network goes: every socket drops, no close frame
        student.ws.transport.abort()
        student.retries, student.failures = 0, collections.Counter()
    storm_s = await connect_all(students, args.storm_inflight)
    stop_profiles(profilers)
    cpu = [cpu_seconds(w.proc.pid) - b for w, b in zip(workers, cpu_before, strict=True)]
    redis_cpu, own_cpu = cpu_seconds(redis.proc.pid) - redis_before, own_cpu_seconds() - own_before
    pg_cpu = postgres_cpu_seconds(pg_data) - pg_before
    listened = {k: v - listen_before.get(k, 0) for k, v in listen_counters().items()}
    back = [s.connect_seconds for s in students if s.connect_seconds is not None]
    opened = [s.handshake_seconds for s in students if s.connect_seconds is not None]
    state = [s.connect_seconds - s.handshake_seconds for s in students if s.connect_seconds]
    failures = collections.Counter()
    for student in students:
        failures.update(student.failures)
    failed = collections.Counter(s.failed for s in students if s.failed)

    checked = None
    if not bare:
        checked = await attendance_settled(db_url, rooms, since_id, storm_at)
    else:
        await asyncio.sleep(3)
    problems = log_problems(workers, logs_at)
    profilers = start_profiles(workers, args.profile, ("bare" if bare else "room") + "-chat")
    chatted = await chat(
        workers, redis, students, by_room, args, beat=not bare, profilers=profilers
    )
    return {
        "app": "bare" if bare else "room",
        "sockets": len(students),
        "first_connect_s": first_s,
        "first_handshakes_per_s": len(students) / first_s,
        "first_retries": first_retries,
        "stale_at_storm": stale,
        "storm_in_flight": args.storm_inflight or len(students),
        "storm_s": storm_s,
        "storm_handshakes_per_s": len(students) / storm_s,
        "reconnect_p50_ms": pct(back, 50),
        "reconnect_p95_ms": pct(back, 95),
        "reconnect_p99_ms": pct(back, 99),
        "handshake_p50_ms": pct(opened, 50),
        "handshake_p99_ms": pct(opened, 99),
        "state_after_handshake_p50_ms": pct(state, 50),
        "state_after_handshake_p99_ms": pct(state, 99),
        "back_in_room": len(back),
        "storm_retries": sum(s.retries for s in students),
        "storm_failed_attempts": dict(failures),
        "storm_failed_for_good": dict(failed),
        "storm_cpu_share_per_worker": [c / storm_s for c in cpu],
        # What a reconnect (and the drop before it) costs the workers, whatever else runs here.
        "storm_worker_cpu_ms_per_socket": 1000 * sum(cpu) / len(students),
        "storm_client_cpu_ms_per_socket": 1000 * own_cpu / len(students),
        "storm_cpu_share_redis": redis_cpu / storm_s,
        "storm_cpu_share_postgres": pg_cpu / storm_s,
        "storm_cpu_share_client": own_cpu / storm_s,
        "storm_listen": listened,
        "storm_log": problems,
        "attendance": checked,
        **chatted,
        "load_before": load_before,
    }


def start_profiles(workers, folder: Path | None, name: str) -> list[subprocess.Popen]:
    """py-spy (pip install py-spy) samples each worker during the storm: a flame graph and
    the raw stacks per worker in ``folder`` (`--profile`)."""
    if folder is None:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    return [
        subprocess.Popen(  # noqa: S603 - our own tool, our own worker's pid
            [
                shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy")),
                "record",
                "--nonblocking",
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(folder / f"{name}-{i}.txt"),
                "--pid",
                str(worker.proc.pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, worker in enumerate(workers)
    ]


def stop_profiles(profilers: list[subprocess.Popen]) -> None:
    for profiler in profilers:
        profiler.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
    for profiler in profilers:
        profiler.wait(timeout=60)


def kinds(counts: dict) -> str:
    return f" ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})" if counts else ""


def storm_line(name: str, r: dict) -> str:
    failed = sum(r["storm_failed_for_good"].values())
    line = (
        f"{name:4} first connect {r['sockets']} in {r['first_connect_s']:.1f} s "
        f"({r['first_handshakes_per_s']:.0f}/s, {r['first_retries']} retried); "
        f"STORM {r['back_in_room']}/{r['sockets']} back in {r['storm_s']:.1f} s "
        f"({r['storm_handshakes_per_s']:.0f} handshakes/s, ≤ {r['storm_in_flight']} in flight), "
        f"per socket p50 {r['reconnect_p50_ms']:.0f} / p95 {r['reconnect_p95_ms']:.0f} / "
        f"p99 {r['reconnect_p99_ms']:.0f} ms (handshake done p50 {r['handshake_p50_ms']:.0f} / "
        f"p99 {r['handshake_p99_ms']:.0f} ms, then presence.state p50 "
        f"{r['state_after_handshake_p50_ms']:.0f} / p99 {r['state_after_handshake_p99_ms']:.0f} "
        f"ms); {r['storm_retries']} retried{kinds(r['storm_failed_attempts'])}, {failed} failed "
        f"for good{kinds(r['storm_failed_for_good'])}; "
    )
    if r.get("stale_at_storm") is not None:
        line += f"{r['stale_at_storm']} open intervals stale at the storm; "
    a = r["attendance"]
    if a is not None:
        lag = a["closed_after_storm_s"]
        line += (
            f"attendance: {a['one_open']}/{a['students']} one open interval, {a['lost']} lost, "
            f"{a['doubled']} doubled, {a['closed']} closed ({a['one_closed']} students one), "
            f"closed {lag[0]:.1f}/{lag[1]:.1f}/{lag[2]:.1f} s after the storm (min/median/max)"
            if lag
            else f"attendance: {a}"
        )
        line += f" [settled in {a['waited_s']:.0f} s]; "
    line += (
        f"CPU during storm: workers "
        f"{', '.join(f'{c:.0%}' for c in r['storm_cpu_share_per_worker'])}, "
        f"redis {r['storm_cpu_share_redis']:.0%}, postgres {r['storm_cpu_share_postgres']:.0%}, "
        f"client {r['storm_cpu_share_client']:.0%} (per socket: workers "
        f"{r['storm_worker_cpu_ms_per_socket']:.1f} ms, client "
        f"{r['storm_client_cpu_ms_per_socket']:.1f} ms); listen queue overflows "
        f"{r['storm_listen'].get('ListenOverflows', '?')}, drops "
        f"{r['storm_listen'].get('ListenDrops', '?')}; worker log {r['storm_log'] or 'clean'}; "
        f"chat after: delivered {r['delivered']}/{r['expected']}, latency p50 {r['p50']:.0f} "
        f"p95 {r['p95']:.0f} p99 {r['p99']:.0f} ms (sent in the first 5 s: p99 "
        f"{r['p99_first_5s']:.0f} ms, later: {r['p99_after_5s']:.0f} ms), errors {r['errors']}, "
        f"frames {r['frames_received']}; client GC pauses {r['client_gc_pauses']['count']} "
        f"(max {r['client_gc_pauses']['max_ms']:.0f} ms); "
        f"load {' '.join(f'{x:.2f}' for x in r['load_before'])} before, "
        f"{' '.join(f'{x:.2f}' for x in r['load_during'])} after"
    )
    return line


def wait_listening(worker: Daphne) -> None:
    """The bare app answers no HTTP: ready when its port accepts (Daphne loads the application
    before it listens)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if worker.proc.poll() is not None:
            raise RuntimeError(f"daphne exited {worker.proc.returncode}:\n{worker.log_tail()}")
        try:
            with socket.create_connection((HOST, worker.port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"daphne on {worker.port} did not listen:\n{worker.log_tail()}")


def start_workers(env, tmp: Path, name: str, count: int, app: str | None = None) -> list[Daphne]:
    workers = []
    try:
        for i in range(count):
            worker = Daphne(env, tmp / f"{name}-{i}.log")
            if app is not None:
                worker.wait_ready = lambda w=worker: wait_listening(w)
                worker.start(app)
            else:
                worker.start()
            workers.append(worker)
    except BaseException:
        for worker in workers:
            worker.stop()
        raise
    return workers


def run_storm(env, tmp, redis, pg, rooms, args, layer) -> dict:
    layer_env = dict(env, CHANNEL_LAYER=layer)
    results = {}
    for name, app in (("room", None), ("bare", BARE_APP)):
        workers = start_workers(layer_env, tmp, f"{layer}-{name}", args.workers, app)
        backlog = listen_backlog(workers[0].port)
        try:
            results[name] = asyncio.run(
                storm(
                    workers,
                    redis,
                    rooms,
                    args,
                    bare=app is not None,
                    db_url=pg.url("bench"),
                    pg_data=pg.data,
                )  # fmt: skip
            )
        finally:
            for worker in workers:
                worker.stop()
        results[name]["listen_backlog"] = backlog
        results[name]["logs"] = [str(w.log_path) for w in workers]
        print(f"{layer:6} {storm_line(name, results[name])}", flush=True)
    room, bare = results["room"], results["bare"]
    results["ratios"] = {
        "storm_s": room["storm_s"] / bare["storm_s"],
        "p99": room["p99"] / bare["p99"] if bare["p99"] else float("nan"),
        "reconnect_p99": room["reconnect_p99_ms"] / max(bare["reconnect_p99_ms"], 1e-3),
    }
    a = room["attendance"]
    met = {
        "back within 20 s": room["storm_s"] <= 20,
        "≥ 500 handshakes/s": room["storm_handshakes_per_s"] >= 500,
        "none failed": not room["storm_failed_for_good"],
        "attendance right": a["one_open"] == a["students"] and not a["doubled"],
        "p99 ≤ 1.25 × bare": results["ratios"]["p99"] <= 1.25,
        "nothing lost in chat": room["delivered"] >= room["expected"],
    }
    results["targets"] = met
    print(
        f"{layer:6} room/bare: storm time {results['ratios']['storm_s']:.2f}× "
        f"({room['storm_s']:.1f} / {bare['storm_s']:.1f} s), chat p99 "
        f"{results['ratios']['p99']:.2f}× ({room['p99']:.0f} / {bare['p99']:.0f} ms), "
        f"reconnect p99 {results['ratios']['reconnect_p99']:.2f}×; targets at "
        f"{room['sockets']} sockets: "
        + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in met.items()),
        flush=True,
    )
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=None, help="5000; --storm: 10000")
    parser.add_argument("--per-room", type=int, default=40)
    parser.add_argument("--deliveries", type=float, default=500, help="chat deliveries/s")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--heartbeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--layers", help="redis,pubsub; --storm: redis")
    parser.add_argument("--connecting", type=int, default=20, help="handshakes in flight")
    parser.add_argument(
        "--storm", action="store_true", help="all sockets drop and reconnect at once"
    )
    parser.add_argument(
        "--storm-inflight",
        type=int,
        default=0,
        help="handshakes in flight during the storm (0: all the sockets at once)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--profile",
        type=Path,
        help="--storm: py-spy samples of each worker (storm, then chat) into this folder",
    )
    parser.add_argument(
        "--quick", action="store_true", help="400 sockets, 20 s of chat (--storm: 5 s)"
    )
    args = parser.parse_args()
    if args.sockets is None:
        args.sockets = 10000 if args.storm else 5000
    if args.layers is None:
        args.layers = "redis" if args.storm else "redis,pubsub"
    if args.quick:
        args.sockets, args.seconds = 400, (5 if args.storm else 20)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 4 * args.sockets + 1024  # client and server ends, Redis and DB connections
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, need)), hard))
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)

    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    pg = PrivatePostgres().init().start()
    redis = PrivateRedis().start()
    try:
        pg.createdb("bench")
        env = server_env(
            tmp / "unused.sqlite3",
            DJANGO_SETTINGS_MODULE="lms.settings.production",
            SECRET_KEY="bench-scale-" + "k" * 50,
            SECURE_SSL_REDIRECT="false",
            LOG_FORMAT="text",
            LOG_LEVEL="WARNING",
            DATABASE_URL=pg.url("bench"),
            REDIS_URL=redis.url,
            LIVE_HEARTBEAT_SECONDS=str(args.heartbeat),
            LIVE_CHAT_RATE="1000",
        )
        manage("migrate", "--noinput", "-v0", env=env, timeout=900)
        rooms_count = args.sockets // args.per_room
        started = time.time()
        rooms = make_rooms(env, rooms=rooms_count, students=args.per_room, seconds=7200)
        print(f"prepared {rooms_count} rooms × {args.per_room} in {time.time() - started:.0f} s")
        results = {}
        for layer in args.layers.split(","):
            if args.storm:
                results[layer] = run_storm(env, tmp, redis, pg, rooms, args, layer)
                continue
            layer_env = dict(env, CHANNEL_LAYER=layer)
            workers = [
                Daphne(layer_env, tmp / f"{layer}-{i}.log").start() for i in range(args.workers)
            ]
            try:
                results[layer] = asyncio.run(measure(workers, redis, rooms, args))
            finally:
                for worker in workers:
                    worker.stop()
            r = results[layer]
            print(
                f"{layer:6} {r['sockets']} sockets in {r['connect_all_s']:.0f} s "
                f"({r['handshakes_per_s']:.0f} handshakes/s; per socket p50 "
                f"{r['connect_p50_ms']:.0f} / p95 {r['connect_p95_ms']:.0f} ms, "
                f"{r['connect_retries']} retried); "
                f"delivered {r['delivered']}/{r['expected']}; latency p50 {r['p50']:.0f} "
                f"p95 {r['p95']:.0f} p99 {r['p99']:.0f} ms; "
                f"{r['rss_per_socket_kb']:.0f} KB/socket ({r['rss_total_mb']:.0f} MB in workers); "
                f"CPU during chat: workers "
                f"{', '.join(f'{c:.0%}' for c in r['cpu_share_per_worker'])}, "
                f"redis {r['cpu_share_redis']:.0%}, clients {r['cpu_share_clients']:.0%}; "
                f"load {' '.join(f'{x:.2f}' for x in r['load_before'])} before, "
                f"{' '.join(f'{x:.2f}' for x in r['load_during'])} at the end; "
                f"errors {r['errors']}",
                flush=True,
            )
        machine = (
            f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}; "
            f"{args.workers} workers (daphne {' '.join(deployed_daphne_options())}); "
            f"{args.deliveries:.0f} deliveries/s for {args.seconds:.0f} s; "
            f"heartbeat {args.heartbeat} s"
        )
        if args.storm:
            backlog = next(iter(results.values()))["room"]["listen_backlog"]
            machine += (
                f"; storm: {args.sockets} sockets, ≤ {args.storm_inflight or args.sockets} "
                f"handshakes in flight, first connect {args.connecting} at a time; "
                f"open files {nofile[0]} (hard {nofile[1]}); net.core.somaxconn "
                f"{sysctl('net.core.somaxconn')}, tcp_max_syn_backlog "
                f"{sysctl('net.ipv4.tcp_max_syn_backlog')}; Daphne's listen backlog {backlog}"
            )
        print("machine:", machine)
        print("logs:", tmp)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine,
                        "args": {
                            k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()
                        },
                        "results": results,
                    },
                    indent=1,
                )
            )
    finally:
        redis.stop()
        pg.destroy()


def sysctl(name: str) -> str:
    try:
        return Path("/proc/sys", *name.split(".")).read_text().strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
