"""Live room fan-out: the real room (Daphne, lms.asgi) against a bare group-broadcast app.

    .venv/bin/python bench/live_room.py [--rooms 25 --per-room 40 --rate 2 --seconds 30]
                                       [--redis-url redis://127.0.0.1:6379/14]
                                       [--conn-max-age 60] [--teacher]

Both servers are one Daphne process each, run one after the other on the same SQLite file and
layer (in-memory, or Redis with --redis-url), keeping database connections --conn-max-age
seconds as production does (CONN_MAX_AGE, 60; 0 is the laptop settings' one per call).
Authenticated students (sessions made with Django's SessionStore) fill `rooms` rooms of
`per-room`; chat goes out at `rate` messages/s per room, spread over ten senders per room so
that no one passes the room's chat limit (LIVE_CHAT_RATE per 10 s). Each message carries its
send time; every receiver records the fan-out latency. Reports p50/p95/p99, delivered/expected
and the server's CPU seconds.
`--teacher` is the teacher-driven workload instead (issue 17): each room's teacher joins too and
is the only sender, at `rate` messages/s (1 by default: 1,000 deliveries/s to 25 × 40 students);
the room's chat limit is lifted for it (LIVE_CHAT_RATE=1000), and the bare app's room gets the
same extra socket. Deliveries are counted at the students only. Either workload reports
"channels over capacity" lines the server logged (the Redis layer dropping messages).
A p99 over 30 s rests on a few garbage-collection pauses and moves by ±20% from run to run, so
the pair (bare, then room) is run `--repeat` times (3) and the ratios' medians are the result.
Targets: the room delivers ≥ 80% of the bare app's throughput, and its p99 ≤ 1.25× bare's p99.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import redis.asyncio as redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.resilience.servers import (  # noqa: E402
    Daphne,
    make_rooms,
    migrated_sqlite,
    server_env,
    ws_connect,
)

SENDERS_PER_ROOM = 10
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


class Run:
    def __init__(self):
        self.latencies: list[float] = []
        self.sent = 0


async def listen(ws, run: Run, kind: str, counted: bool = True):
    async for raw in ws:
        if not counted:
            continue
        if kind == "bare":
            text = raw
        else:
            message = json.loads(raw)
            if message["type"] != "chat.message":
                continue
            text = message["message"]["text"]
        run.latencies.append(time.time() - float(text.split("|", 1)[0]))


async def sender(ws, run: Run, kind: str, interval: float, until: float):
    await asyncio.sleep(random.uniform(0, interval))
    while time.time() < until:
        text = f"{time.time()}|bench"
        await ws.send(text if kind == "bare" else json.dumps({"type": "chat.send", "text": text}))
        run.sent += 1
        await asyncio.sleep(interval)


QUEUES = "asgispecific.*!"  # channels-redis: one queue per process for all its sockets


async def queues(client) -> set[bytes]:
    return {key async for key in client.scan_iter(match=QUEUES, count=100)}


async def deepest_queue(client, before: set[bytes], seen: list[int]):
    """Samples (every 50 ms) the longest per-process queue channels-redis keeps in Redis into
    seen[0]. Queues in `before` belong to servers stopped before this one (their last presence
    notices expire after 60 s) and are left out."""
    while True:
        for key in await queues(client) - before:
            seen[0] = max(seen[0], await client.zcard(key))
        await asyncio.sleep(0.05)


async def measure(server: Daphne, rooms, kind: str, args) -> dict:
    queue, sampler = [0], None
    if args.redis_url:
        client = redis.Redis.from_url(args.redis_url)
        sampler = asyncio.create_task(deepest_queue(client, await queues(client), queue))
    sockets = []  # (ws, is_sender, is_counted receiver)
    for index, room in enumerate(rooms):
        url = (
            f"ws://127.0.0.1:{server.port}/ws/bare/{index}/"
            if kind == "bare"
            else server.ws_url(room["session"])
        )
        if args.teacher:
            sockets.append(
                (await ws_connect(url, room["teacher"]["cookie"], server.url), True, False)
            )
        for n, student in enumerate(room["students"][: args.per_room]):
            ws = await ws_connect(url, student["cookie"], server.url)
            sockets.append((ws, not args.teacher and n < SENDERS_PER_ROOM, True))
    run = Run()
    listeners = [asyncio.create_task(listen(ws, run, kind, c)) for ws, _, c in sockets]
    await asyncio.sleep(2)  # let the join notices settle
    run.latencies.clear()
    load = os.getloadavg()[0]
    cpu_before = cpu_seconds(server.proc.pid)
    until = time.time() + args.seconds
    senders = [ws for ws, s, _ in sockets if s]
    interval = len(senders) / args.rooms / args.rate
    await asyncio.gather(*(sender(ws, run, kind, interval, until) for ws in senders))
    await asyncio.sleep(3)  # drain
    cpu = cpu_seconds(server.proc.pid) - cpu_before
    for task in listeners:
        task.cancel()
    for ws, _, _ in sockets:
        await ws.close()
    if sampler is not None:
        sampler.cancel()
        await client.aclose()
    lat = sorted(run.latencies)
    # Every receiver gets every message of its room, the sender's own included (students'
    # workload: the sender is one of the counted receivers; teacher's: the teacher is not).
    expected = run.sent * args.per_room

    def pct(p):
        return 1000 * lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

    return {
        "kind": kind,
        "sent": run.sent,
        "delivered": len(lat),
        "expected": expected,
        "throughput": len(lat) / args.seconds,
        "p50": pct(50),
        "p95": pct(95),
        "p99": pct(99),
        "cpu": cpu,
        "median": 1000 * statistics.median(lat) if lat else float("nan"),
        "load": load,
        "queue": queue[0],
    }


def over_capacity(log: Path, since: int) -> int:
    """Lines saying "channels over capacity" in the server log since byte `since`."""
    with log.open("rb") as f:
        f.seek(since)
        return f.read().count(b"over capacity")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rooms", type=int, default=25)
    parser.add_argument("--per-room", type=int, default=40)
    parser.add_argument(
        "--rate", type=float, help="chat messages/s per room (2; with --teacher, 1)"
    )
    parser.add_argument(
        "--teacher", action="store_true", help="the teacher of each room is the only sender"
    )
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--conn-max-age", type=int, default=60, help="seconds (production: 60)")
    parser.add_argument("--repeat", type=int, default=3, help="pairs of runs (bare, room)")
    args = parser.parse_args()
    if args.rate is None:
        args.rate = 1.0 if args.teacher else 2.0

    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    db = migrated_sqlite(tmp, tmp / "bench.sqlite3")
    extra = {"REDIS_URL": args.redis_url} if args.redis_url else {}
    if args.teacher:
        extra["LIVE_CHAT_RATE"] = "1000"  # the room's own chat limit lifted for the measurement
    env = server_env(db, **extra)
    # Database connections kept as production keeps them (lms/settings/production.py); 0 is the
    # laptop's one connection per database call.
    if args.conn_max_age:
        env["DATABASE_URL"] = f"sqlite:///{db}?conn_max_age={args.conn_max_age}"
    started = time.time()
    rooms = make_rooms(env, rooms=args.rooms, students=args.per_room, seconds=3600)
    elapsed = time.time() - started
    print(f"prepared {args.rooms} rooms × {args.per_room} in {elapsed:.0f} s", flush=True)

    pairs = []
    lost = {"bare": 0, "room": 0}
    for repeat in range(1, args.repeat + 1):
        results = {}
        for kind, app in (("bare", "bench.bare_app:application"), ("room", "lms.asgi:application")):
            server = Daphne(env, tmp / f"{kind}.log")
            log_start = server.log_path.stat().st_size if server.log_path.exists() else 0
            if kind == "bare":
                server.wait_ready = lambda: time.sleep(4)  # no HTTP: give it time to boot
            server.start(app)
            try:
                results[kind] = asyncio.run(measure(server, rooms, kind, args))
            finally:
                server.stop()
            r = results[kind]
            r["over"] = over_capacity(server.log_path, log_start)
            print(
                f"{repeat}/{args.repeat} {kind:5} sent {r['sent']} "
                f"delivered {r['delivered']}/{r['expected']} ({r['throughput']:.0f}/s) "
                f"p50 {r['p50']:.1f} p95 {r['p95']:.1f} p99 {r['p99']:.1f} ms, "
                f"server CPU {r['cpu']:.1f} s, over capacity {r['over']}, "
                f"deepest queue {r['queue']}, "
                f"load {r['load']:.2f}",
                flush=True,
            )
        for kind, r in results.items():
            lost[kind] += r["expected"] - r["delivered"]
        pairs.append(ratios(results["bare"], results["room"]))
        print(f"{repeat}/{args.repeat} room/bare: {describe(pairs[-1])}", flush=True)
    median = {key: statistics.median(pair[key] for pair in pairs) for key in pairs[0]}
    print(
        f"machine: {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        f"layer: {'Redis' if args.redis_url else 'InMemory'}; "
        f"workload: {'teacher' if args.teacher else 'students'} at {args.rate:g} msg/s per room\n"
        f"median of {len(pairs)} (room/bare): {describe(median)}\n"
        f"lost (expected − delivered), room: {lost['room']}, bare: {lost['bare']}\n"
        f"targets: nothing lost, throughput ≥ 0.80, p99 ≤ 1.25, CPU ≤ 1.2"
    )


def ratios(bare: dict, room: dict) -> dict:
    return {
        "throughput": room["throughput"] / bare["throughput"],
        "p99": room["p99"] / bare["p99"],
        "cpu": room["cpu"] / max(bare["cpu"], 0.01),
    }


def describe(ratio: dict) -> str:
    return f"throughput {ratio['throughput']:.2f}, p99 {ratio['p99']:.2f}, CPU {ratio['cpu']:.2f}"


if __name__ == "__main__":
    main()
