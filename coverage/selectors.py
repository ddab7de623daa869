"""Reads for the coverage dashboards, exports and API, always scoped to the user.

Every figure comes from the rollup: ``DailyCoverage`` (one row per class per school day) and
``AtRiskStudent`` (the at-risk students of each class's latest day), with one exception: the
per-student rows of ONE class read that class's attendance records (docs/coverage.md, "What
reads what").

Built on these: the at-risk lists and a student's page (``coverage.students``), the start
dashboards and their cache (``coverage.start_pages``), the report's rows (``coverage.reports``).
They use this module's building blocks by their public names (``filtered_rows``,
``grouped_by``, ``SUMS``/``finish_sums``, ``in_scope``, ``person_of``, …): those that read
take the user and scope to it (``filtered_rows``, ``in_scope``), the others work on rows
already scoped.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, replace

from django.conf import settings
from django.db import connections
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Guardianship, Role, User
from classrooms.models import AttendanceRecord, Classroom, District, School
from classrooms.org.levels import LEVEL_GRADES, Level
from classrooms.org.selectors import classroom_list, district_list, school_list
from lms.access import has_role, scoped
from lms.collation import vi_key, vi_order
from lms.roles import ADMIN_ROLES

from . import definitions
from .filters import DaysChoice, bound_filterset, default_period
from .models import DailyCoverage, SchoolDailyCoverage

ATTENTION_DAYS = 5


@dataclass
class CoverageFilters:
    start: datetime.date
    end: datetime.date
    level: str | None = None  # a classrooms.org.levels.Level value: tieu_hoc, thcs, thpt
    grade: int | None = None
    closures_only: bool = True
    # The request gave the end before the start: the page says it swapped them.
    swapped: bool = False

    def as_query(self) -> dict:
        query = {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "days": DaysChoice.CLOSED if self.closures_only else DaysChoice.ALL,
        }
        if self.level:
            query["level"] = self.level
        if self.grade:
            query["grade"] = self.grade
        return query


def filters_from_params(params) -> CoverageFilters:
    """Parse GET parameters (start, end as YYYY-MM-DD; level; grade; days=closed|all, or
    closures_only=true|false). Invalid values fall back to the defaults: the last 14 days,
    all levels and grades, closed days only. An end before the start is swapped, and
    ``swapped`` says so."""
    filterset = bound_filterset(params)
    filterset.is_valid()
    data = getattr(filterset.form, "cleaned_data", {})
    start, end = default_period()
    start = data.get("start") or start
    end = data.get("end") or end
    swapped = start > end
    if swapped:
        start, end = end, start
    grade = data.get("grade")
    return CoverageFilters(
        start=start,
        end=end,
        level=data.get("level") or None,
        grade=int(grade) if grade else None,
        closures_only=data.get("days") != DaysChoice.ALL,
        swapped=swapped,
    )


def school_filter_choices(school: School) -> dict[str, list]:
    """The levels and grades a school's page offers: its levels when it teaches several (one
    is no choice), the grades it teaches."""
    return {
        "levels": [str(level) for level in school.levels] if len(school.levels) > 1 else [],
        "grades": [g for g in range(1, 13) if school.teaches_grade(g)],
    }


def filters_for_school(filters: CoverageFilters, school: School) -> CoverageFilters:
    """The filters a school's page applies (``school_filter_choices``): a level or grade it
    does not offer selects nothing useful there, so it is dropped."""
    choices = school_filter_choices(school)
    level = filters.level if filters.level in choices["levels"] else None
    grade = filters.grade if filters.grade in choices["grades"] else None
    return replace(filters, level=level, grade=grade)


def filters_for_classroom(filters: CoverageFilters) -> CoverageFilters:
    """A class has one level and one grade: its page applies the period and days only."""
    return replace(filters, level=None, grade=None)


def by_level_and_grade(qs: QuerySet, filters: CoverageFilters | None, grade_field: str):
    """Rows of the filters' level and grade, for tables whose level is their class's grade."""
    if filters and filters.level:
        qs = qs.filter(**{f"{grade_field}__in": list(LEVEL_GRADES[Level(filters.level)])})
    if filters and filters.grade:
        qs = qs.filter(**{grade_field: filters.grade})
    return qs


# --- Scope ---------------------------------------------------------------------------------


def user_sees_coverage(user: User) -> bool:
    return user.is_active and has_role(user, ADMIN_ROLES)


def coverage_rows(*, user: User) -> QuerySet[DailyCoverage]:
    """The rollup rows the user may read: all of them for the province, their district's for
    a district officer, their school's for a school admin, none for anyone else."""
    return in_scope(DailyCoverage.objects.all(), user)


