"""Validate an uploaded .h5p package before any of it is extracted.

Pure Python with no Django import, so storage, upload views and management commands can all
call it. The rules follow h5p-php-library's H5PValidator (isValidPackage, getLibraryData,
getMissingLibraries); where this module departs from it, the list below says why:

- Every member is first checked in the ZIP central directory (paths, symlinks, declared sizes
  and compression ratio as for every uploaded archive (lms.archives), extension whitelists,
  h5p.json and content/content.json present). If anything fails there, nothing is
  decompressed, as in H5P.
- Then every member that passed is streamed once through `iter_member`, which counts the real
  bytes: a header that understates a size (a zip bomb with a lying header) or a bad CRC is
  refused before storage extracts anything. On the way its content is checked against its
  extension, and SVGs for active content (`contents`); H5P checks neither.
- Hidden files and folders (a name part starting with ".") are refused, where H5P skips them
  silently: real exports never hold any, and a silent skip would store something other than
  what the teacher uploaded. Names with a part starting with "_" (e.g. `__MACOSX/._x`) are
  skipped with a warning, as H5P skips them.
- Unknown top-level files (h5p.org exports carry an empty `H5P_CONTENT_HERE.txt`) are skipped
  with a warning.
- A library folder must be named exactly `machineName-major.minor`: h5p-standalone, our
  player, finds libraries by that name (H5P also accepts a bare `machineName`).
- A missing editor dependency is only a warning: we play content and never load the H5P
  editor, and exporters may leave editor-only libraries out.
- Metadata that only the H5P editor shows (authors, changes, source, years) is not checked;
  the license and its version are.

Messages are Vietnamese msgids wrapped in `_`, an identity function for now. To translate them
with Django later, make `_` gettext_lazy: MESSAGES is only formatted when a problem is found.

Longer than our usual ~600 lines on purpose: it is one rule set (H5P's own package rules, in
H5PValidator's order), read best top to bottom beside h5p-php-library.
"""

import copy
import json
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from lms import archives

from . import contents


def _(message: str) -> str:
    """Mark a message for translation."""
    return message


# The H5P core API we support (h5p-php-library 1.27): libraries needing a newer one are refused.
CORE_API = (1, 27)

MB = 1024 * 1024
DEFAULT_MAX_FILE_SIZE = 50 * MB
DEFAULT_MAX_TOTAL_SIZE = 200 * MB
DEFAULT_MAX_FILES = 5_000
DEFAULT_MAX_RATIO = 100
CHUNK_SIZE = 64 * 1024
# Images above this size spill from memory to a temporary file while Pillow checks them.
SPOOL_SIZE = 1 * MB
# What zipfile raises on corrupt data, a bad method or encryption.
READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError)

# H5PCore::$defaultContentWhitelist; libraries add H5PCore::$defaultLibraryWhitelistExtras.
CONTENT_EXTENSIONS = frozenset(
    "json png jpg jpeg gif bmp tif tiff svg eot ttf woff woff2 otf webm mp4 ogg mp3 m4a wav txt "
    "pdf rtf doc docx xls xlsx ppt pptx odt ods odp xml csv diff patch swf md textile vtt webvtt "
    "gltf glb".split()
)
LIBRARY_EXTENSIONS = CONTENT_EXTENSIONS | {"js", "css"}
H5P_LICENSES = frozenset(
    "U|CC BY|CC BY-SA|CC BY-ND|CC BY-NC|CC BY-NC-SA|CC BY-NC-ND|CC0 1.0|GNU GPL|PD|ODC PDDL|"
    "CC PDM|C".split("|")
)
H5P_LICENSE_VERSIONS = frozenset({"1.0", "2.0", "2.5", "3.0", "4.0"})
EMBED_TYPES = frozenset({"div", "iframe"})
DEPENDENCY_FIELDS = ("preloadedDependencies", "dynamicDependencies", "editorDependencies")
H5P_JSON_REQUIRED = ("title", "language", "mainLibrary", "embedTypes", "preloadedDependencies")
LIBRARY_REQUIRED = tuple(
    "title machineName majorVersion minorVersion patchVersion runnable".split()
)

