"""Reading roster files: pure parsing and checking, no database."""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone, translation

from classrooms.roster import parsing
from classrooms.roster.parsing import (
    STUDENT_COLUMNS,
    TEACHER_COLUMNS,
    RowError,
    StudentRow,
    TeacherRow,
    normalise_class_name,
    normalise_header,
    normalise_phone,
    roster_parse,
)
from classrooms.roster.templates import roster_template_xlsx

STUDENT_HEADERS = ["Họ và tên", "Ngày sinh", "Giới tính", "Lớp", "Mã học sinh", "SĐT phụ huynh"]
TEACHER_HEADERS = ["Họ và tên", "Môn", "Lớp dạy", "Chủ nhiệm lớp", "Email hoặc SĐT"]


def xlsx(rows, *, title_rows=()) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [*title_rows, *rows]:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows, *, delimiter=",", bom=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def parse(filename, data, kind=None):
    with translation.override("en"):
        return roster_parse(filename=filename, data=data, kind=kind)


def where(result) -> list[tuple]:
    return [(e.row, e.column) for e in result.errors]


def only_error(result) -> RowError:
    assert len(result.errors) == 1, result.errors
    return result.errors[0]


def student(name="Nguyễn Văn An", born="12/03/2012", gender="Nam", cls="9A", code="", phone=""):
    return [name, born, gender, cls, code, phone]


# --- templates ----------------------------------------------------------------------------


def filled_template(kind, rows) -> bytes:
    """The downloaded template with `rows` written below its two example rows, as a school
    that keeps the examples would fill it in."""
    workbook = openpyxl.load_workbook(io.BytesIO(roster_template_xlsx(kind)))
    for row in rows:
        workbook.worksheets[0].append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_the_template_marks_its_example_rows():
    sheet = openpyxl.load_workbook(io.BytesIO(roster_template_xlsx("students"))).worksheets[0]
    for row in (2, 3):
        assert sheet.cell(row, 1).value.startswith("Ví dụ: ")
        assert sheet.cell(row, 1).comment is not None
        assert all(cell.font.i for cell in sheet[row])


def test_the_untouched_template_imports_nobody_and_says_why():
    for kind in ("students", "teachers"):
        result = parse("mau.xlsx", roster_template_xlsx(kind))
        assert result.rows == [] and result.total_rows == 0
        error = only_error(result)
        assert error.row is None
        assert "only the template's example rows" in error.message
        assert "“Ví dụ:”" in error.message


def test_example_rows_are_skipped_and_the_rest_is_read():
    result = parse(
        "ds.xlsx",
        filled_template(
            "students",
            [["Nguyễn Văn An", "12/03/2012", "Nam", "9A", "HS0001", "", "0912345678", ""]],
        ),
    )
    assert result.errors == []
    assert result.examples == [2, 3]
    assert result.total_rows == 1
    assert result.rows == [
        StudentRow(
            row=4,
            full_name="Nguyễn Văn An",  # the example's name, here a real pupil's
            birth_date=date(2012, 3, 12),
            gender="M",
            class_name="9A",
            student_code="HS0001",
            guardian_name="",
            guardian_phone="0912345678",
            email="",
        )
    ]

    result = parse(
        "gv.xlsx", filled_template("teachers", [["Lê Thị Hoa", "Toán", "9A", "", "0905123456"]])
    )
    assert result.errors == [] and result.examples == [2, 3]
    assert [(r.row, r.full_name) for r in result.rows] == [(4, "Lê Thị Hoa")]


@pytest.mark.parametrize(
    ("name", "example"),
    [
        ("(ví dụ) Nguyễn Văn An", True),
        ("VÍ DỤ - Nguyễn Văn An", True),
        ("  Ví dụ: Nguyễn Văn An", True),
        ("Vi Dũng", False),  # a real name: Vi is a surname
        ("Ví Dụng", False),
        ("Nguyễn Văn An (ví dụ)", False),
    ],
)
def test_the_example_mark(name, example):
    assert parsing.is_example_name(name) is example


