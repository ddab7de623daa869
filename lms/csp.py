"""The site's Content-Security-Policy: django-csp, with the policy in
settings.CONTENT_SECURITY_POLICY (lms/settings/base.py says why each directive is there)."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost


class SiteCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, plus this host's websocket origin in connect-src: browsers that
    implement only CSP level 2 (Safari before 15.4) do not count ws:/wss: as 'self'."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts
        scheme = "wss" if request.is_secure() else "ws"
        parts.update = {**(parts.update or {}), "connect-src": [f"{scheme}://{host}"]}
        return parts