# H5P's patterns, used with fullmatch; re.ASCII because PHP's \w is ASCII.
MACHINE_NAME_RE = re.compile(r"[\w.-]{1,255}", re.ASCII)
VERSION_RE = re.compile(r"[0-9]{1,5}")
TITLE_RE = re.compile(r".{1,255}")
CONTENT_LANGUAGE_RE = re.compile(r"[-a-zA-Z]{1,10}")
MAIN_LIBRARY_RE = re.compile(r"[$a-z_][0-9a-z_.$]{1,254}", re.IGNORECASE | re.ASCII)
# The names H5P's /^(-?[a-z]+){1,7}\.json$/i accepts, written without its nested quantifier,
# which backtracks exponentially on a long name that does not match.
LANGUAGE_FILE_RE = re.compile(r"-?[a-z]+(?:-[a-z]+){0,6}\.json", re.IGNORECASE | re.ASCII)
DRIVE_RE = re.compile(r"[A-Za-z]:")
FOLDER_NAME_RE = re.compile(r"(.+)-([0-9]{1,5})\.([0-9]{1,5})")

# One template per rule (two for zip_bomb); each names the file and the rule.
MESSAGES = {
    "missing_h5p_extension": _(
        'Tệp "{path}" không phải gói H5P: tên tệp phải có đuôi .h5p (quy tắc: {rule}).'
    ),
    "not_a_zip": _('Tệp "{path}" không phải tệp ZIP hợp lệ nên không mở được (quy tắc: {rule}).'),
    "too_many_files": _(
        'Gói "{path}" có {count} mục, vượt quá giới hạn {limit} tệp (quy tắc: {rule}).'
    ),
    "total_too_large": _(
        'Tổng dung lượng giải nén của gói "{path}" là {size}, vượt quá giới hạn {limit} '
        "(quy tắc: {rule})."
    ),
    "file_too_large": _(
        'Tệp "{path}" nặng {size}, vượt quá giới hạn {limit} cho mỗi tệp (quy tắc: {rule}).'
    ),
    "zip_bomb": _(
        'Tệp "{path}" có tỉ lệ nén {ratio}:1, vượt quá giới hạn {limit}:1, có thể là "bom ZIP" '
        "(quy tắc: {rule})."
    ),
    "zip_bomb_total": _(
        'Gói "{path}" có tỉ lệ nén tổng {ratio}:1, vượt quá giới hạn {limit}:1, có thể là '
        '"bom ZIP" (quy tắc: {rule}).'
    ),
    "duplicate_file": _('Tệp "{path}" xuất hiện nhiều lần trong gói (quy tắc: {rule}).'),
    "backslash_path": _('Đường dẫn "{path}" chứa dấu gạch chéo ngược "\\" (quy tắc: {rule}).'),
    "absolute_path": _('Đường dẫn "{path}" là đường dẫn tuyệt đối (quy tắc: {rule}).'),
    "path_traversal": _('Đường dẫn "{path}" chứa ".." trỏ ra ngoài gói (quy tắc: {rule}).'),
    "unsafe_path": _('Đường dẫn "{path}" có phần rỗng hoặc "." (quy tắc: {rule}).'),
    "symlink": _(
        'Tệp "{path}" là liên kết tượng trưng (symlink), không được phép (quy tắc: {rule}).'
    ),
    "encrypted_file": _(
        'Tệp "{path}" được mã hoá bằng mật khẩu nên không đọc được (quy tắc: {rule}).'
    ),
    "hidden_file": _(
        'Tệp hoặc thư mục ẩn "{path}" (tên bắt đầu bằng ".") không được phép trong gói H5P '
        "(quy tắc: {rule})."
    ),
    "ignored_file": _(
        'Tệp hoặc thư mục "{path}" có tên bắt đầu bằng "_" nên được bỏ qua, như H5P vẫn làm '
        "(quy tắc: {rule})."
    ),
    "unknown_file": _(
        'Tệp "{path}" ở thư mục gốc của gói không thuộc định dạng H5P nên được bỏ qua '
        "(quy tắc: {rule})."
    ),
    "bad_extension": _(
        'Tệp "{path}" có đuôi không được phép trong {area}; chỉ chấp nhận: {allowed} '
        "(quy tắc: {rule})."
    ),
    "missing_h5p_json": _('Tệp "{path}" bị thiếu (quy tắc: {rule}).'),
    "missing_content_json": _('Tệp "{path}" bị thiếu (quy tắc: {rule}).'),
    "size_mismatch": _(
        'Tệp "{path}" giải nén ra nhiều hơn {size} byte đã khai báo trong tệp ZIP; gói bị từ '
        "chối (quy tắc: {rule})."
    ),
    "corrupt_file": _('Không đọc được tệp "{path}": dữ liệu nén bị hỏng (quy tắc: {rule}).'),
    "image_mismatch": _(
        'Tệp "{path}" có đuôi .{extension} nhưng không phải ảnh {format} hợp lệ (quy tắc: {rule}).'
    ),
    "image_too_large": _(
        'Ảnh "{path}" có hơn {limit} điểm ảnh, quá lớn để hiển thị an toàn (quy tắc: {rule}).'
    ),
    "signature_mismatch": _(
        'Tệp "{path}" có đuôi .{extension} nhưng nội dung không bắt đầu bằng dấu hiệu của định '
        "dạng {format} (quy tắc: {rule})."
    ),
    "invalid_json_file": _('Tệp "{path}" không phải JSON hợp lệ (quy tắc: {rule}).'),
    "invalid_svg": _(
        'Tệp "{path}" không phải ảnh SVG hợp lệ, hoặc có khai báo thực thể (entity) không được '
        "phép (quy tắc: {rule})."
    ),
    "svg_script": _(
        'Tệp SVG "{path}" chứa "{what}", thứ có thể chạy mã khi mở tệp; hãy xoá nó khỏi tệp '
        "(quy tắc: {rule})."
    ),
    "svg_external_reference": _(
        'Tệp SVG "{path}" tham chiếu ra ngoài tệp ("{what}"); chỉ được tham chiếu bên trong tệp '
        '("#…") hoặc ảnh nhúng "data:image/…" (quy tắc: {rule}).'
    ),
    "invalid_json": _('Tệp "{path}" không phải {expected} hợp lệ (quy tắc: {rule}).'),
    "missing_field": _('Tệp "{path}" thiếu trường bắt buộc "{field}" (quy tắc: {rule}).'),
    "invalid_field": _(
        'Trường "{field}" trong tệp "{path}" không hợp lệ: {expected} (quy tắc: {rule}).'
    ),
    "bad_license": _(
        'Trường "{field}" trong tệp "{path}" có giá trị "{value}" không phải mã giấy phép H5P; '
        "chỉ chấp nhận: {allowed} (quy tắc: {rule})."
    ),
    "invalid_library_name": _('Tên thư mục thư viện "{path}" không hợp lệ (quy tắc: {rule}).'),
    "missing_library_json": _('Thư mục thư viện "{folder}" thiếu tệp "{path}" (quy tắc: {rule}).'),
    "library_folder_mismatch": _(
        'Thư mục "{folder}" phải có tên "{expected}" theo machineName và phiên bản trong tệp '
        '"{path}" (quy tắc: {rule}).'
    ),
    "core_api_unsupported": _(
        'Thư viện trong tệp "{path}" cần H5P core API {required}, nhưng hệ thống chỉ hỗ trợ '
        "đến {supported} (quy tắc: {rule})."
    ),
    "missing_preloaded_file": _(
        'Tệp "{path}" được khai báo trong {field} của "{library_json}" nhưng không có trong gói '
        "(quy tắc: {rule})."
    ),
    "bad_language_filename": _(
        'Tệp ngôn ngữ "{path}" có tên không hợp lệ; tên phải có dạng "vi.json" hoặc '
        '"zh-hans.json" (quy tắc: {rule}).'
    ),
    "missing_dependency": _(
        'Thư viện "{library}" mà tệp "{path}" cần không có trong gói và chưa được cài đặt '
        "(quy tắc: {rule})."
    ),
    "missing_editor_dependency": _(
        'Thư viện trình soạn thảo "{library}" mà tệp "{path}" khai báo không có trong gói; '
        "trình phát không cần đến nó (quy tắc: {rule})."
    ),
    "missing_main_library": _(
        'Thư viện chính "{library}" của tệp "{path}" không có trong preloadedDependencies '
        "(quy tắc: {rule})."
    ),
}
# What each JSON file must hold, by the rule reported when it does not parse.
JSON_RULES = {
    "invalid_h5p_json": _("một đối tượng JSON"),
    "invalid_content_json": _("một đối tượng JSON"),
    "invalid_library_json": _("một đối tượng JSON"),
    "invalid_language_json": _("một đối tượng JSON"),
    "invalid_semantics_json": _("JSON"),
}


