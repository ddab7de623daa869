"""Time the coverage selectors behind the province's start dashboard and summary API, one by
one, on a database that `bench/coverage.py` generated (a province: 6,122 classes, 60 days).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hoctiep_bench DATABASE_WORK_MEM=32MB \\
        .venv/bin/python bench/coverage_selectors.py [--calls 9]

Prints p50 and min in ms and the queries of each selector, for the last 14 days and the whole
closure, as the province officer `gp.sgd`. Run it from two checkouts one after the other (A B A
B) to compare a change; docs/benchmarks.md has figures.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from classrooms.closures.models import Closure  # noqa: E402
from coverage import selectors, students  # noqa: E402
from coverage.selectors import CoverageFilters  # noqa: E402


def timed(label: str, fn, calls: int) -> None:
    samples = []
    for _ in range(calls):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - started) * 1000)
    print(
        f"{label:42} p50 {statistics.median(samples):7.1f} ms  min {min(samples):7.1f} ms  "
        f"{len(queries.captured_queries)} queries"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=9)
    args = parser.parse_args()
    officer = User.objects.get(username="gp.sgd")
    today = timezone.localdate()
    closure = Closure.objects.order_by("starts_on").first()
    periods = {
        "last 14 days": CoverageFilters(start=today - datetime.timedelta(days=13), end=today),
        "whole closure": CoverageFilters(start=closure.starts_on, end=today),
    }
    for name, filters in periods.items():
        print(f"== {name}")
        grouped = selectors.grouped_from_school_days(officer, filters, "district_id")
        for label, fn in (
            ("grouped_from_school_days (districts)",
             lambda f=filters: selectors.grouped_from_school_days(officer, f, "district_id")),
            ("summary_of (start dashboard)",
             lambda f=filters, g=grouped: selectors.summary_of(g, officer, f)),
            ("today_figures", lambda f=filters: selectors.today_figures(user=officer, filters=f)),
            ("daily_series", lambda f=filters: selectors.daily_series(user=officer, filters=f)),
            ("attention_schools",
             lambda f=filters: selectors.attention_schools(user=officer, filters=f)),
            ("at_risk_students (100)",
             lambda f=filters: students.at_risk_students(user=officer, filters=f, limit=100)),
            ("coverage_summary (summary API)",
             lambda f=filters: selectors.coverage_summary(user=officer, filters=f)),
        ):  # fmt: skip
            timed(label, fn, args.calls)


if __name__ == "__main__":
    main()