def in_scope(qs: QuerySet, user: User) -> QuerySet:
    """Rows that carry district_id and school_id (DailyCoverage, SchoolDailyCoverage,
    AtRiskStudent), scoped to the user."""
    if not user_sees_coverage(user):
        return qs.none()
    return scoped(
        qs,
        user=user,
        rules={
            Role.DISTRICT_OFFICER: lambda: Q(district_id=user.district_id),
            Role.SCHOOL_ADMIN: lambda: Q(school_id=user.school_id),
        },
    )


def coverage_district_get(*, user: User, pk) -> District:
    if not user_sees_coverage(user) or user.role == Role.SCHOOL_ADMIN:
        raise Http404
    return get_object_or_404(district_list(user=user), pk=pk)


def coverage_school_get(*, user: User, pk) -> School:
    if not user_sees_coverage(user):
        raise Http404
    return get_object_or_404(school_list(user=user), pk=pk)


def coverage_classroom_get(*, user: User, pk) -> Classroom:
    if not user_sees_coverage(user):
        raise Http404
    return get_object_or_404(classroom_list(user=user), pk=pk)


def filtered_rows(user: User, filters: CoverageFilters, rows: QuerySet | None = None) -> QuerySet:
    """The user's rollup rows (DailyCoverage, or ``rows``: SchoolDailyCoverage) that match
    the filters."""
    qs = in_scope(DailyCoverage.objects.all() if rows is None else rows, user)
    qs = qs.filter(date__gte=filters.start, date__lte=filters.end)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.closures_only:
        qs = qs.filter(closed=True)
    return qs


# --- Figures -------------------------------------------------------------------------------

SUMS = {
    "class_days": Count("pk"),
    "classes": Count("classroom_id", distinct=True),
    "closed_class_days": Count("pk", filter=Q(closed=True)),
    "taught_class_days": Count("pk", filter=Q(taught=True)),
    "taught_closed_class_days": Count("pk", filter=Q(closed=True, taught=True)),
    "sessions_scheduled": Sum("sessions_scheduled"),
    "sessions_held": Sum("sessions_held"),
    "attendances": Sum("attendances"),
    "expected_attendances": Sum("expected"),
    # Learned asynchronously: students × closed class-days, and those of them who learned.
    "closed_student_days": Sum("enrolled", filter=Q(closed=True)),
    "async_learners": Sum("async_learners"),
}


_SCHOOL_DAY_SUMS = {
    "class_days": Sum("class_days"),
    "classes": Sum("class_days"),
    "closed_class_days": Sum("class_days", filter=Q(closed=True)),
    "taught_class_days": Sum("taught_class_days"),
    "taught_closed_class_days": Sum("taught_class_days", filter=Q(closed=True)),
    "sessions_scheduled": Sum("sessions_scheduled"),
    "sessions_held": Sum("sessions_held"),
    "attendances": Sum("attendances"),
    "expected_attendances": Sum("expected"),
    "closed_student_days": Sum("enrolled", filter=Q(closed=True)),
    "async_learners": Sum("async_learners"),
}


def school_day_sums(qs: QuerySet[SchoolDailyCoverage], group: str | None = None) -> list[dict]:
    """The figures of ``SUMS`` added up from per-school rows: one dict per value of ``group``
    (in its order), or one for all the rows. Their "classes" is the class-days (a day has one
    row per class), right for one day or per day, not over a period."""
    # (Aliased in the query: an annotation cannot take the name of the field it adds up.)
    sums = {f"total_{k}": v for k, v in _SCHOOL_DAY_SUMS.items()}
    if group is None:
        rows, keep = [qs.aggregate(**sums)], ()
    else:
        rows, keep = qs.values(group).annotate(**sums).order_by(group), (group,)
    return [
        {**{g: row[g] for g in keep}, **{k: row[f"total_{k}"] for k in _SCHOOL_DAY_SUMS}}
        for row in rows
    ]


def pct(part, whole) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return round(100 * part / whole, 1) if whole else None


