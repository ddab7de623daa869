"""Tables as downloads: XLSX (openpyxl) and CSV, one helper for every export in the site.

Every cell goes through `cell_safe`: names, titles and anything else people typed are written
so that no spreadsheet runs them as a formula (OWASP "CSV injection"). Nothing else in the site
writes a spreadsheet or a CSV."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What Excel, LibreOffice and Google Sheets read as the start of a formula (or of DDE), in text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters a sheet's title may not hold (openpyxl refuses them), and its length.
SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")
SHEET_TITLE_MAX = 31


def cell_safe(value):
    """The value as a cell: text that a spreadsheet would run gets OWASP's leading apostrophe,
    so it shows as the text it is. Numbers (negative ones too) and dates are left typed; an
    aware datetime becomes local wall-clock time, as Excel has no time zones."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # Quotes a class's name in the file name properly (and non-ASCII as RFC 6266's filename*).
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """One sheet: a bold header row, then the rows; dates and numbers stay typed."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(title).translate(SHEET_TITLE_FORBIDDEN)[:SHEET_TITLE_MAX].strip() or "Sheet"
    sheet.append([cell_safe(str(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([cell_safe(value) for value in row])
    for column in sheet.columns:
        width = max(len(str(c.value if c.value is not None else "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(width + 2, 60)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_response(
    filename: str, title: str, headers: Sequence[str], rows: Iterable[Sequence]
) -> HttpResponse:
    return _download(xlsx_bytes(title, headers, rows), filename, XLSX_TYPE)


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    """UTF-8 with a BOM, so Excel opens Vietnamese names correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([cell_safe(str(h)) for h in headers])
    writer.writerows([cell_safe(value) for value in row] for row in rows)
    return _download(("\ufeff" + buffer.getvalue()).encode(), filename, "text/csv; charset=utf-8")
