"""Coverage dashboards and API at province scale, on PostgreSQL.

    .venv/bin/python bench/coverage.py [--database-url postgres://postgres@127.0.0.1:5432/hoctiep_bench]
        [--scale 1.0] [--requests 40] [--reuse]

It drops and recreates the database (unless --reuse finds a generated province in it),
migrates, and runs `generate_province` (408 schools, 6,122 classes, 166,808 students and 60
school days of sessions and attendance under a province closure, times --scale) in a
subprocess, as an operator would; that includes the full rollup. Then, in this process with
Django's test Client (server time, no network), it times --requests GETs of every dashboard
page and API response at each drill-down level (province, district, school, class with its
students) for the province officer, and for a district officer and a school admin at their
own levels, against a trivial signed-in page in the same run (the API token page: session,
one query, a small template). Before the pages it times rollups: the full period, one day of
the whole province, one class over the period, and the incremental run after one session
ends. The full rollups rewrite every rollup row; this PostgreSQL runs with autovacuum off, so
after timing the province's first dashboard views on that bloated table, the bench runs the
VACUUM ANALYZE that autovacuum would, then times every page. The start dashboards are timed
three ways: cached (repeat views), "uncached" (their cache entry deleted before every GET: what
a view the rollup did not warm costs) and "first view after a rollup" (before every GET, the
rollup task of one class of the drill-down school runs as a worker runs it, warming included).
Targets: p95 < 300 ms at every level; a start dashboard's first view after a rollup < 100 ms
(issue 17 item 4). Only loopback services are used.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/hoctiep_bench"
TARGET_MS = 300
FIRST_VIEW_MS = 100  # a start dashboard's first view after a rollup (issue 17 item 4)


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    assert parsed.hostname in ("127.0.0.1", "localhost", "::1"), "loopback only"
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def run(env: dict, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-4000:]}")
    return elapsed, result.stdout


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def time_get(client, url: str, n: int, warmup: int = 3, before=None) -> list[float]:
    for _ in range(warmup):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(n):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def province_prepare(args, env: dict, *generate_options: str) -> None:
    """The generated province in args.database_url: kept with --reuse when one is there
    (migrated to today's schema), else the database is recreated and generated at args.scale.
    Leaves Django set up on that database."""
    import django

    generated = False
    if args.reuse:
        django.setup()
        from classrooms.models import School

        try:
            generated = School.objects.filter(code__startswith="GP").exists()
        except Exception:  # noqa: BLE001 - no tables yet
            generated = False
    if generated:
        elapsed, _ = run(env, "migrate", "-v0")  # the rollup table may have changed since
    else:
        recreate_database(args.database_url)
        elapsed, _ = run(env, "migrate", "-v0")
        print(f"migrate: {elapsed:.1f} s")
        sizes = {"schools": 408, "classes": 6122, "students": 166_808}
        scaled = [f"--{k}={max(1, round(v * args.scale))}" for k, v in sizes.items()]
        elapsed, out = run(env, "generate_province", *scaled, *generate_options)
        print(out.rstrip())
        print(f"generate_province (incl. start-up): {elapsed:.1f} s")
    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="Keep a generated province.")
    args = parser.parse_args()

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
        DEBUG="false",
        DATABASE_URL=args.database_url,
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
    )
    os.environ.update(env)
    print(f"database: {args.database_url}")

    province_prepare(args, env)
    measure(args)


def measure(args) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from accounts.models import Role, User
    from classrooms.models import Classroom, Closure, LiveSession, School
    from coverage import tasks as coverage_tasks
    from coverage.models import DailyCoverage
    from coverage.services import rollup, rollup_incremental

    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        print("server:", cursor.fetchone()[0].split(",")[0])
    print(
        f"data: {School.objects.count()} schools, {Classroom.objects.count()} classes, "
        f"{User.objects.filter(role=Role.STUDENT).count()} students, "
        f"{LiveSession.objects.count()} sessions, {DailyCoverage.objects.count()} rollup rows"
    )
    closure = Closure.objects.get(scope="province")
    today = timezone.localdate()
    whole = {"start": closure.starts_on.isoformat(), "end": today.isoformat()}

    # The biggest district, its biggest school, that school's biggest class.
    school = (
        School.objects.filter(code__startswith="GP")
        .annotate(n=Count("classrooms"))
        .order_by("-n", "pk")
        .first()
    )
    district = school.district
    classroom = (
        Classroom.objects.filter(school=school)
        .annotate(n=Count("enrollments"))
        .order_by("-n", "pk")
        .first()
    )
    officer = User.objects.get(username="gp.sgd")
    district_officer = User.objects.get(username=f"gp.pgd.{district.code}")
    school_admin = User.objects.filter(role=Role.SCHOOL_ADMIN, school=school).first()
    print(
        f"drill-down: {district.name} ({district.schools.count()} schools) → {school.name} "
        f"({school.classrooms.count()} classes) → {classroom.name} ({classroom.n} students)"
    )

    def api(name, **kwargs):
        return reverse(f"coverage_api:{name}", kwargs=kwargs)

    def page(name, **kwargs):
        return reverse(f"coverage:{name}", kwargs=kwargs)

    def q(url, params=None):
        from urllib.parse import urlencode

        return f"{url}?{urlencode(params)}" if params else url

    cases = [  # (who, level, kind, label, url)
        (officer, "baseline", "page", "API token page", api("token")),
        (officer, "province", "dashboard", "dashboard, last 14 days", page("dashboard")),
        (officer, "province", "dashboard", "dashboard, whole closure", q(page("dashboard"), whole)),
        (officer, "province", "API", "summary", api("summary")),
        (officer, "province", "API", "summary, whole closure", q(api("summary"), whole)),
        (officer, "province", "API", "districts", api("districts")),
        (officer, "province", "API", "all schools", api("schools")),
        (officer, "province", "API", "students at risk", api("at_risk")),
        (officer, "province", "API", "schools needing attention", api("attention")),
        (officer, "district", "dashboard", "district page", page("district", pk=district.pk)),
        (officer, "district", "API", "district's schools",
         api("district_schools", district_id=district.pk)),
        (officer, "school", "dashboard", "school page", page("school", pk=school.pk)),
        (officer, "school", "API", "school's classes", api("school_classes", school_id=school.pk)),
        (officer, "class", "dashboard", "class page (students)",
         page("classroom", pk=classroom.pk)),
        (officer, "class", "API", "class's students",
         api("class_students", classroom_id=classroom.pk)),
        (officer, "class", "API", "class's students, whole closure",
         q(api("class_students", classroom_id=classroom.pk), whole)),
        (district_officer, "district", "dashboard", "district officer: dashboard",
         page("dashboard")),
        (district_officer, "district", "API", "district officer: summary", api("summary")),
        (district_officer, "district", "API", "district officer: students at risk",
         api("at_risk")),
        (school_admin, "school", "dashboard", "school admin: dashboard", page("dashboard")),
        (school_admin, "school", "API", "school admin: summary", api("summary")),
    ]  # fmt: skip
    # The start dashboards cache their figures until the next rollup run (or 5 minutes): time
    # them also with that cache entry deleted before every GET, i.e. every request is a first
    # request after a rollup.
    uncached = [
        (officer, "province", "dashboard", "dashboard, last 14 days, uncached", page("dashboard")),
        (officer, "province", "dashboard", "dashboard, whole closure, uncached",
         q(page("dashboard"), whole)),
        (district_officer, "district", "dashboard", "district officer: dashboard, uncached",
         page("dashboard")),
        (school_admin, "school", "dashboard", "school admin: dashboard, uncached",
         page("dashboard")),
    ]  # fmt: skip
    # The first view after a rollup: before every GET, the rollup task of one class of the
    # drill-down school runs as a worker runs it (rollup, then the start dashboards it changed
    # computed again: the province's, the district's and the school's, default view and the
    # filter sets viewed lately: the whole closure was, in the rows above).
    after_rollup = [
        (officer, "province", "dashboard", "dashboard, first view after a rollup",
         page("dashboard")),
        (officer, "province", "dashboard", "dashboard, whole closure, first view after a rollup",
         q(page("dashboard"), whole)),
        (district_officer, "district", "dashboard",
         "district officer: dashboard, first view after a rollup", page("dashboard")),
        (school_admin, "school", "dashboard", "school admin: dashboard, first view after a rollup",
         page("dashboard")),
    ]  # fmt: skip
    cases += [(*case, "forget") for case in uncached]
    cases += [(*case, "rollup") for case in after_rollup]
    cases = [case if len(case) == 6 else (*case, None) for case in cases]
    # Rollups first: on a reused database this also brings the rollup up to date.
    print()
    print("rollups:")
    timings = []

    def timed(label, fn):
        started = time.perf_counter()
        rows = fn()
        elapsed = time.perf_counter() - started
        timings.append((label, rows, elapsed))
        print(f"| {label} | {rows:,} | {elapsed:.2f} s |")

    print("| rollup | class-days written | time |")
    print("| --- | ---: | ---: |")
    last_day = (
        DailyCoverage.objects.filter(date__lte=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    timed(
        "full: every class, the whole closure",
        lambda: rollup(since=closure.starts_on, until=today),
    )
    timed("one day, every class", lambda: rollup(dates=[last_day]))
    timed(
        "one class, the whole closure",
        lambda: rollup(since=closure.starts_on, classroom_ids=[classroom.pk]),
    )
    session = (
        LiveSession.objects.filter(classroom=classroom, status="ended", starts_at__date__lte=today)
        .order_by("-starts_at")
        .first()
    )
    LiveSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    timed("incremental: after one session ends", lambda: rollup_incremental())
    timed("incremental: nothing new", lambda: rollup_incremental())
    waiting = DBTaskResult.objects.ready().filter(task_path__startswith="coverage.tasks.").count()
    if waiting:
        print(f"{waiting} rollup tasks wait on the queue: the tasks below will not warm pages")

    def rollup_task():
        return coverage_tasks.rollup_class_days.func([[classroom.pk, last_day.isoformat()]])

    timed("one class and one day, as its task runs it (rollup + warming 3 pages)", rollup_task)

    def forget_start_page(who, url):
        from urllib.parse import urlparse

        from django.core.cache import cache
        from django.http import QueryDict

        from coverage.selectors import filters_from_params
        from coverage.start_pages import start_page_cache_key

        filters = filters_from_params(QueryDict(urlparse(url).query))
        return lambda: cache.delete(start_page_cache_key(user=who, filters=filters))

    clients = {}
    results = []

    def vacuum():
        # PostgreSQL's default autovacuum (and autoanalyze) would clean up after the full
        # rollups above rewrote every rollup row; this server runs with autovacuum off, so
        # the bench does it once. The two "before VACUUM" rows show the first views while
        # the dead row versions are still there.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE coverage_dailycoverage, coverage_atriskstudent")
        print(f"\nVACUUM ANALYZE of the rollup tables: {time.perf_counter() - started:.1f} s")

    bloated = [case for case in cases if case[5] == "forget"][:2]
    cases = [(who, level, kind, f"{label}, before VACUUM", url, cold)
             for who, level, kind, label, url, cold in bloated] + [None] + cases  # fmt: skip
    for case in cases:
        if case is None:
            vacuum()
            continue
        who, level, kind, label, url, cold = case
        client = clients.get(who.pk)
        if client is None:
            client = clients[who.pk] = Client()
            client.force_login(who)
        if cold == "forget":
            before = forget_start_page(who, url)
        else:
            before = rollup_task if cold == "rollup" else None
        samples = time_get(client, url, args.requests, before=before)
        results.append((level, kind, label, samples))
    baseline = statistics.median(next(r[3] for r in results if r[0] == "baseline"))
    print()
    print(f"{args.requests} sequential GETs each (after 3 warm-up), server time in-process:")
    print("| level | kind | page | p50 | p95 | max | p50 ÷ baseline |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: |")
    worst = before = first = 0.0
    for level, kind, label, samples in results:
        p50, p95 = statistics.median(samples), percentile(samples, 95)
        if "after a rollup" in label:
            first = max(first, p95)
        if "before VACUUM" in label:
            before = max(before, p95)
        elif level != "baseline":
            worst = max(worst, p95)
        print(
            f"| {level} | {kind} | {label} | {p50:.1f} ms | {p95:.1f} ms | "
            f"{max(samples):.1f} ms | {p50 / baseline:.1f}× |"
        )
    print(f"worst p95 (tables vacuumed and analyzed, as autovacuum keeps them): {worst:.1f} ms "
          f"(target < {TARGET_MS} ms): {'met' if worst < TARGET_MS else 'NOT met'}; "
          f"before the VACUUM ANALYZE: {before:.1f} ms")  # fmt: skip
    verdict = "met" if first < FIRST_VIEW_MS else "NOT met"
    print(f"worst p95 of a start dashboard's first view after a rollup: {first:.1f} ms "
          f"(target < {FIRST_VIEW_MS} ms): {verdict}")  # fmt: skip

    print(f"\nmeasured {datetime.datetime.now():%Y-%m-%d %H:%M}")


if __name__ == "__main__":
    main()