def finish_sums(row: dict) -> dict:
    for key in SUMS:
        row[key] = row.get(key) or 0
    # Coverage = taught closed class-days / closed class-days (DESIGN.md), on any filter.
    row["coverage_pct"] = pct(row["taught_closed_class_days"], row["closed_class_days"])
    row["taught_pct"] = pct(row["taught_class_days"], row["class_days"])
    row["participation_pct"] = pct(row["attendances"], row["expected_attendances"])
    # Beside "taught online", never mixed into it (DESIGN.md "Coverage").
    row["async_pct"] = pct(row["async_learners"], row["closed_student_days"])
    row.setdefault("at_risk_students", 0)
    row.setdefault("students", 0)
    return row


def _latest(qs: QuerySet, group: str | None) -> dict:
    """At-risk students and enrolled students on the last day of the selection, per group
    (``qs``: DailyCoverage, or SchoolDailyCoverage for a district or school group or none)."""
    last = qs.aggregate(last=Max("date"))["last"]
    if last is None:
        return {}
    latest = qs.filter(date=last)
    if group is None:
        agg = latest.aggregate(at_risk=Sum("at_risk"), students=Sum("enrolled"))
        return {None: agg}
    return {
        row[group]: row
        for row in latest.values(group)
        .annotate(at_risk=Sum("at_risk"), students=Sum("enrolled"))
        .order_by()
    }


def _per_group(qs: QuerySet[DailyCoverage], group: str) -> list[dict]:
    """``SUMS`` per group, in two aggregation steps in the database: per (group, class) in
    one hash aggregate, then per group, so that the classes of a group are counted as its
    (group, class) rows, without COUNT(DISTINCT classroom_id), which sorts every class-day.
    The ORM cannot aggregate a grouped subquery again per group, so the outer step wraps the
    ORM's inner query as SQL (the column names are ours, the values stay parameters)."""
    if group not in ("district_id", "school_id", "classroom_id"):
        raise ValueError(group)
    sums = [k for k in SUMS if k != "classes"]
    inner = qs.values(group, "classroom_id").annotate(**{k: SUMS[k] for k in sums}).order_by()
    sql, params = inner.query.sql_with_params()
    quote = connections[qs.db].ops.quote_name
    outer = ", ".join(f"COALESCE(SUM(t.{quote(k)}), 0)" for k in sums)
    with connections[qs.db].cursor() as cursor:
        cursor.execute(
            f"SELECT t.{quote(group)}, COUNT(*), {outer} "  # noqa: S608 - our names only
            f"FROM ({sql}) t GROUP BY t.{quote(group)}",
            params,
        )
        # int(): PostgreSQL's SUM of a bigint COUNT is a numeric (Decimal).
        return [
            {
                group: key,
                "classes": classes,
                **{k: int(v) for k, v in zip(sums, values, strict=True)},
            }
            for key, classes, *values in cursor.fetchall()
        ]


def _with_latest(parts, group: str, latest: dict) -> dict[int, dict]:
    """Group rows keyed by the group, each with its last-day at-risk and enrolled students
    (``_latest``) and its percentages."""
    rows = {}
    for row in parts:
        extra = latest.get(row[group], {})
        row["at_risk_students"] = extra.get("at_risk") or 0
        row["students"] = extra.get("students") or 0
        rows[row[group]] = finish_sums(row)
    return rows


def grouped_by(qs: QuerySet[DailyCoverage], group: str) -> dict[int, dict]:
    return _with_latest(_per_group(qs, group), group, _latest(qs, group))


def grouped_from_school_days(
    user: User, filters: CoverageFilters, group: str, **scope
) -> dict[int, dict]:
    """``grouped_by`` by district or school for the start dashboard, read from the per-school
    rollup: the same sums, at-risk and enrolled students, but no count of distinct classes
    ("classes" is 0), which only the API shows and which days cannot add up."""
    qs = filtered_rows(user, filters, SchoolDailyCoverage.objects.all()).filter(**scope)
    parts = [dict(part, classes=0) for part in school_day_sums(qs, group)]
    return _with_latest(parts, group, _latest(qs, group))


