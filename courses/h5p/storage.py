"""Validate → store an .h5p package through Django's storage API (so S3 works), and delete it.

Layout in the default storage (docs/h5p.md):

    h5p/<uuid>/h5p.json
    h5p/<uuid>/content/…                  the package's own content
    h5p/libraries/<machineName-major.minor>/…   shared by every package that uses it

A package is validated completely before anything is written, so a refused package leaves
nothing behind. A library already installed at the same or a newer patch is not written again;
a newer patch replaces the older files for every package, as H5P core does. If writing fails
halfway, what this import wrote is removed again and an upgraded library's older files (set
aside until the import commits) are put back.
"""

import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.db import transaction

from lms.cache_versions import cache_version, cache_version_bump
from lms.uploads import scan_enabled, scan_file

from ..models import H5PLibrary, H5PPackage
from .validator import MB, H5PValidator, LibraryInfo, Problem, ValidationResult, iter_member

logger = logging.getLogger(__name__)

ROOT = "h5p"
LIBRARIES = f"{ROOT}/libraries"
# Uploads waiting for their worker, and older library patches set aside during an upgrade:
# never served (the H5P views serve package and library folders only).
STAGING = f"{ROOT}/uploads"
# The jobs.Job kind of an upload imported by a worker (courses.h5p.tasks).
IMPORT_JOB_KIND = "h5p_import"
# How long a package's libraries' version token stays cached (libraries_version): the bound on
# a stale token where processes do not share a cache (no REDIS_URL) and a worker imports.
LIBRARIES_VERSION_SECONDS = 600
# Members above this size spill from memory to a temporary file while being copied.
SPOOL_SIZE = 1 * MB


class PackageRejected(Exception):
    """The package did not validate; `result.errors` says why (rule and file each)."""

    def __init__(self, result: ValidationResult):
        super().__init__("; ".join(problem.message for problem in result.errors))
        self.result = result


# The steps of an import, as `package_import` reports them to `progress(step, done, total)`.
CHECKING = "checking"  # reading every file back (done, total: files)
SCANNING = "scanning"  # the virus scanner reads the package
EXTRACTING = "extracting"  # writing content and new libraries to storage (done, total: files)
SAVING = "saving"  # the package and its libraries in the database
Progress = Callable[[str, int, int], None]


@dataclass
class ImportOutcome:
    package: H5PPackage
    result: ValidationResult
    libraries_written: list[str]


def validator() -> H5PValidator:
    return H5PValidator(
        max_file_size=settings.H5P_MAX_FILE_SIZE_MB * MB,
        max_total_size=settings.H5P_MAX_TOTAL_SIZE_MB * MB,
        max_files=settings.H5P_MAX_FILES,
        max_ratio=settings.H5P_MAX_COMPRESSION_RATIO,
    )


def installed_libraries() -> set[tuple[str, int, int]]:
    return set(H5PLibrary.objects.values_list("machine_name", "major", "minor"))


def package_folder(package_uuid) -> str:
    return f"{ROOT}/{package_uuid}"


def library_folder(folder: str) -> str:
    return f"{LIBRARIES}/{folder}"


def delete_tree(storage: Storage, prefix: str) -> None:
    """Delete every file below `prefix` (listdir works on S3 too)."""
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        storage.delete(f"{prefix}/{name}")
    for name in directories:
        delete_tree(storage, f"{prefix}/{name}")
    if hasattr(storage, "path"):
        # FileSystemStorage leaves empty folders; remove them so nothing is left on disk.
        try:
            path = storage.path(prefix)
        except NotImplementedError:
            return
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)


def _save_as(storage: Storage, target: str, content: File) -> None:
    if storage.exists(target):
        storage.delete(target)
    saved = storage.save(target, content)
    if saved != target:  # a storage that renamed it would break the player's paths
        storage.delete(saved)
        raise OSError(f"storage saved {target} as {saved}")


def copy_tree(storage: Storage, source: str, target: str) -> None:
    """Copy every file below `source` to `target` (the storage API has no move)."""
    try:
        directories, files = storage.listdir(source)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        with storage.open(f"{source}/{name}", "rb") as handle:
            _save_as(storage, f"{target}/{name}", File(handle, name=name))
    for name in directories:
        copy_tree(storage, f"{source}/{name}", f"{target}/{name}")


