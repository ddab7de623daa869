"""Test settings. DATABASE_URL and REDIS_URL, when set, switch to PostgreSQL and Redis."""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "test-only-insecure-key-0123456789abcdef0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from .base import *  # noqa: E402,F403

DEBUG = False
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "accounts.hashers.InitialPasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
WHITENOISE_USE_FINDERS = True
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
MEDIA_ROOT = BASE_DIR / "tmp" / "test-media"  # noqa: F405
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "lms.search"}}

# WhiteNoise serves from the finders here; it need not warn that collectstatic has not run.
warnings.filterwarnings("ignore", message="No directory at")

# Tasks run where they are enqueued, so most tests see their effects at once; the tests about
# background work switch to the database backend and run a real worker (jobs.testing).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Most tests sign staff in with force_login and no authenticator; the MFA tests turn the
# production list on with the `settings` fixture (tests/accounts/test_mfa_required.py).
MFA_REQUIRED_ROLES = []
# presence.leave at once, as the room's tests expect; tests/classrooms/live/test_presence_grace.py
# sets a grace of its own.
LIVE_PRESENCE_GRACE_SECONDS = 0

# No second "progress" connection in tests: pytest-django isolates each test on one connection
# per alias, so progress is written on the test's own connection (classrooms.roster.jobs).
DATABASES.pop("progress", None)  # noqa: F405