def today_figures(*, user: User, filters: CoverageFilters | None = None) -> dict:
    """Today's key figures: closed classes, how many of them were taught online, participation
    in today's held sessions, and at-risk students (as of the last rolled-up day)."""
    today = timezone.localdate()
    # From the per-school rollup: a day's figures are sums over its classes (one row per
    # class and date), and a few hundred school rows hold what thousands of class rows do.
    base = in_scope(SchoolDailyCoverage.objects.all(), user).filter(date__lte=today)
    qs = base.filter(date=today)
    if filters and filters.level:
        qs = qs.filter(level=filters.level)
    if filters and filters.grade:
        qs = qs.filter(grade=filters.grade)
    [row] = school_day_sums(qs)
    row = finish_sums(row)
    last = base.aggregate(last=Max("date"))["last"]
    at_risk = (base.filter(date=last).aggregate(n=Sum("at_risk"))["n"] or 0) if last else 0
    return {
        "date": today,
        "closed_classes": row["closed_class_days"],
        "taught_closed_classes": row["taught_closed_class_days"],
        "coverage_pct": row["coverage_pct"],
        "participation_pct": row["participation_pct"],
        "attendances": row["attendances"],
        "expected_attendances": row["expected_attendances"],
        "closed_student_days": row["closed_student_days"],
        "async_learners": row["async_learners"],
        "async_pct": row["async_pct"],
        "at_risk_students": at_risk,
    }


def coverage_summary(*, user: User, filters: CoverageFilters) -> dict:
    """The whole scope over the period: class-days closed and taught, coverage %, sessions,
    participation %, at-risk students on the last day, and today's figures."""
    row = finish_sums(filtered_rows(user, filters).aggregate(**SUMS))
    latest = _latest(filtered_rows(user, filters, SchoolDailyCoverage.objects.all()), None)
    latest = latest.get(None, {})
    row["at_risk_students"] = latest.get("at_risk") or 0
    row["students"] = latest.get("students") or 0
    return _with_today(row, user, filters)


def summary_of(grouped: dict[int, dict], user: User, filters: CoverageFilters) -> dict:
    """``coverage_summary`` added up from ``grouped_by`` rows of the same selection grouped by
    district, school or class. A class belongs to one group, so its distinct classes, sums
    and last-day figures add up to the same numbers without another scan (rows from
    ``grouped_from_school_days`` carry no distinct classes: the summary's are 0 then)."""
    row = dict.fromkeys(SUMS, 0)
    row["at_risk_students"] = row["students"] = 0
    for part in grouped.values():
        for key in (*SUMS, "at_risk_students", "students"):
            row[key] += part[key]
    return _with_today(finish_sums(row), user, filters)


def _with_today(row: dict, user: User, filters: CoverageFilters) -> dict:
    today = today_figures(user=user, filters=filters)
    row["closed_classes_today"] = today["closed_classes"]
    row["today"] = today
    row["start"], row["end"] = filters.start, filters.end
    row["threshold_pct"] = settings.COVERAGE_THRESHOLD_PCT
    return row


def district_rows(*, user: User, filters: CoverageFilters, grouped=None) -> list[dict]:
    """One row per district in scope (with or without rollup rows in the period)."""
    if not user_sees_coverage(user) or user.role == Role.SCHOOL_ADMIN:
        raise Http404
    if grouped is None:
        grouped = grouped_by(filtered_rows(user, filters), "district_id")
    rows = []
    for district in district_list(user=user).order_by("code"):
        row = grouped.get(district.pk) or finish_sums({})
        row.update(id=district.pk, name=district.name, code=district.code)
        rows.append(row)
    return rows


def school_rows(
    *, user: User, filters: CoverageFilters, district_id=None, grouped=None
) -> list[dict]:
    """One row per school in scope (of one district when given; 404 outside the scope)."""
    schools = school_list(user=user)
    if not user_sees_coverage(user):
        raise Http404
    qs = filtered_rows(user, filters)
    if district_id is not None:
        district = coverage_district_get(user=user, pk=district_id)
        schools = schools.filter(district=district)
        qs = qs.filter(district_id=district.pk)
    if grouped is None:
        grouped = grouped_by(qs, "school_id")
    rows = []
    for school in schools.order_by(vi_order("name")):
        row = grouped.get(school.pk) or finish_sums({})
        row.update(
            id=school.pk, name=school.name, code=school.code,
            district_id=school.district_id, district=school.district.name,
        )  # fmt: skip
        rows.append(row)
    return rows


