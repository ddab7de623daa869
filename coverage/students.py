"""Reads about students for the coverage pages and API, scoped to the user: the at-risk lists
(from the rollup's ``AtRiskStudent``) and one student's page of the drill-down (their
attendance, lessons and guardians). Built on ``coverage.selectors``."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from classrooms.models import AttendanceRecord, Classroom, Enrollment
from classrooms.org.selectors import student_list
from courses.models import LessonAssignment, LessonProgress
from courses.selectors import lesson_status
from lms.collation import vi_order

from . import definitions
from .models import AtRiskStudent
from .selectors import (
    CoverageFilters,
    by_level_and_grade,
    class_days_rows,
    contacts_of,
    coverage_classroom_get,
    coverage_rows,
    filters_for_classroom,
    in_scope,
    pct,
    person_fields,
    person_of,
    user_sees_coverage,
)


def at_risk_queryset(
    *, user: User, classroom_id=None, filters: CoverageFilters | None = None
) -> QuerySet[AtRiskStudent]:
    """Students absent from the last COVERAGE_AT_RISK_SESSIONS held sessions of their class,
    as of the last rolled-up day of the user's scope (or of one class), still actively
    enrolled in that class, in classes of the filters' level and grade, most consecutive
    absences first (then school, class and name, in Vietnamese order). ``AtRiskStudent`` is
    filled by the rollup."""
    base = coverage_rows(user=user).filter(date__lte=timezone.localdate())
    if classroom_id is not None:
        base = base.filter(classroom_id=coverage_classroom_get(user=user, pk=classroom_id).pk)
    last = base.aggregate(last=Max("date"))["last"]
    if last is None:
        return AtRiskStudent.objects.none()
    qs = in_scope(AtRiskStudent.objects.filter(as_of=last), user)
    if classroom_id is not None:
        qs = qs.filter(classroom_id=classroom_id)
    qs = by_level_and_grade(qs, filters, "classroom__grade").filter(
        Exists(
            Enrollment.objects.filter(
                classroom_id=OuterRef("classroom_id"),
                student_id=OuterRef("student_id"),
                active=True,
            )  # fmt: skip
        )
    )
    return qs.order_by(
        "-consecutive_absences", vi_order("school__name"), "classroom__grade",
        "classroom__name", vi_order("student__full_name"), "student__username", "student_id",
    )  # fmt: skip


def at_risk_students(
    *,
    user: User,
    classroom_id=None,
    filters: CoverageFilters | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[dict]:
    """``at_risk_queryset``'s students with their class, school, homeroom teacher's and
    guardians' contacts; ``limit`` and ``offset`` page through them."""
    qs = at_risk_queryset(user=user, classroom_id=classroom_id, filters=filters)
    return _at_risk_rows(qs, limit, offset)


