"""`manage.py seed_demo`: load a realistic, deterministic slice of Quảng Trị province.

Ten districts, a dozen schools, the 2026-2027 school year, the 2018-curriculum subjects, about
80 classes with their teachers and about 2,700 students, plus one demo login per role (all with
the password in `demo.org.DEMO_PASSWORD`).

Running it again changes nothing: every record is looked up by its natural key first (district,
school and subject codes, usernames, the class name within its school and year), existing
records are never modified and existing passwords are never reset. The data is generated with
`random.Random(2026)` from the same plan on every run, so a second run finds exactly the
records the first one made.
"""

import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Guardianship, Role, User
from accounts.services import guardianship_create, user_create, user_validate_affiliation
from accounts.usernames import ascii_slug
from classrooms.models import (
    AcademicYear,
    Classroom,
    District,
    Enrollment,
    School,
    Subject,
    TeachingAssignment,
    Term,
)
from classrooms.org.levels import LEVEL_GRADES, Level, level_for_grade
from classrooms.org.services import (
    classroom_create,
    district_create,
    enrollment_create,
    school_create,
    subject_create,
    teaching_assignment_create,
)
from demo import org as data
from demo.coverage import seed_coverage
from demo.h5p import seed_h5p
from demo.lessons import seed_lessons
from demo.live import seed_live_classes
from demo.names import NameGenerator, Person

SEED = 2026
STUDENT_FEMALE_SHARE = 0.49


# ---------------------------------------------------------------------------------------------
# The plan: what one school should contain, computed in memory before touching the database.


@dataclass
class AccountPlan:
    username: str
    full_name: str
    email: str = ""


@dataclass
class ClassPlan:
    name: str
    grade: int
    homeroom: str | None = None  # a teacher's username
    teachers: dict[str, str] = field(default_factory=dict)  # subject code → teacher's username
    students: list[AccountPlan] = field(default_factory=list)  # in roll order


@dataclass
class SchoolPlan:
    spec: data.SchoolSpec
    admin: AccountPlan
    teachers: list[AccountPlan]
    classes: list[ClassPlan]


def _account(username: str, full_name: str, *, with_email: bool = True) -> AccountPlan:
    email = f"{username}@{data.DEMO_EMAIL_DOMAIN}" if with_email else ""
    return AccountPlan(username, full_name, email)