def class_rows(*, user: User, filters: CoverageFilters, school_id, grouped=None) -> list[dict]:
    """One row per class of the school with rollup rows in the period (current classes)."""
    school = coverage_school_get(user=user, pk=school_id)
    if grouped is None:
        grouped = grouped_by(
            filtered_rows(user, filters).filter(school_id=school.pk), "classroom_id"
        )
    classrooms = Classroom.objects.filter(pk__in=grouped).select_related("homeroom_teacher")
    rows = []
    for classroom in classrooms.order_by("grade", "name"):
        row = grouped[classroom.pk]
        teacher = classroom.homeroom_teacher
        row.update(
            id=classroom.pk,
            name=classroom.name,
            grade=classroom.grade,
            level=classroom.level.value,
            homeroom_teacher=teacher.display_name if teacher else "",
            homeroom_phone=teacher.phone if teacher else "",
            homeroom_email=teacher.email if teacher else "",
        )
        rows.append(row)
    return rows


def class_days_rows(user: User, filters: CoverageFilters, classroom: Classroom) -> list:
    return list(
        filtered_rows(user, filters)
        .filter(classroom_id=classroom.pk)
        .order_by("date")
        .values_list("date", flat=True)
    )


def _async_days(user: User, filters: CoverageFilters, classroom: Classroom) -> dict[int, int]:
    """Per student of ONE class, the closed class-days of the period on which they learned
    asynchronously: the rollup's async_learners of that class, per student."""
    closed = set(
        filtered_rows(user, replace(filters, closures_only=True))
        .filter(classroom_id=classroom.pk)
        .values_list("date", flat=True)
    )
    days = defaultdict(int)
    if closed:
        for _classroom_id, day, student_id in definitions.learning_done(
            [classroom.pk], min(closed), max(closed)
        ):
            if day in closed:
                days[student_id] += 1
    return days


def classroom_figures(*, user: User, filters: CoverageFilters, classroom_id) -> dict:
    """ONE class's figures over the period (the row its school's page shows for it)."""
    classroom = coverage_classroom_get(user=user, pk=classroom_id)
    qs = filtered_rows(user, filters).filter(classroom_id=classroom.pk)
    return finish_sums(qs.aggregate(**SUMS))


def person_fields(prefix: str) -> list[str]:
    """The values() fields of a related user's name, phone and email."""
    return [f"{prefix}{f}" for f in (*User.NAME_FIELDS, "phone", "email")]


def person_of(row: dict, prefix: str) -> tuple[str, str, str]:
    """(name, phone, email) of the user fetched with ``person_fields(prefix)``; blanks when
    there is none (no homeroom teacher)."""
    if row[f"{prefix}username"] is None:
        return "", "", ""
    name = User.name_from(*(row[f"{prefix}{f}"] for f in User.NAME_FIELDS))
    return name, row[f"{prefix}phone"], row[f"{prefix}email"]


def contacts_of(student_ids) -> dict[int, list[dict]]:
    guardians = defaultdict(list)
    for g in (
        Guardianship.objects.filter(student_id__in=student_ids)
        .order_by(vi_order("guardian__full_name"), "guardian__username")
        .values("student_id", "relation", *person_fields("guardian__"))
    ):
        name, phone, email = person_of(g, "guardian__")
        guardians[g["student_id"]].append(
            {"name": name, "relation": g["relation"], "phone": phone, "email": email}
        )
    return guardians


def student_rows(*, user: User, filters: CoverageFilters, classroom_id) -> list[dict]:
    """One row per active student of ONE class: held sessions on the selected class-days, how
    many they attended (present or late), were absent from or excused, attendance %, and
    their current run of consecutive absences (up to the end of the period). Reads that
    class's attendance records directly (one class: a few hundred rows)."""
    classroom = coverage_classroom_get(user=user, pk=classroom_id)
    selected_days = set(class_days_rows(user, filters, classroom))
    lookback = filters.start - datetime.timedelta(days=definitions.AT_RISK_LOOKBACK_DAYS)
    held = definitions.held_sessions([classroom.pk], lookback, filters.end)
    in_period = [s for s in held if s["date"] in selected_days]
    learned = _async_days(user, filters, classroom)
    statuses = defaultdict(dict)
    for session_id, student_id, status in AttendanceRecord.objects.filter(
        session_id__in=[s["id"] for s in in_period]
    ).values_list("session_id", "student_id", "status"):
        statuses[student_id][session_id] = status
    streak = definitions.final_streaks(held, definitions.absent_students([s["id"] for s in held]))
    students = list(
        User.objects.filter(enrollments__classroom=classroom, enrollments__active=True)
        .distinct()
        .order_by(vi_order("full_name"), "username")
    )
    guardians = contacts_of([s.pk for s in students])
    rows = []
    for student in students:
        mine = statuses.get(student.pk, {})
        attended = sum(1 for s in mine.values() if s in definitions.ATTENDED)
        rows.append(
            {
                "id": student.pk,
                "name": student.display_name,
                "sessions": len(mine),
                "attended": attended,
                "absent": sum(1 for s in mine.values() if s == "absent"),
                "excused": sum(1 for s in mine.values() if s == "excused"),
                "attendance_pct": pct(attended, len(mine)),
                "consecutive_absences": streak.get(student.pk, 0),
                "at_risk": streak.get(student.pk, 0) >= settings.COVERAGE_AT_RISK_SESSIONS,
                "async_days": learned.get(student.pk, 0),
                "guardians": guardians.get(student.pk, []),
            }
        )
    return rows


