"""Reading and checking a school roster file (XLSX or CSV), without touching the database.

`roster_parse` turns the uploaded bytes into `StudentRow`s or `TeacherRow`s and a list of
`RowError`s. Every problem in the file is collected (not only the first), each naming the row
as Excel numbers it and the column by its Vietnamese template header, so that a school admin
can fix the whole file in one go. Matching rows to existing students, classes and accounts is
`classrooms.roster.importing`'s job; it also checks the rows with errors (`rejected`), so that
an unknown class shows up beside a bad date in the same preview.

The template's example rows (their name starts with "Ví dụ:", EXAMPLE_PREFIX) are skipped and
counted apart: a school that uploads the template without deleting them imports no examples.

Longer than our usual ~600 lines on purpose: it is one rule set (the template's columns, each
with its reading and its Vietnamese error), and splitting it would scatter a column's rules.
"""

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from lms import archives

STUDENTS = "students"
TEACHERS = "teachers"
KINDS = (STUDENTS, TEACHERS)

MAX_ROWS = 250_000
MIN_BIRTH_DATE = date(1990, 1, 1)
# The header row is looked for among the first non-empty rows, below any title rows
# ("SỞ GIÁO DỤC VÀ ĐÀO TẠO…", "DANH SÁCH HỌC SINH…") that schools often keep above it.
HEADER_SEARCH_ROWS = 20
# An .xlsx is a ZIP of about a dozen parts; the sizes they unpack to are settings
# (ROSTER_MAX_PART_MB, ROSTER_MAX_EXPANDED_MB, ROSTER_MAX_COMPRESSION_RATIO).
XLSX_MAX_PARTS = 1_000

# Lengths of the User / Classroom / Subject fields the values end up in.
NAME_MAX = 150
CODE_MAX = 30
CLASS_MAX = 20
SUBJECT_MAX = 100
EMAIL_MAX = 254

# The name cell of the template's example rows starts with this; such rows are never imported.
EXAMPLE_PREFIX = "Ví dụ: "
# "Ví dụ:", "(ví dụ)", "VÍ DỤ -": the marker as a school may have retyped it. The diacritics
# are required: "Vi Dũng" is a real name.
_EXAMPLE = re.compile(r"\(?\s*ví\s+dụ\s*[:)\-–—]", re.IGNORECASE)

# (key, Vietnamese header as in the template, column required)
STUDENT_COLUMNS: list[tuple[str, str, bool]] = [
    ("full_name", "Họ và tên", True),
    ("birth_date", "Ngày sinh", True),
    ("gender", "Giới tính", True),  # the column is required; a cell may be left empty
    ("class_name", "Lớp", True),
    ("student_code", "Mã học sinh", False),
    ("guardian_name", "Họ tên phụ huynh", False),
    ("guardian_phone", "SĐT phụ huynh", False),
    ("email", "Email", False),
    # Only in province- or district-wide files, which hold several schools.
    ("school_code", "Mã trường", False),
]
# A teacher file needs at least one of the CONTACT_KEYS columns: "Email hoặc SĐT", or the
# separate "Email" and/or "SĐT".
TEACHER_COLUMNS: list[tuple[str, str, bool]] = [
    ("full_name", "Họ và tên", True),
    ("subjects", "Môn", True),
    ("classes", "Lớp dạy", True),  # the column is required; a cell may be left empty
    ("homeroom_class", "Chủ nhiệm lớp", False),
    ("contact", "Email hoặc SĐT", False),
    ("email", "Email", False),
    ("phone", "SĐT", False),
]
CONTACT_KEYS = ("contact", "email", "phone")
COLUMNS = {STUDENTS: STUDENT_COLUMNS, TEACHERS: TEACHER_COLUMNS}

