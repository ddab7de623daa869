"""Real Daphne processes on a migrated SQLite file, and websocket clients for them.

Shared by the live room's multi-process tests (tests/classrooms/live/test_two_workers.py,
tests/resilience/test_kill_worker.py) and bench/live_room.py. Everything listens on loopback.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_env(db_path: Path, *, conn_max_age: int = 0, **extra: str) -> dict[str, str]:
    """Laptop settings on the given SQLite file; the in-memory layer unless REDIS_URL is given.
    `conn_max_age` keeps each thread's database connection, as production's CONN_MAX_AGE does
    (dev opens one per database call, which costs a third of a handshake on SQLite)."""
    env = os.environ.copy()
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
        DEBUG="false",
        DATABASE_URL=f"sqlite:///{db_path}"
        + (f"?conn_max_age={conn_max_age}" if conn_max_age else ""),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"manage.py {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return result.stdout


def migrated_sqlite(base: Path, target: Path) -> Path:
    """A migrated SQLite file at target; the migration runs once per base folder."""
    template = base / "live-template.sqlite3"
    if not template.exists():
        partial = base / "live-template.partial.sqlite3"
        partial.unlink(missing_ok=True)
        manage("migrate", "--noinput", "-v0", env=server_env(partial))
        partial.rename(template)
    shutil.copyfile(template, target)
    return target


ROOM_SCRIPT = """
import datetime, json
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from django.contrib.auth.hashers import make_password
from accounts.models import User
from tests.factories import PASSWORD, EnrollmentFactory, LiveSessionFactory

# One slow hash for everyone: a thousand students must not take minutes of PBKDF2.
_hash = make_password(PASSWORD)
User.set_password = lambda self, raw: setattr(self, "password", _hash)
spec = json.loads(SPEC)
def cookie(user):
    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.save()
    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}"
now = timezone.now()
rooms = []
for _ in range(spec["rooms"]):
    session = LiveSessionFactory(
        status="live", started_at=now, starts_at=now,
        ends_at=now + datetime.timedelta(seconds=spec["seconds"]),
    )
    students = [EnrollmentFactory(classroom=session.classroom).student
                for _ in range(spec["students"])]
    rooms.append({
        "session": session.pk,
        "teacher": {"id": session.teacher_id, "cookie": cookie(session.teacher)},
        "students": [{"id": s.pk, "cookie": cookie(s)} for s in students],
    })
print("ROOMS=" + json.dumps(rooms))
"""


def sqlite_rows(db: Path):
    """rows(sql, *params): run a query (`?` placeholders) on the servers' SQLite database."""

    def rows(sql: str, *params):
        with sqlite3.connect(db) as conn:
            return conn.execute(sql, params).fetchall()

    return rows


def make_rooms(env: dict[str, str], *, rooms: int, students: int, seconds: int = 2700) -> list:
    """Live sessions with a teacher and enrolled students, and a signed-in cookie for each."""
    spec = json.dumps({"rooms": rooms, "students": students, "seconds": seconds})
    script = f"SPEC = {spec!r}\n{ROOM_SCRIPT}"
    # About 1.2 s a room of 40 here (bench/scale.py's 10,000 students took 297 s).
    out = manage("shell", "-c", script, env=env, timeout=max(300, 3 * rooms * students // 40))
    line = next(x for x in out.splitlines() if x.startswith("ROOMS="))
    return json.loads(line[len("ROOMS=") :])


def deployed_daphne_options() -> list[str]:
    """The Daphne options production runs with (Procfile and the systemd unit, which must
    agree), less the proxy header; the address and port a test server sets itself become
    "{host}" and "{port}" in the listening endpoint (`-e tcp:port=…:interface=…:backlog=…`)."""
    procfile = (REPO_ROOT / "Procfile").read_text()
    unit = (REPO_ROOT / "deploy" / "systemd" / "hoctiep-daphne@.service").read_text()
    found = []
    for line in procfile.splitlines():
        if line.startswith("web1:"):
            found.append(line.split(":", 1)[1])
    found += [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("ExecStart=")]
    parsed = []
    for command in found:
        words = shlex.split(command)[1:-1]  # without daphne and the application
        options, skip = [], False
        for word in words:
            if skip or word == "--proxy-headers":
                skip = False
                continue
            if word in ("-b", "-p"):
                skip = True
                continue
            if options and options[-1] == "-e":
                word = re.sub(r"port=[^:]+", "port={port}", word)
                word = re.sub(r"interface=[^:]+", "interface={host}", word)
            options.append(word)
        parsed.append(options)
    if len(parsed) != 2 or parsed[0] != parsed[1]:
        raise RuntimeError(
            f"Procfile and hoctiep-daphne@.service disagree on Daphne's options: {parsed}"
        )
    return parsed[0]


def listen_backlog(port: int) -> int | None:
    """The accept queue's size of the socket listening on `port` on loopback (ss's Send-Q), or
    None without `ss` (iproute2)."""
    if not shutil.which("ss"):
        return None
    out = subprocess.run(
        ["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=False
    ).stdout.split()
    return int(out[2]) if len(out) > 2 else None


class Daphne:
    """One Daphne process serving lms.asgi on a fixed port, with production's Daphne options;
    can be killed and restarted."""

    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None):
        self.env, self.log_path = env, log_path
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.options = deployed_daphne_options()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def ws_url(self, session_id: int) -> str:
        return f"ws://{HOST}:{self.port}/ws/sessions/{session_id}/"

    def listening_options(self) -> list[str]:
        """Production's options, listening on this server's address and port."""
        options = [option.format(host=HOST, port=self.port) for option in self.options]
        return options if "-e" in options else [*options, "-b", HOST, "-p", str(self.port)]

    def start(self, app: str = "lms.asgi:application") -> Daphne:
        daphne = Path(sys.executable).parent / "daphne"
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(daphne), *self.listening_options(), app],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/accounts/login/", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError:
                return  # it answers
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"daphne on {self.port} did not answer:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no disconnect handler runs, as when a worker dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


async def ws_connect(url: str, cookie: str, origin: str, *, open_timeout: float = 10):
    """A websocket to the room, signed in by cookie (never through a proxy)."""
    from websockets.asyncio.client import connect

    return await connect(
        url,
        origin=origin,
        additional_headers={"Cookie": cookie},
        proxy=None,
        open_timeout=open_timeout,
        ping_interval=None,
        max_queue=None,
    )
