"""The coverage report as a table: the printable page and the spreadsheet show the same rows."""

from django.utils import timezone
from django.utils.translation import gettext as _

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
    report = selectors.report_rows(user=user, filters=selectors.filters_from_params(params))
    headers, rows = report_table(report)
    stamp = timezone.localdate().isoformat()
    content = xlsx_bytes(_("Online teaching"), headers, rows)
    return f"bao-cao-day-hoc-truc-tuyen-{stamp}.xlsx", content, XLSX_TYPE