def plan_school(spec: data.SchoolSpec, names: NameGenerator) -> SchoolPlan:
    rng = names.rng
    is_demo = spec.code == data.DEMO_SCHOOL_CODE

    classes = [
        ClassPlan(name, grade)
        for level in spec.levels
        for grade in LEVEL_GRADES[level]
        for name in data.class_names(level, grade, spec.classes_per_grade)
    ]

    teachers: list[AccountPlan] = []

    def new_teacher() -> AccountPlan:
        username = f"gv.{spec.slug}.{len(teachers) + 1:02d}"
        person = names.person(female=rng.random() < data.TEACHER_FEMALE_SHARE)
        teacher = _account(username, person.full_name)
        teachers.append(teacher)
        return teacher

    # Primary school: each class has its own homeroom teacher, who teaches it the core subjects.
    for plan in classes:
        if level_for_grade(plan.grade) == Level.PRIMARY:
            teacher = new_teacher()
            plan.homeroom = teacher.username
            for subject in data.CURRICULUM[plan.grade]:
                if subject in data.PRIMARY_HOMEROOM_SUBJECTS:
                    plan.teachers[subject] = teacher.username

    # Specialist teachers: per subject, classes from the top grade down, `load` classes each.
    # At the demo school the first Toán teacher is `giaovien`, so they teach 9A, 9B, 9C and 8A.
    needing = defaultdict(list)
    for plan in sorted(classes, key=lambda c: (-c.grade, c.name)):
        for subject in data.CURRICULUM[plan.grade]:
            if subject not in plan.teachers:
                needing[subject].append(plan)
    for subject, _name, _levels in data.SUBJECTS:
        todo = needing.get(subject, [])
        load = data.TEACHER_LOAD.get(subject, data.DEFAULT_TEACHER_LOAD)
        for start in range(0, len(todo), load):
            if is_demo and subject == "TOAN" and start == 0:
                demo = data.DEMO_TEACHER
                teacher = _account(demo.username, demo.full_name)
                teachers.append(teacher)
            else:
                teacher = new_teacher()
            for plan in todo[start : start + load]:
                plan.teachers[subject] = teacher.username

    # Homeroom teachers of secondary classes: one of the class's own teachers who has no
    # homeroom class yet, else any teacher of the school without one.
    taken = {plan.homeroom for plan in classes if plan.homeroom}
    if is_demo:
        demo_class = next(c for c in classes if c.name == data.DEMO_CLASS_NAME)
        demo_class.homeroom = data.DEMO_TEACHER.username
        taken.add(demo_class.homeroom)
    for plan in classes:
        if plan.homeroom:
            continue
        own = [plan.teachers[s] for s in data.CURRICULUM[plan.grade] if s in plan.teachers]
        free = [t for t in own if t not in taken] or [
            t.username for t in teachers if t.username not in taken
        ]
        if not free:
            raise CommandError(f"{spec.name}: không đủ giáo viên để chủ nhiệm lớp {plan.name}.")
        plan.homeroom = free[0]
        taken.add(plan.homeroom)

    # Students, numbered in roll order within their class.
    for plan in classes:
        people = [
            (names.person(female=rng.random() < STUDENT_FEMALE_SHARE), None)
            for _ in range(rng.randint(*spec.class_size))
        ]
        if is_demo and plan.name == data.DEMO_CLASS_NAME:
            family, middle, given = data.DEMO_STUDENT.full_name.split()
            people[0] = (Person(family, middle, given), data.DEMO_STUDENT.username)
        people.sort(key=lambda item: item[0].roll_key)
        for number, (person, fixed_username) in enumerate(people, start=1):
            username = fixed_username or ".".join(
                [
                    ascii_slug(person.given),
                    ascii_slug(person.family),
                    spec.slug,
                    plan.name.lower(),
                    f"{number:02d}",
                ]
            )
            plan.students.append(
                _account(username, person.full_name, with_email=bool(fixed_username))
            )

    if is_demo:
        admin = _account(data.DEMO_SCHOOL_ADMIN.username, data.DEMO_SCHOOL_ADMIN.full_name)
    else:
        person = names.person(female=rng.random() < 0.5)
        admin = _account(f"bgh.{spec.slug}", person.full_name)
    return SchoolPlan(spec, admin, teachers, classes)


# ---------------------------------------------------------------------------------------------
# Writing the plan.