def test_template_example_rows_parse_as_valid_rows_once_unmarked():
    """The examples show valid values: without their mark they read back as they look."""
    workbook = openpyxl.load_workbook(io.BytesIO(roster_template_xlsx("students")))
    sheet = workbook.worksheets[0]
    for row in (2, 3):
        sheet.cell(row, 1).value = sheet.cell(row, 1).value.removeprefix("Ví dụ: ")
    out = io.BytesIO()
    workbook.save(out)
    result = parse("mau.xlsx", out.getvalue())
    assert result.errors == []
    assert result.kind == "students"
    assert result.rows == [
        StudentRow(
            row=2,
            full_name="Nguyễn Văn An",
            birth_date=date(2012, 3, 12),
            gender="M",
            class_name="9A",
            student_code="HS0001",
            guardian_name="Nguyễn Văn Bình",
            guardian_phone="0912345678",
            email="",
        ),
        StudentRow(
            row=3,
            full_name="Trần Thị Bích Ngọc",
            birth_date=date(2012, 11, 5),
            gender="F",
            class_name="9A",
            student_code="HS0002",
            guardian_name="Trần Văn Cường",
            guardian_phone="0987654321",
            email="ngoc.tran@example.com",
        ),
    ]


@pytest.mark.parametrize(
    ("kind", "row"),
    [
        ("students", ["Lê Văn Tám", "01/02/2012", "Nam", "9A", "HS9", "Lê Văn Ba", "0912345678", "t@example.com"]),  # noqa: E501
        ("teachers", ["Lê Thị Hoa", "Toán", "9A", "9A", "0905123456"]),
    ],
)  # fmt: skip
def test_the_guide_says_which_cells_must_be_filled_as_the_import_checks_them(kind, row):
    """ "Phải điền" is "Có" exactly for the cells whose emptiness the import refuses, and no
    help text says a cell must be filled and may be left empty."""
    guide = openpyxl.load_workbook(io.BytesIO(roster_template_xlsx(kind))).worksheets[1]
    assert [c.value for c in guide[1]] == ["Cột", "Phải điền", "Cách điền"]
    lines = {
        header: (must, help_text)
        for header, must, help_text in guide.iter_rows(min_row=2, max_col=3, values_only=True)
        if must is not None
    }
    assert parse("ds.xlsx", filled_template(kind, [row])).errors == []
    for position, header in enumerate(lines):
        emptied = [None if i == position else value for i, value in enumerate(row)]
        refused = bool(parse("ds.xlsx", filled_template(kind, [emptied])).errors)
        must, help_text = lines[header]
        assert must == ("Có" if refused else "Không"), header
        assert "bắt buộc" not in help_text.casefold(), header
        if refused:
            assert "để trống" not in help_text, header


@pytest.mark.parametrize("kind", ["students", "teachers"])
def test_template_layout(kind):
    workbook = openpyxl.load_workbook(io.BytesIO(roster_template_xlsx(kind)))
    sheet, guide = workbook.worksheets
    headers = [cell.value for cell in sheet[1]]
    if kind == "students":
        # A school's template has no "Mã trường": only multi-school files need it.
        expected = [h for key, h, _required in STUDENT_COLUMNS if key != "school_code"]
    else:  # one "Email hoặc SĐT" column rather than the separate "Email" and "SĐT"
        expected = [header for _key, header, _required in TEACHER_COLUMNS[:5]]
    assert headers == expected
    assert all(cell.font.b for cell in sheet[1])
    assert all(sheet.column_dimensions[cell.column_letter].width > 8 for cell in sheet[1])
    assert guide.title == "Hướng dẫn"
    described = [row[0] for row in guide.iter_rows(min_row=2, values_only=True)]
    assert set(headers) <= set(described)
    if kind == "students":
        assert sheet["B2"].number_format == "DD/MM/YYYY"
        assert sheet.column_dimensions["B"].number_format == "DD/MM/YYYY"
        assert sheet["G2"].number_format == "@"  # the phone keeps its leading 0


