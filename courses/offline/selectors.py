"""What a student can save for offline use, and what each saved lesson holds (its bundle).

A bundle lists every URL the phone must keep for the lesson to open, typeset its formulas and
play its activities without a network, each with its size, so the student sees the cost before
downloading (docs/offline.md)."""

import datetime
import functools
import os
import posixpath
from dataclasses import dataclass, field

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from classrooms.closures.selectors import closures_coming

from ..h5p.selectors import package_ids_in
from ..h5p.storage import LIBRARIES, libraries_version
from ..models import H5PPackage, LessonPage
from ..selectors import LessonStatus, StudentLesson, lesson_get, student_lessons

__all__ = ["closure_offer", "lesson_bundle", "lesson_get", "lessons_to_save"]

# "Closed now or soon": a closure starting within this many days is offered already (storms and
# floods are announced a few days ahead).
CLOSURE_AHEAD_DAYS = 7

# Image renditions kept for a phone: the lesson template's 360 and 720 px widths (1080 px is
# for tablets; the service worker answers a missing width with a kept one).
PHONE_WIDTHS = (360, 720)
# Every page of the site, and the offline layer itself.
SITE_STATIC = ("css/site.css", "js/offline/store.js", "js/offline/offline.js", "js/lesson.js")
KATEX_FILES = ("katex.min.css", "katex.min.js", "contrib/auto-render.min.js")
H5P_SCRIPTS = ("js/h5p-block.js", "js/h5p-frame.js")
# h5p-standalone's dist: the player, its styles, and the fonts a player asks for (regular and
# semibold; italics and extra-bold fall back to the phone's own font offline).
H5P_DIST_SKIP = (".txt", ".d.ts", ".map", ".woff")
H5P_FONT_WEIGHTS = ("regular", "-600.", "h5p-core", "h5p-theme")
EDITOR_FILES = {"semantics.json", "upgrades.js", "presave.js", "icon.svg", "LICENSE", "README.md"}
SKIPPED_FORMATS = {"eot", "otf", "txt", "md", "map"}


@dataclass
class BundleFile:
    url: str
    bytes: int
    source: str = ""  # where to download it from, when not from `url` itself


@dataclass
class Bundle:
    lesson: LessonPage
    files: list[BundleFile] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(f.bytes for f in self.files)

    def as_json(self) -> dict:
        return {
            "lesson": self.lesson.pk,
            "title": self.lesson.title,
            "url": self.lesson.url,
            "bytes": self.bytes,
            "files": [
                {"url": f.url, "bytes": f.bytes, **({"source": f.source} if f.source else {})}
                for f in self.files
            ],
        }


@functools.cache
def _static_files(prefix: str) -> tuple[tuple[str, int], ...]:
    """(path, size) of the static files under a prefix, from the finders (node_modules too)."""
    found = {}
    for finder in finders.get_finders():
        for path, storage in finder.list([]):
            prefixed = getattr(storage, "prefix", None)
            full = posixpath.join(prefixed, path) if prefixed else path
            if full.startswith(prefix) and full not in found:
                found[full] = storage.size(path)
    return tuple(sorted(found.items()))


def _static_file(path: str) -> BundleFile:
    located = finders.find(path)
    return BundleFile(static(path), os.path.getsize(located) if located else 0)


def _h5p_dist() -> list[BundleFile]:
    files = []
    for path, size in _static_files("vendor/h5p/"):
        name = path.rsplit("/", 1)[-1]
        if path.endswith(H5P_DIST_SKIP) or "LICENSE" in name:
            continue
        if name.endswith(".woff2") and not any(w in name for w in H5P_FONT_WEIGHTS):
            continue
        files.append(BundleFile(static(path), size))
    return files


def _storage_files(folder: str) -> list[tuple[str, int]]:
    """(path below folder, size) of every file in a storage folder, recursively."""
    out = []
    dirs, names = default_storage.listdir(folder)
    for name in names:
        out.append((name, default_storage.size(f"{folder}/{name}")))
    for sub in dirs:
        out += [(f"{sub}/{path}", size) for path, size in _storage_files(f"{folder}/{sub}")]
    return out


def _package_files(package: H5PPackage) -> list[BundleFile]:
    files = [
        BundleFile(
            reverse("courses:h5p_file", args=[package.uuid, "h5p.json"]),
            default_storage.size(f"{package.folder}/h5p.json"),
        )
    ]
    for path, size in _storage_files(f"{package.folder}/content"):
        url = reverse("courses:h5p_file", args=[package.uuid, f"content/{path}"])
        files.append(BundleFile(url, size))
    version = libraries_version(package)
    for library in package.libraries.all():
        stored = _storage_files(f"{LIBRARIES}/{library.folder}")
        names = {path for path, _size in stored}
        for path, size in stored:
            if _played(path, names):
                url = reverse("courses:h5p_library", args=[version, library.folder, path])
                files.append(BundleFile(url, size))
    return files


