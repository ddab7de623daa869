"""Province-scale roster import: 166,808 students in ~6,000 classes of 400 schools.

    .venv/bin/python bench/roster_province.py [--students 166808] [--schools 400]
        [--format csv|xlsx] [--database-url URL] [--baseline-runs 3]

It builds a fresh database (SQLite file in a temp dir unless --database-url), creates the
schools and classes, writes one province-wide roster file with a "Mã trường" column, and
times `import_roster FILE` (no --school) in a subprocess, as an operator would run it. The
baseline, in the same run, is one school's file (~420 students) imported into a fresh
school, repeated --baseline-runs times; the report gives medians and the per-row ratio.
Only loopback services are used.
"""

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Hồ", "Võ", "Phan", "Trương", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Minh", "Đức", "Thanh", "Ngọc", "Hữu", "Thu", "Quốc", "Bảo"]
GIVEN = "An Bình Chi Dũng Giang Hà Hải Hùng Lan Linh Mai Nam Ngọc Phúc Quân Sơn Tâm Thảo".split()
HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã học sinh",
           "Họ tên phụ huynh",
           "SĐT phụ huynh", "Email", "Mã trường"]  # fmt: skip


def build_org(schools: int, students: int) -> list[tuple[str, str, int, int]]:
    """Schools and classes in bulk; returns (school code, class name, grade, size) per class."""
    from classrooms.models import AcademicYear, Classroom, District, School

    rng = random.Random(2026)
    year, _ = AcademicYear.objects.get_or_create(
        name="2026-2027",
        defaults={"starts_on": "2026-09-05", "ends_on": "2027-05-31", "is_current": True},
    )
    districts = [
        District.objects.get_or_create(code=f"B{n}", defaults={"name": f"Huyện {n}"})[0]
        for n in range(10)
    ]
    per_school = students // schools
    layout = []
    school_objs = []
    for n in range(schools):
        level = ("tieu_hoc", "thcs", "thpt")[n % 3]
        school = School(name=f"Trường {n:03d}", code=f"BENCH{n:03d}", district=districts[n % 10])
        school.levels = [level]
        school_objs.append((school, level))
    School.objects.bulk_create([s for s, _ in school_objs])
    grades = {"tieu_hoc": range(1, 6), "thcs": range(6, 10), "thpt": range(10, 13)}
    classrooms = []
    remaining = students
    for i, (school, level) in enumerate(school_objs):
        size_left = per_school if i < schools - 1 else remaining
        remaining -= size_left
        letter = 0
        while size_left > 0:
            for grade in grades[level]:
                if size_left <= 0:
                    break
                size = min(size_left, rng.randint(25, 32))
                name = f"{grade}{'ABCDEFGHIK'[letter % 10]}{letter // 10 or ''}"
                classrooms.append(Classroom(school=school, name=name, grade=grade, year=year))
                layout.append((school.code, name, grade, size))
                size_left -= size
            letter += 1
    Classroom.objects.bulk_create(classrooms, batch_size=2000)
    return layout


def write_roster(path: Path, layout, fmt: str) -> int:
    rng = random.Random(7)
    rows = []
    n = 0
    for school_code, class_name, grade, size in layout:
        for _ in range(size):
            n += 1
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            born = f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{2020 - grade}"
            phone = f"09{rng.randint(10000000, 99999999)}" if n % 3 == 0 else ""
            rows.append([name, born, rng.choice(["Nam", "Nữ"]), class_name, f"HS{n:06d}",
                         "Phụ huynh " + name if phone else "", phone, "", school_code])  # fmt: skip
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(rows)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(HEADERS)
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return len(rows)


def run_import(path: Path, env: dict, *extra: str) -> float:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "manage.py", "import_roster", str(path), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"import failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    print("   ", result.stdout.strip().splitlines()[0])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=166_808)
    parser.add_argument("--schools", type=int, default=400)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="xlsx")
    parser.add_argument("--database-url")
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="hoctiep-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
    env["DEBUG"] = "false"
    env["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ.update(env)
    print(f"database: {env['DATABASE_URL']}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    layout = build_org(args.schools, args.students)
    print(f"org: {args.schools} schools, {len(layout)} classes")

    province = tmp / f"province.{args.format}"
    rows = write_roster(province, layout, args.format)
    size_mb = province.stat().st_size / 1e6
    print(f"roster: {rows} rows, {size_mb:.1f} MB {args.format}")

    # Baseline: the first school's own file, imported again and again into fresh copies.
    first_school = layout[0][0]
    school_layout = [c for c in layout if c[0] == first_school]
    baseline_times = []
    for run in range(args.baseline_runs):
        from classrooms.models import Classroom, School

        source = School.objects.get(code=first_school)
        copy = School.objects.create(
            name=f"Bản sao {run}", code=f"COPY{run}", district=source.district,
            has_primary=source.has_primary, has_lower_secondary=source.has_lower_secondary,
            has_upper_secondary=source.has_upper_secondary,
        )  # fmt: skip
        Classroom.objects.bulk_create(
            [Classroom(school=copy, name=c.name, grade=c.grade, year=c.year)
             for c in Classroom.objects.filter(school=source)]
        )  # fmt: skip
        path = tmp / f"school{run}.{args.format}"
        n = write_roster(path, [(copy.code, *c[1:]) for c in school_layout], args.format)
        baseline_times.append(run_import(path, env))
    baseline = statistics.median(baseline_times)
    print(f"baseline: one school, {n} rows: median {baseline:.1f} s over {len(baseline_times)}")

    elapsed = run_import(province, env)
    print(f"province: {rows} rows in {elapsed:.1f} s ({rows / elapsed:.0f} rows/s)")
    again = run_import(province, env)
    print(f"re-import (0 new, 0 updated): {again:.1f} s")
    per_row_ratio = (elapsed / rows) / (baseline / n)
    print(f"per-row time, province vs one school: {per_row_ratio:.2f}x")


if __name__ == "__main__":
    main()
