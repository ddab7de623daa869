"""A live-room client in Python whose reconnect policy mirrors static/js/live-room.js.

The mirror, line by line with live-room.js:
- `onClose`: 4403 stops, 4410 means the session ended, any other code (1006 for a refused
  handshake, 4503 for a lost channel layer, 1012 for a restart) shows "đang kết nối lại" and
  calls `scheduleReconnect`;
- `scheduleReconnect`: `attempt += 1`, then waits `random() × min(cap, base × 2^attempt)` with
  base 1 s and cap 30 s (BACKOFF_BASE_MS, BACKOFF_CAP_MS): exponential backoff, full jitter;
- `presence.state` resets `attempt` to 0, hides the notice and starts the heartbeat every
  `heartbeat` seconds from that message; no heartbeat is sent before it.
`reconnecting` is True exactly when the page shows the notice. Tests may shrink base and cap.
"""

from __future__ import annotations

import asyncio
import json
import random
import time

from websockets.exceptions import ConnectionClosed, InvalidHandshake

# A browser waits far longer than servers.ws_connect's 10 s for a handshake; a client that gave
# up early would itself cause the storm this measures.
OPEN_TIMEOUT = 60


async def until(predicate, timeout: float, what: str, describe=None) -> None:
    """Wait until predicate() is true, polling every 0.1 s; fail after timeout seconds,
    naming what was awaited (and describe()'s account of the clients, when given)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            detail = f": {describe()}" if describe is not None else ""
            raise AssertionError(f"timed out waiting for {what}{detail}")
        await asyncio.sleep(0.1)


async def _connect(url: str, cookie: str, origin: str):
    from websockets.asyncio.client import connect

    return await connect(
        url, origin=origin, additional_headers={"Cookie": cookie}, proxy=None,
        open_timeout=OPEN_TIMEOUT, ping_interval=None, max_queue=None,
    )  # fmt: skip


BACKOFF_BASE = 1.0  # live-room.js BACKOFF_BASE_MS / 1000
BACKOFF_CAP = 30.0  # live-room.js BACKOFF_CAP_MS / 1000


class RoomClient:
    def __init__(self, urls, cookie: str, origins, *, base=BACKOFF_BASE, cap=BACKOFF_CAP,
                 rng: random.Random | None = None, first: int = 0):  # fmt: skip
        # Several urls stand for a proxy in front of several workers: each attempt goes to the
        # next one, so a dead worker is skipped as nginx would.
        self.urls, self.origins, self.cookie = list(urls), list(origins), cookie
        self.base, self.cap = base, cap
        self.rng = rng or random.Random()
        self.target = first
        self.attempt = 0
        self.reconnecting = False
        self.stopped = False
        self.in_room = asyncio.Event()
        self.ended = asyncio.Event()
        self.joins: list[float] = []  # times of presence.state
        self.attempts: list[float] = []  # times of every connection attempt
        self.closes: list[tuple[float, int]] = []  # (time, close code)
        self.chat: list[str] = []
        self.ws = None

    async def run(self):
        while not self.stopped:
            url = self.urls[self.target % len(self.urls)]
            origin = self.origins[self.target % len(self.origins)]
            self.attempts.append(time.monotonic())
            try:
                self.ws = await _connect(url, self.cookie, origin)
            except (OSError, TimeoutError, InvalidHandshake):
                code = 1006
            else:
                code = await self._session(self.ws)
            self.closes.append((time.monotonic(), code))
            if code == 4403:
                self.stopped = True
            elif code == 4410:
                self.ended.set()
                self.stopped = True
            if self.stopped:
                break
            self.reconnecting = True
            self.target += 1
            self.attempt += 1
            ceiling = min(self.cap, self.base * 2**self.attempt)
            await asyncio.sleep(self.rng.random() * ceiling)

    async def _session(self, ws) -> int:
        beat = None
        try:
            async for raw in ws:
                message = json.loads(raw)
                kind = message.get("type")
                if kind == "presence.state":
                    self.attempt = 0
                    self.reconnecting = False
                    self.joins.append(time.monotonic())
                    self.in_room.set()
                    if beat is None:
                        beat = asyncio.create_task(self._heartbeats(ws, message["heartbeat"]))
                elif kind == "chat.message":
                    self.chat.append(message["message"]["text"])
                elif kind == "session.ended":
                    self.ended.set()
        except ConnectionClosed:
            pass
        finally:
            if beat is not None:
                beat.cancel()
            self.in_room.clear()
        return ws.close_code or 1006

    async def _heartbeats(self, ws, seconds):
        while True:
            await asyncio.sleep(max(1, seconds))
            await ws.send(json.dumps({"type": "heartbeat"}))

    async def send(self, message: dict):
        await self.ws.send(json.dumps(message))

    async def stop(self):
        self.stopped = True
        if self.ws is not None:
            await self.ws.close()


def two_worker_room(env: dict[str, str], log_dir, *, students: int):
    """One live session of `students`, two Daphne workers started on `env`, and a RoomClient
    per student (quick backoff) whose first try goes to worker i % 2 and who fails over to the
    other. Returns (room, workers, clients); the caller runs the clients and stops the workers."""
    from tests.resilience.servers import Daphne, make_rooms

    [room] = make_rooms(env, rooms=1, students=students, seconds=600)
    workers = [Daphne(env, log_dir / f"daphne{i}.log").start() for i in range(2)]
    urls = [w.ws_url(room["session"]) for w in workers]
    origins = [w.url for w in workers]
    clients = [
        RoomClient(urls, s["cookie"], origins, base=0.25, cap=2.0, first=i)
        for i, s in enumerate(room["students"])
    ]
    return room, workers, clients
