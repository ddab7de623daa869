"""Coverage dashboards, drill-down and reports. Everything comes from coverage.selectors."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from jobs.services import job_start
from lms.access import scope_role
from lms.collation import vi_key

from . import selectors, start_pages, students, tasks
from .filters import bound_filterset
from .reports import REPORT_PARAMS, report_rows, report_table
from .services import last_rollup_at

# "Cần chú ý" on the start dashboard lists the worst schools only (a province has hundreds
# below the threshold during a wide closure, and rendering them all was most of the page's
# time); the attention page lists them all.
ATTENTION_ON_DASHBOARD = 20

SORTABLE = {
    "name", "coverage_pct", "participation_pct", "closed_class_days", "taught_class_days",
    "sessions_held", "sessions_scheduled", "at_risk_students", "students", "attendance_pct",
    "consecutive_absences", "grade", "async_pct", "async_days",
}  # fmt: skip


def sort_rows(rows: list[dict], sort: str | None, default: str = "name") -> tuple[list, str]:
    """Server-side sorting by ?sort=key or ?sort=-key; empty values always last."""
    sort = sort or default
    key = sort.lstrip("-")
    if key not in SORTABLE:
        sort, key = default, default.lstrip("-")
    reverse = sort.startswith("-")
    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    present.sort(key=lambda r: _sort_value(r, key), reverse=reverse)
    return present + missing, sort


def _sort_value(row: dict, key: str):
    """Names in Vietnamese order (lms.collation); a class's name after its grade (9A, 10A)."""
    value = row[key]
    if key == "name" and row.get("grade") is not None:
        return row["grade"], vi_key(value)
    return vi_key(value) if isinstance(value, str) else value


def _viewer(request):
    if not selectors.user_sees_coverage(request.user):
        raise Http404
    return request.user


def _context(request, *, levels=None, grades=None, **extra) -> dict:
    """The filters' context. ``levels`` and ``grades`` are the choices a page can apply (an
    empty list hides the filter; None offers them all); the links up and the sort links keep
    the request's own filters, so a level chosen on the dashboard is still chosen there."""
    filters = selectors.filters_from_params(request.GET)
    query = filters.as_query()
    # The form shows the dates the page shows (swapped when the request reversed them).
    shown = request.GET.copy()
    shown.update({"start": query["start"], "end": query["end"]})
    context = {
        "filters": filters,
        "filterset": bound_filterset(shown, levels=levels, grades=grades),
        "filter_query": "&".join(f"{k}={v}" for k, v in query.items()),
        "sort": request.GET.get("sort", ""),
        "threshold": settings.COVERAGE_THRESHOLD_PCT,
        "updated_at": last_rollup_at(),
    }
    context.update(extra)
    return context


def _series_context(series: list[dict]) -> dict:
    return {
        "series": series,
        "chart": {
            "labels": [row["date"].strftime("%d/%m") for row in series],
            "coverage": [row["coverage_pct"] for row in series],
            "participation": [row["participation_pct"] for row in series],
            "labelCoverage": _("Coverage (%)"),
            "labelParticipation": _("Participation (%)"),
        },
    }


@login_required
def dashboard(request):
    user = _viewer(request)
    filters = selectors.filters_from_params(request.GET)
    context = _context(request)
    figures = start_pages.start_page(user=user, filters=filters)
    context["summary"] = figures["summary"]
    context.update(_series_context(figures["series"]))
    rows, context["sort"] = sort_rows(figures["rows"], request.GET.get("sort"))
    context.update(level=figures["level"], rows=rows)
    if figures["level"] == "district":
        context["district"] = user.district
    elif figures["level"] == "school":
        context["school"] = user.school
    attention = figures["attention"]
    context["attention"] = attention[:ATTENTION_ON_DASHBOARD]
    context["attention_total"] = len(attention)
    context["attention_more"] = len(attention) - len(context["attention"])
    context["at_risk"] = figures["at_risk"]
    return render(request, "coverage/dashboard.html", context)


