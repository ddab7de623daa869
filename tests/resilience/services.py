"""Private Redis and PostgreSQL instances for fault tests, on free loopback ports.

Fault tests stop and restart these; they never touch the shared services on 6379/5432.
Outside CI a missing binary skips the test with the reason; in CI it fails it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.resilience.servers import HOST, free_port

IN_CI = bool(os.environ.get("CI"))


def require(what: str, found) -> None:
    if not found:
        message = f"{what} is not installed"
        if IN_CI:
            pytest.fail(message + ", and CI must run the fault tests")
        pytest.skip(message)


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateRedis:
    """redis-server on its own port, without persistence: a restart loses every key, as a
    crashed or replaced Redis does."""

    def __init__(self, port: int | None = None):
        self.binary = shutil.which("redis-server")
        require("redis-server", self.binary)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", HOST, "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"private redis-server on {self.port} did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb) owned by the `postgres` OS user, trust auth,
    listening on loopback only. Its folder is a fresh one under the system temp folder: the
    `postgres` user must be able to reach it, which pytest's private tmp_path does not allow."""

    def __init__(self, port: int | None = None):
        self.bin = _pg_bin()
        require("PostgreSQL server binaries (/usr/lib/postgresql/*/bin)", self.bin)
        self.port = port or free_port()
        self.base = Path(tempfile.mkdtemp(prefix="hoctiep-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "sockets"
        self.log = self.base / "postgres.log"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, name: str = "hoctiep") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def _run(self, *args: str, timeout: int = 60) -> None:
        subprocess.run([*self.as_postgres, *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> PrivatePostgres:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        return self

    def start(self) -> PrivatePostgres:
        options = (
            f"-p {self.port} -c listen_addresses={HOST} -k {self.sockets} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                  "-o", options, "-w", "-t", "30", "start")  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)

    def createdb(self, name: str) -> None:
        self._run(str(self.bin / "createdb"), "-h", HOST, "-p", str(self.port), "-U", "postgres",
                  name)  # fmt: skip


# Fault tests start their own servers and services, so one CI pass is enough: they run in the
# first (embedded) pass, and here when RESILIENCE_TESTS is set.
fault_test = pytest.mark.skipif(
    not (os.environ.get("RESILIENCE_TESTS") or (IN_CI and not os.environ.get("DATABASE_URL"))),
    reason="fault test: runs in CI's first pass, or here with RESILIENCE_TESTS=1",
)