# Other spellings of the headers met in school spreadsheets, already normalised (see
# `_header_key`). The template header itself is always accepted.
_ALIASES = {
    STUDENTS: {
        "full_name": ["ho ten", "ho va ten hoc sinh", "ho ten hoc sinh"],
        "birth_date": ["ngay thang nam sinh", "ngay/thang/nam sinh"],
        "class_name": ["lop hoc"],
        "student_code": ["ma hs", "ma so hoc sinh", "ma so hs"],
        "guardian_name": ["ho va ten phu huynh", "ten phu huynh", "phu huynh"],
        "guardian_phone": [
            "so dien thoai phu huynh",
            "dien thoai phu huynh",
            "sdt cua phu huynh",
        ],
        "email": ["e-mail", "thu dien tu"],
    },
    TEACHERS: {
        "full_name": ["ho ten", "ho va ten giao vien", "ho ten giao vien"],
        "subjects": ["mon day", "mon hoc", "mon giang day"],
        "classes": ["cac lop day", "lop giang day"],
        "homeroom_class": ["lop chu nhiem", "chu nhiem"],
        "contact": [
            "email hoac so dien thoai",
            "email/sdt",
            "email / sdt",
            "sdt hoac email",
            "so dien thoai hoac email",
        ],
        "email": ["e-mail", "thu dien tu"],
        "phone": ["so dien thoai", "dien thoai", "so dt"],
    },
}

_D_STROKE = str.maketrans({"đ": "d", "Đ": "D"})
_LIST_SEPARATORS = re.compile(r"[,;\n]")
_CONTACT_SEPARATORS = re.compile(r"[,;/|\n]")
_NOT_DIGITS = re.compile(r"[^0-9]+")
_DMY = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"\d{1,2}:\d{2}(:\d{2})?")
_GENDERS = {
    "nam": "M",
    "m": "M",
    "male": "M",
    "nu": "F",
    "f": "F",
    "female": "F",
}
_validate_email = EmailValidator()


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int | None  # the row number Excel shows (the header is row 1); None: the whole file
    column: str  # the template header ("Ngày sinh"); "" for the whole file
    message: str  # translated


@dataclass(frozen=True)
class StudentRow:
    row: int
    full_name: str
    birth_date: date | None  # None only in a rejected row
    gender: str  # "M", "F" or ""
    class_name: str
    student_code: str
    guardian_name: str
    guardian_phone: str
    email: str
    school_code: str = ""  # "Mã trường", in files that hold several schools


@dataclass(frozen=True)
class TeacherRow:
    row: int
    full_name: str
    subjects: tuple[str, ...]
    classes: tuple[str, ...]
    homeroom_class: str
    email: str
    phone: str


@dataclass
class ParsedRoster:
    kind: str  # "students" or "teachers"; "" when the file could not tell
    rows: list = field(default_factory=list)  # rows without errors
    errors: list[RowError] = field(default_factory=list)
    # Rows with errors, holding what could be read (a bad value is left empty), so that the
    # import can check their classes, subjects and school against the database too.
    rejected: list = field(default_factory=list)
    total_rows: int = 0  # non-empty data rows seen, the template's examples not counted
    examples: list[int] = field(default_factory=list)  # the example rows skipped


class _FileError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- normalising --------------------------------------------------------------------------


def normalise_header(text: str) -> str:
    """ "  HỌ VÀ  TÊN " → "ho va ten": no diacritics (đ → d), lower case, single spaces."""
    text = unicodedata.normalize("NFKD", str(text).translate(_D_STROKE))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


def normalise_class_name(text: str) -> str:
    """ " 10 a1 " → "10A1", "9a" → "9A", "Lớp 9A" → "9A": no spaces, upper case."""
    name = "".join(unicodedata.normalize("NFC", str(text)).split()).upper()
    for prefix in ("LỚP", "LOP"):
        if name.startswith(prefix) and name[len(prefix) : len(prefix) + 1].isdigit():
            return name[len(prefix) :]
    return name