def test_template_unknown_kind():
    with pytest.raises(ValueError):
        roster_template_xlsx("parents")


# --- file formats and headers -------------------------------------------------------------


def test_csv_with_bom_and_semicolons():
    data = csv_bytes(
        [STUDENT_HEADERS, student(), student("Lê Thị Hoa", "1/2/2013", "Nữ", "8b")],
        delimiter=";",
        bom=True,
    )
    result = parse("ds.csv", data)
    assert result.errors == []
    assert [(r.full_name, r.birth_date, r.gender, r.class_name) for r in result.rows] == [
        ("Nguyễn Văn An", date(2012, 3, 12), "M", "9A"),
        ("Lê Thị Hoa", date(2013, 2, 1), "F", "8B"),
    ]


def test_csv_with_commas_and_quoted_lists():
    data = csv_bytes(
        [TEACHER_HEADERS, ["Lê Thị Hoa", "Toán, Tin học", "9a, 9 b", "", "0912345678"]]
    )
    result = parse("gv.csv", data)
    assert result.errors == []
    assert result.rows[0].subjects == ("Toán", "Tin học")
    assert result.rows[0].classes == ("9A", "9B")


@pytest.mark.parametrize(
    "headers",
    [
        ["ho va ten", "ngay sinh", "gioi tinh", "lop"],
        ["HỌ VÀ TÊN ", "  Ngày   sinh", "GIỚI TÍNH", "LỚP"],
        ["Ho Va Ten", "Ngay sinh (dd/mm/yyyy)", "Gioi tinh", "Lop"],
        ["Họ tên", "Ngày tháng năm sinh", "Giới tính", "Lớp"],
    ],
)
def test_header_variants(headers):
    result = parse("ds.xlsx", xlsx([headers, student()[:4]]))
    assert result.errors == []
    assert result.kind == "students"
    assert result.rows[0].full_name == "Nguyễn Văn An"


def test_unknown_columns_are_ignored_and_order_does_not_matter():
    data = xlsx(
        [
            ["STT", "Lớp", "Ghi chú", "Ngày sinh", "Họ và tên", "Giới tính"],
            [1, "9A", "chuyển đến", "12/03/2012", "Nguyễn Văn An", "Nam"],
        ]
    )
    result = parse("ds.xlsx", data)
    assert result.errors == []
    assert result.rows[0].class_name == "9A"
    assert result.rows[0].full_name == "Nguyễn Văn An"


def test_title_rows_above_the_headers_keep_excel_row_numbers():
    data = xlsx(
        [STUDENT_HEADERS, student(), student(name="")],
        title_rows=[["SỞ GIÁO DỤC VÀ ĐÀO TẠO QUẢNG TRỊ"], ["DANH SÁCH HỌC SINH"], []],
    )
    result = parse("ds.xlsx", data)
    assert [r.row for r in result.rows] == [5]
    assert where(result) == [(6, "Họ và tên")]


def test_empty_rows_are_skipped_and_rows_keep_their_numbers():
    data = xlsx(
        [
            ["STT", *STUDENT_HEADERS],
            [1, *student()],
            [],
            [None, "  ", None, "", None],
            [2],  # a numbered but empty line of the template
            [3, *student("Lê Thị Hoa")],
        ]
    )
    result = parse("ds.xlsx", data)
    assert result.errors == []
    assert result.total_rows == 2
    assert [(r.row, r.full_name) for r in result.rows] == [(2, "Nguyễn Văn An"), (6, "Lê Thị Hoa")]


def test_kind_is_detected_or_given():
    assert parse("gv.xlsx", xlsx([TEACHER_HEADERS, ["A", "Toán", "9A", "", "a@b.vn"]])).kind == (
        "teachers"
    )
    # A teacher file may also carry dates of birth: "Môn" decides.
    data = xlsx(
        [["Họ và tên", "Ngày sinh", "Môn", "Lớp dạy", "SĐT"], ["A", "", "Toán", "", "0912345678"]]
    )
    assert parse("gv.xlsx", data).kind == "teachers"
    # Given, the kind is trusted: a teacher file read as students misses columns.
    result = parse(
        "gv.xlsx", xlsx([TEACHER_HEADERS, ["A", "Toán", "9A", "", "a@b.vn"]]), "students"
    )
    assert result.kind == "students"
    assert {e.message for e in result.errors} == {
        "The column “Ngày sinh” is missing.",
        "The column “Giới tính” is missing.",
        "The column “Lớp” is missing.",
    }


