"""H5P over HTTP: package and library files, xAPI, resume state, results and gradebooks.

Thin views: reads go through courses.h5p.selectors, writes through courses.h5p.results."""

import json
import math
import mimetypes

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.exports import xlsx_response
from lms.text import unstorable_text_in

from ..models import H5PLibrary
from ..selectors import assignment_get
from . import results as services
from . import selectors
from .l10n import content_localise
from .player import status_text
from .storage import LIBRARIES

# Files served here are data for the player (scripts, styles, JSON, media), never pages of
# their own. If one is opened directly (an SVG, say), it runs no script and loads nothing from
# elsewhere: `sandbox` gives it an opaque origin, away from the site's cookies and pages.
FILE_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'self' "
    "'unsafe-inline'; font-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'none'; sandbox"
)
# Library folders are versioned in the URL (storage.libraries_version), so they never change.
LIBRARY_CACHE = "private, max-age=31536000, immutable"
# Content stays short-lived: access can be withdrawn when a lesson is unassigned.
CONTENT_CACHE = "private, max-age=300"
CONTENT_JSON = "content/content.json"
JSON_TYPE = "application/json; charset=utf-8"
EXTRA_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".otf": "font/otf", ".vtt": "text/vtt"}


def _safe_path(path: str) -> bool:
    parts = path.split("/")
    return (
        bool(path)
        and "\\" not in path
        and "\x00" not in path
        and not path.startswith("/")
        and all(part not in ("", ".", "..") for part in parts)
    )


def _serve(name: str, cache_control: str) -> FileResponse:
    try:
        handle = default_storage.open(name, "rb")
    except OSError as exc:  # missing file, or a folder
        raise Http404 from exc
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = EXTRA_TYPES.get(extension) or mimetypes.guess_type(name)[0]
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    return _file_headers(response, cache_control)


def _file_headers(response, cache_control: str):
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = cache_control
    return response


def package_file(request, uuid, path):
    """h5p.json and content/… of a package the user may play; 404 otherwise."""
    if not _safe_path(path) or not (path == "h5p.json" or path.startswith("content/")):
        raise Http404
    package = selectors.package_playable_get(user=request.user, uuid=uuid)
    if path == CONTENT_JSON:
        return _content_json(package)
    return _serve(f"{package.folder}/{path}", CONTENT_CACHE)


def _content_json(package) -> HttpResponse:
    """content.json with the library's English default texts in the reader's language."""
    try:
        with default_storage.open(f"{package.folder}/{CONTENT_JSON}", "rb") as handle:
            content = json.loads(handle.read().decode("utf-8"))
    except OSError as exc:
        raise Http404 from exc
    except (ValueError, UnicodeDecodeError):
        return _serve(f"{package.folder}/{CONTENT_JSON}", CONTENT_CACHE)
    content = content_localise(
        content,
        main_folder=package.main_library,
        libraries=selectors.package_library_versions(package),
        language=get_language(),
    )
    response = HttpResponse(json.dumps(content, ensure_ascii=False), content_type=JSON_TYPE)
    _file_headers(response, CONTENT_CACHE)
    patch_vary_headers(response, ["Accept-Language", "Cookie"])
    return response


def library_file(request, version, folder, path):
    """A shared library's file. Libraries hold code, not anyone's content, so any signed-in
    user may load them; `version` only makes the URL change when a library is upgraded."""
    if not request.user.is_authenticated or not _safe_path(path):
        raise Http404
    library = get_object_or_404(H5PLibrary, folder=folder)
    return _serve(f"{LIBRARIES}/{library.folder}/{path}", LIBRARY_CACHE)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400
        raise ValueError(f"{text} is not a finite number")
    return number


def _json_body(request, limit: int):
    if int(request.META.get("CONTENT_LENGTH") or 0) > limit or len(request.body) > limit:
        return None, JsonResponse({"error": _("The request is too large.")}, status=413)
    try:
        # Python's json accepts NaN and Infinity, which JSON (and the database's JSON) does not.
        body = request.body.decode("utf-8")
        data = json.loads(body, parse_constant=_not_json, parse_float=_finite)
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    else:
        if not unstorable_text_in(data):  # "\u0000", "\ud800": PostgreSQL's JSON refuses them
            return data, None
    return None, JsonResponse({"error": _("The request is not valid JSON.")}, status=400)


def _result_json(result, requirement) -> dict:
    if result is None:
        return {"recorded": False}
    return {
        "recorded": True,
        "score": result.score,
        "max_score": result.max_score,
        "best_score": result.best_score,
        "attempts": result.attempts,
        "completed": result.completed,
        "done": requirement.met_by(result),
        "status": status_text(result, requirement),
    }