def normalise_name(text: str) -> str:
    """Single spaces, composed (NFC) diacritics; the case is kept as written."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def normalise_phone(text: str) -> str | None:
    """A Vietnamese phone number as 10 digits starting with 0; "" when empty, None if invalid.

    "+84 912 345 678", "84912345678", "0912.345.678" → "0912345678". Nine digits not starting
    with 0 get it back: Excel drops the leading zero of a phone number stored as a number.
    """
    digits = _NOT_DIGITS.sub("", text)
    if not digits:
        return "" if not text.strip() else None
    if digits.startswith("0084"):
        digits = digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = digits[2:]
    if len(digits) == 9 and digits[0] != "0":
        digits = "0" + digits
    if len(digits) != 10 or digits[0] != "0":
        return None
    return digits


def _header_key(value) -> str:
    key = normalise_header(value).strip(" *:.")
    if key.endswith(")") and "(" in key:  # "Ngày sinh (dd/mm/yyyy)", "Họ và tên (*)"
        key = key[: key.rindex("(")].strip(" *:.")
    return key


def _alias_map(kind: str) -> dict[str, str]:
    aliases = {}
    for key, header, _required in COLUMNS[kind]:
        aliases[normalise_header(header)] = key
        for alias in _ALIASES[kind].get(key, ()):
            aliases[alias] = key
    return aliases


_ALIAS_MAPS = {kind: _alias_map(kind) for kind in KINDS}
_ALIAS_MAPS[""] = {**_ALIAS_MAPS[STUDENTS], **_ALIAS_MAPS[TEACHERS]}
_HEADERS = {kind: {key: header for key, header, _r in COLUMNS[kind]} for kind in KINDS}


def _text(value) -> str:
    """A cell as stripped text; whole numbers without ".0" (a code or phone stored as number)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M" if value.time() else "%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value).strip()