def set_aside_folder(package_uuid) -> str:
    """Where an import keeps the older patches of the libraries it upgrades until it commits."""
    return f"{STAGING}/replaced-{package_uuid}"


def _set_aside(storage: Storage, folder: str, aside: str) -> None:
    """Keep a library's installed files at `aside`, unless a killed run of this import already
    did (then `aside` holds the originals and the library folder may be half-written)."""
    if not _holds_files(storage, aside):
        copy_tree(storage, library_folder(folder), aside)


def _holds_files(storage: Storage, prefix: str) -> bool:
    try:
        directories, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return False
    return bool(files) or any(_holds_files(storage, f"{prefix}/{name}") for name in directories)


def _copy_member(zf, info, target: str, storage: Storage, limit: int) -> None:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_SIZE) as buffer:
        for chunk in iter_member(zf, info, limit):
            buffer.write(chunk)
        buffer.seek(0)
        _save_as(storage, target, File(buffer, name=target.rsplit("/", 1)[-1]))


def _libraries_to_write(result: ValidationResult) -> dict[str, LibraryInfo]:
    """The package's libraries that are new here or a newer patch of an installed one."""
    installed = dict(
        H5PLibrary.objects.filter(folder__in=result.libraries).values_list("folder", "patch")
    )
    return {
        folder: info
        for folder, info in result.libraries.items()
        if folder not in installed or info.patch > installed[folder]
    }


def _target(name: str, folder: str, to_write) -> str | None:
    """Where a package member goes in storage; None for a library installed at this or a
    newer patch already."""
    top = name.split("/", 1)[0]
    if name == "h5p.json" or top == "content":
        return f"{folder}/{name}"
    if top in to_write:
        return f"{LIBRARIES}/{name}"
    return None


def _dependencies(data: dict) -> list[tuple[str, int, int]]:
    found = []
    for name in ("preloadedDependencies", "dynamicDependencies"):
        for item in data.get(name) or []:
            try:
                found.append(
                    (item["machineName"], int(item["majorVersion"]), int(item["minorVersion"]))
                )
            except (KeyError, TypeError, ValueError):
                continue
    return found


def _used_libraries(h5p_json: dict, bundled: set[str]) -> set[int]:
    """Ids of the libraries the package needs (transitively) plus those it carries."""
    by_identity = {
        (lib.machine_name, lib.major, lib.minor): lib for lib in H5PLibrary.objects.all()
    }
    by_folder = {lib.folder: lib for lib in by_identity.values()}
    used = {by_folder[folder].pk for folder in bundled if folder in by_folder}
    queue = _dependencies(h5p_json)
    seen = set()
    while queue:
        identity = queue.pop()
        if identity in seen or identity not in by_identity:
            continue
        seen.add(identity)
        library = by_identity[identity]
        used.add(library.pk)
        queue.extend(_dependencies(library.data))
    return used


def _scan(source, filename: str, result: ValidationResult) -> None:
    """Add clamd's verdict to the result when it refuses the package."""
    try:
        if isinstance(source, str | os.PathLike):
            with open(source, "rb") as file:
                scan_file(file, name=filename)
        else:
            scan_file(source, name=filename)
    except ValidationError as exc:
        result.errors.append(Problem(exc.code, filename, exc.messages[0]))
        result.ok = False