def test_kind_cannot_be_detected():
    result = parse("ds.csv", csv_bytes([["Họ và tên", "Lớp"], ["Nguyễn Văn An", "9A"]]))
    error = only_error(result)
    assert result.kind == ""
    assert (error.row, error.column) == (None, "")
    assert "students or teachers" in error.message


# --- file-level errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("danh sach.pdf", b"%PDF-1.7", "“danh sach.pdf” is not a supported file type"),
        ("danh sach", b"abc", "“danh sach” is not a supported file type"),
        ("ds.xlsx", b"\x00\x01garbage" * 10, "“ds.xlsx” could not be opened as an Excel workbook"),
        ("ds.xlsx", csv_bytes([STUDENT_HEADERS]), "“ds.xlsx” could not be opened"),
        ("ds.xls", b"\xd0\xcf\x11\xe0", "“ds.xls” is an old-format Excel file (.xls)"),
        ("ds.csv", "Ngày sinh,Môn\n".encode("cp1258"), "“ds.csv” is not UTF-8 text"),
    ],
)
def test_wrong_file_type(filename, data, expected):
    result = parse(filename, data)
    error = only_error(result)
    assert (error.row, error.column) == (None, "")
    assert error.message.startswith(expected)
    assert result.rows == []


def test_missing_required_columns_are_each_named():
    result = parse(
        "ds.xlsx", xlsx([["Họ và tên", "Giới tính", "Email"], ["A", "Nam", ""]]), "students"
    )
    assert where(result) == [(None, ""), (None, "")]
    assert [e.message for e in result.errors] == [
        "The column “Ngày sinh” is missing.",
        "The column “Lớp” is missing.",
    ]
    assert result.rows == []


def test_teacher_file_needs_a_contact_column():
    result = parse("gv.xlsx", xlsx([["Họ và tên", "Môn", "Lớp dạy"], ["A", "Toán", "9A"]]))
    assert [e.message for e in result.errors] == [
        "The column “Email hoặc SĐT” is missing (separate columns “Email” and “SĐT” are "
        "also accepted)."
    ]


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("ds.csv", b""),
        ("ds.csv", b"\xef\xbb\xbf\r\n;;;\r\n"),
        ("ds.xlsx", xlsx([])),
    ],
)
def test_empty_file(filename, data):
    assert only_error(parse(filename, data)).message == f"“{filename}” is empty."


def test_headers_without_data():
    error = only_error(parse("ds.xlsx", xlsx([STUDENT_HEADERS, [], [None, " "]])))
    assert error.message == "“ds.xlsx” has column headers but no data rows."


def test_too_many_rows(monkeypatch):
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    ok = parse("ds.csv", csv_bytes([STUDENT_HEADERS, *[student(f"HS {i}") for i in range(3)]]))
    assert ok.errors == [] and len(ok.rows) == 3
    result = parse("ds.csv", csv_bytes([STUDENT_HEADERS, *[student(f"HS {i}") for i in range(4)]]))
    error = only_error(result)
    assert error.row is None
    assert error.message == "“ds.csv” has more than 3 data rows: split it into several files."
    assert result.rows == []


def test_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        roster_parse(filename="ds.csv", data=b"", kind="parents")


# --- values -------------------------------------------------------------------------------