@dataclass(frozen=True)
class Problem:
    rule: str  # a short stable code, e.g. "missing_h5p_json"
    path: str  # the member (or the uploaded file's name) the problem is about
    message: str  # Vietnamese, naming the rule and the file


@dataclass
class LibraryInfo:
    machine_name: str
    major: int
    minor: int
    patch: int
    folder: str
    runnable: bool
    title: str
    data: dict  # the parsed library.json


@dataclass
class ValidationResult:
    ok: bool = False
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    h5p_json: dict | None = None
    content_json: dict | None = None
    libraries: dict[str, LibraryInfo] = field(default_factory=dict)  # keyed by folder
    main_library: str | None = None  # folder of the main library, e.g. "H5P.TrueFalse-1.8"
    # Members that passed the member checks, without directories. Extract them only when ok.
    files: list[str] = field(default_factory=list)


class MemberReadError(Exception):
    """A member could not be read back: corrupt data, bad CRC, unknown compression."""


class MemberTooLarge(MemberReadError):
    """A member produced more bytes than its header declares or than the caller allows."""


def iter_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """Yield a member's bytes in chunks; raise MemberTooLarge past min(limit, declared size).

    zipfile stops at the size the central directory declares, so a header that understates the
    size would only truncate the data (and fail the CRC). We open a copy that declares one byte
    more than we accept and has no CRC, so the decompressor runs on and the lie is caught by
    counting real bytes; the CRC and the exact size are checked here once the data has ended.
    """
    cap = min(limit, info.file_size)
    probe = copy.copy(info)
    probe.file_size = cap + 1
    probe.CRC = None
    total = crc = 0
    try:
        with zf.open(probe) as stream:
            while chunk := stream.read(CHUNK_SIZE):
                total += len(chunk)
                if total > cap:
                    raise MemberTooLarge(
                        f"{info.filename}: more than {cap} bytes "
                        f"(declared {info.file_size}, limit {limit})"
                    )
                crc = zlib.crc32(chunk, crc)
                yield chunk
    except READ_ERRORS as exc:
        raise MemberReadError(f"{info.filename}: {exc}") from exc
    if total != info.file_size or crc != info.CRC:
        raise MemberReadError(f"{info.filename}: size or CRC differs from the header")


