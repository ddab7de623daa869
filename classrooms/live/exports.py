"""Attendance summaries as spreadsheets and CSV, through the site's one export helper."""

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lms.exports import csv_response, xlsx_response


def _header() -> list[str]:
    return [
        _("Class"),
        _("Student code"),
        _("Student"),
        _("Sessions"),
        _("Present"),
        _("Late"),
        _("Absent"),
        _("Excused"),
        _("Attendance %"),
    ]


def _line(row: dict) -> list:
    student = row["student"]
    return [
        row["classroom"],
        student.student_code,
        student.display_name,
        row["sessions"],
        row["present"],
        row["late"],
        row["absent"],
        row["excused"],
        row["rate"] if row["rate"] is not None else "",
    ]


def _filename(name: str, ext: str) -> str:
    return f"{slugify(name) or 'attendance'}.{ext}"


def summary_csv(rows: list[dict], *, filename: str) -> HttpResponse:
    return csv_response(_filename(filename, "csv"), _header(), (_line(r) for r in rows))


def summary_xlsx(rows: list[dict], *, filename: str, title: str) -> HttpResponse:
    return xlsx_response(_filename(filename, "xlsx"), title, _header(), (_line(r) for r in rows))
