"""Responses that belong to no app: the error pages, the CSRF failure page, the API's error
messages and /favicon.ico.

Every error speaks the request's language (LocaleMiddleware: the language cookie, then
Accept-Language, then Vietnamese) and, on the site, wears the site's layout. Under /api/ the
same errors are JSON ({"detail": …}), as the API's own are.
"""

import logging

from django.conf import settings
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def _is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


def _api_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def bad_request(request, exception=None):
    if _is_api(request):
        return _api_error(_("Malformed request."), 400)
    # Without the request, as Django does: a 400 may be a forged Host header, which the
    # context processors would trip over again.
    return render(None, "400.html", status=400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return _api_error(_("You do not have permission to perform this action."), 403)
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if _is_api(request):
        return _api_error(_("Not found."), 404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return _api_error(_("A server error occurred."), 500)
    try:
        # No request context: the database may be what failed, and the layout must not ask it
        # who is signed in.
        html = loader.render_to_string("500.html")
    except Exception:  # the layout itself is broken: a plain page rather than none
        logger.exception("the 500 page could not be rendered")
        html = "<h1>500</h1>"
    return HttpResponseServerError(html)


def csrf_failure(request, reason=""):
    """A form sent without (or with a stale) CSRF token: usually a page left open across a
    sign-in or a sign-out. Django's own page is English and bare."""
    return render(request, "403_csrf.html", {"debug_reason": reason}, status=403)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; it lives with the static files."""
    return HttpResponseRedirect(static("favicon.ico"), status=301)


def _untranslated(message: str) -> bool:
    # Our messages and DRF's are English msgids: one the catalogue does not know comes back
    # unchanged, all ASCII. Vietnamese text never is.
    return (
        not (get_language() or settings.LANGUAGE_CODE).startswith("en")
        and message.isascii()
        and _(message) == message
    )


def api_exception_handler(exc, context):
    """DRF's handler, with the message translated. DRF's own Vietnamese catalogue has about 20
    entries, and a permission's `message` is a literal: both go through the catalogues (DRF's
    messages are in locale_vendor/), and a message they do not know becomes the error's general
    message in the request's language rather than English."""
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = response.data.get("detail") if isinstance(response.data, dict) else None
    if isinstance(detail, str):
        message = str(detail)
        if _untranslated(message):
            message = str(exc.default_detail)
        response.data["detail"] = _(message)
    return response