def package_import(
    *,
    source,
    filename: str,
    title: str = "",
    school=None,
    uploaded_by=None,
    storage: Storage | None = None,
    package_uuid=None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Validate and store a package; raise PackageRejected (nothing written) when invalid.

    `source` is a path or a seekable binary file object. The upload page's worker task and
    `manage.py import_h5p` both import through here. `package_uuid` names the package (a task
    run again after its worker was killed passes the same one, and what the killed run wrote
    is replaced); `progress(step, done, total)` hears each step (CHECKING … SAVING).
    """
    storage = storage or default_storage
    report = progress or (lambda step, done, total: None)
    result = validator().validate(
        source,
        filename,
        installed_libraries(),
        progress=lambda done, total: report(CHECKING, done, total),
    )
    if result.ok:
        if scan_enabled():
            report(SCANNING, 0, 0)
        _scan(source, filename, result)  # only once the archive is known to unpack safely
    if not result.ok:
        raise PackageRejected(result)

    package = H5PPackage(
        title=(title or result.h5p_json.get("title") or filename)[:255],
        main_library=result.main_library or "",
        school=school,
        uploaded_by=uploaded_by,
        h5p_json=result.h5p_json,
    )
    if package_uuid is not None:
        package.uuid = package_uuid
    package.folder = package_folder(package.uuid)
    to_write = _libraries_to_write(result)
    limit = settings.H5P_MAX_FILE_SIZE_MB * MB
    if hasattr(source, "seek"):
        source.seek(0)
    written_folders = [package.folder]
    # Installed libraries this import brings a newer patch of: their files are set aside until
    # the import commits, and put back if it fails, so the packages using them still play.
    upgraded = set(H5PLibrary.objects.filter(folder__in=to_write).values_list("folder", flat=True))
    aside = set_aside_folder(package.uuid)
    copies = [
        (name, target)
        for name in result.files
        if (target := _target(name, package.folder, to_write)) is not None
    ]
    try:
        if package_uuid is not None:
            delete_tree(storage, package.folder)  # what a killed run of this import left
        with zipfile.ZipFile(source) as zf:
            for done, (name, target) in enumerate(copies):
                report(EXTRACTING, done, len(copies))
                top = name.split("/", 1)[0]
                if top in to_write and library_folder(top) not in written_folders:
                    if top in upgraded:
                        _set_aside(storage, top, f"{aside}/{top}")
                    # A newer patch: the old files go, so none of them lingers.
                    delete_tree(storage, library_folder(top))
                    written_folders.append(library_folder(top))
                _copy_member(zf, zf.getinfo(name), target, storage, limit)
        report(SAVING, 0, 1)
        with transaction.atomic():
            for folder, info in to_write.items():
                H5PLibrary.objects.update_or_create(
                    folder=folder,
                    defaults={
                        "machine_name": info.machine_name,
                        "major": info.major,
                        "minor": info.minor,
                        "patch": info.patch,
                        "title": info.title[:255],
                        "data": info.data,
                    },
                )
            package.save()
            package.libraries.set(_used_libraries(result.h5p_json, set(result.libraries)))
    except BaseException:
        # Leave nothing behind: the package's folder and the libraries this import wrote, with
        # the older patch of an upgraded library back in place (its row still names it).
        for folder in written_folders:
            delete_tree(storage, folder)
        for folder in upgraded:
            copy_tree(storage, f"{aside}/{folder}", library_folder(folder))
        if upgraded:
            delete_tree(storage, aside)
        new_folders = [f.rsplit("/", 1)[-1] for f in written_folders[1:]]
        H5PLibrary.objects.filter(
            folder__in=[f for f in new_folders if f not in upgraded], packages__isnull=True
        ).delete()
        raise
    if upgraded:
        delete_tree(storage, aside)
    return ImportOutcome(package, result, sorted(to_write))


@transaction.atomic
def package_delete(*, package: H5PPackage, storage: Storage | None = None) -> list[str]:
    """Delete a package with its content and the libraries no other package uses.

    Returns the folders of the libraries removed."""
    storage = storage or default_storage
    orphans = [
        library
        for library in package.libraries.all()
        if not library.packages.exclude(pk=package.pk).exists()
    ]
    folder = package.folder
    package.delete()
    removed = []
    for library in orphans:
        removed.append(library.folder)
        library.delete()
    # The rows are gone first: a file deletion that fails leaves unreachable files, never a
    # package whose files are missing.
    delete_tree(storage, folder)
    for name in removed:
        delete_tree(storage, library_folder(name))
    return removed


def libraries_version(package: H5PPackage) -> str:
    """A token that changes whenever one of the package's libraries changes patch.

    It is part of the library URLs, so they can be cached as immutable. Kept in the cache until
    a library or a package's set of libraries changes (libraries_changed)."""
    key = f"h5p:libraries-version:{cache_version('h5p-libraries')}:{package.pk}"
    token = cache.get(key)
    if token is None:
        versions = sorted(
            f"{folder}.{patch}"
            for folder, patch in package.libraries.values_list("folder", "patch")
        )
        token = hashlib.sha256("|".join(versions).encode()).hexdigest()[:12]
        cache.set(key, token, LIBRARIES_VERSION_SECONDS)
    return token


def libraries_changed(**kwargs) -> None:
    """A library was written or removed, or a package's libraries were set (courses.signals)."""
    cache_version_bump("h5p-libraries")
