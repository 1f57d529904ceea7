"""CXQ settings: one module, configured through environment variables (see .env.example)."""

from __future__ import annotations

import os
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from cxq.lib.env import DEFAULT_BIND, base_url_from_bind, env_bool, env_choice, env_int, env_list, env_str
from cxq.lib.fetch import FetchPolicy

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CXQ_VAR_DIR", str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)
TESTING = "pytest" in sys.modules or env_bool("CXQ_TESTING")


def _secret_key() -> str:
    """Use CXQ_SECRET_KEY, else a key generated once and kept in var/ (embedded default)."""
    key = env_str("CXQ_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("CXQ_DEBUG", False)
ALLOWED_HOSTS = env_list("CXQ_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CXQ_CSRF_TRUSTED_ORIGINS", [])
# The address `cxq serve` binds to (its --bind sets this for the web server and the worker it starts); links in
# mails default to it, so a server moved off port 8000 does not mail links to 8000 (README, "Configuration").
CXQ_BIND = env_str("CXQ_BIND", DEFAULT_BIND) or DEFAULT_BIND
CXQ_BASE_URL = (env_str("CXQ_BASE_URL") or base_url_from_bind(CXQ_BIND)).rstrip("/")
if not CXQ_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("CXQ_BASE_URL must start with http:// or https://")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_filters",
    "ninja",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "cxq.accounts",
    "cxq.audit",
    "cxq.notifications",
    "cxq.scorecards",
    "cxq.interactions",
    "cxq.evaluations",
    "cxq.calibrations",
    "cxq.goals",
    "cxq.coaching",
    "cxq.automations",
    "cxq.schedules",
    "cxq.moments",
    "cxq.analytics",
    "cxq.sso",
    "cxq.scim",
    "cxq.webhooks",
    "cxq.devdata",
    "cxq.core",  # last: wires the domain events once every app is loaded
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "cxq.lib.memo.RequestMemoMiddleware",  # rows a reading request asks for many times, read once
    "cxq.lib.inputs.RefuseNulMiddleware",  # a net under views that read request.GET/POST by hand
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cxq.accounts.middleware.LoginRequiredMiddleware",
    "cxq.accounts.middleware.TimezoneMiddleware",
    "cxq.audit.middleware.AuditContextMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cxq.urls"
WSGI_APPLICATION = "cxq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "cxq" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cxq.context_processors.shell",
            ],
            # {% if user|can:"code" %}, {{ seconds|clock }}, {{ seconds|duration }}; {{ moment|ago }}, {{ moment|age }},
            # {{ moment|until }}
            "builtins": ["cxq.accounts.templatetags.access", "cxq.core.templatetags.durations", "cxq.lib.humanize"],
        },
    }
]

