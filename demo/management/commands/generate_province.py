"""`manage.py generate_province [--schools N --classes N --students N --days N]`: a data set at
province scale for benchmarks (see demo/province.py), then the full coverage rollup.

Run it on a fresh database: it refuses one that already holds a generated province.
"""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from coverage.services import rollup
from demo.province import DEFAULTS, ONLINE_PERIODS, Plan, ProvinceGenerator


class Command(BaseCommand):
    help = (
        "Sinh dữ liệu quy mô tỉnh để đo hiệu năng: trường, lớp, học sinh, thời khoá biểu trực "
        "tuyến, một đợt nghỉ học toàn tỉnh, buổi học và điểm danh của các ngày học, rồi tổng hợp "
        "độ phủ (rollup). Chỉ dùng trên cơ sở dữ liệu mới."
    )

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=DEFAULTS["schools"])
        parser.add_argument("--classes", type=int, default=DEFAULTS["classes"])
        parser.add_argument("--students", type=int, default=DEFAULTS["students"])
        parser.add_argument("--days", type=int, default=DEFAULTS["days"], help="School days.")
        parser.add_argument(
            "--sessions-per-day", type=int, default=len(ONLINE_PERIODS), dest="sessions_per_day"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--end",
            type=datetime.date.fromisoformat,
            help="Last school day (YYYY-MM-DD); default today.",
        )
        parser.add_argument("--no-rollup", action="store_true", help="Skip the coverage rollup.")

    def handle(self, *args, **options):
        plan = Plan(
            schools=options["schools"],
            classes=options["classes"],
            students=options["students"],
            days=options["days"],
            seed=options["seed"],
            end=options["end"],
            sessions_per_day=options["sessions_per_day"],
        )
        started = time.perf_counter()
        self.stdout.write(
            f"Sinh dữ liệu tỉnh: {plan.schools} trường, {plan.classes} lớp, "
            f"{plan.students} học sinh, {plan.days} ngày học…"
        )
        try:
            result = ProvinceGenerator(plan, write=self.stdout.write).run()
        except (ValueError, RuntimeError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"  ngày học: {result.first_day} → {result.last_day}")
        for name, count in result.counts.items():
            self.stdout.write(f"  {name}: {count:,}")
        if not options["no_rollup"]:
            self.rollup_period(result.first_day, result.last_day)
        self.stdout.write(self.style.SUCCESS(f"Xong sau {time.perf_counter() - started:.1f} giây."))

    def rollup_period(self, first_day, last_day) -> None:
        started = time.perf_counter()
        # The full rollup of the period (days after today are skipped by the rollup itself).
        rows = rollup(since=first_day, until=last_day)
        self.stdout.write(f"  rollup: {rows:,} class-days in {time.perf_counter() - started:.1f} s")
