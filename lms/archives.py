"""Size checks on a ZIP archive, read from its central directory before anything is inflated.

One set of rules for every uploaded archive: H5P packages (courses.h5p.validator) and XLSX
rosters (classrooms.roster.parsing). Each caller words the problems in its own messages.

Python's zipfile never inflates a member past the size its header declares (it stops there
and fails the CRC), so checking the declared sizes bounds the work of any later reader.
Pure Python with no Django import, like the H5P validator that uses it.
"""

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass

MB = 1024 * 1024
# The ratio is only checked above this size: a few KB of XML, JSON or SVG may compress 200:1
# and cannot hurt, while a bomb has to be big to matter.
RATIO_CHECK_MIN_SIZE = 1 * MB

# Rules, as the callers' messages name them.
TOO_MANY_FILES = "too_many_files"
FILE_TOO_LARGE = "file_too_large"
TOTAL_TOO_LARGE = "total_too_large"
ZIP_BOMB = "zip_bomb"


@dataclass(frozen=True)
class ArchiveLimits:
    max_file_size: int  # expanded bytes of one member
    max_total_size: int  # expanded bytes of all members
    max_ratio: float  # expanded / compressed, for a member and for the whole archive
    max_files: int  # entries in the central directory, folders included


@dataclass(frozen=True)
class SizeProblem:
    rule: str  # one of the rules above
    path: str | None  # the member; None for the archive as a whole
    size: int  # expanded bytes (for too_many_files: the number of entries)
    limit: float  # the limit that was passed
    ratio: int = 0  # expanded / compressed, for zip_bomb


def is_bomb(size: int, compressed: int, max_ratio: float) -> bool:
    return size > RATIO_CHECK_MIN_SIZE and size > max_ratio * compressed


def _ratio(size: int, compressed: int) -> int:
    return size // max(compressed, 1)


def member_problem(info: zipfile.ZipInfo, limits: ArchiveLimits) -> SizeProblem | None:
    """A member too large, or compressed suspiciously well, by its declared sizes."""
    if info.file_size > limits.max_file_size:
        return SizeProblem(FILE_TOO_LARGE, info.filename, info.file_size, limits.max_file_size)
    if is_bomb(info.file_size, info.compress_size, limits.max_ratio):
        ratio = _ratio(info.file_size, info.compress_size)
        return SizeProblem(ZIP_BOMB, info.filename, info.file_size, limits.max_ratio, ratio)
    return None


def totals_problem(size: int, compressed: int, limits: ArchiveLimits) -> SizeProblem | None:
    """The members' expanded total too large, or compressed suspiciously well."""
    if size > limits.max_total_size:
        return SizeProblem(TOTAL_TOO_LARGE, None, size, limits.max_total_size)
    if is_bomb(size, compressed, limits.max_ratio):
        return SizeProblem(ZIP_BOMB, None, size, limits.max_ratio, _ratio(size, compressed))
    return None


def too_many_files(infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> SizeProblem | None:
    if len(infos) > limits.max_files:
        return SizeProblem(TOO_MANY_FILES, None, len(infos), limits.max_files)
    return None


def archive_problems(infos: Iterable[zipfile.ZipInfo], limits: ArchiveLimits) -> list:
    """Every size problem of an archive's members (`ZipFile.infolist()`) and of their total.

    A member refused on its own is left out of the totals, so it is reported once."""
    infos = list(infos)
    if problem := too_many_files(infos, limits):
        return [problem]
    problems = []
    size = compressed = 0
    for info in infos:
        if info.is_dir():
            continue
        if problem := member_problem(info, limits):
            problems.append(problem)
            continue
        size += info.file_size
        compressed += info.compress_size
    if problem := totals_problem(size, compressed, limits):
        problems.append(problem)
    return problems
