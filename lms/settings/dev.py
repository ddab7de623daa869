"""Laptop settings: SQLite, in-memory channel layer, console email, DEBUG on."""

import os
import warnings

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
