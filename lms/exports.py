"""Tables as downloads: XLSX (openpyxl) and CSV, one helper for every export in the site."""

import csv
import io
from collections.abc import Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    """One sheet: a bold header row, then the rows; dates and numbers stay typed."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_naive(value) for value in row])
    for column, header in zip(sheet.columns, headers, strict=False):
        width = max([len(str(header)), *(len(str(c.value or "")) for c in column)])
        sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _download(buffer.getvalue(), filename, XLSX_TYPE)


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """UTF-8 with a BOM, so Excel opens Vietnamese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([str(h) for h in headers])
    writer.writerows(rows)
    return _download(("\ufeff" + buffer.getvalue()).encode(), filename, "text/csv; charset=utf-8")


def _naive(value):
    # Excel has no time zones: write local wall-clock time.
    from datetime import datetime

    from django.utils import timezone

    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value
