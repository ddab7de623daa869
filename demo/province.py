"""A province-scale data set for benchmarks: `manage.py generate_province`.

By default 408 schools, 6,122 classes and 166,808 students (Quảng Trị's size) in the province's
ten districts, with teachers, enrolments and an online timetable, then a province-wide closure
over the last 60 school days, a LiveSession for every timetable slot of those days and an
AttendanceRecord for every enrolled student of every ended session. Raw presence
(AttendanceInterval) is not generated: the records are what coverage reads.

Everything is drawn from one `random.Random(seed)`, so the same arguments (and the same end
date) give the same data. Writes are batched: `bulk_create` for the org tree and the accounts,
and, on PostgreSQL, COPY for the two big tables (sessions and attendance records, ~17 million
rows at full scale), which is several times faster than multi-row INSERTs. Session ids are
allocated here (the table's sequence is moved past them afterwards), so that the records can
point at their session without reading anything back; the command therefore expects nobody
else to write sessions while it runs.
"""

from __future__ import annotations

import datetime
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Role, User
from classrooms.models import (
    AcademicYear,
    AttendanceRecord,
    AttendanceSource,
    AttendanceStatus,
    Classroom,
    Closure,
    ClosureChange,
    ClosureReason,
    ClosureScope,
    District,
    Enrollment,
    LiveSession,
    School,
    SessionStatus,
    Subject,
    TeachingAssignment,
    Term,
    TimetableSlot,
)
from classrooms.org.levels import LEVEL_GRADES, Level

from . import org as data
from .names import NameGenerator

CODE_PREFIX = "GP"  # school codes GP0001…, so generated schools never clash with seed_demo's
USERNAME_PREFIX = "gp"
PROVINCE_OFFICER_USERNAME = "gp.sgd"

DEFAULTS = {"schools": 408, "classes": 6122, "students": 166_808, "days": 60}

# Kinds of school: levels taught and their share of the province's schools.
SCHOOL_KINDS = [
    ((Level.PRIMARY,), 0.46, "Trường TH"),
    ((Level.LOWER_SECONDARY,), 0.30, "Trường THCS"),
    ((Level.PRIMARY, Level.LOWER_SECONDARY), 0.10, "Trường TH&THCS"),
    ((Level.UPPER_SECONDARY,), 0.11, "Trường THPT"),
    ((Level.LOWER_SECONDARY, Level.UPPER_SECONDARY), 0.03, "Trường THCS&THPT"),
]
# Share of the province's schools in each district (by district code); the mountain districts
# (Hướng Hóa, Đakrông) and the island (Cồn Cỏ) are where online teaching struggles most.
DISTRICT_WEIGHTS = {
    "461": 0.09, "462": 0.03, "464": 0.13, "465": 0.16, "466": 0.11,
    "467": 0.09, "468": 0.07, "469": 0.14, "470": 0.17, "471": 0.01,
}  # fmt: skip
STRUGGLING_DISTRICTS = {"465", "467", "471"}
PLACE_NAMES = (
    "Lê Lợi Nguyễn Du Trần Phú Hùng Vương Kim Đồng Lý Tự Trọng Nguyễn Huệ Quang Trung Hải Thượng "
    "Chu Văn An Võ Thị Sáu Phan Bội Châu Bến Hải Hiền Lương Cửa Tùng Cửa Việt Gio Mỹ Vĩnh Tú "
    "Triệu Ái Hải Ba Cam Thủy Hướng Tân Tà Rụt A Ngo Đakrông Mò Ó Ba Lòng Khe Sanh Lao Bảo"
).split()

# Two online periods a day during a closure (schools cut the timetable when teaching online).
ONLINE_PERIODS = [datetime.time(7, 30), datetime.time(9, 0)]
ONLINE_MINUTES = 40
CLASS_LETTERS = "ABCDEGHIKLMN"
NOT_HELD_REASONS = ["Giáo viên ốm", "Mất điện", "Mất kết nối mạng"]


@dataclass
class Plan:
    schools: int = DEFAULTS["schools"]
    classes: int = DEFAULTS["classes"]
    students: int = DEFAULTS["students"]
    days: int = DEFAULTS["days"]
    seed: int = 2026
    end: datetime.date | None = None
    sessions_per_day: int = len(ONLINE_PERIODS)


@dataclass
class Result:
    counts: Counter = field(default_factory=Counter)
    timings: dict[str, float] = field(default_factory=dict)
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None


