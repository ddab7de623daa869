"""Base settings: secure by default. Every secret and host comes from the environment.

dev.py and test.py relax these for a laptop; production.py tightens them further.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "lms",  # lms.collation: the Vietnamese collation on every SQLite connection
    # Our apps come first so that their templates override allauth's and Wagtail's.
    "accounts",
    "classrooms",
    "courses",
    "coverage",
    "home",
    "demo",
    "jobs",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.SiteCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lms.middleware.NulInQueryStringMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Signed-in pages: Cache-Control private, never in a shared cache (docs/offline.md).
    "courses.offline.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.ForcePasswordChangeMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
    # The request's Wagtail site from the cache (after CommonMiddleware checked the host).
    "home.sites.CachedSiteMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "lms.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "lms.wsgi.application"
ASGI_APPLICATION = "lms.asgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Daphne serves sync views from a thread pool, so two requests can write at once (an
    # editor's autosave while it publishes). Take the write lock when a transaction starts and
    # wait for it, instead of failing at once with "database is locked"; WAL lets readers go on.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The coverage dashboards aggregate up to a few hundred thousand rollup rows per view;
    # with PostgreSQL's default 4 MB the per-class hash aggregate spills to disk as a sort
    # (docs/benchmarks.md). Per connection, so the server's default stays as it is.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c work_mem={env('DATABASE_WORK_MEM', default='32MB')}"
    )
    # A second connection to the same database, for progress a long task reports while its own
    # transaction is still open (classrooms.roster.jobs). SQLite has one writer: no such alias.
    DATABASES["progress"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis switches on by the presence of its URL: channel layer and cache. CHANNEL_LAYER picks
# channels-redis's layer: "redis" (RedisChannelLayer, lists and sorted sets) or "pubsub"
# (RedisPubSubChannelLayer, Redis Pub/Sub); docs/deployment.md compares them, measured.
REDIS_URL = env("REDIS_URL", default="")
CHANNEL_LAYER = env("CHANNEL_LAYER", default="redis")
CHANNEL_LAYER_BACKENDS = {
    "redis": "lms.layers.RedisChannelLayer",  # channels-redis's, its Redis calls bounded
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
}
if CHANNEL_LAYER not in CHANNEL_LAYER_BACKENDS:
    raise ImproperlyConfigured(f"CHANNEL_LAYER must be redis or pubsub, not {CHANNEL_LAYER!r}")
# Capacity of RedisChannelLayer, sized on purpose (docs/deployment.md, "Channel layer
# capacity"). channels-redis keeps ONE queue per worker process for all its sockets, and a group
# message is one entry in it however many of the worker's sockets are in the group; a full queue
# drops group messages ("channels over capacity in group ..."), and the worker reads it one entry
# at a time (four Redis round trips each). The default, 100, is less than one class joining
# (a `presence.join` per member) and a few seconds of a worker's rooms at full voice: a loaded
# machine lost presence and chat (issue 17). 5,000 holds a whole worker reconnecting at once
# (~2,500 sockets, at most one `presence.join` each; fewer when they wait behind a send in
# flight, `classrooms.live.batching.RoomSends`) plus 10 s of chat at full voice in its ~60 rooms
# (2 messages/s each). An entry is about 3 KB (the payload and the names of the worker's
# sockets in the room): 15 MB of Redis for a worker that stops reading. It is also the bound of
# each socket's in-process buffer, which holds references to the same messages. Messages older
# than `expiry` (60 s, channels-redis's default) are dropped whatever the capacity: a room event
# a minute late is no longer worth showing.
CHANNEL_LAYER_CAPACITY = env.int("CHANNEL_LAYER_CAPACITY", default=5000)
# Sends and group changes one worker's RedisChannelLayer has in flight (lms.layers): about as
# many Redis connections; channels-redis alone opens one per call in flight, without bound.
CHANNEL_LAYER_POOL_SIZE = env.int("CHANNEL_LAYER_POOL_SIZE", default=64)
if REDIS_URL:
    layer_config = {"hosts": [REDIS_URL]}
    if CHANNEL_LAYER == "redis":  # Pub/Sub stores nothing, so it has no capacity to set
        layer_config.update(
            capacity=CHANNEL_LAYER_CAPACITY, expiry=60, pool_size=CHANNEL_LAYER_POOL_SIZE
        )
    CHANNEL_LAYERS = {
        "default": {"BACKEND": CHANNEL_LAYER_BACKENDS[CHANNEL_LAYER], "CONFIG": layer_config}
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "hoctiep",
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The garbage collector's thresholds in a server process (lms.runtime.tune_collector; Python's
# own are 700,10,10): how many objects more than were freed before its youngest generation is
# collected, then how many collections of each generation before the next one is. With
# Python's, a worker holding thousands of sockets ran a full collection (0.3–1.4 s in which no
# socket is served) each time its long-lived objects grew by a quarter: a dozen in a reconnect
# storm, one every 5–10 s under chat (docs/benchmarks.md, "Sixth round").
GC_THRESHOLDS = env.str("GC_THRESHOLDS", default="10000,10,10")

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "accounts.hashers.InitialPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
# One login for the whole site, allauth's: the Wagtail and Django admin login URLs only redirect
# to it (lms.admin_login), and Wagtail's own password reset is off.
WAGTAILADMIN_LOGIN_URL = "wagtailadmin_login"
WAGTAIL_PASSWORD_RESET_ENABLED = False
LOGIN_REDIRECT_URL = "/"

# allauth: login by username or email; signup is closed (see accounts.adapter).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS = {
    # Failed logins: at most 10 a minute from one address; per account *and* address 5 per
    # 5 minutes and 20 a day (accounts.adapter keys them so), so that an attacker's lockout
    # does not reach the owner on another network.
    "login_failed": "10/m/ip,5/300s/key,20/1d/key",
    # Per account from all addresses: 100 failures a day keep guessing infeasible, and an
    # attacker needs at least 5 addresses a day (20 each) to lock an account out.
    "login_failed_account": "100/1d/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "HọcTiếp"
# Imported accounts often carry an email nobody has verified through a link; the authenticator
# app is the second factor, so staff must be able to turn it on without that step.
MFA_ALLOW_UNVERIFIED_EMAIL = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
# Ours first (it wins). locale_vendor holds Vietnamese for third-party strings that their
# packages lack: all of allauth, and a few of Django's whose msgids changed upstream.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Front-end packages from npm (package.json, installed by the setup command).
    ("vendor/katex", BASE_DIR / "node_modules" / "katex" / "dist"),
    ("vendor/h5p", BASE_DIR / "node_modules" / "h5p-standalone" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    # Workbox for the service worker (courses/offline): workbox-sw loads its modules from one
    # folder (`modulePathPrefix`), so every module's build/ is served under vendor/workbox.
    *(
        ("vendor/workbox", BASE_DIR / "node_modules" / f"workbox-{name}" / "build")
        for name in (
            "sw",
            "core",
            "routing",
            "strategies",
            "expiration",
            "cacheable-response",
            "background-sync",
        )
    ),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

WAGTAIL_SITE_NAME = "HọcTiếp"
# No avatars from gravatar.com: it breaks offline and tells it who is signed in.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Wagtail saves drafts by itself while an editor types (milliseconds; 0 turns it off).
WAGTAIL_AUTOSAVE_INTERVAL = env.int("WAGTAIL_AUTOSAVE_INTERVAL", default=500)
# Wagtail's database search backend (PostgreSQL's full-text search on PostgreSQL), with the
# query cleaned of what SQLite's full-text syntax cannot take (lms/search.py).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "lms.search"}}
WAGTAILIMAGES_EXTENSIONS = ["gif", "jpg", "jpeg", "png", "webp"]
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL", default="http://127.0.0.1:8000")
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
# Uploaded documents are scanned for viruses (lms.uploads, when clamd is configured).
WAGTAILDOCS_DOCUMENT_FORM_BASE = "lms.document_forms.ScannedDocumentForm"
# Documents always pass through Wagtail's view, whose `before_serve_document` hook checks who
# may read them (courses.wagtail_hooks); never a direct media or bucket URL.
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# Content-Security-Policy on the site's pages (django-csp, lms/csp.py). Scripts: our own files,
# the request's nonce, and H5P core's one inline iframe script (by hash). Styles allow inline
# attributes: H5P libraries and KaTeX build HTML with style="…", and a style cannot run code.
# The Wagtail and Django admins (staff only, behind MFA) are left out: Wagtail's admin relies
# on inline scripts. Views that send their own policy (H5P files, documents) keep it.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/django-admin/"],
    "DIRECTIVES": {
        "default-src": [SELF],
        # The hash is H5P core's iframe script: "H5PIntegration = window.parent.H5PIntegration;
        # var H5P = H5P || {}; H5P.externalEmbed = false;" (tests/lms/test_csp.py checks it).
        "script-src": [SELF, NONCE, "'sha256-8CniZYrnO46q7MvZ3m08Wom1HH/ZhyXmm29kBKTV1rk='"],
        "style-src": [SELF, UNSAFE_INLINE],
        # With S3 storage, image renditions come from the bucket's origin (docs/deployment.md).
        "img-src": [SELF, "data:", "blob:", *env.list("CSP_MEDIA_ORIGINS", default=[])],
        "media-src": [SELF, "blob:", *env.list("CSP_MEDIA_ORIGINS", default=[])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],  # lms.csp adds this host's ws:/wss: origin
        # Hosted videos load only after a tap (courses.blocks.VideoBlock).
        "frame-src": [SELF, "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    },
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="HọcTiếp <no-reply@hoctiep.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security defaults; production.py adds HTTPS-only settings.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
# A refused form explains itself in Vietnamese, in the site's layout (lms/pages.py).
CSRF_FAILURE_VIEW = "lms.pages.csrf_failure"
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Initial passwords from roster imports stay printable for this many days, then expire.
INITIAL_CREDENTIAL_DAYS = env.int("INITIAL_CREDENTIAL_DAYS", default=14)

# Live classes and attendance (DESIGN.md "Attendance"). Times in seconds unless named.
LIVE_HEARTBEAT_SECONDS = env.int("LIVE_HEARTBEAT_SECONDS", default=20)
# An interval whose heartbeat is older than this is closed at its last heartbeat; a reconnect
# within the same gap counts as continuous presence.
ATTENDANCE_STALE_SECONDS = env.int("ATTENDANCE_STALE_SECONDS", default=60)
ATTENDANCE_PRESENT_RATIO = env.float("ATTENDANCE_PRESENT_RATIO", default=0.5)
ATTENDANCE_LATE_MINUTES = env.int("ATTENDANCE_LATE_MINUTES", default=10)
# A member whose last socket was lost (not closed by their page) is announced as gone
# (presence.leave) only after this many seconds, and not at all if they are back by then: a
# phone's network blip, a deploy or a Redis restart then costs the room no leave and no join per
# member (0: at once). 30 s is the longest wait between two of the page's reconnect attempts
# (static/js/live-room.js); a member who closes the page is gone at once.
LIVE_PRESENCE_GRACE_SECONDS = env.float("LIVE_PRESENCE_GRACE_SECONDS", default=30)
# A session nobody ended is ended this long after its scheduled end.
LIVE_SESSION_GRACE_MINUTES = env.int("LIVE_SESSION_GRACE_MINUTES", default=30)
# Video stays outside: a session without its own meeting link gets one from this template
# ({session}, {classroom}, {school} are filled in), e.g. https://meet.jit.si/hoctiep-{session}.
MEETING_URL_TEMPLATE = env("MEETING_URL_TEMPLATE", default="")
# Embed the meeting in an iframe (the provider must allow framing), else open it as a link.
MEETING_EMBED = env.bool("MEETING_EMBED", default=False)
LIVE_CHAT_MAX_LENGTH = env.int("LIVE_CHAT_MAX_LENGTH", default=500)
# At most this many chat messages per student per 10 seconds.
LIVE_CHAT_RATE = env.int("LIVE_CHAT_RATE", default=5)
LIVE_MESSAGE_MAX_BYTES = env.int("LIVE_MESSAGE_MAX_BYTES", default=4096)

# H5P activities (docs/h5p.md): package limits, resume-state and xAPI caps, the demo package.
H5P_MAX_FILE_SIZE_MB = env.int("H5P_MAX_FILE_SIZE_MB", default=50)
H5P_MAX_TOTAL_SIZE_MB = env.int("H5P_MAX_TOTAL_SIZE_MB", default=200)
H5P_MAX_FILES = env.int("H5P_MAX_FILES", default=5000)
H5P_MAX_COMPRESSION_RATIO = env.int("H5P_MAX_COMPRESSION_RATIO", default=100)
H5P_USER_DATA_MAX_BYTES = env.int("H5P_USER_DATA_MAX_BYTES", default=64 * 1024)
H5P_XAPI_MAX_BYTES = env.int("H5P_XAPI_MAX_BYTES", default=64 * 1024)
H5P_DEMO_PACKAGE = env.path(
    "H5P_DEMO_PACKAGE", default=BASE_DIR.parent / "shared" / "h5p" / "hello-truefalse.h5p"
)

# Roster files (docs/roster-import.md): what an .xlsx may unpack to, checked before it is read.
# A real 250,000-row sheet unpacks to about 125 MB at 10:1.
ROSTER_MAX_PART_MB = env.int("ROSTER_MAX_PART_MB", default=150)
ROSTER_MAX_EXPANDED_MB = env.int("ROSTER_MAX_EXPANDED_MB", default=200)
ROSTER_MAX_COMPRESSION_RATIO = env.int("ROSTER_MAX_COMPRESSION_RATIO", default=100)

# Virus scanning of uploads (H5P packages, roster files, documents) by a ClamAV daemon, on when
# CLAMD_SOCKET (a unix socket path) or CLAMD_HOST is set; uploads are refused while it is down.
CLAMD_SOCKET = env("CLAMD_SOCKET", default="")
CLAMD_HOST = env("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=60)

# Coverage (DESIGN.md "Coverage", docs/coverage.md): at risk = absent from the last N held
# sessions; schools below the threshold (%) over the last 5 school days need attention; a
# session counts as held when it lasted at least this many minutes and a student joined.
COVERAGE_AT_RISK_SESSIONS = env.int("COVERAGE_AT_RISK_SESSIONS", default=3)
COVERAGE_THRESHOLD_PCT = env.int("COVERAGE_THRESHOLD_PCT", default=80)
COVERAGE_HELD_MIN_MINUTES = env.int("COVERAGE_HELD_MIN_MINUTES", default=10)
# A class-day also counts as taught when a lesson due that day was opened by this share of
# the class (0 turns the lesson rule off).
COVERAGE_LESSON_OPENED_RATIO = env.float("COVERAGE_LESSON_OPENED_RATIO", default=0.5)

# The coverage API (docs/api.md): DRF with drf-spectacular. Authentication and permissions are
# set on the API's own views, not as DRF defaults, so Wagtail's DRF views keep theirs.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Error messages in the request's language (Accept-Language; Vietnamese by default).
    "EXCEPTION_HANDLER": "lms.pages.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HọcTiếp coverage API",
    "DESCRIPTION": "Read-only coverage of online teaching during closures, scoped to the user.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["coverage.api.only_api_v1"],
    # Swagger UI from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# Roles that must set up two-factor authentication (TOTP) before they reach anything else
# (accounts.middleware.MfaRequiredMiddleware); "superuser" stands for is_superuser.
MFA_REQUIRED_ROLES = ["school_admin", "district_officer", "province_officer", "superuser"]
# Proxy hops whose X-Forwarded-For entries are trusted for the client IP (allauth's rate limits):
# 0 uses REMOTE_ADDR only; 1 behind the documented nginx (deploy/nginx.conf).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Durable background work (jobs/, docs/deployment.md "Background work"): one queue in the
# database, shared by Wagtail's own tasks (search and reference index) and ours. Run workers with
# `manage.py run_worker` and the periodic jobs with `manage.py run_scheduler`.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Periodic jobs: dotted path of a task → seconds between runs (jobs.scheduler).
PERIODIC_TASKS = {
    "classrooms.live.tasks.close_stale_attendance": 60,
    "coverage.tasks.rollup_incremental": 300,
    "jobs.tasks.prune_finished": 3600,
    "courses.h5p.tasks.staged_uploads_prune": 86400,
}
# A closure's fan-out runs in chunks of this many classes (sessions) and people (notices and
# e-mails): each chunk is one task and one transaction (classrooms.closures.tasks).
CLOSURE_FANOUT_CHUNK_CLASSES = env.int("CLOSURE_FANOUT_CHUNK_CLASSES", default=200)
CLOSURE_FANOUT_CHUNK_PEOPLE = env.int("CLOSURE_FANOUT_CHUNK_PEOPLE", default=500)
# A worker that has not written its heartbeat for this long is gone (killed, host lost): the
# task it was running goes back to the queue, and the status page shows the worker as down.
JOBS_WORKER_STALE_SECONDS = env.int("JOBS_WORKER_STALE_SECONDS", default=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Wagtail logs every page save and django-tasks every search-index update at INFO; the
    # admin's own history keeps the former, the latter is noise.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": env("WAGTAIL_LOG_LEVEL", default="WARNING")},
    },
}