# --- Database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}")
    if DATABASES["default"]["ENGINE"] not in (
        "django.db.backends.postgresql",
        "django.db.backends.sqlite3",
    ):
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://) or SQLite (sqlite:///)")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "cxq.sqlite3",
            "OPTIONS": {
                # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write lock at
                # BEGIN so concurrent writers queue (timeout) instead of failing on lock upgrade. A 32 MB
                # page cache per connection (SQLite's default is 2 MB): bulk imports into a large
                # database re-read far fewer index pages (measured: a third of the preads).
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA cache_size=-32768;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and queue ----------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by every process on this machine (web workers and the queue worker).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

HUEY_WORKERS = env_int("CXQ_WORKER_THREADS", 2, minimum=1, maximum=64)
# "process" (default where the platform can fork): each worker is a process forked from `cxq worker`
# once it has loaded the language model, so CPU-heavy jobs (enrichment after API bulk ingest) use
# every core — with threads they share one, and bulk ingest reached ~1,650/s instead of ~2,500/s
# (docs/performance.md#ingest-throughput). "thread": one process, workers share it (and Windows, which cannot fork).
HUEY_WORKER_TYPE = env_choice("CXQ_WORKER_TYPE", "process" if hasattr(os, "fork") else "thread", ("thread", "process"))
_huey_common = {
    "name": "cxq",
    "immediate": False,
    "results": False,
    "consumer": {
        "workers": HUEY_WORKERS,
        "worker_type": HUEY_WORKER_TYPE,
        "periodic": True,
        "check_worker_health": True,
    },
}
if REDIS_URL:
    HUEY = {**_huey_common, "huey_class": "huey.RedisHuey", "connection": {"url": REDIS_URL}}
else:
    # SQLite cannot block on an empty queue: an idle worker polls it, backing off from 0.1 s by 15 % per
    # empty poll, up to Huey's 10 s by default — bulk ingest then waited up to that long before its first
    # batch was enriched. At most 0.5 s between polls (a one-row read) keeps that wait short
    # (docs/performance.md#ingest-throughput). Redis blocks on the queue and needs no cap.
    HUEY = {
        **_huey_common,
        "huey_class": "huey.SqliteHuey",
        "filename": str(VAR_DIR / "queue.sqlite3"),
        "consumer": {**_huey_common["consumer"], "max_delay": 0.5},
    }
if TESTING:
    # Tests run tasks inline (in-memory); tests/notifications/test_queue.py exercises the real storage.
    HUEY = {**HUEY, "immediate": True}

# --- Auth and security --------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "cxq.accounts.backends.EmailBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Forgotten passwords (docs/passwords-and-tokens.md#forgotten-passwords): the link works once, for an hour;
# requests are counted in the cache per address and per email over the window.
PASSWORD_RESET_TIMEOUT = env_int("CXQ_PASSWORD_RESET_MINUTES", 60, minimum=5) * 60
CXQ_PASSWORD_RESET_PER_IP = env_int("CXQ_PASSWORD_RESET_PER_IP", 10, minimum=1)
CXQ_PASSWORD_RESET_PER_EMAIL = env_int("CXQ_PASSWORD_RESET_PER_EMAIL", 3, minimum=1)
CXQ_PASSWORD_RESET_WINDOW_SECONDS = 3600
# External moment links (docs/moments.md#passwords-and-lockout): wrong passwords per link and address, and
# per link from anywhere, before the link locks for the window
CXQ_SHARE_LINK_ATTEMPTS = env_int("CXQ_SHARE_LINK_ATTEMPTS", 5, minimum=1)
CXQ_SHARE_LINK_ATTEMPTS_PER_LINK = env_int("CXQ_SHARE_LINK_ATTEMPTS_PER_LINK", 20, minimum=1)
CXQ_SHARE_LINK_LOCKOUT_MINUTES = env_int("CXQ_SHARE_LINK_LOCKOUT_MINUTES", 15, minimum=1)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env_int("CXQ_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("CXQ_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Our login form posts the email in the field "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "cxq.accounts.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Served over HTTPS (CXQ_HTTPS; CXQ_SECURE_COOKIES is its former name): cookies are sent only over
# HTTPS and browsers are told to use nothing else (HSTS). Default: on when CXQ_BASE_URL is https://,
# off for the local demo over plain http, where Secure cookies would make logging in impossible.
CXQ_HTTPS = env_bool("CXQ_HTTPS", env_bool("CXQ_SECURE_COOKIES", CXQ_BASE_URL.startswith("https://")))
SESSION_COOKIE_SECURE = CXQ_HTTPS
CSRF_COOKIE_SECURE = CXQ_HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("CXQ_SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_NAME = "cxq_session"
CSRF_COOKIE_NAME = "cxq_csrftoken"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if CXQ_HTTPS:
    # `cxq serve` (gunicorn) speaks plain HTTP, so HTTPS normally ends at a reverse proxy that says
    # the original scheme in X-Forwarded-Proto. Trust that header only behind such a proxy: a client
    # reaching the app directly could otherwise claim HTTPS.
    if env_bool("CXQ_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("CXQ_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CXQ_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("CXQ_HSTS_PRELOAD", False)

# Content-Security-Policy (django-csp): scripts and styles only from our own static files — no inline
# code, no eval (Alpine runs its CSP build, components live in static JS). Every page's scripts carry
# the request's nonce, so an inline <script> would need it too. CXQ_CSP_REPORT_ONLY=true sends the
# same policy as Content-Security-Policy-Report-Only: violations are reported in the browser's
# console but nothing is blocked (for trying a change to the policy on a live system).
CXQ_CSP_REPORT_ONLY = env_bool("CXQ_CSP_REPORT_ONLY", False)
_csp_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "upgrade-insecure-requests": CXQ_HTTPS,
    }
}
if CXQ_CSP_REPORT_ONLY:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp_policy
else:
    CONTENT_SECURITY_POLICY = _csp_policy

# --- Email ----------------------------------------------------------------------------------------
EMAIL_HOST = env_str("CXQ_EMAIL_HOST")
EMAIL_PORT = env_int("CXQ_EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("CXQ_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("CXQ_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("CXQ_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("CXQ_EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set only one of CXQ_EMAIL_USE_TLS and CXQ_EMAIL_USE_SSL")
EMAIL_TIMEOUT = env_int("CXQ_EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str("CXQ_EMAIL_FROM", "CXQ <cxq@localhost>")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    # Demo default: every mail lands as a file under var/mail/, so nothing is lost without SMTP.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
CXQ_EMAIL_MAX_ATTEMPTS = env_int("CXQ_EMAIL_MAX_ATTEMPTS", 8, minimum=1)

# --- I18N / time ----------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "cxq" / "static",
    # Front-end packages installed from npm at setup (never committed); only their dist folders.
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    # Alpine's CSP build: evaluates x-* expressions with its own parser instead of new Function().
    ("vendor/alpinejs-csp", NODE_MODULES / "@alpinejs" / "csp" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
    # the autocomplete pickers (docs/interactions.md#pickers)
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
]
MEDIA_ROOT = VAR_DIR / "media"
CXQ_MAX_UPLOAD_MB = env_int("CXQ_MAX_UPLOAD_MB", 200, minimum=1, maximum=10_000)
# One monitor's screen recording (docs/screen-recordings.md#upload), sent in chunks of at most
# CXQ_SCREEN_CHUNK_MB each (streamed to disk, never held in memory).
CXQ_MAX_SCREEN_TRACK_MB = env_int("CXQ_MAX_SCREEN_TRACK_MB", 4096, minimum=1, maximum=100_000)
CXQ_SCREEN_CHUNK_MB = env_int("CXQ_SCREEN_CHUNK_MB", 16, minimum=1, maximum=1024)
# Largest request body outside file uploads (an API bulk call of 1000 interactions with 40-utterance
# transcripts is ~5 MB; Django's 2.5 MB default refused half of one). Bodies are parsed in memory,
# so this also bounds a web process's peak (docs/performance.md#memory). Larger bodies get a 413 that says the limit.
CXQ_MAX_REQUEST_MB = env_int("CXQ_MAX_REQUEST_MB", 16, minimum=1, maximum=256)
DATA_UPLOAD_MAX_MEMORY_SIZE = CXQ_MAX_REQUEST_MB * 1024 * 1024
# Where recordings may be fetched from by URL (docs/interactions.md#recordings); empty = fetching by URL is off. Entries
# are
# host (default port only) or host:port; https only unless http is allowed; names resolving to
# non-public addresses are refused unless the address is in one of the listed networks.
CXQ_MEDIA_FETCH_HOSTS = env_list("CXQ_MEDIA_FETCH_HOSTS", [])
CXQ_MEDIA_FETCH_ALLOW_HTTP = env_bool("CXQ_MEDIA_FETCH_ALLOW_HTTP", False)
CXQ_MEDIA_FETCH_PRIVATE_NETWORKS = env_list("CXQ_MEDIA_FETCH_PRIVATE_NETWORKS", [])
CXQ_MEDIA_FETCH_TIMEOUT = env_int("CXQ_MEDIA_FETCH_TIMEOUT", 60, minimum=1)
# The demo's recordings are speech from espeak-ng when it is installed; off = tones (docs/demo.md#recordings).
CXQ_DEMO_SPEECH = env_bool("CXQ_DEMO_SPEECH", True)
try:
    FetchPolicy.build(hosts=CXQ_MEDIA_FETCH_HOSTS, private_networks=CXQ_MEDIA_FETCH_PRIVATE_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(f"CXQ_MEDIA_FETCH_HOSTS / CXQ_MEDIA_FETCH_PRIVATE_NETWORKS: {exc}") from None
# Single sign-on (docs/sso.md#network): requests to the OpenID provider go through the same guard as
# media fetches. Its hosts are those of the discovery URL and document; plain http and non-public
# addresses (an in-house provider) only when allowed here.
CXQ_SSO_ALLOW_HTTP = env_bool("CXQ_SSO_ALLOW_HTTP", False)
CXQ_SSO_PRIVATE_NETWORKS = env_list("CXQ_SSO_PRIVATE_NETWORKS", [])
CXQ_SSO_TIMEOUT = env_int("CXQ_SSO_TIMEOUT", 10, minimum=1)
try:
    FetchPolicy.build(hosts=[], private_networks=CXQ_SSO_PRIVATE_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(f"CXQ_SSO_PRIVATE_NETWORKS: {exc}") from None
# Outbound webhooks (docs/webhooks.md#settings): any public host an admin names; loopback, private,
# link-local, multicast and reserved addresses only inside the listed networks; https unless http is
# allowed. Timeouts and backoff are seconds (tests shorten them).
CXQ_WEBHOOK_PRIVATE_NETWORKS = env_list("CXQ_WEBHOOK_PRIVATE_NETWORKS", [])
CXQ_WEBHOOK_ALLOW_HTTP = env_bool("CXQ_WEBHOOK_ALLOW_HTTP", False)
CXQ_WEBHOOK_TIMEOUT = env_int("CXQ_WEBHOOK_TIMEOUT", 10, minimum=1, maximum=60)
CXQ_WEBHOOK_MAX_ATTEMPTS = env_int("CXQ_WEBHOOK_MAX_ATTEMPTS", 12, minimum=1)
CXQ_WEBHOOK_BACKOFF_SECONDS = env_int("CXQ_WEBHOOK_BACKOFF_SECONDS", 30, minimum=1)
CXQ_WEBHOOK_DISABLE_AFTER_HOURS = env_int("CXQ_WEBHOOK_DISABLE_AFTER_HOURS", 24, minimum=1)
try:
    FetchPolicy.build(private_networks=CXQ_WEBHOOK_PRIVATE_NETWORKS)
except ValueError as exc:
    raise ImproperlyConfigured(f"CXQ_WEBHOOK_PRIVATE_NETWORKS: {exc}") from None
# Schedules (docs/schedules.md#adapters): where shifts and activities come from. The default is the
# built-in store; an external WFM system is a class implementing cxq.schedules.adapters.ScheduleAdapter.
CXQ_SCHEDULE_ADAPTER = env_str("CXQ_SCHEDULE_ADAPTER", "cxq.schedules.adapters.BuiltinStore")
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- API ------------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("CXQ_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The consumer attaches its own handler; not propagating avoids every line printing twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}

if TESTING:
    # Argon2 is deliberately slow; tests hash hundreds of passwords. tests/accounts check Argon2 itself.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