def _show(value: str, limit: int = 60) -> str:
    """A cell value as quoted in a message: long values cut short."""
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _date_from_text(text: str) -> date | None:
    if " " in text:  # "12/03/2012 00:00:00" from some exports
        head, _sep, tail = text.partition(" ")
        if _TIME.fullmatch(tail.strip()):
            text = head
    match = _DMY.fullmatch(text)
    try:
        if match:
            return date(int(match[4]), int(match[3]), int(match[1]))
        match = _YMD.fullmatch(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 31/02/2012
        return None
    return None


def _format_date(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def _split_list(text: str, normalise) -> tuple[str, ...]:
    items = []
    for part in _LIST_SEPARATORS.split(text):
        item = normalise(part)
        if item and item not in items:
            items.append(item)
    return tuple(items)


# --- reading the file ---------------------------------------------------------------------

Records = Iterator[tuple[int, Sequence]]


def _extension(filename: str) -> str:
    name = filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return "." + name.rsplit(".", 1)[-1] if "." in name else ""


def _xlsx_records(filename: str, data: bytes) -> tuple[Records, object]:
    """(row number, cell values) for each row of the first worksheet, and the workbook."""
    unreadable = _(
        "“%(filename)s” could not be opened as an Excel workbook (.xlsx). If it is "
        "password-protected, remove the password and save it again."
    ) % {"filename": filename}
    _check_xlsx_archive(filename, data, unreadable)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # a zip error, missing parts, bad XML: all mean "not a workbook"
        raise _FileError(unreadable) from exc
    # The stored dimensions are sometimes wrong (written by other tools) and would cut rows.
    sheet.reset_dimensions()

    def records():
        try:
            yield from enumerate(sheet.iter_rows(values_only=True), start=1)
        except Exception as exc:  # a broken sheet XML found while reading it
            raise _FileError(unreadable) from exc

    return records(), workbook


def _check_xlsx_archive(filename: str, data: bytes, unreadable: str) -> None:
    """Refuse a workbook whose parts unpack too far, before openpyxl inflates any of them: it
    keeps every shared string in memory (a 191 KB file of 78 MB strings held a worker at
    660 MB for 20 s)."""
    limits = archives.ArchiveLimits(
        max_file_size=settings.ROSTER_MAX_PART_MB * archives.MB,
        max_total_size=settings.ROSTER_MAX_EXPANDED_MB * archives.MB,
        max_ratio=settings.ROSTER_MAX_COMPRESSION_RATIO,
        max_files=XLSX_MAX_PARTS,
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            problems = archives.archive_problems(zf.infolist(), limits)
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise _FileError(unreadable) from exc
    if not problems:
        return
    problem = problems[0]
    params = {"filename": filename, "part": problem.path, "rule": problem.rule}
    if problem.rule == archives.TOO_MANY_FILES:
        message = _(
            "“%(filename)s” was not imported: it holds %(count)s parts, more than an Excel "
            "workbook needs (at most %(limit)s) (rule: %(rule)s)."
        ) % {**params, "count": problem.size, "limit": problem.limit}
    elif problem.rule == archives.ZIP_BOMB:
        params.update(ratio=problem.ratio, limit=problem.limit)
        if problem.path:
            message = (
                _(
                    "“%(filename)s” was not imported: its part “%(part)s” is compressed "
                    "%(ratio)s:1, above the limit of %(limit)s:1, as a “zip bomb” is "
                    "(rule: %(rule)s)."
                )
                % params
            )
        else:
            message = (
                _(
                    "“%(filename)s” was not imported: it is compressed %(ratio)s:1, above the "
                    "limit of %(limit)s:1, as a “zip bomb” is (rule: %(rule)s)."
                )
                % params
            )
    else:
        params.update(size=_megabytes(problem.size), limit=_megabytes(problem.limit))
        if problem.path:
            message = (
                _(
                    "“%(filename)s” was not imported: its part “%(part)s” unpacks to %(size)s, "
                    "above the limit of %(limit)s (rule: %(rule)s)."
                )
                % params
            )
        else:
            message = (
                _(
                    "“%(filename)s” was not imported: it unpacks to %(size)s, above the limit "
                    "of %(limit)s (rule: %(rule)s)."
                )
                % params
            )
    raise _FileError(message)


def _megabytes(size: float) -> str:
    return f"{formats.number_format(size / archives.MB, 1)} MB"


def _capped(filename: str, records: Records) -> Records:
    """The rows, refusing the file past MAX_ROWS (plus room for a title block) rows counted
    with the empty ones: millions of empty rows cost as much to read as full ones."""
    limit = MAX_ROWS + HEADER_SEARCH_ROWS
    for rownum, cells in records:
        if rownum > limit:
            raise _FileError(
                _(
                    "“%(filename)s” has more than %(max)s rows, counting empty ones: delete "
                    "the empty rows below the list or split it into several files "
                    "(rule: %(rule)s)."
                )
                % {
                    "filename": filename,
                    "max": formats.number_format(limit, force_grouping=True),
                    "rule": "too_many_rows",
                }
            )
        yield rownum, cells


def _csv_records(filename: str, data: bytes) -> Records:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _FileError(
            _(
                "“%(filename)s” is not UTF-8 text: in Excel, save it as "
                "“CSV UTF-8 (Comma delimited)”."
            )
            % {"filename": filename}
        ) from exc
    delimiter = _csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def records():
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise _FileError(
                _("“%(filename)s” could not be read as a CSV file.") % {"filename": filename}
            ) from exc

    return records()


def _csv_delimiter(text: str) -> str:
    """Excel writes "," or, under a Vietnamese locale, ";": pick the one that splits the
    headers best (then the one giving the most columns)."""
    sample = text[:65536].splitlines()[:HEADER_SEARCH_ROWS]
    aliases = _ALIAS_MAPS[""]
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t"):
        try:
            rows = list(csv.reader(sample, delimiter=delimiter))
        except csv.Error:
            continue
        score = max(
            ((sum(1 for cell in row if _header_key(cell) in aliases), len(row)) for row in rows),
            default=(0, 0),
        )
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _is_empty(cells: Iterable) -> bool:
    for value in cells:
        if value is not None and (value.__class__ is not str or value.strip()):
            return False
    return True


def _find_header(records: Records, aliases: dict[str, str]):
    """The header row: the first one naming "Họ và tên" and another known column, else the
    one naming the most known columns, else the first non-empty row.

    Returns (mapping key → column index, the rows after the header), or None for no rows.
    """
    seen = []
    best = None  # (number of known columns, position in seen, mapping)
    looked_at = 0
    for rownum, cells in records:
        seen.append((rownum, cells))
        if not _is_empty(cells):
            looked_at += 1
            mapping = {}
            for index, cell in enumerate(cells):
                if cell is None:
                    continue
                key = aliases.get(_header_key(cell))
                if key is not None and key not in mapping:
                    mapping[key] = index
            if "full_name" in mapping and len(mapping) >= 2:
                best = (len(mapping), len(seen) - 1, mapping)
                break
            if best is None or len(mapping) > best[0]:
                best = (len(mapping), len(seen) - 1, mapping)
        if looked_at >= HEADER_SEARCH_ROWS:
            break
    if best is None:
        return None
    _count, position, mapping = best
    return mapping, chain(seen[position + 1 :], records)


# --- the public entry point ---------------------------------------------------------------


def roster_parse(*, filename: str, data: bytes, kind: str | None = None) -> ParsedRoster:
    """Read a students or teachers roster (.xlsx or .csv) and check every row.

    `kind` ("students" or "teachers") is found from the headers when not given. Problems with
    the whole file come back as RowErrors whose row is None, with no rows.
    """
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown roster kind {kind!r}")
    result = ParsedRoster(kind=kind or "")
    workbook = None
    try:
        extension = _extension(filename)
        if extension == ".xlsx":
            records, workbook = _xlsx_records(filename, data)
        elif extension == ".csv":
            records = _csv_records(filename, data)
        elif extension == ".xls":
            raise _FileError(
                _(
                    "“%(filename)s” is an old-format Excel file (.xls): open it in Excel and "
                    "save it as an Excel Workbook (.xlsx)."
                )
                % {"filename": filename}
            )
        else:
            raise _FileError(
                _(
                    "“%(filename)s” is not a supported file type: upload an Excel workbook "
                    "(.xlsx) or a CSV file (.csv)."
                )
                % {"filename": filename}
            )
        _parse_records(filename, _capped(filename, records), result)
    except _FileError as exc:
        result.rows = []
        result.errors = [RowError(None, "", exc.message)]
    finally:
        if workbook is not None:
            workbook.close()
    return result


def _parse_records(filename: str, records: Records, result: ParsedRoster) -> None:
    found = _find_header(records, _ALIAS_MAPS[result.kind])
    if found is None:
        raise _FileError(_("“%(filename)s” is empty.") % {"filename": filename})
    mapping, data_rows = found

    if not result.kind:
        if "subjects" in mapping or "classes" in mapping:
            result.kind = TEACHERS
        elif "birth_date" in mapping:
            result.kind = STUDENTS
        else:
            raise _FileError(
                _(
                    "Cannot tell whether “%(filename)s” lists students or teachers: the file "
                    "must have the column headers of the template (“%(birth_date)s” for "
                    "students, “%(subjects)s” for teachers)."
                )
                % {"filename": filename, "birth_date": "Ngày sinh", "subjects": "Môn"}
            )
        own = _HEADERS[result.kind]
        mapping = {key: index for key, index in mapping.items() if key in own}

    missing = [
        RowError(None, "", _("The column “%(column)s” is missing.") % {"column": header})
        for key, header, required in COLUMNS[result.kind]
        if required and key not in mapping
    ]
    if result.kind == TEACHERS and not any(key in mapping for key in CONTACT_KEYS):
        missing.append(
            RowError(
                None,
                "",
                _(
                    "The column “%(column)s” is missing (separate columns “%(email)s” and "
                    "“%(phone)s” are also accepted)."
                )
                % {"column": "Email hoặc SĐT", "email": "Email", "phone": "SĐT"},
            )
        )
    if missing:
        result.errors.extend(missing)
        return

    parse = _parse_students if result.kind == STUDENTS else _parse_teachers
    parse(data_rows, mapping, result)
    if result.total_rows > MAX_ROWS:
        raise _FileError(
            _("“%(filename)s” has more than %(max)s data rows: split it into several files.")
            % {"filename": filename, "max": formats.number_format(MAX_ROWS, force_grouping=True)}
        )
    if result.total_rows == 0 and result.examples:
        raise _FileError(
            _(
                "“%(filename)s” holds only the template's example rows (their name starts "
                "with “%(prefix)s”), which are never imported: write your list in the rows "
                "below them, or in their place, and upload the file again."
            )
            % {"filename": filename, "prefix": EXAMPLE_PREFIX.strip()}
        )
    if result.total_rows == 0:
        raise _FileError(
            _("“%(filename)s” has column headers but no data rows.") % {"filename": filename}
        )


def _padded(records: Iterable[tuple[int, Sequence]], mapping: dict[str, int]):
    """The non-empty data rows, each long enough for every mapped column; stops one row past
    MAX_ROWS."""
    width = max(mapping.values()) + 1
    indexes = tuple(mapping.values())
    count = 0
    for rownum, cells in records:
        if len(cells) < width:
            cells = (*cells, *((None,) * (width - len(cells))))
        if _is_empty(cells[i] for i in indexes):
            continue
        count += 1
        yield rownum, cells
        if count > MAX_ROWS:
            return


def is_example_name(value) -> bool:
    """Whether a name cell marks one of the template's example rows ("Ví dụ: Nguyễn Văn An")."""
    return value.__class__ is str and bool(
        _EXAMPLE.match(unicodedata.normalize("NFC", value.strip()))
    )


def _counted_rows(records, mapping: dict[str, int], result: ParsedRoster):
    """The data rows, counted into result.total_rows; the template's example rows are only
    noted in result.examples. The one row past MAX_ROWS is counted (so that the caller can
    report the limit) but not returned."""
    result.total_rows = 0
    i_name = mapping["full_name"]
    for rownum, cells in _padded(records, mapping):
        if is_example_name(cells[i_name]):
            result.examples.append(rownum)
            continue
        result.total_rows += 1
        if result.total_rows > MAX_ROWS:
            return
        yield rownum, cells


def _name_cell(value, rownum: int, column: str, row_errors: list[RowError]) -> str:
    full_name = normalise_name(_text(value))
    if not full_name:
        row_errors.append(RowError(rownum, column, _("The name is missing.")))
    elif len(full_name) > NAME_MAX:
        row_errors.append(_too_long(rownum, column, full_name, NAME_MAX))
    return full_name


def _too_long(row: int, column: str, value: str, limit: int) -> RowError:
    return RowError(
        row,
        column,
        _("“%(value)s” is too long (at most %(max)s characters).")
        % {"value": _show(value), "max": limit},
    )


def _bad_phone(row: int, column: str, value: str) -> RowError:
    return RowError(
        row,
        column,
        _("“%(value)s” is not a valid phone number: it must have 10 digits and start with 0.")
        % {"value": _show(value)},
    )


def _bad_email(row: int, column: str, value: str) -> RowError:
    return RowError(
        row,
        column,
        _("“%(value)s” is not a valid email address.") % {"value": _show(value)},
    )


def _email_ok(email: str) -> bool:
    try:
        _validate_email(email)
    except ValidationError:
        return False
    return True


# --- students -----------------------------------------------------------------------------


def _parse_students(records: Records, mapping: dict[str, int], result: ParsedRoster) -> None:
    h = _HEADERS[STUDENTS]
    i_name = mapping["full_name"]
    i_birth = mapping["birth_date"]
    i_gender = mapping["gender"]
    i_class = mapping["class_name"]
    i_code = mapping.get("student_code")
    i_guardian = mapping.get("guardian_name")
    i_phone = mapping.get("guardian_phone")
    i_email = mapping.get("email")
    i_school = mapping.get("school_code")

    today = timezone.localdate()
    dates: dict[str, date | None] = {}
    genders: dict[str, str | None] = {}
    classes: dict[str, str] = {}
    by_code: dict[tuple, int] = {}
    by_key: dict[tuple, int] = {}
    errors = result.errors
    rows = result.rows

    for rownum, cells in _counted_rows(records, mapping, result):
        row_errors = []
        full_name = _name_cell(cells[i_name], rownum, h["full_name"], row_errors)

        raw = cells[i_birth]
        birth_date = None
        if isinstance(raw, datetime):
            birth_date = raw.date()
        elif isinstance(raw, date):
            birth_date = raw
        else:
            text = _text(raw)
            if text in dates:
                birth_date = dates[text]
            elif text:
                birth_date = dates[text] = _date_from_text(text)
            if birth_date is None:
                if text:
                    message = _("“%(value)s” is not a valid date (dd/mm/yyyy).") % {
                        "value": _show(text)
                    }
                else:
                    message = _("The date of birth is missing.")
                row_errors.append(RowError(rownum, h["birth_date"], message))
        if birth_date is not None and not MIN_BIRTH_DATE <= birth_date <= today:
            row_errors.append(
                RowError(
                    rownum,
                    h["birth_date"],
                    _(
                        "The date of birth %(value)s is outside the accepted range "
                        "(%(start)s to %(end)s)."
                    )
                    % {
                        "value": _format_date(birth_date),
                        "start": _format_date(MIN_BIRTH_DATE),
                        "end": _format_date(today),
                    },
                )
            )
            birth_date = None

        text = _text(cells[i_gender])
        gender = genders.get(text)
        if gender is None and text not in genders:
            gender = genders[text] = _GENDERS.get(normalise_header(text)) if text else ""
        if gender is None:
            gender = ""
            row_errors.append(
                RowError(
                    rownum,
                    h["gender"],
                    _("“%(value)s” is not a valid gender: write “Nam” or “Nữ”.")
                    % {"value": _show(text)},
                )
            )

        text = _text(cells[i_class])
        class_name = classes.get(text)
        if class_name is None:
            class_name = classes[text] = normalise_class_name(text)
        if not class_name:
            row_errors.append(RowError(rownum, h["class_name"], _("The class is missing.")))
        elif len(class_name) > CLASS_MAX:
            row_errors.append(_too_long(rownum, h["class_name"], class_name, CLASS_MAX))
            class_name = ""  # reported: not looked up again

        student_code = _text(cells[i_code]) if i_code is not None else ""
        if len(student_code) > CODE_MAX:
            row_errors.append(_too_long(rownum, h["student_code"], student_code, CODE_MAX))

        guardian_name = normalise_name(_text(cells[i_guardian])) if i_guardian is not None else ""
        if len(guardian_name) > NAME_MAX:
            row_errors.append(_too_long(rownum, h["guardian_name"], guardian_name, NAME_MAX))

        guardian_phone = ""
        if i_phone is not None:
            text = _text(cells[i_phone])
            if text:
                guardian_phone = normalise_phone(text)
                if guardian_phone is None:
                    row_errors.append(_bad_phone(rownum, h["guardian_phone"], text))

        email = _text(cells[i_email]).lower() if i_email is not None else ""
        school_code = _text(cells[i_school]) if i_school is not None else ""
        if email and (len(email) > EMAIL_MAX or not _email_ok(email)):
            row_errors.append(_bad_email(rownum, h["email"], email))

        # The same student twice in the file: report it on the later row.
        if student_code:
            earlier = by_code.setdefault((school_code, student_code), rownum)
            if earlier != rownum:
                row_errors.append(
                    RowError(
                        rownum,
                        h["student_code"],
                        _("This row repeats row %(row)s (same student code “%(code)s”).")
                        % {"row": earlier, "code": _show(student_code)},
                    )
                )
        if full_name and birth_date is not None and class_name:
            key = (school_code, full_name.casefold(), birth_date, class_name)
            earlier = by_key.setdefault(key, rownum)
            if earlier != rownum and not student_code:
                row_errors.append(
                    RowError(
                        rownum,
                        h["full_name"],
                        _("This row repeats row %(row)s (same name, date of birth and class).")
                        % {"row": earlier},
                    )
                )

        row = StudentRow(
            row=rownum,
            full_name=full_name,
            birth_date=birth_date,
            gender=gender,
            class_name=class_name,
            student_code=student_code,
            guardian_name=guardian_name,
            guardian_phone=guardian_phone or "",
            email=email,
            school_code=school_code,
        )
        if row_errors:
            errors.extend(row_errors)
            result.rejected.append(row)
        else:
            rows.append(row)


# --- teachers -----------------------------------------------------------------------------


def _parse_teachers(records: Records, mapping: dict[str, int], result: ParsedRoster) -> None:
    h = _HEADERS[TEACHERS]
    i_name = mapping["full_name"]
    i_subjects = mapping["subjects"]
    i_classes = mapping["classes"]
    i_homeroom = mapping.get("homeroom_class")
    i_contact = mapping.get("contact")
    i_email = mapping.get("email")
    i_phone = mapping.get("phone")
    # Where "no contact" is reported: the combined column if the file has it.
    contact_column = next(h[key] for key in CONTACT_KEYS if key in mapping)

    same_email = _("This row repeats row %(row)s (same name and email address).")
    same_phone = _("This row repeats row %(row)s (same name and phone number).")
    seen: dict[tuple, int] = {}
    errors = result.errors
    rows = result.rows

    for rownum, cells in _counted_rows(records, mapping, result):
        row_errors = []
        full_name = _name_cell(cells[i_name], rownum, h["full_name"], row_errors)

        subjects = _split_list(_text(cells[i_subjects]), normalise_name)
        if not subjects:
            row_errors.append(RowError(rownum, h["subjects"], _("No subject is given.")))
        for subject in subjects:
            if len(subject) > SUBJECT_MAX:
                row_errors.append(_too_long(rownum, h["subjects"], subject, SUBJECT_MAX))

        classes = _split_list(_text(cells[i_classes]), normalise_class_name)
        for name in classes:
            if len(name) > CLASS_MAX:
                row_errors.append(_too_long(rownum, h["classes"], name, CLASS_MAX))
        # What was too long is reported; only the rest is looked up again.
        subjects = tuple(s for s in subjects if len(s) <= SUBJECT_MAX)
        classes = tuple(c for c in classes if len(c) <= CLASS_MAX)

        homeroom = ""
        if i_homeroom is not None:
            homeroom = normalise_class_name(_text(cells[i_homeroom]))
            if len(homeroom) > CLASS_MAX:
                row_errors.append(_too_long(rownum, h["homeroom_class"], homeroom, CLASS_MAX))
                homeroom = ""

        # (value as written, column) of each email and phone given, from any contact column.
        emails: list[tuple[str, str]] = []
        phones: list[tuple[str, str]] = []
        if i_contact is not None:
            text = _text(cells[i_contact])
            for part in _CONTACT_SEPARATORS.split(text) if text else ():
                part = part.strip()
                if part:
                    (emails if "@" in part else phones).append((part, h["contact"]))
        if i_email is not None:
            text = _text(cells[i_email])
            if text:
                emails.append((text, h["email"]))
        if i_phone is not None:
            text = _text(cells[i_phone])
            if text:
                phones.append((text, h["phone"]))

        email = phone = ""
        contact_ok = True
        for text, column in emails:
            value = text.lower()
            if len(value) > EMAIL_MAX or not _email_ok(value):
                row_errors.append(_bad_email(rownum, column, text))
                contact_ok = False
            elif email and value != email:
                row_errors.append(_several_contacts(rownum, column, text))
                contact_ok = False
            else:
                email = value
        for text, column in phones:
            value = normalise_phone(text)
            if value is None:
                row_errors.append(_bad_phone(rownum, column, text))
                contact_ok = False
            elif phone and value != phone:
                row_errors.append(_several_contacts(rownum, column, text))
                contact_ok = False
            else:
                phone = value
        if contact_ok and not email and not phone:
            row_errors.append(
                RowError(rownum, contact_column, _("No email address or phone number is given."))
            )

        if full_name:
            name_key = full_name.casefold()
            for value, key, message in (
                (email, "email", same_email),
                (phone, "phone", same_phone),
            ):
                if not value:
                    continue
                earlier = seen.setdefault((name_key, key, value), rownum)
                if earlier != rownum:
                    row_errors.append(RowError(rownum, h["full_name"], message % {"row": earlier}))
                    break

        row = TeacherRow(
            row=rownum,
            full_name=full_name,
            subjects=subjects,
            classes=classes,
            homeroom_class=homeroom,
            email=email,
            phone=phone,
        )
        if row_errors:
            errors.extend(row_errors)
            result.rejected.append(row)
        else:
            rows.append(row)


def _several_contacts(row: int, column: str, value: str) -> RowError:
    return RowError(
        row,
        column,
        _("“%(value)s” is one email address or phone number too many: give only one of each.")
        % {"value": _show(value)},
    )