def at_risk_page(
    *,
    user: User,
    classroom_id=None,
    filters: CoverageFilters | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[int, list[dict]]:
    """(how many students are at risk in all, one page of ``at_risk_students``)."""
    qs = at_risk_queryset(user=user, classroom_id=classroom_id, filters=filters)
    rows = _at_risk_rows(qs, limit, offset)
    # A short first page is the whole list: no COUNT needed.
    count = len(rows) if offset == 0 and len(rows) < limit else qs.count()
    return count, rows


def _at_risk_rows(qs: QuerySet[AtRiskStudent], limit: int | None, offset: int) -> list[dict]:
    end = offset + limit if limit is not None else None
    found = list(
        qs.values(
            "student_id", "classroom_id", "classroom__name", "school_id", "school__name",
            "consecutive_absences", *person_fields("student__"),
            *person_fields("classroom__homeroom_teacher__"),
        )[offset:end]
    )  # fmt: skip
    guardians = contacts_of([f["student_id"] for f in found])
    rows = []
    for entry in found:
        teacher, phone, email = person_of(entry, "classroom__homeroom_teacher__")
        rows.append(
            {
                "id": entry["student_id"],
                "name": person_of(entry, "student__")[0],
                "classroom_id": entry["classroom_id"],
                "classroom": entry["classroom__name"],
                "school_id": entry["school_id"],
                "school": entry["school__name"],
                "consecutive_absences": entry["consecutive_absences"],
                "homeroom_teacher": teacher,
                "homeroom_phone": phone,
                "homeroom_email": email,
                "guardians": guardians.get(entry["student_id"], []),
            }
        )
    return rows


def coverage_student_get(*, user: User, pk) -> User:
    """A student in the user's coverage scope: the province's for a province officer, the
    district's for a district officer, the school's for a school admin; 404 otherwise."""
    if not user_sees_coverage(user):
        raise Http404
    return get_object_or_404(student_list(user=user), pk=pk)


def student_detail(*, user: User, filters: CoverageFilters, student_id) -> dict:
    """One student's page, what an officer follows an at-risk row to: per class they are in
    now, their attendance in the held sessions of the period (the selected class-days, as on
    the class page) and their run of absences; the lessons assigned to those classes for the
    period with when they opened and completed each; their guardians' contacts."""
    student = coverage_student_get(user=user, pk=student_id)
    filters = filters_for_classroom(filters)
    enrollments = (
        Enrollment.objects.filter(student=student, active=True)
        .select_related("classroom", "classroom__school", "classroom__homeroom_teacher")
        .order_by("-classroom__year__starts_on", "classroom__grade", "classroom__name")
    )
    classes = [_student_in_class(user, filters, e.classroom, student) for e in enrollments]
    return {
        "student": student,
        "classes": classes,
        "lessons": _student_lessons(student, [c["classroom"] for c in classes], filters),
        "guardians": contacts_of([student.pk]).get(student.pk, []),
    }


def _student_in_class(user: User, filters: CoverageFilters, classroom: Classroom, student):
    selected_days = set(class_days_rows(user, filters, classroom))
    lookback = filters.start - datetime.timedelta(days=definitions.AT_RISK_LOOKBACK_DAYS)
    held = definitions.held_sessions([classroom.pk], lookback, filters.end)
    in_period = [s["id"] for s in held if s["date"] in selected_days]
    records = list(
        AttendanceRecord.objects.filter(student=student, session_id__in=in_period)
        .select_related("session", "session__subject")
        .order_by("-session__starts_at")
    )
    attended = sum(1 for r in records if r.status in definitions.ATTENDED)
    streak = definitions.final_streaks(held, definitions.absent_students([s["id"] for s in held]))
    runs = streak.get(student.pk, 0)
    teacher = classroom.homeroom_teacher
    return {
        "classroom": classroom,
        "homeroom_teacher": teacher.display_name if teacher else "",
        "homeroom_phone": teacher.phone if teacher else "",
        "homeroom_email": teacher.email if teacher else "",
        "records": records,
        "sessions": len(records),
        "attended": attended,
        "absent": sum(1 for r in records if r.status == "absent"),
        "excused": sum(1 for r in records if r.status == "excused"),
        "attendance_pct": pct(attended, len(records)),
        "consecutive_absences": runs,
        "at_risk": runs >= settings.COVERAGE_AT_RISK_SESSIONS,
    }


def _student_lessons(student: User, classrooms: list[Classroom], filters: CoverageFilters):
    """Lessons assigned to the classes and due in the period (or with no due date, available
    by its end), soonest due first, each with the student's first open and completion."""
    first, last = definitions.day_bounds(filters.start, filters.end)
    assignments = (
        LessonAssignment.objects.filter(classroom__in=classrooms, lesson__live=True)
        .filter(Q(due_at__gte=first, due_at__lt=last) | Q(due_at__isnull=True))
        .filter(Q(available_from__isnull=True) | Q(available_from__lt=last))
        .select_related("lesson", "classroom")
        .order_by(F("due_at").asc(nulls_last=True), "lesson__title", "pk")
    )
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(
            student=student, lesson_id__in=[a.lesson_id for a in assignments]
        )
    }
    now, rows = timezone.now(), []
    for assignment in assignments:
        p = progress.get(assignment.lesson_id)
        rows.append(
            {
                "title": assignment.lesson.title,
                "classroom": assignment.classroom.name,
                "due_at": assignment.due_at,
                "opened_at": p.opened_at if p else None,
                "completed_at": p.completed_at if p else None,
                "status": lesson_status(assignment, p, now),
            }
        )
    return rows
