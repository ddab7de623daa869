"""Browser tests: a real Daphne server on a fresh SQLite database, driven by Debian's Chromium.

The server is built the way a user builds it (`migrate`, `seed_demo`, `daphne`), in its own
process with its own database, so these tests never use pytest-django's `db` fixture.

Outside CI a missing Chromium or Playwright skips the e2e tests with the reason; in CI (`CI`
set) it is a failure, because CI must run them.
"""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import E2E_NOW

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
HOST = "127.0.0.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
SERVER_START_TIMEOUT = 60
COMMAND_TIMEOUT = 180
CLOCKED = Path(__file__).with_name("clocked.py")


def _missing_requirement() -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "Playwright for Python is not installed (pip install -r requirements-dev.txt)."
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)."
    return None


@pytest.fixture(scope="session", autouse=True)
def e2e_requirements():
    """Skip (outside CI) or fail (in CI) every e2e test when the browser stack is missing."""
    reason = _missing_requirement()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"e2e tests must run in CI, but: {reason}", pytrace=False)
        pytest.skip(f"e2e tests skipped: {reason}")


@dataclass
class LiveServer:
    url: str
    log_path: Path
    db_path: Path | None = None

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the server's SQLite database directly (to find a record a test needs)."""
        import sqlite3

        with sqlite3.connect(self.db_path) as connection:
            return connection.execute(sql, params).fetchall()

    def log_tail(self, chars: int = 6000) -> str:
        """The end of Daphne's stderr: where a traceback of a 500 ends up."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no server log)"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _server_env(tmp: Path) -> dict[str, str]:
    env = os.environ.copy()
    # Always SQLite + in-memory channel layer and cache, whatever the caller's shell has.
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
        DATABASE_URL=f"sqlite:///{tmp / 'e2e.db'}",
        MEDIA_ROOT=str(tmp / "media"),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        E2E_NOW=E2E_NOW.isoformat(),
    )
    return env


def _manage(*args: str, env: dict[str, str]) -> None:
    cmd = [sys.executable, str(CLOCKED), "manage.py", *args]
    try:
        result = subprocess.run(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`{' '.join(cmd)}` took more than {COMMAND_TIMEOUT} s: {exc}", pytrace=False)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(cmd)}` failed with exit code {result.returncode}:\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}",
            pytrace=False,
        )


def _wait_until_up(proc: subprocess.Popen, server: LiveServer) -> None:
    login_url = f"{server.url}/accounts/login/"
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    last_error = ""
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"Daphne exited with code {proc.returncode} before answering:\n{server.log_tail()}",
                pytrace=False,
            )
        try:
            with urllib.request.urlopen(login_url, timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
                last_error = f"HTTP {response.status}"
        except urllib.error.HTTPError as exc:
            last_error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            last_error = str(exc)
        time.sleep(0.25)
    pytest.fail(
        f"{login_url} did not answer 200 within {SERVER_START_TIMEOUT} s "
        f"(last: {last_error}). Daphne's stderr:\n{server.log_tail()}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def live_server_e2e(e2e_requirements, tmp_path_factory):
    """Migrate and seed a fresh SQLite database, then serve it with Daphne on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("e2e")
    env = _server_env(tmp)
    _manage("migrate", "--noinput", env=env)
    _manage("seed_demo", env=env)

    daphne = Path(sys.executable).parent / "daphne"
    if not daphne.exists():
        found = shutil.which("daphne")
        if not found:
            pytest.fail(f"daphne not found next to {sys.executable}", pytrace=False)
        daphne = Path(found)
    port = _free_port()
    server = LiveServer(
        url=f"http://{HOST}:{port}", log_path=tmp / "daphne.log", db_path=tmp / "e2e.db"
    )
    with server.log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, str(CLOCKED), str(daphne), "-b", HOST, "-p", str(port)]
            + ["lms.asgi:application"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    # A background worker beside it, as `make run` has (closure notices, coverage rollups).
    # Not the scheduler: the tests decide when periodic work (the reaper, the rollup) happens.
    with (tmp / "worker.log").open("wb") as log:
        worker = subprocess.Popen(
            [sys.executable, str(CLOCKED), "manage.py", "run_worker"]
            + ["--no-reload", "--interval", "0.2", "--no-startup-delay"],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_up(proc, server)
        yield server
    finally:
        for process in (proc, worker):
            process.terminate()
        for process in (proc, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(e2e_requirements):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server_e2e):
    """A fresh phone-sized, Vietnamese-speaking browser context for each test.

    Every response of 400 or more (bar the favicon) is recorded in `page.bad_responses`, so that
    a test can assert that the page and its styles loaded.
    """
    context = browser.new_context(viewport=PHONE_VIEWPORT, locale="vi-VN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    bad_responses: list[str] = []

    def record(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            bad_responses.append(f"{response.status} {response.request.method} {response.url}")

    page.on("response", record)
    page.bad_responses = bad_responses
    try:
        yield page
    finally:
        context.close()
