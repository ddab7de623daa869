"""Scale: 2 Daphne workers + Redis holding thousands of signed-in student sockets.

    .venv/bin/python bench/scale.py [--sockets 5000 --per-room 40 --deliveries 500
                                     --seconds 60 --heartbeat 20 --layers redis,pubsub]

Everything runs on this machine, on loopback: a private PostgreSQL cluster (the bench DB; the
students' sessions are made with Django's SessionStore in it), a private Redis, two Daphne
workers (lms.settings.production, as deployed), and this process as every client. Students
fill rooms of `per-room` (125 rooms of 40 for 5,000), split between the workers as nginx's
least_conn would. Each socket heartbeats every `heartbeat` s; chat goes out so that the room
fan-out makes `deliveries` deliveries/s in total, from senders rotating within each room (below
LIVE_CHAT_RATE). Each message carries its send time.

For each channel layer in `--layers`, in the same run on the same data, it reports: connect
time (all sockets in their room), delivered/expected chat deliveries (target: nothing lost),
fan-out latency p50/p95/p99, and memory per connection (workers' RSS growth / sockets).
"""

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from websockets.exceptions import InvalidHandshake, InvalidMessage  # noqa: E402

from tests.resilience.servers import Daphne, make_rooms, manage, server_env, ws_connect  # noqa: E402
from tests.resilience.services import PrivatePostgres, PrivateRedis  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


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


class Student:
    def __init__(self, spec, room_index):
        self.spec, self.room_index = spec, room_index
        self.ws = None
        self.connect_seconds = None
        self.retries = 0

    async def connect(self, worker: Daphne, session_id: int):
        started = time.monotonic()
        for attempt in range(5):  # Daphne drops handshakes it cannot accept within 5 s
            try:
                self.ws = await ws_connect(
                    worker.ws_url(session_id), self.spec["cookie"], worker.url
                )
                break
            except (OSError, TimeoutError, InvalidHandshake, InvalidMessage):
                self.retries += 1
                if attempt == 4:
                    raise
                await asyncio.sleep(1 + attempt)
        async for raw in self.ws:
            if json.loads(raw)["type"] == "presence.state":
                break
        self.connect_seconds = time.monotonic() - started


async def listen(student, latencies, errors):
    try:
        async for raw in student.ws:
            message = json.loads(raw)
            if message["type"] == "chat.message":
                latencies.append(time.time() - float(message["message"]["text"].split("|")[0]))
            elif message["type"] == "error":
                errors.append(message.get("code"))
    except Exception:  # noqa: BLE001 - a dropped socket shows up as missing deliveries
        errors.append("closed")


async def heartbeats(students, period):
    # Spread over the period, as real clients that joined at different times are.
    offset = period / max(1, len(students))
    while True:
        for student in students:
            with contextlib.suppress(Exception):  # a dropped socket counts as missing deliveries
                await student.ws.send('{"type": "heartbeat"}')
            await asyncio.sleep(offset)


async def measure(workers, rooms, args) -> dict:
    rss_before = sum(rss_mb(w.proc.pid) for w in workers)
    students, by_room = [], []
    for index, room in enumerate(rooms):
        members = [Student(spec, index) for spec in room["students"]]
        by_room.append(members)
        students.extend(members)
    started = time.monotonic()
    batch = 20  # connect in waves, as a class arriving does
    for i in range(0, len(students), batch):
        wave = students[i : i + batch]
        await asyncio.gather(
            *(
                s.connect(workers[n % len(workers)], rooms[s.room_index]["session"])
                for n, s in enumerate(wave, start=i)
            )
        )
    connect_all = time.monotonic() - started
    await asyncio.sleep(3)  # join notices settle
    rss_after = sum(rss_mb(w.proc.pid) for w in workers)

    latencies, errors = [], []
    listeners = [asyncio.create_task(listen(s, latencies, errors)) for s in students]
    beating = asyncio.create_task(heartbeats(students, args.heartbeat))
    await asyncio.sleep(1)
    latencies.clear()
    per_room = args.per_room
    messages_per_second = args.deliveries / (per_room - 0)  # every member receives, sender too
    interval = 1 / messages_per_second
    cpu_before = [cpu_seconds(w.proc.pid) for w in workers]
    sent = 0
    turn = 0
    until = time.monotonic() + args.seconds
    next_at = time.monotonic()
    while time.monotonic() < until:
        room = by_room[turn % len(by_room)]
        sender = room[(turn // len(by_room)) % per_room]
        turn += 1
        await sender.ws.send(json.dumps({"type": "chat.send", "text": f"{time.time()}|bench"}))
        sent += 1
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.sleep(5)  # drain
    cpu = [cpu_seconds(w.proc.pid) - b for w, b in zip(workers, cpu_before, strict=True)]
    beating.cancel()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(s.ws.close() for s in students), return_exceptions=True)
    connects = [s.connect_seconds for s in students]
    return {
        "sockets": len(students),
        "connect_all_s": connect_all,
        "connect_p50_ms": pct(connects, 50),
        "connect_p95_ms": pct(connects, 95),
        "sent": sent,
        "delivered": len(latencies),
        "expected": sent * per_room,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "connect_retries": sum(s.retries for s in students),
        "rss_per_socket_kb": 1024 * (rss_after - rss_before) / len(students),
        "rss_total_mb": rss_after,
        "cpu_per_worker": cpu,
        "errors": {e: errors.count(e) for e in set(errors)},
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sockets", type=int, default=5000)
    parser.add_argument("--per-room", type=int, default=40)
    parser.add_argument("--deliveries", type=float, default=500, help="chat deliveries/s")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--heartbeat", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--layers", default="redis,pubsub")
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    need = 4 * args.sockets + 1024  # client and server ends, Redis and DB connections
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, need)), hard))

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
            layer_env = dict(env, CHANNEL_LAYER=layer)
            workers = [
                Daphne(layer_env, tmp / f"{layer}-{i}.log").start() for i in range(args.workers)
            ]
            try:
                results[layer] = asyncio.run(measure(workers, rooms, args))
            finally:
                for worker in workers:
                    worker.stop()
            r = results[layer]
            print(
                f"{layer:6} {r['sockets']} sockets in {r['connect_all_s']:.0f} s "
                f"(per socket p50 {r['connect_p50_ms']:.0f} / p95 {r['connect_p95_ms']:.0f} ms); "
                f"delivered {r['delivered']}/{r['expected']}; latency p50 {r['p50']:.0f} "
                f"p95 {r['p95']:.0f} p99 {r['p99']:.0f} ms; "
                f"{r['rss_per_socket_kb']:.0f} KB/socket ({r['rss_total_mb']:.0f} MB in workers); "
                f"worker CPU {', '.join(f'{c:.0f}' for c in r['cpu_per_worker'])} s "
                f"over {args.seconds:.0f} s; errors {r['errors']}",
                flush=True,
            )
        print(
            f"machine: {platform.machine()} {os.cpu_count()} cores, "
            f"Python {platform.python_version()}; {args.workers} workers; "
            f"{args.deliveries:.0f} deliveries/s for {args.seconds:.0f} s; "
            f"heartbeat {args.heartbeat} s"
        )
    finally:
        redis.stop()
        pg.destroy()


if __name__ == "__main__":
    main()
