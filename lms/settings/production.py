"""Production: everything from the environment, HTTPS only.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. Optional: REDIS_URL (strongly advised with
several Daphne workers), CSRF_TRUSTED_ORIGINS, EMAIL_URL. See docs/deployment.md.
"""

from .base import *  # noqa: F403
from .base import env

DEBUG = False

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# Justified in docs/deployment.md ("check --deploy"):
# - W019: X-Frame-Options stays SAMEORIGIN, because Wagtail's preview and the H5P player embed
#   our own pages in same-origin iframes. Other origins still cannot frame the site.
# - W021: HSTS preload is a one-way commitment for the whole domain; the operator opts in with
#   SECURE_HSTS_PRELOAD=true once every subdomain serves HTTPS.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