def daily_series(
    *, user: User, filters: CoverageFilters, school_id=None, district_id=None
) -> list[dict]:
    """Per date of the period with rollup rows: class-days, closed, taught, coverage % and
    participation %, for the chart and its data table."""
    # Read from the per-school rollup: every figure of a date is a sum over its classes, and
    # a date's distinct classes are its class-days (one row per class and date).
    qs = filtered_rows(user, filters, SchoolDailyCoverage.objects.all())
    if school_id is not None:
        qs = qs.filter(school_id=coverage_school_get(user=user, pk=school_id).pk)
    if district_id is not None:
        qs = qs.filter(district_id=coverage_district_get(user=user, pk=district_id).pk)
    return [finish_sums(row) for row in school_day_sums(qs, "date")]


def _last_school_days(qs: QuerySet[DailyCoverage], n: int) -> list[datetime.date]:
    """The last n dates (up to today) with rows in qs, newest first: one MAX per date, each an
    index probe, rather than a DISTINCT over every row of the scope."""
    found: list[datetime.date] = []
    before = timezone.localdate() + datetime.timedelta(days=1)
    while len(found) < n:
        day = qs.filter(date__lt=before).aggregate(last=Max("date"))["last"]
        if day is None:
            break
        found.append(day)
        before = day
    return found


def attention_schools(*, user: User, filters: CoverageFilters | None = None) -> list[dict]:
    """Schools whose coverage over the last 5 school days with closed classes is below
    COVERAGE_THRESHOLD_PCT, worst first, with the school's phone, the school admins' contacts
    and the homeroom teachers of the classes that were not taught. Only the classes of the
    filters' level and grade count (the period does not apply: it is always the last days)."""
    closed = coverage_rows(user=user).filter(closed=True)
    if filters and filters.level:
        closed = closed.filter(level=filters.level)
    if filters and filters.grade:
        closed = closed.filter(grade=filters.grade)
    last_days = _last_school_days(closed, ATTENTION_DAYS)
    if not last_days:
        return []
    qs = closed.filter(date__in=last_days)
    threshold = settings.COVERAGE_THRESHOLD_PCT
    low = []
    for school_id, row in grouped_by(qs, "school_id").items():
        if row["coverage_pct"] is not None and row["coverage_pct"] < threshold:
            row["id"] = school_id
            low.append(row)
    if not low:
        return []
    schools = School.objects.in_bulk([r["id"] for r in low])
    admins = defaultdict(list)
    for admin in User.objects.filter(
        role=Role.SCHOOL_ADMIN, school_id__in=schools, is_active=True
    ).order_by(vi_order("full_name"), "username"):
        admins[admin.school_id].append(
            {"name": admin.display_name, "phone": admin.phone, "email": admin.email}
        )
    untaught = defaultdict(list)
    for classroom in (
        Classroom.objects.filter(
            pk__in=qs.filter(school_id__in=schools, taught=False).values("classroom_id")
        )
        .order_by("grade", "name")
        .values("id", "name", "school_id", *person_fields("homeroom_teacher__"))
    ):
        name, phone, email = person_of(classroom, "homeroom_teacher__")
        untaught[classroom["school_id"]].append(
            {
                "id": classroom["id"],
                "name": classroom["name"],
                "homeroom_teacher": name,
                "phone": phone,
                "email": email,
            }
        )
    for row in low:
        school = schools[row["id"]]
        row.update(
            name=school.name,
            phone=school.phone,
            district_id=school.district_id,
            admins=admins.get(school.pk, []),
            untaught_classes=untaught.get(school.pk, []),
            days=sorted(last_days),
        )
    return sorted(low, key=lambda r: (r["coverage_pct"], vi_key(r["name"])))
