"""Page weight and server time of a lesson page, as a student on a phone gets it.

Builds a production-like server on loopback: a fresh SQLite database with `seed_demo`,
`collectstatic` with WhiteNoise's compressed manifest storage, DEBUG off, one Daphne process.
Then:

1. Weight: Debian's Chromium signs in as the demo student and opens each demo lesson assigned
   to 9A; every response is summed by its transferred (compressed) size, by kind. Images the
   teacher added are reported apart and not counted (issue budget: 150 KB without them).
   Requests to any origin but the server are third-party requests (budget: none), and a
   stylesheet or a script without `defer`/`async` in <head> from another origin would be
   render-blocking.
2. Server time: N sequential GETs of each lesson page with the student's session, against the
   sign-in page as the baseline in the same run; p50 and p95, and the ratio of medians.

    .venv/bin/python bench/lesson_weight.py [--requests 300]
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
STUDENT, PASSWORD = "hocsinh", "HocTiep@2026"
BUDGET_KB = 150


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def timed_gets(url: str, cookie: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback only)
        start = time.perf_counter()
        with urllib.request.urlopen(request) as response:  # noqa: S310 (loopback only)
            response.read()
            assert response.status == 200, url
        times.append((time.perf_counter() - start) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="lesson-weight-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings.base",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
        "STATIC_ROOT": str(tmp / "static"),
        "MEDIA_ROOT": str(tmp / "media"),
        "EMAIL_URL": "consolemail://",
    }
    env.pop("REDIS_URL", None)
    print("Preparing: migrate, seed_demo, collectstatic …", flush=True)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo", "--quiet")
    manage(env, "collectstatic", "--noinput")
    daphne = subprocess.Popen(
        [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "lms.asgi:application"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp / "daphne.log", "wb"),
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/accounts/login/")  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            form = page.locator("form", has=page.locator("input[name=password]"))
            form.locator("input[name=login]").fill(STUDENT)
            form.locator("input[name=password]").fill(PASSWORD)
            with page.expect_navigation():
                form.locator("button[type=submit]").click()
            page.goto(f"{base}/lessons/")
            lessons = page.eval_on_selector_all(
                "table.lesson-rows a", "links => links.map(a => [a.textContent, a.href])"
            )
            cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            print(f"\nWeight of each lesson assigned to 9A (budget {BUDGET_KB} KB without images)")
            print(f"{'lesson':52} {'html':>7} {'css':>7} {'js':>7} {'fonts':>7} {'total':>8} "
                  f"{'images':>8} {'3rd-party':>9}")  # fmt: skip
            for title, url in lessons:
                fresh = browser.new_context(viewport={"width": 390, "height": 844})
                fresh.add_cookies(context.cookies())
                tab = fresh.new_page()
                responses = []
                tab.on("requestfinished", lambda r: responses.append(r))  # noqa: B023
                tab.goto(url, wait_until="networkidle")
                kinds = {"document": 0, "stylesheet": 0, "script": 0, "font": 0, "image": 0}
                third_party = 0
                for request in responses:
                    if not request.url.startswith(base):
                        third_party += 1
                    size = request.sizes()
                    transferred = size["responseBodySize"] + size["responseHeadersSize"]
                    kind = request.resource_type if request.resource_type in kinds else "document"
                    kinds[kind] += transferred
                total = sum(v for k, v in kinds.items() if k != "image")
                print(f"{title[:52]:52} " + " ".join(
                    f"{kinds[k] / 1024:6.1f}K" for k in ("document", "stylesheet", "script", "font")
                ) + f" {total / 1024:7.1f}K {kinds['image'] / 1024:7.1f}K {third_party:9d}"
                      + ("" if total / 1024 < BUDGET_KB else "  OVER BUDGET"))  # fmt: skip
                fresh.close()
            browser.close()

        print(f"\nServer time, {args.requests} sequential GETs each (ms)")
        baseline = timed_gets(f"{base}/accounts/login/", "", args.requests)
        b50 = statistics.median(baseline)
        print(f"{'sign-in page (baseline)':52} p50 {b50:6.1f}  p95 {percentile(baseline, 95):6.1f}")
        for title, url in lessons:
            times = timed_gets(url, cookie, args.requests)
            m = statistics.median(times)
            print(f"{title[:52]:52} p50 {m:6.1f}  p95 {percentile(times, 95):6.1f}  "
                  f"×{m / b50:.2f} of baseline")  # fmt: skip
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)


if __name__ == "__main__":
    main()
