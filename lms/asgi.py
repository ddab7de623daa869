"""ASGI entry point: HTTP through Django, websockets through Channels.

The Django application is built before the routing import, so that models are ready when the
consumers are imported.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from lms.routing import (  # noqa: E402
    AccountGateMiddleware,
    auth_middleware_stack,
    websocket_urlpatterns,
)
from lms.runtime import (  # noqa: E402
    freeze_startup,
    quiet_websocket_debug,
    share_caches,
    tune_collector,
)

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            auth_middleware_stack(AccountGateMiddleware(URLRouter(websocket_urlpatterns)))
        ),
    }
)


def _load_urls():
    # Imports every URLconf and view and fills the URL resolver's indexes.
    reverse("account_login")


share_caches()
quiet_websocket_debug()
freeze_startup(_load_urls)
tune_collector(settings.GC_THRESHOLDS)