def _apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split total into integer parts proportional to weights (largest remainder), each part at
    least ``minimum``."""
    base = minimum * len(weights)
    rest = total - base
    scale = sum(weights)
    exact = [rest * w / scale for w in weights]
    parts = [int(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def school_days(*, days: int, end: datetime.date, year: AcademicYear) -> list[datetime.date]:
    """``days`` weekdays ending on ``end`` (or the last weekday before it); if that would start
    before the school year, the first ``days`` weekdays of the year instead (some then lie in
    the future, and their sessions stay scheduled)."""
    found: list[datetime.date] = []
    day = end
    while len(found) < days:
        if day < year.starts_on:
            break
        if day.weekday() < 5:
            found.append(day)
        day -= datetime.timedelta(days=1)
    if len(found) == days:
        return found[::-1]
    found, day = [], year.starts_on
    while len(found) < days:
        if day.weekday() < 5:
            found.append(day)
        day += datetime.timedelta(days=1)
    return found


class ProvinceGenerator:
    def __init__(self, plan: Plan, write=print):
        if plan.schools < 1 or plan.classes < plan.schools or plan.students < plan.classes:
            raise ValueError("Need at least one class per school and one student per class.")
        if not 1 <= plan.sessions_per_day <= len(ONLINE_PERIODS) or plan.days < 1:
            raise ValueError(f"1–{len(ONLINE_PERIODS)} sessions a day, at least one day.")
        self.plan = plan
        self.write = write
        self.rng = random.Random(plan.seed)  # noqa: S311 - test data, not secrets
        self.result = Result()
        self.password = make_password(data.DEMO_PASSWORD)
        self.now = timezone.now()
        self.zone = timezone.get_default_timezone()

    # -- driver ----------------------------------------------------------------------------------

    def run(self) -> Result:
        if School.objects.filter(code__startswith=CODE_PREFIX).exists():
            raise RuntimeError(
                "This database already holds a generated province (schools GP…); "
                "use a fresh database."
            )
        started = time.perf_counter()
        with transaction.atomic():
            self._step("org", self.build_org)
            self._step("accounts", self.build_accounts)
            self._step("timetable", self.build_timetable)
            self._step("closure", self.build_closure)
            self._step("sessions", self.build_sessions)
            steps = time.perf_counter() - started
        # PostgreSQL checks Django's (deferred) foreign keys of every new row at COMMIT.
        self.result.timings["commit"] = time.perf_counter() - started - steps
        self.write(f"  commit: {self.result.timings['commit']:.1f} s")
        if connection.vendor == "postgresql":
            self._step("analyze", self._analyze)
        return self.result

    def _step(self, name: str, fn) -> None:
        started = time.perf_counter()
        fn()
        self.result.timings[name] = time.perf_counter() - started
        self.write(f"  {name}: {self.result.timings[name]:.1f} s")

    def _analyze(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    # -- org tree --------------------------------------------------------------------------------

    def build_org(self) -> None:
        rng, plan, counts = self.rng, self.plan, self.result.counts
        districts = District.objects.in_bulk(field_name="code")
        for code, name in data.DISTRICTS:
            if code not in districts:
                districts[code] = District.objects.create(code=code, name=name)
                counts["districts"] += 1
        self.districts = districts
        self.subjects = Subject.objects.in_bulk(field_name="code")
        for code, name, levels in data.SUBJECTS:
            if code not in self.subjects:
                subject = Subject(code=code, name=name)
                subject.levels = levels
                subject.save()
                self.subjects[code] = subject
        self.year = AcademicYear.objects.filter(is_current=True).first()
        if self.year is None:
            self.year = AcademicYear.objects.create(**data.ACADEMIC_YEAR, is_current=True)
            Term.objects.bulk_create(
                Term(year=self.year, name=n, starts_on=s, ends_on=e) for n, s, e in data.TERMS
            )

        codes = list(DISTRICT_WEIGHTS)
        per_district = _apportion(plan.schools, list(DISTRICT_WEIGHTS.values()))
        kinds = [k for k, _, _ in SCHOOL_KINDS]
        schools = []
        for code, n in zip(codes, per_district, strict=True):
            for _ in range(n):
                kind_index = rng.choices(range(len(kinds)), [w for _, w, _ in SCHOOL_KINDS])[0]
                levels, _, prefix = SCHOOL_KINDS[kind_index]
                number = len(schools) + 1
                school = School(
                    name=f"{prefix} {rng.choice(PLACE_NAMES)} {number:03d}",
                    code=f"{CODE_PREFIX}{number:04d}",
                    district=districts[code],
                    address=districts[code].name,
                )
                school.levels = levels
                # How well the school manages online: most well, some (more often in the
                # mountains and on the island) badly.
                struggling = rng.random() < (0.35 if code in STRUGGLING_DISTRICTS else 0.08)
                school.teaching_rate = (
                    rng.uniform(0.45, 0.8) if struggling else rng.uniform(0.86, 0.99)
                )
                schools.append(school)
        School.objects.bulk_create(schools, batch_size=1000)
        counts["schools"] = len(schools)
        self.schools = schools

        # Classes: per school in proportion to its grades and a size factor, spread over its
        # grades; then students in proportion to a class size drawn for each class.
        grades = [[g for level in s.levels for g in LEVEL_GRADES[level]] for s in schools]
        weights = [len(g) * rng.uniform(0.4, 2.0) for g in grades]
        per_school = _apportion(plan.classes, weights, minimum=1)
        classrooms = []
        for school, school_grades, n in zip(schools, grades, per_school, strict=True):
            used = Counter()
            for i in range(n):
                grade = school_grades[i % len(school_grades)]
                k = used[grade]
                used[grade] += 1
                suffix = CLASS_LETTERS[k % len(CLASS_LETTERS)] + (
                    str(k // len(CLASS_LETTERS)) if k >= len(CLASS_LETTERS) else ""
                )
                if grade >= 10:
                    suffix = f"A{k + 1}"
                classroom = Classroom(
                    school=school, name=f"{grade}{suffix}", grade=grade, year=self.year
                )
                classroom.teaching_rate = min(
                    0.995, max(0.3, school.teaching_rate + rng.gauss(0, 0.04))
                )
                classrooms.append(classroom)
        Classroom.objects.bulk_create(classrooms, batch_size=2000)
        sizes = [rng.randint(24, 40) if c.grade > 5 else rng.randint(22, 35) for c in classrooms]
        for classroom, size in zip(
            classrooms, _apportion(plan.students, sizes, minimum=1), strict=True
        ):
            classroom.size = size
        counts["classes"] = len(classrooms)
        self.classrooms = classrooms

    # -- accounts --------------------------------------------------------------------------------

    def _user(self, username: str, role: str, full_name: str, **kwargs) -> User:
        return User(
            username=username, role=role, full_name=full_name, password=self.password, **kwargs
        )

    def build_accounts(self) -> None:
        rng, counts = self.rng, self.result.counts
        names = NameGenerator(rng)

        def person(female_share: float) -> str:
            return names.person(female=rng.random() < female_share).full_name

        staff = [self._user(PROVINCE_OFFICER_USERNAME, Role.PROVINCE_OFFICER, person(0.5))]
        for code, district in self.districts.items():
            staff.append(
                self._user(
                    f"{USERNAME_PREFIX}.pgd.{code}",
                    Role.DISTRICT_OFFICER,
                    person(0.5),
                    district=district,
                )
            )
        for school in self.schools:
            staff.append(
                self._user(
                    f"{USERNAME_PREFIX}.bgh.{school.code.lower()}",
                    Role.SCHOOL_ADMIN,
                    person(0.5),
                    school=school,
                )
            )
        User.objects.bulk_create(staff, batch_size=2000)
        counts["officers and school admins"] = len(staff)

        # Teachers: in primary school the homeroom teacher teaches the class its online periods;
        # in secondary school each subject has a teacher for up to five classes of the school.
        teachers: list[User] = []
        self.class_subjects: dict[int, list[tuple[str, User]]] = {}
        by_school: dict[int, list[Classroom]] = {}
        for classroom in self.classrooms:
            by_school.setdefault(classroom.school_id, []).append(classroom)

        def new_teacher(school: School) -> User:
            teacher = self._user(
                f"{USERNAME_PREFIX}.gv{len(teachers) + 1:06d}",
                Role.TEACHER,
                person(data.TEACHER_FEMALE_SHARE),
                school=school,
            )
            teachers.append(teacher)
            return teacher

        slots_a_week = 5 * self.plan.sessions_per_day
        for school in self.schools:
            loads: dict[str, tuple[User, int]] = {}
            for classroom in by_school[school.pk]:
                curriculum = data.CURRICULUM[classroom.grade][: min(slots_a_week, 7)]
                if classroom.grade <= 5:
                    teacher = new_teacher(school)
                    classroom.homeroom_teacher = teacher
                    self.class_subjects[classroom.pk] = [(s, teacher) for s in curriculum]
                    continue
                pairs = []
                for subject in curriculum:
                    teacher, load = loads.get(subject, (None, 5))
                    if load >= 5:
                        teacher, load = new_teacher(school), 0
                    loads[subject] = (teacher, load + 1)
                    pairs.append((subject, teacher))
                classroom.homeroom_teacher = pairs[0][1]
                self.class_subjects[classroom.pk] = pairs
        User.objects.bulk_create(teachers, batch_size=2000)
        counts["teachers"] = len(teachers)
        Classroom.objects.bulk_update(self.classrooms, ["homeroom_teacher"], batch_size=2000)
        TeachingAssignment.objects.bulk_create(
            (
                TeachingAssignment(classroom=c, subject=self.subjects[code], teacher=teacher)
                for c in self.classrooms
                for code, teacher in self.class_subjects[c.pk]
            ),
            batch_size=5000,
        )

        # Students: how often each one attends; a few have dropped out of sight.
        students = []
        self.rosters: dict[int, list[tuple[int, float]]] = {}
        number = 0
        for classroom in self.classrooms:
            roster = []
            for _ in range(classroom.size):
                number += 1
                u = rng.random()
                if u < 0.04:
                    propensity = rng.uniform(0.05, 0.3)
                elif u < 0.12:
                    propensity = rng.uniform(0.6, 0.85)
                else:
                    propensity = rng.uniform(0.88, 0.99)
                student = self._user(
                    f"{USERNAME_PREFIX}{number:06d}",
                    Role.STUDENT,
                    person(0.49),
                    school_id=classroom.school_id,
                    student_code=f"{CODE_PREFIX}{number:06d}",
                )
                students.append(student)
                roster.append((student, propensity))
            self.rosters[classroom.pk] = roster
        User.objects.bulk_create(students, batch_size=5000)
        counts["students"] = len(students)
        Enrollment.objects.bulk_create(
            (
                Enrollment(classroom_id=class_id, student=student, active=True)
                for class_id, roster in self.rosters.items()
                for student, _ in roster
            ),
            batch_size=5000,
        )
        counts["enrolments"] = len(students)
        self.rosters = {
            class_id: [(s.pk, p) for s, p in roster] for class_id, roster in self.rosters.items()
        }
        self.province_officer = staff[0]

    # -- timetable and closure -------------------------------------------------------------------

    def build_timetable(self) -> None:
        """The online timetable: ``sessions_per_day`` periods each weekday, the class's subjects
        in turn."""
        slots = []
        for classroom in self.classrooms:
            pairs = self.class_subjects[classroom.pk]
            index = 0
            for weekday in range(5):
                for period in range(self.plan.sessions_per_day):
                    code, teacher = pairs[index % len(pairs)]
                    index += 1
                    slots.append(
                        TimetableSlot(
                            classroom=classroom,
                            weekday=weekday,
                            period=period + 1,
                            starts_at=ONLINE_PERIODS[period],
                            duration_minutes=ONLINE_MINUTES,
                            subject=self.subjects[code],
                            teacher=teacher,
                        )
                    )
        TimetableSlot.objects.bulk_create(slots, batch_size=5000)
        self.slots: dict[tuple[int, int, int], TimetableSlot] = {
            (s.classroom.pk, s.weekday, s.period): s for s in slots
        }
        self.result.counts["timetable slots"] = len(slots)

    def build_closure(self) -> None:
        end = self.plan.end or timezone.localdate(self.now)
        self.days = school_days(days=self.plan.days, end=end, year=self.year)
        self.result.first_day, self.result.last_day = self.days[0], self.days[-1]
        closure = Closure.objects.create(
            scope=ClosureScope.PROVINCE,
            starts_on=self.days[0],
            ends_on=self.days[-1],
            reason=ClosureReason.COVID,
            note="Dữ liệu sinh tự động (generate_province).",
            declared_by=self.province_officer,
        )
        ClosureChange.objects.create(
            closure=closure,
            action=ClosureChange.Action.DECLARED,
            changed_by=self.province_officer,
            after={"starts_on": str(closure.starts_on), "ends_on": str(closure.ends_on)},
        )
        self.result.counts["closures"] = 1

    # -- sessions and attendance -----------------------------------------------------------------

    def build_sessions(self) -> None:
        rng, counts = self.rng, self.result.counts
        minute = datetime.timedelta(minutes=1)
        # Every session time of the period, with the join and leave times a record may carry
        # (computed once, not once per record).
        times = {}
        for day in self.days:
            for period in range(self.plan.sessions_per_day):
                start = datetime.datetime.combine(day, ONLINE_PERIODS[period], tzinfo=self.zone)
                times[day, period] = (
                    start,
                    start + ONLINE_MINUTES * minute,
                    [start + k * minute for k in range(ONLINE_MINUTES + 6)],
                )
        next_id = (
            LiveSession.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        ) + 1
        writer = _Writer()
        session_fields = [
            "id", "classroom_id", "subject_id", "teacher_id", "slot_id", "title", "starts_at",
            "ends_at", "status", "meeting_url", "lesson_id", "started_at", "ended_at",
            "cancelled_reason", "chat_enabled", "created_by_id", "created_at",
        ]  # fmt: skip
        record_fields = [
            "session_id", "student_id", "status", "minutes", "first_join", "last_leave",
            "source", "changed_by_id", "reason", "updated_at",
        ]  # fmt: skip
        present, late = AttendanceStatus.PRESENT.value, AttendanceStatus.LATE.value
        absent, excused = AttendanceStatus.ABSENT.value, AttendanceStatus.EXCUSED.value
        auto = AttendanceSource.AUTO.value
        ended = SessionStatus.ENDED.value
        chunk = 100
        for offset in range(0, len(self.classrooms), chunk):
            sessions, records = [], []
            for classroom in self.classrooms[offset : offset + chunk]:
                roster = self.rosters[classroom.pk]
                rate = classroom.teaching_rate
                for day in self.days:
                    taught = rng.random() < rate
                    for period in range(self.plan.sessions_per_day):
                        start, end, at = times[day, period]
                        slot = self.slots[classroom.pk, day.weekday(), period + 1]
                        row = [
                            next_id, classroom.pk, slot.subject_id, slot.teacher_id, slot.pk,
                            "", start, end, SessionStatus.SCHEDULED.value, "", None, None, None,
                            "", True, None, self.now,
                        ]  # fmt: skip
                        session_id = next_id
                        next_id += 1
                        sessions.append(row)
                        if start > self.now:
                            counts["sessions scheduled (future)"] += 1
                            continue
                        # A taught day holds its first period, and most of the others.
                        held = taught and (period == 0 or rng.random() < 0.9)
                        if not held:
                            kind = rng.random()
                            if kind < 0.5:
                                counts["sessions not started"] += 1
                                continue
                            if kind < 0.75:
                                row[8] = SessionStatus.CANCELLED.value
                                row[13] = rng.choice(NOT_HELD_REASONS)
                                counts["sessions cancelled"] += 1
                                continue
                            # Started, but nobody came: ended, every student absent.
                            row[8], row[11], row[12] = ended, at[1], at[6]
                            counts["sessions ended, nobody joined"] += 1
                            for student_id, _ in roster:
                                records.append(
                                    (session_id, student_id, absent, 0, None, None, auto, None,
                                     "", at[6])
                                )  # fmt: skip
                            continue
                        row[8], row[11], row[12] = ended, at[rng.randint(0, 3)], end
                        counts["sessions held"] += 1
                        anyone = False
                        for student_id, propensity in roster:
                            u = rng.random()
                            if u < propensity:
                                anyone = True
                                if u < propensity * 0.92:
                                    join = rng.randint(0, 6)
                                    status = present
                                else:
                                    join = rng.randint(11, 18)
                                    status = late
                                # Most stay to the end; some drop off early.
                                leave = (
                                    ONLINE_MINUTES if rng.random() < 0.9 else rng.randint(25, 39)
                                )
                                records.append(
                                    (session_id, student_id, status, leave - join, at[join],
                                     at[min(leave, ONLINE_MINUTES + 5)], auto, None, "", end)
                                )  # fmt: skip
                            else:
                                status = excused if u > 0.97 else absent
                                records.append(
                                    (session_id, student_id, status, 0, None, None, auto, None,
                                     "", end)
                                )  # fmt: skip
                        if not anyone:  # held means at least one student joined
                            s_id, student_id, *_ = records[-1]
                            records[-1] = (
                                s_id, student_id, present, ONLINE_MINUTES, at[0],
                                at[ONLINE_MINUTES], auto, None, "", end,
                            )  # fmt: skip
            writer.write(LiveSession, session_fields, sessions)
            writer.write(AttendanceRecord, record_fields, records)
            counts["sessions"] += len(sessions)
            counts["attendance records"] += len(records)
            if (offset // chunk) % 10 == 9:
                self.write(
                    f"    {offset + chunk}/{len(self.classrooms)} classes, "
                    f"{counts['attendance records']:,} records"
                )
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [LiveSession]):
                cursor.execute(sql)


class _Writer:
    """Inserts rows (tuples in ``fields`` order, database column names): COPY on PostgreSQL,
    bulk_create elsewhere."""

    def write(self, model, fields: list[str], rows: list) -> None:
        if not rows:
            return
        if connection.vendor == "postgresql":
            columns = ", ".join(connection.ops.quote_name(f) for f in fields)
            table = connection.ops.quote_name(model._meta.db_table)
            with connection.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            return
        model.objects.bulk_create(
            (model(**dict(zip(fields, row, strict=True))) for row in rows), batch_size=2000
        )
