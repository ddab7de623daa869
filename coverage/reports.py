"""The coverage report as a table: the printable page and the spreadsheet show the same rows."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from classrooms.org.levels import Level
from classrooms.org.selectors import district_list, school_list
from lms.collation import vi_key
from lms.exports import XLSX_TYPE, xlsx_bytes

from . import selectors

# The dashboard's filters that the report keeps (docs/coverage.md).
REPORT_PARAMS = ("start", "end", "level", "grade", "days", "closures_only")


def report_table(report: dict) -> tuple[list[str], list[list]]:
    headers = [
        _("Level"), _("District") if report["unit"] == "district" else _("School"),
        _("Classes (closed class-days)"), _("Classes taught online"), _("Coverage (%)"),
        _("Students (expected attendances)"), _("Students attending"), _("Participation (%)"),
        _("Students on closed class-days"), _("Students learning asynchronously"),
        _("Learned asynchronously (%)"),
    ]  # fmt: skip
    rows = []
    for group in report["groups"]:
        for row in group["rows"]:
            rows.append([group["label"], row["name"], *_figures(row)])
        rows.append([group["label"], _("Total for the level"), *_figures(group["total"])])
    rows.append(["", _("Total"), *_figures(report["total"])])
    return headers, rows


def _figures(row: dict) -> list:
    return [
        row["closed_class_days"], row["taught_closed_class_days"], row["coverage_pct"],
        row["expected_attendances"], row["attendances"], row["participation_pct"],
        row["closed_student_days"], row["async_learners"], row["async_pct"],
    ]  # fmt: skip


def report_file(*, user, params: dict) -> tuple[str, bytes, str]:
    """File name, content and type of the report for this user and these filters."""
    report = report_rows(user=user, filters=selectors.filters_from_params(params))
    headers, rows = report_table(report)
    stamp = timezone.localdate().isoformat()
    content = xlsx_bytes(_("Online teaching"), headers, rows)
    return f"bao-cao-day-hoc-truc-tuyen-{stamp}.xlsx", content, XLSX_TYPE


def report_rows(*, user: User, filters: selectors.CoverageFilters) -> dict:
    """The departments' report: per level (cấp học), one row per school — or per district for
    the province — with a subtotal per level and a grand total. Figures are class-days and
    student attendances of the period (for one day: classes and students)."""
    if not selectors.user_sees_coverage(user):
        raise Http404
    province = user.is_superuser or user.role == Role.PROVINCE_OFFICER
    unit = "district_id" if province else "school_id"
    qs = selectors.filtered_rows(user, filters)
    names = (
        {d.pk: d.name for d in district_list(user=user)}
        if province
        else {s.pk: s.name for s in school_list(user=user)}
    )
    groups = []
    for level_value, level_label in Level.choices:
        level_qs = qs.filter(level=level_value)
        grouped = selectors.grouped_by(level_qs, unit)
        if not grouped:
            continue
        rows = [
            dict(grouped[pk], id=pk, name=names.get(pk, "?"))
            for pk in sorted(grouped, key=lambda pk: vi_key(names.get(pk, "")))
        ]
        total = selectors.finish_sums(level_qs.aggregate(**selectors.SUMS))
        groups.append(
            {"level": level_value, "label": str(level_label), "rows": rows, "total": total}
        )
    return {
        "unit": "district" if province else "school",
        "groups": groups,
        "total": selectors.finish_sums(qs.aggregate(**selectors.SUMS)),
        "filters": filters,
    }