@login_required
def attention(request):
    """All the schools of the user's scope that need attention (the start dashboard shows the
    worst ATTENTION_ON_DASHBOARD), worst first, for the dashboard's level and grade."""
    user = _viewer(request)
    filters = selectors.filters_from_params(request.GET)
    schools = start_pages.attention_list(user=user, filters=filters)
    context = _context(request, attention=schools, attention_total=len(schools))
    # The list is always the last 5 school days: only the level and the grade apply; the
    # period and the days ride along hidden, for the way back to the dashboard.
    fields = context["filterset"].form.fields
    for name in ("start", "end", "days"):
        fields[name].widget = forms.HiddenInput()
    role = scope_role(user)
    if role == Role.DISTRICT_OFFICER:
        context["district"] = user.district
    elif role == Role.SCHOOL_ADMIN:
        context["school"] = user.school
    return render(request, "coverage/attention.html", context)


def _drilldown(request, level: str, obj, rows, series=None, **extra):
    """One drill-down level: its sortable table and, above the class level, its chart."""
    rows, sort = sort_rows(rows, request.GET.get("sort"))
    context = _context(request, rows=rows, level=level, sort=sort, **extra, **{level: obj})
    if series is not None:
        context.update(_series_context(series))
    return render(request, f"coverage/{level}.html", context)


@login_required
def district(request, pk: int):
    user = _viewer(request)
    district = selectors.coverage_district_get(user=user, pk=pk)
    filters = selectors.filters_from_params(request.GET)
    return _drilldown(
        request,
        "district",
        district,
        selectors.school_rows(user=user, filters=filters, district_id=pk),
        selectors.daily_series(user=user, filters=filters, district_id=pk),
    )


@login_required
def school(request, pk: int):
    user = _viewer(request)
    school = selectors.coverage_school_get(user=user, pk=pk)
    filters = selectors.filters_for_school(selectors.filters_from_params(request.GET), school)
    return _drilldown(
        request,
        "school",
        school,
        selectors.class_rows(user=user, filters=filters, school_id=pk),
        selectors.daily_series(user=user, filters=filters, school_id=pk),
        **selectors.school_filter_choices(school),
    )


@login_required
def classroom(request, pk: int):
    user = _viewer(request)
    classroom = selectors.coverage_classroom_get(user=user, pk=pk)
    filters = selectors.filters_for_classroom(selectors.filters_from_params(request.GET))
    return _drilldown(
        request,
        "classroom",
        classroom,
        selectors.student_rows(user=user, filters=filters, classroom_id=pk),
        levels=[],
        grades=[],
        figures=selectors.classroom_figures(user=user, filters=filters, classroom_id=pk),
    )


@login_required
def student(request, pk: int):
    """One student: attendance, lessons and guardians, where an at-risk row leads."""
    user = _viewer(request)
    detail = students.student_detail(
        user=user, filters=selectors.filters_from_params(request.GET), student_id=pk
    )
    return render(
        request, "coverage/student.html", _context(request, levels=[], grades=[], **detail)
    )


@login_required
@require_POST
def report_xlsx(request):
    """The report as a spreadsheet, built by a background worker (a province's report reads
    every school): the button starts a job and its page offers the file when it is ready."""
    user = _viewer(request)
    params = {k: v for k, v in request.GET.items() if k in REPORT_PARAMS}
    job = job_start(
        owner=user, kind="coverage_report", title=_("Online teaching report"),
        task=tasks.report_export, user_id=user.pk, params=params,
        language=translation.get_language(),
    )  # fmt: skip
    return redirect("jobs:job", pk=job.pk)


@login_required
def report_print(request):
    user = _viewer(request)
    filters = selectors.filters_from_params(request.GET)
    report = report_rows(user=user, filters=filters)
    headers, rows = report_table(report)
    return render(
        request,
        "coverage/report_print.html",
        _context(request, report=report, headers=headers, table=rows, today=timezone.localdate()),
    )