def test_excel_dates_and_text_dates():
    data = xlsx(
        [
            STUDENT_HEADERS,
            student(born=datetime(2012, 3, 12)),
            student("B", born=date(2011, 1, 2)),
            student("C", born="12/03/2012"),
            student("D", born="1/3/2012"),
            student("E", born="12-03-2012"),
            student("F", born="2012-03-12"),
            student("G", born=" 05/09/2010 00:00:00 "),
        ]
    )
    result = parse("ds.xlsx", data)
    assert result.errors == []
    assert [r.birth_date for r in result.rows] == [
        date(2012, 3, 12),
        date(2011, 1, 2),
        date(2012, 3, 12),
        date(2012, 3, 1),
        date(2012, 3, 12),
        date(2012, 3, 12),
        date(2010, 9, 5),
    ]


def test_bad_dates():
    tomorrow = timezone.localdate() + timedelta(days=1)
    data = csv_bytes(
        [
            STUDENT_HEADERS,
            student("A", born="31/02/2012"),
            student("B", born="12/13/2012"),
            student("C", born="12/03/12"),
            student("D", born="mười hai"),
            student("E", born=""),
            student("F", born="31/12/1989"),
            student("G", born=tomorrow.strftime("%d/%m/%Y")),
            student("H", born="01/01/1990"),
        ]
    )
    result = parse("ds.csv", data)
    assert where(result) == [(row, "Ngày sinh") for row in range(2, 9)]
    messages = [e.message for e in result.errors]
    assert messages[0] == "“31/02/2012” is not a valid date (dd/mm/yyyy)."
    assert messages[3] == "“mười hai” is not a valid date (dd/mm/yyyy)."
    assert messages[4] == "The date of birth is missing."
    assert messages[5].startswith(
        "The date of birth 31/12/1989 is outside the accepted range (01/01/1990 to "
    )
    assert [r.full_name for r in result.rows] == ["H"]


def test_gender_values():
    values = ["Nam", "NỮ", "nu", "m", "F", "Male", "female", "nữ ", ""]
    data = csv_bytes(
        [STUDENT_HEADERS] + [student(f"HS {i}", gender=g) for i, g in enumerate(values)]
    )
    result = parse("ds.csv", data)
    assert result.errors == []
    assert [r.gender for r in result.rows] == ["M", "F", "F", "M", "F", "M", "F", "F", ""]

    result = parse("ds.csv", csv_bytes([STUDENT_HEADERS, student(gender="Khác")]))
    error = only_error(result)
    assert (error.row, error.column) == (2, "Giới tính")
    assert error.message == "“Khác” is not a valid gender: write “Nam” or “Nữ”."


def test_names_and_classes_are_normalised():
    data = xlsx(
        [
            STUDENT_HEADERS,
            student("  Nguyễn   Văn\u00a0An ", cls=" 10 a1 "),
            student("nguyễn thị b", cls="9a"),
            student("Lê C", cls="Lớp 6B"),
        ]
    )
    result = parse("ds.xlsx", data)
    assert [(r.full_name, r.class_name) for r in result.rows] == [
        ("Nguyễn Văn An", "10A1"),
        ("nguyễn thị b", "9A"),
        ("Lê C", "6B"),
    ]


def test_decomposed_diacritics_are_composed():
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"
    result = parse("ds.csv", csv_bytes([STUDENT_HEADERS, student(decomposed)]))
    assert result.rows[0].full_name == "Nguyễn Văn An"


def test_guardian_phone_and_email():
    headers = [*STUDENT_HEADERS, "Email", "Họ tên phụ huynh"]
    data = xlsx(
        [
            headers,
            [*student("A", phone="+84 912 345 678"), "An.Nguyen@Example.COM", " Nguyễn  Văn Bình "],
            [*student("B", phone="84912345678"), "", ""],
            [*student("C", phone="0912.345.678"), None, None],
            [*student("D", phone=912345678), None, None],  # Excel dropped the 0
            [*student("E", phone="12345"), "an@", None],
        ]
    )
    result = parse("ds.xlsx", data)
    assert [(r.guardian_phone, r.email, r.guardian_name) for r in result.rows] == [
        ("0912345678", "an.nguyen@example.com", "Nguyễn Văn Bình"),
        ("0912345678", "", ""),
        ("0912345678", "", ""),
        ("0912345678", "", ""),
    ]
    assert where(result) == [(6, "SĐT phụ huynh"), (6, "Email")]
    assert result.errors[0].message == (
        "“12345” is not a valid phone number: it must have 10 digits and start with 0."
    )
    assert result.errors[1].message == "“an@” is not a valid email address."


