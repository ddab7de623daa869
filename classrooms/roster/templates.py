"""The blank roster workbooks schools download, fill in and upload again.

The sheet's contents are Vietnamese document text (not UI strings), so they are written here
directly rather than through gettext.
"""

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .parsing import COLUMNS, EXAMPLE_PREFIX, MAX_ROWS, STUDENTS, TEACHERS

DATE_FORMAT = "DD/MM/YYYY"
TEXT_FORMAT = "@"  # keeps the leading 0 of phone numbers and codes, and "9/1" a class name
LAST_ROW = 1_048_576  # Excel's last row

SHEET_TITLES = {STUDENTS: "Học sinh", TEACHERS: "Giáo viên"}

# The example rows' names start with EXAMPLE_PREFIX ("Ví dụ: "): the import skips such rows,
# so a file uploaded with them still in it imports no example person.
EXAMPLES = {
    STUDENTS: [
        {
            "full_name": "Nguyễn Văn An",
            "birth_date": date(2012, 3, 12),
            "gender": "Nam",
            "class_name": "9A",
            "student_code": "HS0001",
            "guardian_name": "Nguyễn Văn Bình",
            "guardian_phone": "0912345678",
            "email": "",
        },
        {
            "full_name": "Trần Thị Bích Ngọc",
            "birth_date": date(2012, 11, 5),
            "gender": "Nữ",
            "class_name": "9A",
            "student_code": "HS0002",
            "guardian_name": "Trần Văn Cường",
            "guardian_phone": "0987654321",
            "email": "ngoc.tran@example.com",
        },
    ],
    TEACHERS: [
        {
            "full_name": "Lê Thị Hoa",
            "subjects": "Toán",
            "classes": "9A, 9B",
            "homeroom_class": "9A",
            "contact": "hoa.le@example.com",
        },
        {
            "full_name": "Phạm Văn Dũng",
            "subjects": "Ngữ văn, Lịch sử và Địa lí",
            "classes": "8A, 8B, 9B",
            "homeroom_class": "",
            "contact": "0905123456",
        },
    ],
}

# The columns the template has: a teacher file gets the single "Email hoặc SĐT" column, and a
# school's file needs no "Mã trường" (only multi-school files do).
TEMPLATE_KEYS = {
    STUDENTS: [key for key, _h, _r in COLUMNS[STUDENTS] if key != "school_code"],
    TEACHERS: ["full_name", "subjects", "classes", "homeroom_class", "contact"],
}

WIDTHS = {
    "full_name": 28,
    "birth_date": 14,
    "gender": 11,
    "class_name": 9,
    "student_code": 15,
    "guardian_name": 26,
    "guardian_phone": 16,
    "email": 30,
    "subjects": 30,
    "classes": 22,
    "homeroom_class": 16,
    "contact": 30,
}
TEXT_KEYS = {"class_name", "student_code", "guardian_phone", "classes", "homeroom_class", "contact"}

# The cells that must be filled in on every row (the guide's "Phải điền"). Some columns must be
# in the file although their cells may stay empty ("Giới tính", "Lớp dạy"): the guide says so
# in their help text, never "required" and "may be left empty" of the same thing.
MUST_FILL = {
    STUDENTS: {"full_name", "birth_date", "class_name"},
    TEACHERS: {"full_name", "subjects", "contact"},
}
EXAMPLE_NOTE = (
    "Dòng ví dụ (tên bắt đầu bằng “Ví dụ:”): hệ thống không bao giờ nhập dòng này. "
    "Có thể xóa nó hoặc để nguyên."
)

HELP = {
    STUDENTS: {
        "full_name": "Họ và tên đầy đủ của học sinh, có dấu. Ví dụ: Nguyễn Văn An.",
        "birth_date": (
            "Ngày sinh theo dạng ngày/tháng/năm, ví dụ 12/03/2012 (cũng nhận 12-03-2012). "
            "Năm sinh từ 1990 trở đi."
        ),
        "gender": "Nam hoặc Nữ. Ô có thể để trống, nhưng giữ cột này trong tệp.",
        "class_name": (
            "Tên lớp năm học hiện tại, đúng như tên lớp đã tạo trên hệ thống (ví dụ 9A, 10A1). "
            "Không phân biệt chữ hoa, chữ thường và khoảng trắng."
        ),
        "student_code": (
            "Mã học sinh do nhà trường quản lý. Nên điền: khi nhập lại danh sách, hệ thống "
            "dựa vào mã này để nhận ra học sinh đã có."
        ),
        "guardian_name": "Họ và tên cha, mẹ hoặc người giám hộ.",
        "guardian_phone": (
            "Số điện thoại di động của phụ huynh, gồm 10 chữ số và bắt đầu bằng 0 "
            "(cũng nhận +84…). Nếu có, phụ huynh sẽ được tạo tài khoản để theo dõi việc học "
            "của con."
        ),
        "email": "Địa chỉ email của học sinh.",
    },
    TEACHERS: {
        "full_name": "Họ và tên đầy đủ của giáo viên, có dấu. Ví dụ: Lê Thị Hoa.",
        "subjects": (
            "Môn giáo viên dạy, đúng tên môn trên hệ thống. Nhiều môn thì ngăn cách bằng dấu "
            "phẩy, ví dụ: Ngữ văn, Lịch sử và Địa lí."
        ),
        "classes": (
            "Các lớp giáo viên dạy trong năm học hiện tại, ngăn cách bằng dấu phẩy, "
            "ví dụ: 8A, 8B, 9B. Giáo viên dạy các môn đã ghi ở những lớp có học môn đó. "
            "Ô để trống nếu giáo viên chưa được phân lớp, nhưng giữ cột này trong tệp."
        ),
        "homeroom_class": "Lớp giáo viên chủ nhiệm, nếu có (ví dụ 9A).",
        "contact": (
            "Email hoặc số điện thoại di động của giáo viên (ít nhất một trong hai); có thể "
            "ghi cả hai, ngăn cách bằng dấu phẩy. Cũng có thể dùng hai cột riêng tên "
            "“Email” và “SĐT”."
        ),
    },
}