def _played(path: str, names: set[str]) -> bool:
    """Whether the player may load this library file. Not the editor's files (semantics,
    translations of the editor, upgrades), nor font formats a phone never asks for."""
    name = path.rsplit("/", 1)[-1]
    stem, _dot, extension = name.rpartition(".")
    if path.startswith("language/") or name in EDITOR_FILES or extension in SKIPPED_FORMATS:
        return False
    folder = path[: -len(name)]
    if extension == "svg" and {f"{folder}{stem}.woff", f"{folder}{stem}.woff2"} & names:
        return False  # an SVG font beside its woff
    # A browser takes the first format it knows in the @font-face: with a woff2 beside them,
    # that is the woff2; without one, some libraries list ttf before woff, so both are kept.
    return not (extension in ("woff", "ttf") and f"{folder}{stem}.woff2" in names)


def _image_files(lesson: LessonPage) -> list[BundleFile]:
    files = []
    for block in lesson.body:
        if block.block_type != "image" or not block.value.get("image"):
            continue
        image = block.value["image"]
        for width in PHONE_WIDTHS:
            rendition = image.get_rendition(f"width-{width}")
            files.append(BundleFile(rendition.url, rendition.file.size))
    return files


def lesson_bundle(*, lesson: LessonPage, page_bytes: int = 0) -> Bundle:
    """What saving one lesson (read through lesson_get, scoped to the user) stores on the
    phone. `page_bytes` is the rendered page's size, which only the view can measure."""
    lesson = lesson.specific
    bundle = Bundle(lesson)
    copy = reverse("courses:offline_lesson_page", args=[lesson.pk])
    bundle.files.append(BundleFile(lesson.url, page_bytes, source=copy))
    bundle.files += [_static_file(path) for path in SITE_STATIC]
    if lesson.needs_math:
        bundle.files += [_static_file(f"vendor/katex/{path}") for path in KATEX_FILES]
        bundle.files += [
            BundleFile(static(path), size)
            for path, size in _static_files("vendor/katex/fonts/")
            if path.endswith(".woff2")
        ]
    bundle.files += _image_files(lesson)
    if lesson.needs_h5p:
        bundle.files += [_static_file(path) for path in H5P_SCRIPTS]
        bundle.files += _h5p_dist()
        for package in H5PPackage.objects.filter(pk__in=package_ids_in(lesson)):
            bundle.files += _package_files(package)
    seen, unique = set(), []
    for item in bundle.files:
        if item.url not in seen:
            seen.add(item.url)
            unique.append(item)
    bundle.files = unique
    return bundle


def lessons_to_save(*, user: User) -> list[LessonPage]:
    """A student's assigned lessons not completed yet: what "save all" downloads."""
    return [
        row.lesson for row in student_lessons(user=user) if row.status != LessonStatus.COMPLETED
    ]


@dataclass
class ClosureOffer:
    """What the start page offers a student before or during their class's closure."""

    closures: list[dict]  # closures_coming: {"closure", "classrooms", "names"}
    rows: list[StudentLesson]

    @property
    def lessons(self) -> list[LessonPage]:
        return [row.lesson for row in self.rows]


def _day(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _for_closure_days(row: StudentLesson, closures: list[dict]) -> bool:
    """An assignment of a closed class is for the closure's days when it is due on one of them
    (school time), or, having no due date, became available on one of them."""
    assignment = row.assignment
    day = _day(assignment.due_at) or _day(assignment.available_from)
    if day is None:
        return False
    return any(
        item["closure"].starts_on <= day <= item["closure"].ends_on
        and assignment.classroom_id in {c.pk for c in item["classrooms"]}
        for item in closures
    )


def closure_offer(*, user: User, lessons: list[StudentLesson] | None = None) -> ClosureOffer | None:
    """The lessons assigned for the days of the closures of the student's classes, in force or
    starting soon, that the student can open now and has not completed; None when no closure
    applies (and for every role but student). `lessons`: student_lessons(user=user), when the
    caller has them already."""
    closures = closures_coming(user=user, within_days=CLOSURE_AHEAD_DAYS)
    if not closures:
        return None
    if lessons is None:
        lessons = student_lessons(user=user)
    rows = [
        row
        for row in lessons
        if row.status != LessonStatus.COMPLETED and _for_closure_days(row, closures)
    ]
    return ClosureOffer(closures=closures, rows=rows)
