"""`make run`'s process set (Procfile.dev under honcho) on the embedded default: Daphne, a worker
and the scheduler start together, a closure declared in the demo reaches the guardians' notices
with no other command, and Ctrl-C stops all three.

Marked e2e (it builds the demo database like the browser tests, so it runs once in CI, on
SQLite, in the first pass)."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DECLARE = """
import datetime
from django.utils import timezone
from accounts.models import User
from classrooms.closures.services import closure_declare
bgh = User.objects.get(username="bgh")
today = timezone.localdate()
closure_declare(by=bgh, scope="school", school=bgh.school, starts_on=today,
                ends_on=today + datetime.timedelta(days=2), reason="flood")
"""
GUARDIAN_CLOSURE_NOTICES = """
    SELECT COUNT(*) FROM accounts_notice n JOIN accounts_user u ON u.id = n.user_id
    WHERE u.role = 'guardian' AND n.kind = 'closure'
"""

SUCCESSFUL_TASKS = (
    "SELECT DISTINCT task_path FROM django_tasks_database_dbtaskresult WHERE status = 'SUCCESSFUL'"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _manage(env, *args, timeout=300):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=env, check=True,
        capture_output=True, timeout=timeout,
    )  # fmt: skip


def test_procfile_dev_runs_web_worker_and_scheduler_and_stops_them_together(tmp_path):
    db = tmp_path / "run.db"
    port = _free_port()
    env = os.environ.copy()
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
        DATABASE_URL=f"sqlite:///{db}",
        MEDIA_ROOT=str(tmp_path / "media"),
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        HOCTIEP_PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "seed_demo")
    with (tmp_path / "honcho.log").open("wb") as log:
        honcho = subprocess.Popen(
            [str(VENV_BIN / "honcho"), "-f", "Procfile.dev", "start"],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:  # noqa: S310
                    if r.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp_path / "honcho.log").read_text()[-3000:]
            time.sleep(0.5)
        _manage(env, "shell", "-c", DECLARE)
        deadline = time.monotonic() + 90
        periodic = {
            "classrooms.live.tasks.close_stale_attendance",
            "coverage.tasks.rollup_incremental",
        }
        with sqlite3.connect(db, timeout=20) as connection:
            while True:
                notices = connection.execute(GUARDIAN_CLOSURE_NOTICES).fetchone()[0]
                # The scheduler queued the periodic jobs and the worker ran them.
                ran = {p for (p,) in connection.execute(SUCCESSFUL_TASKS)}
                if notices and periodic <= ran:
                    break
                assert time.monotonic() < deadline, (
                    notices,
                    ran,
                    (tmp_path / "honcho.log").read_text()[-3000:],
                )
                time.sleep(0.5)
    finally:
        # Ctrl-C in the terminal: SIGINT to the whole foreground group.
        os.killpg(honcho.pid, signal.SIGINT)
        try:
            honcho.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(honcho.pid, signal.SIGKILL)
            raise
    # Daphne, the worker and the scheduler are gone with it: nothing left in the group.
    time.sleep(1)
    with pytest.raises(ProcessLookupError):
        os.killpg(honcho.pid, 0)
