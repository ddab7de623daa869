"""Hostile roster files are refused before they cost a worker time or memory: an XLSX whose
parts unpack too far (a "zip bomb"), and sheets of millions of empty rows."""

import io
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from accounts.models import RosterImport, User
from classrooms.roster import parsing
from classrooms.roster.parsing import roster_parse
from tests.factories import SchoolAdminFactory, SchoolFactory

HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp"]
ROW = ["Nguyễn Văn An", "12/03/2012", "Nam", "9A"]
SHARED_STRINGS = "xl/sharedStrings.xml"
SHEET = "xl/worksheets/sheet1.xml"


def workbook_bytes() -> bytes:
    """A valid two-row student list, as Excel saves it (with shared strings)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    sheet.append(ROW)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def rewritten(data: bytes, edits: dict) -> bytes:
    """The workbook with each part `name` in `edits` replaced by edits[name](its text, or ""
    for a new part)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        names = source.namelist()
        for name in [*names, *(name for name in edits if name not in names)]:
            part = source.read(name).decode() if name in names else ""
            target.writestr(name, edits[name](part) if name in edits else part)
    return out.getvalue()


def shared_strings_bomb(megabytes: int = 78) -> bytes:
    """The reviewer's file: under 200 KB, whose shared strings unpack to 78 MB (3 million
    names, which openpyxl reads into memory whether the sheet uses them or not)."""
    item = "<si><t>Nguyễn Văn An</t></si>"
    count = megabytes * 1024 * 1024 // len(item.encode())
    strings = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{item * count}</sst>"
    )
    content_type = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    return rewritten(
        workbook_bytes(),
        {
            SHARED_STRINGS: lambda _xml: strings,
            "[Content_Types].xml": lambda xml: xml.replace("</Types>", content_type),
        },
    )


def with_rows_after(data: bytes, rows: str) -> bytes:
    return rewritten(data, {SHEET: lambda xml: xml.replace("</sheetData>", rows + "</sheetData>")})


def parse(filename, data):
    with translation.override("en"):
        return roster_parse(filename=filename, data=data)


def only_error(result):
    assert len(result.errors) == 1, result.errors
    assert result.rows == []
    return result.errors[0]


def test_the_workbook_the_bombs_are_built_from_is_accepted():
    result = parse("ds.xlsx", workbook_bytes())
    assert result.errors == [] and len(result.rows) == 1


def test_shared_strings_bomb_is_refused_before_it_is_unpacked():
    data = shared_strings_bomb()
    assert len(data) < 300 * 1024

    tracemalloc.start()
    started = time.monotonic()
    try:
        result = parse("ds.xlsx", data)
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started

    message = only_error(result).message
    assert "ds.xlsx" in message and SHARED_STRINGS in message
    assert "(rule: zip_bomb)" in message
    # Nothing was unpacked: today's reading takes 20 s and 660 MB.
    assert peak < 20 * 1024 * 1024
    assert elapsed < 5


def test_a_part_that_unpacks_too_far_is_refused(settings):
    settings.ROSTER_MAX_PART_MB = 1
    settings.ROSTER_MAX_COMPRESSION_RATIO = 10_000
    message = only_error(parse("ds.xlsx", shared_strings_bomb(megabytes=2))).message
    assert f"its part “{SHARED_STRINGS}” unpacks to 2.0 MB" in message
    assert "(rule: file_too_large)" in message


def test_a_workbook_that_unpacks_too_far_in_total_is_refused(settings):
    settings.ROSTER_MAX_EXPANDED_MB = 1
    settings.ROSTER_MAX_COMPRESSION_RATIO = 10_000
    message = only_error(parse("ds.xlsx", shared_strings_bomb(megabytes=1))).message
    assert "“ds.xlsx” was not imported: it unpacks to 1.0 MB" in message
    assert "(rule: total_too_large)" in message


def test_the_whole_workbook_ratio_counts_too():
    # Three extra parts, each under the 1 MB below which one part's ratio is not checked.
    part = "<si><t>Nguyễn Văn An</t></si>" * 30_000
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook_bytes())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
        for number in range(3):
            target.writestr(f"customXml/item{number}.xml", part)
    message = only_error(parse("ds.xlsx", out.getvalue())).message
    assert "“ds.xlsx” was not imported: it is compressed" in message
    assert "(rule: zip_bomb)" in message


def test_a_file_that_is_not_a_zip_is_still_reported_as_unreadable():
    message = only_error(parse("ds.xlsx", b"not a workbook")).message
    assert message.startswith("“ds.xlsx” could not be opened as an Excel workbook")


def two_million_empty_rows() -> bytes:
    return with_rows_after(
        workbook_bytes(), "".join(f'<row r="{n}"/>' for n in range(3, 2_000_003))
    )


def a_row_two_million_rows_down() -> bytes:
    # openpyxl hands out every missing row above it as an empty one.
    return with_rows_after(
        workbook_bytes(),
        '<row r="2000000"><c r="A2000000" t="inlineStr"><is><t>Lê Văn B</t></is></c></row>',
    )


@pytest.mark.parametrize(
    ("filename", "build"),
    [
        ("ds.xlsx", two_million_empty_rows),
        ("ds.xlsx", a_row_two_million_rows_down),
        ("ds.csv", lambda: ",".join(HEADERS).encode() + b"\r\n" + b",,,\r\n" * 2_000_000),
    ],
    ids=["xlsx-empty-rows", "xlsx-row-far-down", "csv-empty-rows"],
)
def test_empty_rows_count_against_the_row_limit(settings, monkeypatch, filename, build):
    settings.ROSTER_MAX_COMPRESSION_RATIO = 100_000  # so that the rows themselves are counted
    monkeypatch.setattr(parsing, "MAX_ROWS", 1_000)  # the same rule, reached sooner
    data = build()

    started = time.monotonic()
    result = parse(filename, data)
    elapsed = time.monotonic() - started

    message = only_error(result).message
    assert message == (
        f"“{filename}” has more than 1,020 rows, counting empty ones: delete the empty rows "
        "below the list or split it into several files (rule: too_many_rows)."
    )
    assert elapsed < 5  # it stops at the limit instead of reading two million rows


def test_two_million_empty_rows_are_refused_with_the_default_limits():
    message = only_error(parse("ds.xlsx", two_million_empty_rows())).message
    assert "“ds.xlsx” has more than 250,020 rows, counting empty ones" in message


@pytest.mark.django_db
def test_a_bomb_uploaded_on_the_roster_page_imports_nothing(client):
    school = SchoolFactory()
    client.force_login(SchoolAdminFactory(school=school))
    users = User.objects.count()

    response = client.post(
        "/roster/",
        {"school": school.pk, "file": SimpleUploadedFile("ds.xlsx", shared_strings_bomb())},
        follow=True,
    )

    job = RosterImport.objects.get()
    assert job.data is None and job.errors
    assert "zip_bomb" in response.content.decode()
    assert "Nhập ngay" not in response.content.decode()  # no confirm button
    assert User.objects.count() == users