MAX_ROWS_SHOWN = f"{MAX_ROWS:,}".replace(",", ".")  # 250.000, as Vietnamese writes it
GENERAL_HELP = [
    "Điền danh sách vào trang tính đầu tiên; giữ nguyên dòng tiêu đề (dòng 1).",
    (
        "Hai dòng ví dụ (chữ nghiêng, tên bắt đầu bằng “Ví dụ:”) không bao giờ được nhập; "
        "có thể xóa hoặc để nguyên, rồi điền danh sách ở các dòng bên dưới."
    ),
    "Cột “Phải điền”: “Có” là ô không được để trống ở bất kỳ dòng nào.",
    "Mỗi dòng là một người; các dòng trống được bỏ qua; các cột khác được bỏ qua.",
    "Tên cột không phân biệt chữ hoa, chữ thường hay có dấu, không dấu.",
    f"Tệp lưu dạng Excel (.xlsx) hoặc CSV UTF-8 (.csv), tối đa {MAX_ROWS_SHOWN} dòng.",
    (
        "Hệ thống kiểm tra toàn bộ tệp trước khi nhập và liệt kê mọi lỗi theo số dòng, "
        "tên cột; chưa có gì được ghi cho đến khi bạn xác nhận."
    ),
]


def roster_template_xlsx(kind: str) -> bytes:
    """The blank roster workbook for "students" or "teachers", with two example rows (marked
    as such, and skipped on import)."""
    if kind not in SHEET_TITLES:
        raise ValueError(f"unknown roster kind {kind!r}")
    headers = {key: header for key, header, _r in COLUMNS[kind]}
    keys = TEMPLATE_KEYS[kind]

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLES[kind]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    sheet.append([headers[key] for key in keys])
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(vertical="center")
    example_font = Font(italic=True, color="595959")
    example_fill = PatternFill("solid", fgColor="EDEDED")
    for example in EXAMPLES[kind]:
        values = {**example, "full_name": EXAMPLE_PREFIX + example["full_name"]}
        sheet.append([values[key] or None for key in keys])
        for cell in sheet[sheet.max_row]:
            cell.font = example_font
            cell.fill = example_fill
        sheet.cell(sheet.max_row, 1).comment = Comment(EXAMPLE_NOTE, "HọcTiếp")

    for position, key in enumerate(keys, start=1):
        letter = get_column_letter(position)
        column = sheet.column_dimensions[letter]
        column.width = WIDTHS[key]
        number_format = (
            DATE_FORMAT if key == "birth_date" else TEXT_FORMAT if key in TEXT_KEYS else None
        )
        if number_format:
            # The column's own format applies to what the school types in later; the example
            # cells carry theirs.
            column.number_format = number_format
            for row in range(2, sheet.max_row + 1):
                sheet.cell(row, position).number_format = number_format
        if key == "gender":
            choice = DataValidation(
                type="list", formula1='"Nam,Nữ"', allow_blank=True, showErrorMessage=False
            )
            choice.add(f"{letter}2:{letter}{LAST_ROW}")
            sheet.add_data_validation(choice)
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Phải điền", "Cách điền"])
    for cell in guide[1]:
        cell.font = bold
        cell.fill = fill
    wrap = Alignment(wrap_text=True, vertical="top")
    for key in keys:
        guide.append([headers[key], "Có" if key in MUST_FILL[kind] else "Không", HELP[kind][key]])
        for cell in guide[guide.max_row]:
            cell.alignment = wrap
    guide.append([])
    guide.append(["Lưu ý chung"])
    guide.cell(guide.max_row, 1).font = bold
    for line in GENERAL_HELP:
        guide.append([f"• {line}"])  # not wrapped: the text runs on over the empty cells
    guide.column_dimensions["A"].width = 20
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90

    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
