"""Checks on every request that no single view should have to repeat."""

from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _


class NulInQueryStringMiddleware:
    """A NUL in a query parameter reaches the database as is: SQLite's full-text search fails
    on it and PostgreSQL refuses any text holding it, so the view would answer 500. No address
    of the site needs one: answer 400 before any view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in "".join([key, *values]) for key, values in request.GET.lists()):
            return HttpResponseBadRequest(
                _("The address contains a character that is not allowed."),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