@require_POST
def xapi(request, uuid, lesson_pk):
    """A statement from the player in a lesson: stored, and the student's result updated."""
    package = selectors.package_playable_get(user=request.user, uuid=uuid)
    lesson = selectors.lesson_with_package_get(
        user=request.user, package=package, lesson_pk=lesson_pk
    )
    statement, error = _json_body(request, settings.H5P_XAPI_MAX_BYTES)
    if error:
        return error
    # The phone gives each statement an id (static/js/offline/offline.js): a copy sent again
    # by the offline sync is recognised and not counted twice.
    statement_id = statement.get("id") if isinstance(statement, dict) else None
    try:
        result = services.xapi_record(
            user=request.user,
            package=package,
            lesson=lesson,
            statement=statement,
            statement_id=statement_id[:64] if isinstance(statement_id, str) else "",
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    except IntegrityError:
        return JsonResponse({"recorded": False, "duplicate": True})
    requirement = selectors.requirement_for(lesson=lesson, package=package)
    return JsonResponse(_result_json(result, requirement))


@require_http_methods(["GET", "POST"])
def user_data(request, uuid, data_type, sub_content_id):
    """Resume state (H5P contentUserData) of the signed-in user, in H5P core's own protocol:
    GET answers {"success", "data"}; POST sends form fields `data` ("0" forgets), `preload`,
    `invalidate`. The player's iframe sends the CSRF token (static/js/h5p-frame.js)."""
    package = selectors.package_playable_get(user=request.user, uuid=uuid)
    key = {"user": request.user, "package": package, "data_type": data_type}
    if request.method == "GET":
        data = services.user_data_get(**key, sub_content_id=sub_content_id)
        return JsonResponse({"success": True, "data": data if data is not None else False})
    cap = settings.H5P_USER_DATA_MAX_BYTES
    if int(request.META.get("CONTENT_LENGTH") or 0) > cap * 3 + 1024:  # url-encoded JSON
        return JsonResponse(
            {"success": False, "message": _("The saved state is too large.")}, status=413
        )
    data = request.POST.get("data")
    try:
        services.user_data_set(
            **key, sub_content_id=sub_content_id, data=None if data in (None, "0") else data
        )
    except ValidationError as exc:
        status = 413 if data and len(data.encode()) > cap else 400
        return JsonResponse({"success": False, "message": " ".join(exc.messages)}, status=status)
    return JsonResponse({"success": True})


# --- Results ---------------------------------------------------------------------------------


@login_required
def my_results(request):
    return render(
        request, "courses/h5p/my_results.html", {"results": selectors.my_results(user=request.user)}
    )


def _score_text(cell) -> str:
    if cell is None or cell.max_score is None:
        return ""
    return f"{cell.score:g}/{cell.max_score:g}"


def _grid_rows(columns, rows):
    """Rows for the XLSX: name, username, then for each activity last, best, attempts."""
    for row in rows:
        values = [row.student.display_name, row.student.username]
        for cell in row.cells:
            values += [
                _score_text(cell),
                cell.best_score if cell else None,
                cell.attempts if cell else 0,
                _("Yes") if cell and cell.completed else "",
            ]
        yield values


def _grid_headers(columns):
    headers = [_("Student"), _("Username")]
    for column in columns:
        name = column.package.title
        headers += [
            f"{name}: {_('score')}",
            f"{name}: {_('best')}",
            f"{name}: {_('attempts')}",
            f"{name}: {_('completed')}",
        ]
    return headers


@login_required
def assignment_results(request, pk):
    assignment = assignment_get(user=request.user, pk=pk)
    columns, rows = selectors.assignment_results(assignment)
    return render(
        request,
        "courses/h5p/grid.html",
        {
            "title": f"{assignment.lesson.title} · {assignment.classroom.name}",
            "assignment": assignment,
            "classroom": assignment.classroom,
            "columns": columns,
            "rows": rows,
            "export_url_name": "courses:h5p_assignment_results_export",
            "export_pk": assignment.pk,
        },
    )


@login_required
def assignment_results_export(request, pk):
    assignment = assignment_get(user=request.user, pk=pk)
    columns, rows = selectors.assignment_results(assignment)
    return xlsx_response(
        f"h5p-bai-{assignment.pk}-{assignment.classroom.name}.xlsx",
        assignment.classroom.name,
        _grid_headers(columns),
        _grid_rows(columns, rows),
    )


@login_required
def gradebook(request, pk):
    classroom = selectors.gradebook_classroom_get(user=request.user, pk=pk)
    columns, rows = selectors.gradebook(classroom)
    return render(
        request,
        "courses/h5p/grid.html",
        {
            "title": _("Gradebook of %(classroom)s") % {"classroom": classroom.name},
            "classroom": classroom,
            "columns": columns,
            "rows": rows,
            "show_lesson": True,
            "export_url_name": "courses:h5p_gradebook_export",
            "export_pk": classroom.pk,
        },
    )


@login_required
def gradebook_export(request, pk):
    classroom = selectors.gradebook_classroom_get(user=request.user, pk=pk)
    columns, rows = selectors.gradebook(classroom)
    return xlsx_response(
        f"so-diem-h5p-{classroom.name}.xlsx",
        classroom.name,
        _grid_headers(columns),
        _grid_rows(columns, rows),
    )
