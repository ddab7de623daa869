"""Scale: 2 Daphne workers + Redis holding thousands of signed-in student sockets.

    .venv/bin/python bench/scale.py [--sockets 5000 --per-room 40 --deliveries 500
                                     --seconds 60 --heartbeat 20 --layers redis,pubsub
                                     --connecting 20 --json results.json]
    .venv/bin/python bench/scale.py --quick   # 400 sockets, 20 s: a check that it all works

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

from tests.resilience.servers import (  # noqa: E402
    Daphne,
    deployed_daphne_options,
    make_rooms,
    manage,
    server_env,
    ws_connect,
)
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
        for attempt in range(5):  # counted: a handshake the worker dropped is a finding
            try:
                # As long as the worker's own handshake timeout (a browser waits longer still).
                self.ws = await ws_connect(
                    worker.ws_url(session_id), self.spec["cookie"], worker.url, open_timeout=60
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


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(workers, redis, rooms, args) -> dict:
    load_before = os.getloadavg()
    rss_before = sum(rss_mb(w.proc.pid) for w in workers)
    students, by_room = [], []
    for index, room in enumerate(rooms):
        members = [Student(spec, index) for spec in room["students"]]
        by_room.append(members)
        students.extend(members)
    started = time.monotonic()
    # `connecting` handshakes in flight at a time, a new one as soon as one is done: students
    # arriving steadily, as fast as the workers let them in.
    gate = asyncio.Semaphore(args.connecting)

    async def arrive(n, student):
        async with gate:
            await student.connect(workers[n % len(workers)], rooms[student.room_index]["session"])

    await asyncio.gather(*(arrive(n, s) for n, s in enumerate(students)))
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
        await sender.ws.send(json.dumps({"type": "chat.send", "text": f"{time.time()}|bench"}))
        sent += 1
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.sleep(5)  # drain
    cpu = [cpu_seconds(w.proc.pid) - b for w, b in zip(workers, cpu_before, strict=True)]
    chat_wall = time.monotonic() - chat_started
    redis_cpu, own_cpu = cpu_seconds(redis.proc.pid) - redis_before, own_cpu_seconds() - own_before
    load_during = os.getloadavg()
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
        "cpu_share_per_worker": [c / chat_wall for c in cpu],
        "cpu_share_redis": redis_cpu / chat_wall,
        "cpu_share_clients": own_cpu / chat_wall,
        "handshakes_per_s": len(students) / connect_all,
        "load_before": load_before,
        "load_during": load_during,
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
    parser.add_argument("--connecting", type=int, default=20, help="handshakes in flight")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--quick", action="store_true", help="400 sockets for 20 s")
    args = parser.parse_args()
    if args.quick:
        args.sockets, args.seconds = 400, 20
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
        print("machine:", machine)
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "machine": machine,
                        "args": vars(args) | {"json": str(args.json)},
                        "results": results,
                    },
                    indent=1,
                )
            )
    finally:
        redis.stop()
        pg.destroy()


if __name__ == "__main__":
    main()
