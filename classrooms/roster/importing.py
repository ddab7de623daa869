"""Roster import: match parsed rows to the database, preview, then write all or nothing.

`roster_preview` never writes. `roster_apply` writes the whole plan in one transaction, so an
import either lands completely or not at all (a closed browser tab or a crash mid-way leaves
the database as it was). Both the `import_roster` command and the web pages use these two
functions.

The preview lists every error of every row at once: the rows the parser rejected (a bad date,
a bad phone) are still checked against the database (school, class, subject), only not
matched to accounts.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.credentials import (
    credential_encrypt,
    initial_password_generate,
    initial_password_hashes,
)
from accounts.events import users_created
from accounts.models import Guardianship, InitialCredential, Role, User
from accounts.usernames import ascii_slug, usernames_allocate

from ..org.levels import level_for_grade
from ..org.models import Classroom, Enrollment, School, Subject, TeachingAssignment
from ..org.selectors import academic_year_current
from ..org.services import teaching_assignment_create
from .parsing import RowError, StudentRow, TeacherRow, normalise_class_name, roster_parse

BATCH = 2000
MAX_STORED_ERRORS = 1000
Progress = Callable[[int, int], None]


@dataclass
class StudentChange:
    row: StudentRow
    classroom: Classroom
    user: User | None = None  # None: a new student
    fields: dict = field(default_factory=dict)  # user fields to update
    move_from: Enrollment | None = None  # the enrolment to end when the class changes
    enrol: bool = False
    link_guardian: bool = False


@dataclass
class TeacherChange:
    row: TeacherRow
    user: User | None
    fields: dict = field(default_factory=dict)
    assignments: list[tuple[Classroom, Subject]] = field(default_factory=list)
    homeroom: Classroom | None = None


@dataclass
class RosterPlan:
    kind: str
    school: School
    total_rows: int
    errors: list[RowError] = field(default_factory=list)
    changes: list = field(default_factory=list)  # StudentChange | TeacherChange, new or updated
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    guardians: dict = field(default_factory=dict)  # phone → existing guardian account
    examples: int = 0  # the template's example rows, skipped

    @property
    def summary(self) -> dict:
        return {
            "kind": self.kind,
            "total": self.total_rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "examples": self.examples,
        }

    @property
    def error_dicts(self) -> list[dict]:
        """The errors in row order, at most MAX_STORED_ERRORS of them (the count is in summary)."""
        ordered = sorted(self.errors, key=lambda e: e.row or 0)[:MAX_STORED_ERRORS]
        return [{"row": e.row, "column": e.column, "message": e.message} for e in ordered]


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _current_classrooms(school: School, errors: list[RowError]) -> dict[str, Classroom]:
    year = academic_year_current()
    if year is None:
        message = _("There is no current academic year yet.")
        if not any(e.message == message for e in errors):
            errors.append(RowError(None, "", message))
        return {}
    return {
        _class_key(c.name): c
        for c in Classroom.objects.filter(school=school, year=year).select_related("year")
    }


def _class_key(name: str) -> str:
    # The same normalisation the parser applies to "Lớp" cells.
    return normalise_class_name(name)


def _unknown_class(row: int, column: str, name: str, school: School) -> RowError:
    return RowError(
        row,
        column,
        _("Class %(name)s does not exist at %(school)s this year.")
        % {"name": name, "school": school},
    )


def roster_preview(
    *, filename: str, data: bytes, school: School | None, kind: str | None = None
) -> RosterPlan:
    """Parse and match a file. Without a school, each row names its own ("Mã trường")."""
    parsed = roster_parse(filename=filename, data=data, kind=kind)
    plan = RosterPlan(
        kind=parsed.kind or "students",
        school=school,
        total_rows=parsed.total_rows,
        examples=len(parsed.examples),
    )
    plan.errors.extend(parsed.errors)
    if parsed.kind == "teachers" and school is None:
        plan.errors.append(
            RowError(None, "", _("A teacher list is imported one school at a time."))
        )
    if any(error.row is None for error in plan.errors):  # the file as a whole is refused
        return plan
    rejected = {row.row for row in parsed.rejected}
    rows = sorted([*parsed.rows, *parsed.rejected], key=lambda row: row.row)
    if parsed.kind == "teachers":
        _plan_teachers(plan, rows, school, rejected)
    else:
        for row_school, group in _students_by_school(plan, rows, school):
            _plan_students(plan, group, row_school, rejected)
    # Row by row, each row's errors in the order they were found (stable sort).
    plan.errors.sort(key=lambda error: error.row or 0)
    return plan


def _students_by_school(plan: RosterPlan, rows: list[StudentRow], school: School | None):
    """Group student rows by school: the given one, or the school each row names."""
    column = "Mã trường"
    if school is not None:
        foreign = [r for r in rows if r.school_code and r.school_code != school.code]
        for row in foreign:
            plan.errors.append(
                RowError(
                    row.row,
                    column,
                    _("This row belongs to school %(code)s, not to %(school)s.")
                    % {"code": row.school_code, "school": school},
                )
            )
        foreign_rows = {r.row for r in foreign}
        return [(school, [r for r in rows if r.row not in foreign_rows])]
    codes = {r.school_code for r in rows if r.school_code}
    schools = {s.code: s for s in School.objects.filter(code__in=codes)}
    groups: dict[str, list[StudentRow]] = {}
    for row in rows:
        if not row.school_code:
            plan.errors.append(RowError(row.row, column, _("The school code is missing.")))
        elif row.school_code not in schools:
            plan.errors.append(
                RowError(
                    row.row,
                    column,
                    _("There is no school with code %(code)s.") % {"code": row.school_code},
                )
            )
        else:
            groups.setdefault(row.school_code, []).append(row)
    return [(schools[code], group) for code, group in groups.items()]


# --- students -----------------------------------------------------------------------------


def _plan_students(
    plan: RosterPlan, rows: list[StudentRow], school: School, rejected: set[int]
) -> None:
    """Match rows to students and classes; rows in `rejected` (errors already reported) are
    only checked for their class."""
    classrooms = _current_classrooms(school, plan.errors)
    if not classrooms:
        for row in rows:
            if row.class_name:
                plan.errors.append(_unknown_class(row.row, "Lớp", row.class_name, school))
        return
    year_ids = {c.year_id for c in classrooms.values()}

    existing = User.objects.filter(school=school, role=Role.STUDENT).only(
        "id", "full_name", "birth_date", "gender", "email", "student_code", "username"
    )
    by_id = {u.pk: u for u in existing}
    by_code = {u.student_code: u for u in by_id.values() if u.student_code}
    enrolment_of: dict[int, Enrollment] = {}
    by_key: dict[tuple, User] = {}
    for enrolment in Enrollment.objects.filter(
        student__school=school, active=True, classroom__year_id__in=year_ids
    ).select_related("classroom"):
        user = by_id.get(enrolment.student_id)
        if user is None:
            continue
        enrolment_of[user.pk] = enrolment
        key = (_name_key(user.full_name), user.birth_date, _class_key(enrolment.classroom.name))
        by_key[key] = user

    phones = {r.guardian_phone for r in rows if r.guardian_phone and r.row not in rejected}
    guardians = {g.phone: g for g in User.objects.filter(role=Role.GUARDIAN, phone__in=phones)}
    links = set(
        Guardianship.objects.filter(guardian__in=guardians.values()).values_list(
            "guardian__phone", "student_id"
        )
    )

    matched: dict[int, int] = {}
    for row in rows:
        classroom = classrooms.get(row.class_name)
        if classroom is None and row.class_name:
            plan.errors.append(_unknown_class(row.row, "Lớp", row.class_name, school))
        if classroom is None or row.row in rejected:
            continue
        user = by_code.get(row.student_code) if row.student_code else None
        if user is None:
            candidate = by_key.get((_name_key(row.full_name), row.birth_date, row.class_name))
            # A row with a code never takes over a student who has a different code.
            if candidate is not None and not (
                row.student_code
                and candidate.student_code
                and candidate.student_code != row.student_code
            ):
                user = candidate
        if user is not None:
            if user.pk in matched:
                plan.errors.append(
                    RowError(
                        row.row,
                        "Họ và tên",
                        _("This row is the same student as row %(row)s.")
                        % {"row": matched[user.pk]},
                    )
                )
                continue
            matched[user.pk] = row.row
        change = StudentChange(row=row, classroom=classroom, user=user)
        if user is None:
            change.enrol = True
            change.link_guardian = bool(row.guardian_phone)
            plan.changes.append(change)
            plan.new += 1
            continue
        wanted = {
            "full_name": row.full_name,
            "birth_date": row.birth_date,
            "gender": row.gender,
        }
        if row.email:
            wanted["email"] = row.email
        if row.student_code:
            wanted["student_code"] = row.student_code
        change.fields = {k: v for k, v in wanted.items() if getattr(user, k) != v}
        current = enrolment_of.get(user.pk)
        if current is None or current.classroom_id != classroom.pk:
            change.move_from, change.enrol = current, True
        change.link_guardian = bool(row.guardian_phone) and (
            (row.guardian_phone, user.pk) not in links
        )
        if change.fields or change.enrol or change.link_guardian:
            plan.changes.append(change)
            plan.updated += 1
        else:
            plan.unchanged += 1
    plan.guardians.update(guardians)


def _new_accounts(items: list, *, base: Callable, build: Callable) -> list[User]:
    """Build (not save) one user per item: an allocated username and a fresh initial password.

    `base(item)` gives the username base, `build(item, username, password_hash)` the User.
    """
    usernames = usernames_allocate([base(i) for i in items])
    passwords = [initial_password_generate() for _ in items]
    users = []
    for item, username, password, hashed in zip(
        items, usernames, passwords, initial_password_hashes(passwords), strict=True
    ):
        user = build(item, username, hashed)
        user.must_change_password = True
        user._initial_password = password
        users.append(user)
    return users


def _save_new_accounts(users: list[User]) -> None:
    User.objects.bulk_create(users, batch_size=BATCH)
    if users and users[0].pk is None:  # backends that cannot return ids from bulk inserts
        ids = dict(
            User.objects.filter(username__in=[u.username for u in users]).values_list(
                "username", "id"
            )
        )
        for user in users:
            user.pk = user.id = ids[user.username]
    users_created.send(sender=User, users=users)
    InitialCredential.objects.bulk_create(
        [
            InitialCredential(user=u, password_encrypted=credential_encrypt(u._initial_password))
            for u in users
        ],
        batch_size=BATCH,
    )


def _apply_students(plan: RosterPlan, progress: Progress) -> None:
    total = len(plan.changes)
    new = [c for c in plan.changes if c.user is None]
    # The school and the classes were resolved for this school, which is exactly what
    # accounts.services.user_create and classrooms.org.services.enrollment_create check; writing
    # in bulk here keeps a province file within minutes.
    for start in range(0, len(new), BATCH):
        batch = new[start : start + BATCH]
        users = _new_accounts(
            batch,
            base=lambda c: f"{ascii_slug(c.row.full_name)}.{ascii_slug(c.row.class_name)}",
            build=lambda c, username, password: _student_user(
                c.row, username, password, c.classroom.school_id
            ),
        )
        _save_new_accounts(users)
        for change, user in zip(batch, users, strict=True):
            change.user = user
        progress(start + len(batch), total)

    for change in plan.changes:
        if change.fields:
            for name, value in change.fields.items():
                setattr(change.user, name, value)
            change.user.full_clean(exclude=["password", "username"])
            change.user.save(update_fields=list(change.fields))
    moves = [c.move_from.pk for c in plan.changes if c.move_from is not None]
    Enrollment.objects.filter(pk__in=moves).update(active=False)
    Enrollment.objects.bulk_create(
        [Enrollment(classroom=c.classroom, student=c.user) for c in plan.changes if c.enrol],
        batch_size=BATCH,
    )
    _link_guardians(plan)
    progress(total, total)


def _student_user(row: StudentRow, username: str, password: str, school_id: int) -> User:
    return User(
        username=username,
        password=password,
        role=Role.STUDENT,
        full_name=row.full_name,
        birth_date=row.birth_date,
        gender=row.gender,
        email=row.email,
        student_code=row.student_code,
        school_id=school_id,
    )


def _link_guardians(plan: RosterPlan) -> None:
    guardians: dict[str, User] = dict(plan.guardians)
    wanted = [c for c in plan.changes if c.link_guardian]
    missing: dict[str, str] = {}
    for change in wanted:
        if change.row.guardian_phone not in guardians:
            missing.setdefault(change.row.guardian_phone, change.row.guardian_name)
    if missing:
        created = _new_accounts(
            list(missing.items()),
            base=lambda item: ascii_slug(item[0]),
            build=lambda item, username, password: _guardian_user(*item, username, password),
        )
        _save_new_accounts(created)
        guardians.update({g.phone: g for g in created})
    Guardianship.objects.bulk_create(
        [Guardianship(guardian=guardians[c.row.guardian_phone], student=c.user) for c in wanted],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


def _guardian_user(phone: str, name: str, username: str, password: str) -> User:
    return User(
        username=username, password=password, role=Role.GUARDIAN, full_name=name, phone=phone
    )


# --- teachers -----------------------------------------------------------------------------


def _plan_teachers(
    plan: RosterPlan, rows: list[TeacherRow], school: School, rejected: set[int]
) -> None:
    """Match rows to teachers, classes and subjects; rows in `rejected` (errors already
    reported) are only checked for their classes and subjects."""
    classrooms = _current_classrooms(school, plan.errors)
    subjects = {ascii_slug(s.name): s for s in Subject.objects.all()}
    teachers = list(User.objects.filter(school=school, role=Role.TEACHER))
    by_email = {t.email.lower(): t for t in teachers if t.email}
    by_phone = {t.phone: t for t in teachers if t.phone}
    by_name = {_name_key(t.full_name): t for t in teachers}
    current = {
        (a.classroom_id, a.subject_id): a.teacher_id
        for a in TeachingAssignment.objects.filter(classroom__in=classrooms.values())
    }

    for row in rows:
        errors_before = len(plan.errors)
        rooms = []
        for name in row.classes:
            if name in classrooms:
                rooms.append(classrooms[name])
            else:
                plan.errors.append(_unknown_class(row.row, "Lớp dạy", name, school))
        row_subjects = []
        for name in row.subjects:
            subject = subjects.get(ascii_slug(name))
            if subject is None:
                plan.errors.append(
                    RowError(row.row, "Môn", _("Unknown subject “%(name)s”.") % {"name": name})
                )
            else:
                row_subjects.append(subject)
        homeroom = None
        if row.homeroom_class:
            homeroom = classrooms.get(row.homeroom_class)
            if homeroom is None:
                plan.errors.append(
                    _unknown_class(row.row, "Chủ nhiệm lớp", row.homeroom_class, school)
                )
        assignments = [
            (room, subject)
            for room in rooms
            for subject in row_subjects
            if level_for_grade(room.grade) in subject.levels
        ]
        if rooms and row_subjects and not assignments:
            plan.errors.append(
                RowError(
                    row.row,
                    "Môn",
                    _("None of these subjects is taught in these classes."),
                )
            )
        if len(plan.errors) > errors_before or row.row in rejected:
            continue
        user = (
            (row.email and by_email.get(row.email))
            or (row.phone and by_phone.get(row.phone))
            or by_name.get(_name_key(row.full_name))
        )
        change = TeacherChange(row=row, user=user or None, homeroom=homeroom)
        change.assignments = [
            (room, subject)
            for room, subject in assignments
            if user is None or current.get((room.pk, subject.pk)) != user.pk
        ]
        if user is None:
            plan.changes.append(change)
            plan.new += 1
            continue
        wanted = {"full_name": row.full_name}
        if row.email:
            wanted["email"] = row.email
        if row.phone:
            wanted["phone"] = row.phone
        change.fields = {k: v for k, v in wanted.items() if getattr(user, k) != v}
        if homeroom is not None and homeroom.homeroom_teacher_id == user.pk:
            change.homeroom = None
        if change.fields or change.assignments or change.homeroom:
            plan.changes.append(change)
            plan.updated += 1
        else:
            plan.unchanged += 1


def _apply_teachers(plan: RosterPlan, progress: Progress) -> None:
    new = [c for c in plan.changes if c.user is None]
    users = _new_accounts(
        new,
        base=lambda c: f"{ascii_slug(c.row.full_name)}.gv",
        build=lambda c, username, password: _teacher_user(c.row, username, password, plan.school),
    )
    _save_new_accounts(users)
    for change, user in zip(new, users, strict=True):
        change.user = user
    for done, change in enumerate(plan.changes, 1):
        user = change.user
        if change.fields:
            for name, value in change.fields.items():
                setattr(user, name, value)
            user.save(update_fields=list(change.fields))
        for classroom, subject in change.assignments:
            # A corrected file moves the subject to this teacher.
            TeachingAssignment.objects.filter(classroom=classroom, subject=subject).delete()
            teaching_assignment_create(classroom=classroom, subject=subject, teacher=user)
        if change.homeroom is not None:
            change.homeroom.homeroom_teacher = user
            change.homeroom.save(update_fields=["homeroom_teacher"])
        progress(done, len(plan.changes))


def _teacher_user(row: TeacherRow, username: str, password: str, school: School) -> User:
    return User(
        username=username,
        password=password,
        role=Role.TEACHER,
        full_name=row.full_name,
        email=row.email,
        phone=row.phone,
        school=school,
    )


# --- applying -----------------------------------------------------------------------------


def roster_apply(*, plan: RosterPlan, progress: Progress | None = None) -> dict:
    """Write the plan, all or nothing. A plan with errors writes nothing."""
    if plan.errors:
        raise ValidationError(
            _("The file has %(count)s errors; nothing was imported.") % {"count": len(plan.errors)}
        )
    progress = progress or (lambda done, total: None)
    with transaction.atomic():
        if plan.kind == "teachers":
            _apply_teachers(plan, progress)
        else:
            _apply_students(plan, progress)
    return plan.summary
