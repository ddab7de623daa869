"""Attendance summaries as spreadsheets (openpyxl) and CSV."""

import csv
import io

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter


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
    out = io.StringIO()
    # A byte-order mark so that Excel opens the Vietnamese names as UTF-8.
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(_header())
    writer.writerows(_line(r) for r in rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename, "csv")}"'
    return response


def summary_xlsx(rows: list[dict], *, filename: str, title: str) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    # Sheet titles are limited to 31 characters and some punctuation.
    sheet.title = "".join(c for c in title if c not in "[]:*?/\\")[:31] or "Sheet"
    sheet.append(_header())
    for row in rows:
        sheet.append(_line(row))
    sheet.freeze_panes = "A2"
    widths = [8, 14, 28, 10, 10, 10, 10, 10, 14]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename(filename, "xlsx")}"'
    return response
