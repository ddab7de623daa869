"""The project's URLs plus views that fail on purpose, for tests/lms/test_errors.py."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from lms.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


def forbidden(request):
    raise PermissionDenied


def suspicious(request):
    raise SuspiciousOperation("a forged request")


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [
    path("test-errors/403/", forbidden),
    path("test-errors/400/", suspicious),
    path("test-errors/500/", broken),
    path("api/test-errors/500/", broken),
    *urlpatterns,
]
