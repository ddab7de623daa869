"""A province-wide closure at province scale, on PostgreSQL, with 1 and 2 background workers.

    .venv/bin/python bench/closure_fanout.py [--database-url postgres://…/hoctiep_fanout]
        [--scale 1.0] [--days 5] [--runs 3] [--workers 1 2] [--reuse] [--request-only N]

It drops and recreates the database (unless --reuse finds a generated province), migrates and
runs `generate_province` (408 schools, 6,122 classes, 166,808 students, times --scale; --days
school days of history, no rollup), then gives every student an e-mail address. For each worker
count it starts that many `manage.py run_worker` processes (e-mail to files: Django's file
backend, counted afterwards), and --runs times: declares a province-wide closure as the province
officer through Django's test Client (the request's time: what the officer waits for), then
waits until every fan-out chunk is done and no e-mail is waiting (the time until every notice
and e-mail is out), counts notices and messages, and cancels the closure without fan-out
timing. It prints each run and the medians. Only loopback services are used.

--request-only N times N declaring requests with no worker running (each closure and its
queued tasks deleted after it): the officer's wait at full scale, where one fan-out takes long.
"""

import argparse
import datetime
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# bench/coverage.py's helpers, loaded under another name (`coverage` is also our app).
_spec = importlib.util.spec_from_file_location(
    "bench_coverage", Path(__file__).with_name("coverage.py")
)
_helpers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_helpers)
ROOT, percentile, province_prepare, run = (
    _helpers.ROOT,
    _helpers.percentile,
    _helpers.province_prepare,
    _helpers.run,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hoctiep_fanout"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument(
        "--request-only",
        type=int,
        metavar="N",
        help="declare N province-wide closures with no worker running and time the requests "
        "only (the full province's fan-out takes long); each closure and its queued tasks are "
        "removed after its request",
    )
    args = parser.parse_args()

    maildir = Path(tempfile.mkdtemp(prefix="fanout-mail-"))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
        DEBUG="false",
        DATABASE_URL=args.database_url,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        EMAIL_URL=f"filemail:///{maildir}",
    )
    os.environ.update(env)
    print(f"database: {args.database_url}")
    province_prepare(args, env, f"--days={args.days}", "--no-rollup")
    try:
        if args.request_only:
            measure_requests(args.request_only)
        else:
            measure(args, env, maildir)
    finally:
        shutil.rmtree(maildir, ignore_errors=True)


def _declare(client) -> float:
    """Declare a province-wide closure as the officer; the request's time in seconds."""
    from django.utils import timezone

    today = timezone.localdate()
    data = {
        "scope": "province", "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=4)).isoformat(), "reason": "flood",
    }  # fmt: skip
    started = time.perf_counter()
    response = client.post("/closures/new/", data)
    answered = time.perf_counter() - started
    assert response.status_code == 302, response.content[:500]
    return answered


def measure_requests(n: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from accounts.models import Role, User
    from classrooms.models import Classroom, Closure

    officer = User.objects.filter(role=Role.PROVINCE_OFFICER).first()
    students = User.objects.filter(role=Role.STUDENT, is_active=True).count()
    print(f"classes: {Classroom.objects.count()}, students: {students}")
    client = Client()
    client.force_login(officer)
    client.get("/closures/new/")  # the form the officer fills in: imports, URLs, templates warm
    times = []
    for run in range(n):
        before = set(DBTaskResult.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            answered = _declare(client)
        times.append(answered)
        print(f"run={run + 1}: request {answered * 1000:.0f} ms, {len(queries)} queries")
        DBTaskResult.objects.filter(status=TaskResultStatus.READY).exclude(pk__in=before).delete()
        Closure.objects.filter(pk=Closure.objects.latest("pk").pk).delete()
    print()
    print(
        f"declaring request, {n} runs: p50 {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {percentile(times, 95) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms"
    )


def measure(args, env, maildir: Path) -> None:
    from django.db import connection
    from django.test import Client

    from accounts.models import Notice, Role, User
    from classrooms.models import Closure, ClosureEmail, FanoutChunk

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET email = username || '@example.vn' "
            "WHERE role = 'student' AND email = ''"
        )
    people = User.objects.filter(role=Role.STUDENT, is_active=True).count()
    officer = User.objects.filter(role=Role.PROVINCE_OFFICER).first()
    client = Client()
    client.force_login(officer)
    client.get("/closures/new/")  # the form the officer fills in: imports, URLs, templates warm
    print(f"students with e-mail: {people}")

    results = {}
    for workers in args.workers:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "manage.py",
                    "run_worker",
                    "--no-reload",
                    "--interval",
                    "0.2",
                    "--worker-id",
                    f"bench-{workers}-{i}",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            for i in range(workers)
        ]
        requests, totals = [], []
        try:
            for n in range(args.runs):
                shutil.rmtree(maildir, ignore_errors=True)
                maildir.mkdir()
                Closure.objects.all().delete()  # notices stay keyed per closure: clear them too
                Notice.objects.filter(kind="closure").delete()
                started = time.perf_counter()
                answered = _declare(client)
                closure = Closure.objects.latest("pk")
                while True:
                    chunks = FanoutChunk.objects.filter(change__closure=closure)
                    planned = chunks.exists()
                    undone = chunks.filter(done_at__isnull=True).count()
                    waiting = ClosureEmail.objects.filter(
                        change__closure=closure, status="pending"
                    ).count()
                    if planned and not undone and not waiting:
                        break
                    time.sleep(0.2)
                out = time.perf_counter() - started
                notices = Notice.objects.filter(kind="closure", key=f"closure:{closure.pk}").count()
                messages = sum(
                    p.read_text(errors="replace").count("\nMessage-ID: ") for p in maildir.iterdir()
                )
                sent = ClosureEmail.objects.filter(change__closure=closure, status="sent").count()
                requests.append(answered)
                totals.append(out)
                print(
                    f"workers={workers} run={n + 1}: request {answered * 1000:.0f} ms, "
                    f"all out {out:.1f} s, notices {notices}, e-mails sent {sent}, "
                    f"messages in files {messages}"
                )
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(timeout=60)
        results[workers] = (requests, totals)
    print()
    print(
        "| workers | declaring request p50 / p95 (ms) | all notices and e-mails out, median (s) |"
    )
    print("| ---: | ---: | ---: |")
    for workers, (requests, totals) in results.items():
        print(
            f"| {workers} | {statistics.median(requests) * 1000:.0f} / "
            f"{percentile(requests, 95) * 1000:.0f} | {statistics.median(totals):.1f} |"
        )


if __name__ == "__main__":
    main()