def read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """Read a whole member, raising MemberTooLarge past min(limit, declared size)."""
    return b"".join(iter_member(zf, info, limit))


class H5PValidator:
    def __init__(
        self,
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
        max_total_size: int = DEFAULT_MAX_TOTAL_SIZE,
        max_files: int = DEFAULT_MAX_FILES,
        max_ratio: float = DEFAULT_MAX_RATIO,
    ):
        self.max_file_size = max_file_size
        self.max_total_size = max_total_size
        self.max_files = max_files
        self.max_ratio = max_ratio
        self.archive = archives.ArchiveLimits(
            max_file_size=max_file_size,
            max_total_size=max_total_size,
            max_ratio=max_ratio,
            max_files=max_files,
        )

    def validate(
        self,
        source: str | BinaryIO,
        filename: str,
        installed: set[tuple[str, int, int]] = frozenset(),
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> ValidationResult:
        """Check the package `source` (a path or a binary file object) uploaded as `filename`.

        `installed` holds (machineName, major, minor) of the libraries already on the site;
        they satisfy dependencies that the package does not carry. `progress(done, total)` is
        called after each member is read back.
        """
        check = _PackageCheck(self, filename, installed, progress)
        check.run(source)
        check.result.ok = not check.result.errors
        return check.result

    def check_archive(self, source: str | BinaryIO, filename: str) -> ValidationResult:
        """Only the first phase: the name and the ZIP's central directory (paths, sizes,
        compression ratio, file count, required files). Nothing is decompressed, so it answers
        at once for a large package; an upload view refuses on it before storing the file, and
        `validate` checks it all again."""
        check = _PackageCheck(self, filename, frozenset())
        check.run(source, directory_only=True)
        check.result.ok = not check.result.errors
        return check.result


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def _version(value) -> int | None:
    """A version number as real exports write it, 1 or "1" (never true or false)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= 99_999 else None
    if isinstance(value, str) and VERSION_RE.fullmatch(value):
        return int(value)
    return None


def _matches(pattern: re.Pattern):
    return lambda value: isinstance(value, str) and pattern.fullmatch(value) is not None


def _is_embed_types(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, str) and item in EMBED_TYPES for item in value)
    )


def _is_path_list(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(item, dict) and isinstance(item.get("path"), str) and item["path"]
        for item in value
    )


def _folder_name(machine_name: str, major: int, minor: int) -> str:
    return f"{machine_name}-{major}.{minor}"


# Field checks shared by h5p.json and library.json: (accepts value, what is expected).
VERSION_CHECK = (lambda value: _version(value) is not None, _("cần một số nguyên từ 0 đến 99999"))
FIELD_CHECKS = {
    "title": (_matches(TITLE_RE), _("cần một chuỗi từ 1 đến 255 ký tự")),
    "language": (_matches(CONTENT_LANGUAGE_RE), _('cần một mã ngôn ngữ như "vi" hoặc "und"')),
    "mainLibrary": (_matches(MAIN_LIBRARY_RE), _('cần tên máy của thư viện, như "H5P.TrueFalse"')),
    "embedTypes": (_is_embed_types, _('cần danh sách gồm "div" và/hoặc "iframe"')),
    "machineName": (
        _matches(MACHINE_NAME_RE),
        _("chỉ gồm chữ cái, chữ số, dấu gạch ngang, gạch dưới và dấu chấm"),
    ),
    "majorVersion": VERSION_CHECK,
    "minorVersion": VERSION_CHECK,
    "patchVersion": VERSION_CHECK,
    "runnable": (lambda value: value in (0, 1, "0", "1"), _("cần 0 hoặc 1")),
    "preloadedJs": (_is_path_list, _('cần danh sách các mục {"path": "..."}')),
    "preloadedCss": (_is_path_list, _('cần danh sách các mục {"path": "..."}')),
}


class _PackageCheck:
    """One validation run: the limits, the members kept so far and what was found."""

    def __init__(self, limits: H5PValidator, filename: str, installed, progress=None):
        self.limits = limits
        self.progress = progress
        self.filename = filename
        self.installed = {(name, int(major), int(minor)) for name, major, minor in installed}
        self.result = ValidationResult()
        self.kept: dict[str, zipfile.ZipInfo] = {}  # file members that passed, by name
        self.folders: set[str] = set()  # top-level folders other than content/
        self.json_bytes: dict[str, bytes] = {}

    def error(self, rule: str, path: str, template: str | None = None, **params) -> None:
        message = MESSAGES[template or rule].format(rule=rule, path=path, **params)
        self.result.errors.append(Problem(rule, path, message))

    def warn(self, rule: str, path: str, **params) -> None:
        message = MESSAGES[rule].format(rule=rule, path=path, **params)
        self.result.warnings.append(Problem(rule, path, message))

    def run(self, source, *, directory_only: bool = False) -> None:
        if not self.filename.lower().endswith(".h5p"):
            self.error("missing_h5p_extension", self.filename)
            return
        try:
            zf = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, EOFError, ValueError):
            self.error("not_a_zip", self.filename)
            return
        with zf:
            self.scan_directory(zf)
            if self.result.errors or directory_only:
                return
            self.result.files = list(self.kept)
            if not self.read_members(zf):
                return
        self.check_structure()

    # Phase 1: the central directory, before anything is decompressed -------------------------

    def scan_directory(self, zf: zipfile.ZipFile) -> None:
        infos = zf.infolist()
        if problem := archives.too_many_files(infos, self.limits.archive):
            self.error(problem.rule, self.filename, count=problem.size, limit=problem.limit)
            return
        seen: set[str] = set()
        ignored: set[str] = set()
        total_size = total_compressed = 0
        for info in infos:
            name = info.filename
            if name in seen:
                self.error("duplicate_file", name)
                continue
            seen.add(name)
            if not self.is_safe_member(info):
                continue
            parts = name.rstrip("/").split("/")
            skipped = next((i for i, part in enumerate(parts) if part.startswith("_")), None)
            if skipped is not None:
                # Never extracted (as in H5P), so one warning per skipped folder is enough.
                ignored.add("/".join(parts[: skipped + 1]))
                continue
            if any(part.startswith(".") for part in parts):
                self.error("hidden_file", name)
                continue
            if parts[0] != "content" and (len(parts) > 1 or info.is_dir()):
                self.folders.add(parts[0])
            if info.is_dir():
                continue
            if not self.is_within_size_limits(info):
                continue  # reported alone, so that it does not also trip the totals
            total_size += info.file_size
            total_compressed += info.compress_size
            if len(parts) == 1 and name != "h5p.json":
                self.warn("unknown_file", name)
                continue
            if len(parts) > 1 and not self.has_allowed_extension(name, parts[0] == "content"):
                continue
            self.kept[name] = info

        for name in sorted(ignored):
            self.warn("ignored_file", name)
        if problem := archives.totals_problem(total_size, total_compressed, self.limits.archive):
            self.size_error(problem, self.filename)
        for required, rule in [
            ("h5p.json", "missing_h5p_json"),
            ("content/content.json", "missing_content_json"),
        ]:
            if required not in self.kept:
                self.error(rule, required)

    def is_safe_member(self, info: zipfile.ZipInfo) -> bool:
        name = info.filename
        parts = name.rstrip("/").split("/")
        if "\\" in name:
            self.error("backslash_path", name)
        elif name.startswith("/") or DRIVE_RE.match(name):
            self.error("absolute_path", name)
        elif ".." in parts:
            self.error("path_traversal", name)
        elif any(part in ("", ".") for part in parts):
            self.error("unsafe_path", name)
        elif stat.S_ISLNK(info.external_attr >> 16):
            self.error("symlink", name)
        elif info.flag_bits & 0x1:
            self.error("encrypted_file", name)
        else:
            return True
        return False

    def is_within_size_limits(self, info: zipfile.ZipInfo) -> bool:
        if problem := archives.member_problem(info, self.limits.archive):
            self.size_error(problem, info.filename)
            return False
        return True

    def size_error(self, problem: archives.SizeProblem, path: str) -> None:
        if problem.rule == archives.ZIP_BOMB:
            template = "zip_bomb" if problem.path else "zip_bomb_total"
            self.error(problem.rule, path, template, ratio=problem.ratio, limit=problem.limit)
        else:
            size, limit = _mb(problem.size), _mb(problem.limit)
            self.error(problem.rule, path, size=size, limit=limit)

    def has_allowed_extension(self, name: str, in_content: bool) -> bool:
        allowed = CONTENT_EXTENSIONS if in_content else LIBRARY_EXTENSIONS
        base = name.rsplit("/", 1)[-1]
        if "." in base and base.rsplit(".", 1)[1].lower() in allowed:
            return True
        area = _("thư mục content") if in_content else _("thư viện")
        self.error("bad_extension", name, area=area, allowed=", ".join(sorted(allowed)))
        return False

    # Phase 2: read every kept member back, counting real bytes --------------------------------

    def read_members(self, zf: zipfile.ZipFile) -> bool:
        """Read every kept member and check its content; False if one could not be read.

        A file whose content does not match its extension is reported, and the structure is
        still checked, so that the teacher sees every problem at once."""
        readable = True
        for done, (name, info) in enumerate(self.kept.items()):
            if self.progress:
                self.progress(done, len(self.kept))
            try:
                if self.is_json_to_parse(name):
                    self.json_bytes[name] = read_member(zf, info, self.limits.max_file_size)
                else:
                    finding = self.check_content(zf, info)
                    if finding:
                        self.error(finding.rule, name, **finding.params)
            except MemberTooLarge:
                self.error("size_mismatch", name, size=info.file_size)
                readable = False
            except MemberReadError:
                self.error("corrupt_file", name)
                readable = False
        return readable

    def check_content(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo):
        """Read a member once, checking that it holds what its extension says."""
        limit = self.limits.max_file_size
        extension = contents.extension_of(info.filename)
        if contents.reads_whole(extension):
            data = read_member(zf, info, limit)
            if extension == "svg":
                return contents.check_svg(data)
            return contents.check_json(data)
        if extension in contents.IMAGE_FORMATS:
            with tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE) as buffer:
                for chunk in iter_member(zf, info, limit):
                    buffer.write(chunk)
                buffer.seek(0)
                return contents.check_image(extension, buffer)
        head = b""
        for chunk in iter_member(zf, info, limit):
            if len(head) < contents.HEAD_SIZE:
                head += chunk[: contents.HEAD_SIZE - len(head)]
        return contents.check_head(extension, head)

    @staticmethod
    def is_json_to_parse(name: str) -> bool:
        parts = name.split("/")
        if name in ("h5p.json", "content/content.json"):
            return True
        if len(parts) == 2:
            return parts[1] in ("library.json", "semantics.json")
        return len(parts) == 3 and parts[1] == "language"

    def parse_json(self, name: str, rule: str):
        """The parsed JSON of a member, or None after reporting `rule`."""
        want_object = rule != "invalid_semantics_json"
        try:
            data = json.loads(self.json_bytes[name].decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            data = None
        if data is None or (want_object and not isinstance(data, dict)):
            self.error(rule, name, "invalid_json", expected=JSON_RULES[rule])
            return None
        return data

    def check_fields(self, path: str, data: dict, required, optional=()) -> bool:
        valid = True
        for name in required:
            if name not in data:
                self.error("missing_field", path, field=name)
                valid = False
        for name in (*required, *optional):
            if name not in data or name not in FIELD_CHECKS:
                continue  # dependency lists are checked by dependency_lists
            accepts, expected = FIELD_CHECKS[name]
            if not accepts(data[name]):
                self.error("invalid_field", path, field=name, expected=expected)
                valid = False
        return valid

    # Phase 3: h5p.json, content.json, libraries, dependencies --------------------------------

    def check_structure(self) -> None:
        result = self.result
        result.h5p_json = self.parse_json("h5p.json", "invalid_h5p_json")
        result.content_json = self.parse_json("content/content.json", "invalid_content_json")
        to_resolve = []  # (file, its dependency lists)
        if result.h5p_json is not None:
            to_resolve.append(("h5p.json", self.check_h5p_json(result.h5p_json)))

        present = set()
        for folder in sorted(self.folders):
            checked = self.check_library(folder)
            if checked is not None:
                identity, dependencies = checked
                present.add(identity)
                to_resolve.append((f"{folder}/library.json", dependencies))
            elif match := FOLDER_NAME_RE.fullmatch(folder):
                # Its library.json is already reported; do not also report it as missing.
                present.add((match[1], int(match[2]), int(match[3])))

        available = present | self.installed
        for path, dependencies in to_resolve:
            self.check_dependencies(path, dependencies, available)
        if to_resolve and to_resolve[0][0] == "h5p.json":
            self.find_main_library(result.h5p_json, to_resolve[0][1], available)

    def check_h5p_json(self, data: dict) -> dict[str, list | None]:
        path = "h5p.json"
        self.check_fields(path, data, H5P_JSON_REQUIRED)
        for name, allowed in [("license", H5P_LICENSES), ("licenseVersion", H5P_LICENSE_VERSIONS)]:
            value = data.get(name)
            if name in data and not (isinstance(value, str) and value in allowed):
                self.error(
                    "bad_license",
                    path,
                    field=name,
                    value=value,
                    allowed=", ".join(sorted(allowed)),
                )
        return self.dependency_lists(path, data, DEPENDENCY_FIELDS[:2])

    def check_library(self, folder: str):
        """Check one library folder; return its identity and dependency lists once known."""
        if not MACHINE_NAME_RE.fullmatch(folder):
            self.error("invalid_library_name", folder)
            return None
        path = f"{folder}/library.json"
        if path not in self.kept:
            self.error("missing_library_json", path, folder=folder)
            return None
        data = self.parse_json(path, "invalid_library_json")
        if data is None or not self.check_fields(path, data, LIBRARY_REQUIRED, ["embedTypes"]):
            return None

        machine_name = data["machineName"]
        major, minor, patch = (_version(data[name]) for name in LIBRARY_REQUIRED[2:5])
        expected = _folder_name(machine_name, major, minor)
        valid = folder == expected
        if not valid:
            self.error("library_folder_mismatch", path, folder=folder, expected=expected)
        valid = self.check_library_files(folder, path, data) and valid
        dependencies = self.dependency_lists(path, data, DEPENDENCY_FIELDS)
        if valid and None not in dependencies.values():
            self.result.libraries[folder] = LibraryInfo(
                machine_name=machine_name,
                major=major,
                minor=minor,
                patch=patch,
                folder=folder,
                runnable=data["runnable"] in (1, "1"),
                title=data["title"],
                data=data,
            )
        return (machine_name, major, minor), dependencies

    def check_library_files(self, folder: str, path: str, data: dict) -> bool:
        """coreApi, preloaded files, semantics.json and language files of one library."""
        errors_before = len(self.result.errors)
        core_api = data.get("coreApi")
        if core_api:
            required = (None, None)
            if isinstance(core_api, dict):
                required = (
                    _version(core_api.get("majorVersion")),
                    _version(core_api.get("minorVersion")),
                )
            if None in required:
                expected = _("cần majorVersion và minorVersion là số")
                self.error("invalid_field", path, field="coreApi", expected=expected)
            elif required > CORE_API:
                self.error(
                    "core_api_unsupported",
                    path,
                    required="{}.{}".format(*required),
                    supported="{}.{}".format(*CORE_API),
                )

        for name in ("preloadedJs", "preloadedCss"):
            if not self.check_fields(path, data, (), [name]):
                continue
            for item in data.get(name, []):
                # H5P accepts either slash and a leading one; the file must be a kept member.
                member = f"{folder}/" + item["path"].replace("\\", "/").lstrip("/")
                if member not in self.kept:
                    self.error("missing_preloaded_file", member, field=name, library_json=path)

        if f"{folder}/semantics.json" in self.kept:
            self.parse_json(f"{folder}/semantics.json", "invalid_semantics_json")
        language_dir = f"{folder}/language/"
        for name in self.kept:
            if not name.startswith(language_dir):
                continue
            if LANGUAGE_FILE_RE.fullmatch(name[len(language_dir) :]):
                self.parse_json(name, "invalid_language_json")
            else:
                self.error("bad_language_filename", name)
        return len(self.result.errors) == errors_before

    def dependency_lists(self, path: str, data: dict, names) -> dict[str, list | None]:
        """Each dependency field as (machineName, major, minor) tuples; None when malformed."""
        lists = {}
        for name in names:
            items = data.get(name, [])
            parsed = []
            for item in items if isinstance(items, list) else [None]:
                entry = item if isinstance(item, dict) else {}
                machine_name = entry.get("machineName")
                major = _version(entry.get("majorVersion"))
                minor = _version(entry.get("minorVersion"))
                if not FIELD_CHECKS["machineName"][0](machine_name) or None in (major, minor):
                    expected = _("cần danh sách các mục {machineName, majorVersion, minorVersion}")
                    self.error("invalid_field", path, field=name, expected=expected)
                    parsed = None
                    break
                parsed.append((machine_name, major, minor))
            lists[name] = parsed
        return lists

    def check_dependencies(self, path: str, dependencies: dict, available: set) -> None:
        for name, items in dependencies.items():
            for dependency in items or []:
                if dependency in available:
                    continue
                library = _folder_name(*dependency)
                if name == "editorDependencies":
                    self.warn("missing_editor_dependency", path, library=library)
                else:
                    self.error("missing_dependency", path, library=library)

    def find_main_library(self, data: dict, dependencies: dict, available: set) -> None:
        main = data.get("mainLibrary")
        preloaded = dependencies["preloadedDependencies"]
        if not isinstance(main, str) or preloaded is None:
            return  # already reported as a missing or invalid field
        matches = [dependency for dependency in preloaded if dependency[0] == main]
        if not matches:
            self.error("missing_main_library", "h5p.json", library=main)
        elif matches[0] in available:
            self.result.main_library = _folder_name(*matches[0])