def test_student_code_stored_as_number():
    result = parse("ds.xlsx", xlsx([STUDENT_HEADERS, student(code=20120001.0)]))
    assert result.rows[0].student_code == "20120001"


def test_too_long_values():
    result = parse("ds.csv", csv_bytes([STUDENT_HEADERS, student("A" * 151, cls="X" * 21)]))
    assert where(result) == [(2, "Họ và tên"), (2, "Lớp")]
    assert result.errors[1].message == f"“{'X' * 21}” is too long (at most 20 characters)."


# --- duplicates ---------------------------------------------------------------------------


def test_duplicate_students():
    data = csv_bytes(
        [
            STUDENT_HEADERS,
            student("Nguyễn Văn An", code="HS1"),
            student("Lê Thị Hoa"),
            student("Nguyễn Văn An", code="HS1", cls="9B"),  # same code
            student("lê thị  HOA", cls="9a"),  # same name, birth date and class
            student("Lê Thị Hoa", cls="9B"),  # another class: another pupil
            student("Lê Thị Hoa", born="13/03/2012"),  # another birth date
            student("Trần An", code="HS2"),
            student("Trần An", code="HS3"),  # twins with the same name: the codes differ
        ]
    )
    result = parse("ds.csv", data)
    assert where(result) == [(4, "Mã học sinh"), (5, "Họ và tên")]
    assert [e.message for e in result.errors] == [
        "This row repeats row 2 (same student code “HS1”).",
        "This row repeats row 3 (same name, date of birth and class).",
    ]
    assert [r.row for r in result.rows] == [2, 3, 6, 7, 8, 9]


def test_all_errors_of_a_file_are_listed():
    data = xlsx(
        [
            STUDENT_HEADERS,
            student("Nguyễn Văn An", code="HS1"),
            student("Lê Thị Hoa", born="31/02/2012"),
            student("", code="HS3"),
            student("Trần Văn Cường", phone="0912"),
            student("Nguyễn Văn An", code="HS1"),
            student("Phạm Thị Dung", born="", cls="", phone="abc"),
            student("Võ Văn Em"),
        ]
    )
    result = parse("ds.xlsx", data)
    assert where(result) == [
        (3, "Ngày sinh"),
        (4, "Họ và tên"),
        (5, "SĐT phụ huynh"),
        (6, "Mã học sinh"),
        (7, "Ngày sinh"),
        (7, "Lớp"),
        (7, "SĐT phụ huynh"),
    ]
    assert result.errors[3].message == "This row repeats row 2 (same student code “HS1”)."
    assert result.errors[5].message == "The class is missing."
    assert result.errors[1].message == "The name is missing."
    assert [r.row for r in result.rows] == [2, 8]
    assert result.total_rows == 7

    # A wrong file type is a file of its own: one error for the whole file.
    wrong = parse("ds.docx", b"PK\x03\x04")
    assert where(wrong) == [(None, "")]


# --- teachers -----------------------------------------------------------------------------


def test_teachers():
    data = xlsx(
        [
            TEACHER_HEADERS,
            ["Lê Thị Hoa", "Toán; Tin học, Toán", "9a,9B, ,10 a1", "7c", "Hoa.Le@Example.com"],
            ["Phạm Văn Dũng", "Ngữ văn", "", None, "+84905123456, dung@example.com"],
            ["Trần Văn Cường", "Vật lí", "8A", None, 905123457],
        ]
    )
    result = parse("gv.xlsx", data)
    assert result.errors == []
    assert result.rows == [
        TeacherRow(
            2,
            "Lê Thị Hoa",
            ("Toán", "Tin học"),
            ("9A", "9B", "10A1"),
            "7C",
            "hoa.le@example.com",
            "",
        ),
        TeacherRow(3, "Phạm Văn Dũng", ("Ngữ văn",), (), "", "dung@example.com", "0905123456"),
        TeacherRow(4, "Trần Văn Cường", ("Vật lí",), ("8A",), "", "", "0905123457"),
    ]


