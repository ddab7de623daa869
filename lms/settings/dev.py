"""Laptop settings: SQLite, in-memory channel layer, console email, DEBUG on."""

import os
import warnings
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "dev-only-insecure-key-change-me-0123456789abcdef")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from .base import *  # noqa: E402,F403

# Serve static files straight from the app folders: no collectstatic needed on a laptop.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# WhiteNoise serves from the finders here; it need not warn that collectstatic has not run.
warnings.filterwarnings("ignore", message="No directory at")

# The demo logins (README) open straight away; production requires TOTP for staff roles.
MFA_REQUIRED_ROLES = []

# `make run` is three processes (web, worker, scheduler): without Redis they share a cache on
# disk, so what a worker changes (a school's pages made by a roster import, an H5P library
# upgraded by an import) is seen by the web process at once rather than when its own
# in-memory copy expires. One folder per database, next to it, so that two demos never share.
if "REDIS_URL" not in os.environ and DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    _database = Path(DATABASES["default"]["NAME"])  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(_database.parent / f".cache-{_database.name}"),
        }
    }
