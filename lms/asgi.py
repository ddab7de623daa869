"""ASGI entry point: HTTP through Django, websockets through Channels.

The Django application is built before the routing import, so that models are ready when the
consumers are imported.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
django_asgi_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.urls import reverse  # noqa: E402

# One cache handle per process, made here, before the server runs. Django keeps cache handles
# per async context (asgiref's Local), and every websocket and every request runs in a context
# of its own: a handle first used inside one stays with it, so each socket opened its own Redis
# client and connection pool (a thousand sockets, a thousand Redis connections, and their
# objects for the garbage collector to walk on every full collection). A handle made in the
# root context is the one every connection's context inherits, and so is shared. Only for the
# backends that are safe to share between threads (redis-py's pool gives each call its own
# connection); memcached clients are closed at the end of each request, so they stay per
# context.
SHARED_CACHE_BACKENDS = {
    "django.core.cache.backends.redis.RedisCache",
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.db.DatabaseCache",
    "django.core.cache.backends.dummy.DummyCache",
}
for alias, options in settings.CACHES.items():
    if options["BACKEND"] in SHARED_CACHE_BACKENDS:
        caches[alias]

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from lms.routing import websocket_urlpatterns  # noqa: E402
from lms.runtime import freeze_startup  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)


def _load_urls():
    # Imports every URLconf and view and fills the URL resolver's indexes.
    reverse("account_login")


freeze_startup(_load_urls)
