"""The installable app and offline sync over HTTP: manifest, service worker (/sw.js, scope
"/"), lesson bundles, the sync endpoint and the page shown offline when nothing is saved.

Thin views: reads through courses.offline.selectors, writes through courses.offline.services."""

import json

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role

from . import selectors, services

THEME_COLOR = "#0b5cad"  # --brand in static/css/site.css
SYNC_MAX_BYTES = 96 * 1024  # one statement (H5P_XAPI_MAX_BYTES) or one saved state, and more
SHELL_STATIC = ("css/site.css", "js/offline/store.js", "js/offline/offline.js", "pwa/icon-192.png")
SW_SCRIPTS = ("vendor/workbox/workbox-sw.js", "js/offline/store.js", "js/offline/sw.js")
START_URL = "/"  # the installed app opens here: the signed-in person's start page


def _signed_in_json(request):
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Please sign in again.")}, status=401)
    return None


@require_GET
def manifest(request):
    data = {
        "name": "HọcTiếp",
        "short_name": "HọcTiếp",
        "description": _("Keep learning when schools close."),
        "lang": "vi",
        "start_url": START_URL,
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": "#ffffff",
        "icons": [
            {"src": static(f"pwa/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
            for size in (192, 512)
        ]
        + [
            {
                "src": static("pwa/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
def service_worker(request):
    """/sw.js: served from the root so its scope is the whole site. Its settings, then Workbox
    (from node_modules, never a CDN) and our worker (static/js/offline/sw.js)."""
    config = {
        "workboxPrefix": static("vendor/workbox/workbox-sw.js").rsplit("/", 1)[0],
        "syncUrl": reverse("courses:offline_sync"),
        "offlineUrl": reverse("courses:offline_page"),
        "startUrl": START_URL,
        "staticUrl": static(""),
        # Not personal: what the start page needs to look right offline.
        "shell": [static(path) for path in SHELL_STATIC],
    }
    scripts = ", ".join(json.dumps(static(path)) for path in SW_SCRIPTS)
    body = f"self.HOCTIEP_SW = {json.dumps(config)};\nimportScripts({scripts});\n"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # The browser checks for a new worker at least daily; never from a shared cache.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def offline_page(request):
    """What the app shows offline for a page that was not saved. Nothing personal in it."""
    response = render(request, "includes/offline_page.html")
    response["Cache-Control"] = "no-cache"
    return response


def _page_copy(request, lesson) -> TemplateResponse:
    # Rendered like LessonPage.serve, without recording an open: saving is not reading.
    request.is_preview = getattr(request, "is_preview", False)
    response = TemplateResponse(request, lesson.get_template(request), lesson.get_context(request))
    response["Cache-Control"] = "private, no-store"
    return response.render()


# How long a lesson page's size, as shown before saving, is reused for other readers.
PAGE_BYTES_SECONDS = 24 * 3600


def _page_bytes(request, lesson) -> int:
    """The saved page's size, shown before the download: the page is rendered once per
    revision and language and the figure reused for every reader (a whole class opens the
    closure offer at once; one reader's page differs from another's by a few bytes only)."""
    key = f"offline:page-bytes:{lesson.pk}:{lesson.live_revision_id}:{get_language()}"
    size = cache.get(key)
    if size is None:
        size = len(_page_copy(request, lesson).content)
        cache.set(key, size, PAGE_BYTES_SECONDS)
    return size


@require_GET
def lesson_page_copy(request, pk):
    """The lesson page as the phone saves it (stored under the lesson's own address)."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": _("Please sign in again.")}, status=401)
    return _page_copy(request, selectors.lesson_get(user=request.user, pk=pk).specific)


@require_GET
def lesson_bundle(request, pk):
    """What saving one lesson stores on the phone: URLs and sizes (404 outside scope)."""
    error = _signed_in_json(request)
    if error:
        return error
    lesson = selectors.lesson_get(user=request.user, pk=pk).specific
    bundle = selectors.lesson_bundle(lesson=lesson, page_bytes=_page_bytes(request, lesson))
    return JsonResponse(bundle.as_json(), headers={"Cache-Control": "private, no-store"})


def _bundles_response(request, lessons) -> JsonResponse:
    """Several lessons' bundles; "bytes" counts a file shared by two lessons once."""
    bundles = [
        selectors.lesson_bundle(lesson=lesson.specific, page_bytes=_page_bytes(request, lesson))
        for lesson in lessons
    ]
    sizes = {f.url: f.bytes for bundle in bundles for f in bundle.files}
    return JsonResponse(
        {"bytes": sum(sizes.values()), "lessons": [bundle.as_json() for bundle in bundles]},
        headers={"Cache-Control": "private, no-store"},
    )


@require_GET
def assigned_bundles(request):
    """Every assigned lesson not completed yet, for "save all"."""
    error = _signed_in_json(request)
    if error:
        return error
    return _bundles_response(request, selectors.lessons_to_save(user=request.user))


@require_GET
def closure_bundles(request):
    """The lessons of the days of the student's class closures (the start page's offer); an
    empty list when no closure applies and for anyone but the student."""
    error = _signed_in_json(request)
    if error:
        return error
    offer = selectors.closure_offer(user=request.user)
    return _bundles_response(request, offer.lessons if offer else [])


@require_http_methods(["GET", "POST"])
def sync(request):
    """GET: who is signed in and a CSRF token (the service worker replays with them).
    POST: one item of offline work (courses.offline.services.sync_item)."""
    error = _signed_in_json(request)
    if error:
        return error
    headers = {"Cache-Control": "private, no-store"}
    if request.method == "GET":
        return JsonResponse({"user": request.user.pk, "csrf": get_token(request)}, headers=headers)
    if request.user.role != Role.STUDENT:
        return JsonResponse(
            {"refused": True, "error": _("Only students' work is saved from the phone.")},
            status=403,
            headers=headers,
        )
    if int(request.META.get("CONTENT_LENGTH") or 0) > SYNC_MAX_BYTES:
        return JsonResponse({"refused": True, "error": _("The request is too large.")}, status=413)
    try:
        item = json.loads(request.body.decode("utf-8"))
        status = services.sync_item(user=request.user, item=item)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return JsonResponse(
            {"refused": True, "error": _("The request is not valid JSON.")}, status=400
        )
    except ValidationError as exc:
        return JsonResponse({"refused": True, "error": " ".join(exc.messages)}, status=400)
    except services.SyncRefused as exc:
        return JsonResponse({"refused": True, "error": exc.reason}, status=exc.status)
    return JsonResponse({"id": item["id"], "status": status}, headers=headers)