class Seeder:
    def __init__(self, write):
        self.write = write
        self.rng = random.Random(SEED)
        self.names = NameGenerator(self.rng)
        self.created = Counter()
        self._password_hash = None
        self._new_user_ids: list[int] = []

    @property
    def password_hash(self) -> str:
        # Hashing is deliberately slow (PBKDF2, ~0.3 s): hash once, reuse for every new account.
        if self._password_hash is None:
            self._password_hash = make_password(data.DEMO_PASSWORD)
        return self._password_hash

    def run(self) -> None:
        districts = self.seed_districts()
        schools = self.seed_schools(districts)
        subjects = self.seed_subjects()
        year = self.seed_year()

        self.ensure_users([data.DEMO_PROVINCE_OFFICER], role=Role.PROVINCE_OFFICER)
        superusers = self.ensure_users([data.DEMO_SUPERUSER], role=Role.PROVINCE_OFFICER)
        self.ensure_users(
            [data.DEMO_DISTRICT_OFFICER],
            role=Role.DISTRICT_OFFICER,
            district=districts[data.DEMO_DISTRICT_CODE],
        )

        for spec in data.SCHOOLS:
            # Planned for every school on every run, so that the random sequence is the same.
            plan = plan_school(spec, self.names)
            self.seed_school(plan, schools[spec.code], year, subjects)

        guardians = self.ensure_users([data.DEMO_GUARDIAN], role=Role.GUARDIAN)
        guardian = guardians[data.DEMO_GUARDIAN.username]
        student = User.objects.get(username=data.DEMO_STUDENT.username)
        if not Guardianship.objects.filter(guardian=guardian, student=student).exists():
            guardianship_create(
                guardian=guardian, student=student, relation=data.DEMO_GUARDIAN_RELATION
            )
            self.created["guardianships"] += 1

        # Flags and passwords of the accounts made in this run only: existing ones keep theirs.
        superuser = superusers[data.DEMO_SUPERUSER.username]
        if superuser.pk in self._new_user_ids:
            superuser.is_staff = superuser.is_superuser = True
            superuser.save(update_fields=["is_staff", "is_superuser"])
        if self._new_user_ids:
            # user_create hashes the password of each account it makes (~0.3 s each with
            # PBKDF2); the accounts are made without one and all get the same hash here.
            User.objects.filter(pk__in=self._new_user_ids).update(password=self.password_hash)

    # -- reference data -----------------------------------------------------------------------

    def seed_districts(self) -> dict[str, District]:
        districts = District.objects.in_bulk(field_name="code")
        for code, name in data.DISTRICTS:
            if code not in districts:
                districts[code] = district_create(name=name, code=code)
                self.created["districts"] += 1
        return districts

    def seed_schools(self, districts) -> dict[str, School]:
        schools = School.objects.in_bulk(field_name="code")
        for spec in data.SCHOOLS:
            if spec.code not in schools:
                schools[spec.code] = school_create(
                    name=spec.name,
                    code=spec.code,
                    district=districts[spec.district],
                    levels=spec.levels,
                    address=spec.address,
                )
                self.created["schools"] += 1
        return schools

    def seed_subjects(self) -> dict[str, Subject]:
        subjects = Subject.objects.in_bulk(field_name="code")
        for code, name, levels in data.SUBJECTS:
            if code not in subjects:
                subjects[code] = subject_create(name=name, code=code, levels=levels)
                self.created["subjects"] += 1
        return subjects

    def seed_year(self) -> AcademicYear:
        # classrooms.org.services has no function for years and terms: they are plain records
        # whose rules (dates in order, one current year) the models' constraints enforce, so
        # they are validated with full_clean() and saved here.
        spec = data.ACADEMIC_YEAR
        year = AcademicYear.objects.filter(name=spec["name"]).first()
        if year is None:
            other_current = AcademicYear.objects.filter(is_current=True).first()
            if other_current is not None:
                self.write(
                    f"  Năm học hiện tại là {other_current}: {spec['name']} được tạo nhưng "
                    "không đặt làm năm học hiện tại."
                )
            year = AcademicYear(**spec, is_current=other_current is None)
            year.full_clean()
            year.save()
            self.created["years"] += 1
        existing_terms = set(year.terms.values_list("name", flat=True))
        for name, starts_on, ends_on in data.TERMS:
            if name not in existing_terms:
                term = Term(year=year, name=name, starts_on=starts_on, ends_on=ends_on)
                term.full_clean()
                term.save()
                self.created["terms"] += 1
        return year

    # -- accounts -----------------------------------------------------------------------------

    def ensure_users(self, accounts, *, role, school=None, district=None) -> dict[str, User]:
        """Find or create (through user_create) one account per plan, checking existing ones."""
        found = User.objects.in_bulk([a.username for a in accounts], field_name="username")
        for account in accounts:
            user = found.get(account.username)
            if user is None:
                user = user_create(
                    username=account.username,
                    role=role,
                    full_name=account.full_name,
                    email=account.email,
                    school=school,
                    district=district,
                )
                self._new_user_ids.append(user.pk)
                self.created[role] += 1
                found[account.username] = user
            elif (
                user.role != role
                or user.school_id != getattr(school, "pk", None)
                or user.district_id != getattr(district, "pk", None)
            ):
                raise CommandError(
                    f"Tài khoản {user.username} đã có nhưng không phải "
                    f"{Role(role).label} của {school or district or 'tỉnh'}: hãy đổi tên "
                    "hoặc xoá tài khoản đó rồi chạy lại."
                )
        return found

    # -- one school ---------------------------------------------------------------------------

    def seed_school(self, plan: SchoolPlan, school: School, year: AcademicYear, subjects) -> None:
        before = self.created.copy()
        self.ensure_users([plan.admin], role=Role.SCHOOL_ADMIN, school=school)
        teachers = self.ensure_users(plan.teachers, role=Role.TEACHER, school=school)

        classrooms = {c.name: c for c in Classroom.objects.filter(school=school, year=year)}
        for cp in plan.classes:
            if cp.name not in classrooms:
                classrooms[cp.name] = classroom_create(
                    school=school,
                    name=cp.name,
                    grade=cp.grade,
                    year=year,
                    homeroom_teacher=teachers[cp.homeroom],
                )
                self.created["classes"] += 1

        assigned = set(
            TeachingAssignment.objects.filter(
                classroom__school=school, classroom__year=year
            ).values_list("classroom_id", "subject_id")
        )
        for cp in plan.classes:
            classroom = classrooms[cp.name]
            for code, username in cp.teachers.items():
                subject = subjects[code]
                if (classroom.pk, subject.pk) not in assigned:
                    teaching_assignment_create(
                        classroom=classroom, subject=subject, teacher=teachers[username]
                    )
                    self.created["assignments"] += 1

        self.seed_students(plan, school, year, classrooms)

        made = self.created - before
        self.write(
            f"  {school.name} ({school.district.name}): {len(plan.classes)} lớp, "
            f"{len(plan.teachers)} giáo viên, {sum(len(c.students) for c in plan.classes)} "
            f"học sinh"
            + (
                f" – mới tạo {made['classes']} lớp, {made[Role.TEACHER]} giáo viên, "
                f"{made[Role.STUDENT]} học sinh"
                if made
                else " – đã có, bỏ qua"
            )
        )

    def seed_students(self, plan: SchoolPlan, school: School, year, classrooms) -> None:
        roster = [(cp, account) for cp in plan.classes for account in cp.students]
        usernames = [account.username for _, account in roster]
        users = {
            u.username: u
            for u in User.objects.filter(username__in=usernames).only(
                "id", "username", "role", "school_id"
            )
        }

        # The demo student goes through the services like any single account would.
        demo = data.DEMO_STUDENT
        for cp, account in roster:
            if account.username == demo.username and demo.username not in users:
                users.update(self.ensure_users([account], role=Role.STUDENT, school=school))
                enrollment_create(student=users[demo.username], classroom=classrooms[cp.name])
                self.created["enrollments"] += 1

        # Everyone else is bulk-created: ~2,700 calls to user_create and enrollment_create
        # would take about a minute (one full_clean, savepoint and row lock each). So this
        # runs the same checks those services run, once for the whole school, then inserts.
        # user_create: a student must belong to a school (and to no district).
        user_validate_affiliation(role=Role.STUDENT, school=school, district=None)
        new_users = []
        for _, account in roster:
            if account.username in users:
                continue
            try:
                User.username_validator(account.username)
            except ValidationError as error:
                raise CommandError(f"{account.username}: {error.messages[0]}") from error
            new_users.append(
                User(
                    username=account.username,
                    role=Role.STUDENT,
                    full_name=account.full_name,
                    email=account.email,
                    school=school,
                    password=self.password_hash,
                )
            )
        if new_users:
            User.objects.bulk_create(new_users, batch_size=500)
            self.created[Role.STUDENT] += len(new_users)
            # Read them back: not every database hands back primary keys from a bulk insert.
            users.update(
                (u.username, u)
                for u in User.objects.filter(username__in=[u.username for u in new_users]).only(
                    "id", "username", "role", "school_id"
                )
            )

        # enrollment_create: the account is a student, of the class's school, and has no active
        # enrolment in another class this year (existing enrolments are left as they are).
        enrolled = set(
            Enrollment.objects.filter(
                student_id__in=[u.pk for u in users.values()], active=True, classroom__year=year
            ).values_list("student_id", flat=True)
        )
        new_enrollments = []
        for cp, account in roster:
            student, classroom = users[account.username], classrooms[cp.name]
            if student.pk in enrolled:
                continue
            if student.role != Role.STUDENT or student.school_id != classroom.school_id:
                raise CommandError(
                    f"{student.username} không phải học sinh của {school.name}: không thể "
                    f"xếp vào lớp {classroom.name}."
                )
            new_enrollments.append(Enrollment(student=student, classroom=classroom, active=True))
            enrolled.add(student.pk)
        if new_enrollments:
            Enrollment.objects.bulk_create(new_enrollments, batch_size=500)
            self.created["enrollments"] += len(new_enrollments)


