"""Production: everything from the environment, HTTPS only.

Required: SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL. Optional: REDIS_URL (required with several
Daphne workers), CHANNEL_LAYER, AWS_STORAGE_BUCKET_NAME (media and H5P on S3), CSRF_TRUSTED_ORIGINS,
EMAIL_URL. docs/deployment.md describes every variable; .env.example lists them.
"""

from .base import *  # noqa: F403
from .base import REDIS_URL, STORAGES, env

DEBUG = False

DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)  # noqa: F405
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405

# Sessions: in the database, read through the Redis cache when there is one. A Redis restart
# or outage then logs nobody out and cannot refuse a student's websocket (lms.sessions falls
# back to the database when the cache fails), while most requests skip the session query.
SESSION_ENGINE = env(
    "SESSION_ENGINE",
    default="lms.sessions" if REDIS_URL else "django.contrib.sessions.backends.db",
)

# Media and H5P packages on S3-compatible object storage when a bucket is named; the local
# MEDIA_ROOT otherwise. Credentials may also come from boto3's own sources (instance role).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "access_key": env("AWS_ACCESS_KEY_ID", default=None),
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default=None),
            "location": env("AWS_LOCATION", default=""),
            # Private objects behind signed URLs: H5P content is served through the app, which
            # checks access; Wagtail images and documents get short-lived links.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            # Like the file system: a name in use gets a suffix instead of replacing a file.
            "file_overwrite": False,
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default=None),
        },
    }

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# /healthz is probed by the proxy over plain HTTP on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

# Structured logs: one JSON object per line on stdout (python-json-logger), for journald or any
# log shipper. LOG_FORMAT=text gives plain lines.
if env("LOG_FORMAT", default="json") == "json":
    LOGGING["formatters"] = {  # noqa: F405
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    }
    LOGGING["handlers"]["console"].update(  # noqa: F405
        {"formatter": "json", "stream": "ext://sys.stdout"}
    )

# Justified in docs/deployment.md ("check --deploy"):
# - W019: X-Frame-Options stays SAMEORIGIN, because Wagtail's preview and the H5P player embed
#   our own pages in same-origin iframes. Other origins still cannot frame the site.
# - W021: HSTS preload is a one-way commitment for the whole domain; the operator opts in with
#   SECURE_HSTS_PRELOAD=true once every subdomain serves HTTPS.
SILENCED_SYSTEM_CHECKS = ["security.W019"]
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS.append("security.W021")