def test_teachers_with_separate_email_and_phone_columns():
    data = csv_bytes(
        [
            ["Ho va ten", "Mon", "Lop day", "Email", "SDT"],
            ["Lê Thị Hoa", "Toán", "9A", "hoa@example.com", "0912345678"],
            ["Phạm Văn Dũng", "Toán", "9B", "", "0912345679"],
        ]
    )
    result = parse("gv.csv", data)
    assert result.errors == []
    assert [(r.email, r.phone) for r in result.rows] == [
        ("hoa@example.com", "0912345678"),
        ("", "0912345679"),
    ]


def test_teacher_errors():
    data = csv_bytes(
        [
            TEACHER_HEADERS,
            ["Lê Thị Hoa", "Toán", "9A", "", "hoa@example.com"],
            ["", "Toán", "9A", "", "a@example.com"],
            ["Phạm Văn Dũng", "", "9A", "", "0912345678"],
            ["Trần Văn Cường", "Toán", "9A", "", ""],
            ["Võ Thị E", "Toán", "9A", "", "e@example, 0912"],
            ["lê thị hoa", "Tin học", "9B", "", "HOA@example.com"],
            ["Lê Thị Hoa", "Tin học", "9B", "", "hoa2@example.com"],  # another Lê Thị Hoa
            ["Ngô F", "Toán", "9A", "", "f@example.com, g@example.com"],
        ]
    )
    result = parse("gv.csv", data)
    assert where(result) == [
        (3, "Họ và tên"),
        (4, "Môn"),
        (5, "Email hoặc SĐT"),
        (6, "Email hoặc SĐT"),
        (6, "Email hoặc SĐT"),
        (7, "Họ và tên"),
        (9, "Email hoặc SĐT"),
    ]
    messages = [e.message for e in result.errors]
    assert messages[1] == "No subject is given."
    assert messages[2] == "No email address or phone number is given."
    assert messages[3] == "“e@example” is not a valid email address."
    assert messages[5] == "This row repeats row 2 (same name and email address)."
    assert messages[6].startswith("“g@example.com” is one email address or phone number too many")
    assert [r.row for r in result.rows] == [2, 8]


def test_duplicate_teacher_by_phone():
    data = csv_bytes(
        [
            ["Họ và tên", "Môn", "Lớp dạy", "SĐT"],
            ["Lê Thị Hoa", "Toán", "9A", "0912345678"],
            ["Lê Thị Hoa", "Tin học", "9B", "+84 912 345 678"],
        ]
    )
    result = parse("gv.csv", data)
    assert where(result) == [(3, "Họ và tên")]
    assert result.errors[0].message == "This row repeats row 2 (same name and phone number)."


# --- helpers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Họ và tên", "ho va ten"),
        ("  HỌ   VÀ TÊN ", "ho va ten"),
        ("SĐT phụ huynh", "sdt phu huynh"),
        ("Ngày sinh", "ngay sinh"),
        ("Đ", "d"),
    ],
)
def test_normalise_header(text, expected):
    assert normalise_header(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9a", "9A"), (" 10 a1 ", "10A1"), ("lớp 9a", "9A"), ("9/1", "9/1"), ("", "")],
)
def test_normalise_class_name(text, expected):
    assert normalise_class_name(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0912345678", "0912345678"),
        ("+84 912 345 678", "0912345678"),
        ("0084912345678", "0912345678"),
        ("(+84) 0912-345-678", "0912345678"),
        ("912345678", "0912345678"),
        ("", ""),
        ("091234567", None),
        ("09123456789", None),
        ("1912345678", None),
        ("không có", None),
    ],
)
def test_normalise_phone(text, expected):
    assert normalise_phone(text) == expected