# ---------------------------------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu của tỉnh Quảng Trị (10 huyện/thị/thành phố, 12 trường, năm học "
        "2026-2027, giáo viên, học sinh) và một tài khoản demo cho mỗi vai trò. Chạy lại "
        "nhiều lần không thay đổi gì."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet", action="store_true", help="Không in gì ra màn hình (trừ lỗi)."
        )

    def handle(self, *args, quiet: bool = False, **options):
        started = time.monotonic()

        def write(line: str = "") -> None:
            if not quiet:
                self.stdout.write(line)

        write(f"Nạp dữ liệu mẫu tỉnh {data.PROVINCE_NAME}…")
        seeder = Seeder(write)
        with transaction.atomic():
            seeder.run()
            seed_live_classes(write)
            seed_lessons(write)
            seed_h5p(write)
            seed_coverage(write)
        elapsed = time.monotonic() - started

        if quiet:
            return
        self.print_logins(write)
        self.print_totals(write, seeder.created, elapsed)

    def print_logins(self, write) -> None:
        headers = ("Tên đăng nhập", "Vai trò", "Mật khẩu", "Họ tên", "Thấy gì")
        rows = [
            (d.username, d.role_label, data.DEMO_PASSWORD, d.full_name, d.sees)
            for d in data.DEMO_LOGINS
        ]
        widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

        def line(cells) -> str:
            return "  ".join(
                cell.ljust(width) for cell, width in zip(cells, widths, strict=True)
            ).rstrip()

        write()
        write(self.style.MIGRATE_HEADING("Tài khoản demo"))
        write(line(headers))
        write("  ".join("-" * width for width in widths))
        for row in rows:
            write(line(row))
        write(
            "Mật khẩu chỉ được đặt khi tạo tài khoản; tài khoản đã có giữ nguyên mật khẩu. "
            "Giáo viên (gv.<trường>.NN), ban giám hiệu (bgh.<trường>) và học sinh khác cũng "
            f"dùng mật khẩu {data.DEMO_PASSWORD}."
        )

    def print_totals(self, write, created: Counter, elapsed: float) -> None:
        totals = [
            ("Huyện/thị/thành phố", District.objects.count(), created["districts"]),
            ("Trường", School.objects.count(), created["schools"]),
            ("Lớp", Classroom.objects.count(), created["classes"]),
            ("Học sinh", User.objects.filter(role=Role.STUDENT).count(), created[Role.STUDENT]),
            ("Giáo viên", User.objects.filter(role=Role.TEACHER).count(), created[Role.TEACHER]),
            ("Ghi danh", Enrollment.objects.count(), created["enrollments"]),
            ("Phân công giảng dạy", TeachingAssignment.objects.count(), created["assignments"]),
        ]
        write()
        write(self.style.MIGRATE_HEADING("Tổng số"))
        width = max(len(label) for label, _, _ in totals)
        for label, total, new in totals:
            write(f"{label.ljust(width)}  {total:>6}  (mới tạo {new})")
        write(self.style.SUCCESS(f"Xong sau {elapsed:.1f} giây."))
