"""VOST Hub settings: one module, driven by the environment (see .env.example).

Nothing here is production-only: production is this module with DEBUG off and
the secrets set. Values are read through ``vost.env`` so that a malformed
variable stops the process at start with a message naming it.
"""

from __future__ import annotations

import logging
import secrets
import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from vost.env import env_bool, env_choice, env_int, env_list, env_secret, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VOST_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

# --- core ------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_secret("DJANGO_SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY (or DJANGO_SECRET_KEY_FILE) must be set when DJANGO_DEBUG is off"
        )
    SECRET_KEY = secrets.token_urlsafe(50)
    warnings.warn(
        "DJANGO_SECRET_KEY is not set: using a random key (sessions end at restart)",
        stacklevel=1,
    )

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "django_htmx",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "vost",
    "accounts",
    "activations",
    "monitoring",
    "verification",
    "mapping",
    "reports",
    "portal",
    "relay",
    "publichelp",
    "closure",
    "search",
    "signals",
    "dashboards",
    "campaigns",
    "onboarding",
    "audit",
    "privacy",
]

MIDDLEWARE = [
    "vost.logging.RequestIdMiddleware",
    "audit.services.AuditContextMiddleware",
    "vost.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.SecurityHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out login attempt into the lockout page (docs: django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vost.urls"
WSGI_APPLICATION = "vost.wsgi.application"
ASGI_APPLICATION = "vost.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "vost.context_processors.site",
                "activations.context_processors.nav",
                "accounts.context_processors.notifications",
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- database --------------------------------------------------------------
_database_url = env_secret("DATABASE_URL")
if not _database_url:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. `make run` and `make test` provide one (an embedded "
        "PostGIS cluster under var/); otherwise set it, e.g. "
        "DATABASE_URL=postgis://user:password@db.example.org:5432/vost"
    )
try:
    _db = dj_database_url.parse(
        _database_url,
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
except ValueError as exc:  # unknown scheme, bad port…
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if _db.get("ENGINE") not in {
    "django.db.backends.postgresql",
    "django.contrib.gis.db.backends.postgis",
}:
    raise ImproperlyConfigured(
        "DATABASE_URL must point to PostgreSQL with PostGIS (scheme postgis:// or postgres://)"
    )
_db["ENGINE"] = "django.contrib.gis.db.backends.postgis"
# PostgreSQL's JIT compiles the spatial queries of the workspace for 25-65 ms each
# time (they run in ~14 ms without it); OLTP pages gain nothing from it.
_db.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- redis, cache, celery -------------------------------------------------
REDIS_URL = env_secret("REDIS_URL")
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL is not set. `make run` and `make test` provide one (an embedded "
        "Redis); otherwise set it, e.g. REDIS_URL=redis://redis.example.org:6379/0"
    )
if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        "REDIS_URL must start with redis://, rediss:// or unix://"
    )

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("VOST_CACHE_PREFIX", "vost"),
        "TIMEOUT": 300,
    }
}

# The longest task is allowed TASK_TIME_LIMIT seconds; the broker must not hand an
# unacknowledged task to another worker before then (acks_late + visibility timeout).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = max(CELERY_TASK_TIME_LIMIT - 30, 5)
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL") or REDIS_URL
CELERY_RESULT_BACKEND = env_secret("CELERY_RESULT_BACKEND") or REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2 + 60,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT * 2 + 60
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "monitoring.poll_due_sources": {
        "task": "monitoring.poll_due_sources",
        "schedule": 15.0,
    },
    "monitoring.play_replays": {
        "task": "monitoring.play_replays",
        "schedule": 5.0,
        "options": {"expires": 10.0},
    },
    "monitoring.learn_pending_decisions": {
        "task": "monitoring.learn_pending_decisions",
        "schedule": 60.0,
        "options": {"expires": 50.0},
    },
    "monitoring.renotify_escalations": {
        "task": "monitoring.renotify_escalations",
        "schedule": 30.0,
        "options": {"expires": 25.0},
    },
    "mapping.propose_incidents": {
        "task": "mapping.propose_incidents",
        "schedule": 120.0,
        "options": {"expires": 100.0},
    },
    "mapping.cleanup_exports": {
        "task": "mapping.cleanup_exports",
        "schedule": 3600.0,
        "options": {"expires": 3000.0},
    },
    "portal.remind_overdue_rfis": {
        "task": "portal.remind_overdue_rfis",
        "schedule": 300.0,
        "options": {"expires": 250.0},
    },
    "publichelp.expire_aid_entries": {
        "task": "publichelp.expire_aid_entries",
        "schedule": 900.0,
        "options": {"expires": 800.0},
    },
    "relay.collect_official_messages": {
        "task": "relay.collect_official_messages",
        "schedule": 60.0,
        "options": {"expires": 50.0},
    },
    "closure.run_due_purges": {
        "task": "closure.run_due_purges",
        "schedule": crontab(minute="40"),  # hourly
        "options": {"expires": 3000.0},
    },
    "privacy.compliance_check": {
        "task": "privacy.compliance_check",
        "schedule": 900.0,  # every 15 minutes: deletions honoured within the hour
        "options": {"expires": 840.0},
    },
    "reports.remind_due_reports": {
        "task": "reports.remind_due_reports",
        "schedule": 300.0,
        "options": {"expires": 240.0},
    },
    "campaigns.publish_due": {
        "task": "campaigns.publish_due",
        "schedule": 60.0,
        "options": {"expires": 50.0},
    },
    "campaigns.watch_digest": {
        "task": "campaigns.watch_digest",
        "schedule": crontab(hour="7", minute="0"),
        "options": {"expires": 3600.0},
    },
    "search.run_saved_searches": {
        "task": "search.run_saved_searches",
        "schedule": 60.0,
        "options": {"expires": 50.0},
    },
    "signals.detect": {
        "task": "signals.detect",
        "schedule": 60.0,
        "options": {"expires": 50.0},
    },
    "activations.remind_expiring_agreements": {
        "task": "activations.remind_expiring_agreements",
        "schedule": crontab(hour="8", minute="5"),
    },
    "accounts.clear_expired_sessions": {
        "task": "accounts.clear_expired_sessions",
        "schedule": crontab(hour="3", minute="17"),
    },
}
READYZ_WORKER_TIMEOUT = 2.0

# --- auth ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 3 * 3600
# Sessions are read from Redis and written through to PostgreSQL: every page and
# every workspace poll (each few seconds per volunteer) then skips a database query.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 12 * 3600, minimum=300)
# Idle and absolute session limits (accounts.middleware.SessionTimeoutMiddleware);
# background polls do not count as activity (see the README, "Sessions").
VOST_SESSION_IDLE_SECONDS = env_int("VOST_SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
VOST_SESSION_MAX_SECONDS = env_int("VOST_SESSION_MAX_SECONDS", 12 * 3600, minimum=300)
# Axes first: it refuses a locked-out (user name, IP) before the password is checked.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.AxesBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): lock a (user name, IP) pair after N failures.
AXES_FAILURE_LIMIT = env_int("VOST_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(
    minutes=env_int("VOST_LOGIN_COOLOFF_MINUTES", 15, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Lockouts are still logged (WARNING); skip axes' start-up banner and per-login INFO lines.
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# The client address: REMOTE_ADDR, or behind the TLS proxy the address it appended
# last to X-Forwarded-For (accounts.backends.client_ip).
AXES_CLIENT_IP_CALLABLE = "accounts.backends.client_ip"
VOST_BEHIND_TLS_PROXY = env_bool("DJANGO_BEHIND_TLS_PROXY", False)
# Two-factor authentication (django-otp): required for administrators and coordinators.
VOST_2FA_ENFORCED = env_bool("VOST_2FA_ENFORCED", True)
OTP_TOTP_ISSUER = env_str("VOST_SITE_NAME", "VOST Hub") or "VOST Hub"
# API tokens (accounts.ApiToken): lifetime in days and the per-token rate limit.
VOST_API_TOKEN_DAYS = env_int("VOST_API_TOKEN_DAYS", 90, minimum=1, maximum=365)
VOST_API_TOKEN_RATE = env_str("VOST_API_TOKEN_RATE", "600/min") or "600/min"

# --- i18n / time -------------------------------------------------------------
LANGUAGE_CODE = env_choice("DJANGO_LANGUAGE_CODE", "fr", frozenset({"fr", "en"}))
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/Paris") or "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- static and media ------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(
    env_str("DJANGO_STATIC_ROOT", str(VAR_DIR / "static")) or VAR_DIR / "static"
)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(
    env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media"
)
# Files that must never be served as static media (map exports): read through views.
PRIVATE_ROOT = Path(
    env_str("VOST_PRIVATE_ROOT", str(VAR_DIR / "private")) or VAR_DIR / "private"
)
# Incident grouping: verified items of one category this close in space and time.
# Platform deletions: posts of the last N hours re-checked, at most BATCH per source a run.
VOST_COMPLIANCE_BATCH = env_int("VOST_COMPLIANCE_BATCH", 2000, minimum=1)
VOST_COMPLIANCE_WINDOW_HOURS = env_int("VOST_COMPLIANCE_WINDOW_HOURS", 72, minimum=1)
VOST_X_API_URL = (
    env_str("VOST_X_API_URL", "https://api.x.com/2") or "https://api.x.com/2"
)
# Watch activations (peacetime): standing sources polled at most this often, at low priority.
VOST_WATCH_MIN_INTERVAL_SECONDS = env_int(
    "VOST_WATCH_MIN_INTERVAL_SECONDS", 900, minimum=30
)
INCIDENT_DISTANCE_M = env_int("VOST_INCIDENT_DISTANCE_M", 1000)
INCIDENT_WINDOW_MINUTES = env_int("VOST_INCIDENT_WINDOW_MINUTES", 60)
# GeoPackage exports are converted by GDAL's ogr2ogr (Debian package gdal-bin).
VOST_OGR2OGR = env_str("VOST_OGR2OGR", "ogr2ogr") or "ogr2ogr"
VOST_OGR2OGR_TIMEOUT = env_int("VOST_OGR2OGR_TIMEOUT", 300, minimum=10)
# Relay of official messages (docs/relay.md): a channel without credentials uses the
# outbox (people publish by hand and record the link).
VOST_RELAY_MASTODON_URL = env_str("VOST_RELAY_MASTODON_URL")
VOST_RELAY_MASTODON_TOKEN = env_secret("VOST_RELAY_MASTODON_TOKEN")
VOST_RELAY_BLUESKY_HANDLE = env_str("VOST_RELAY_BLUESKY_HANDLE")
VOST_RELAY_BLUESKY_APP_PASSWORD = env_secret("VOST_RELAY_BLUESKY_APP_PASSWORD")
VOST_RELAY_BLUESKY_PDS = env_str("VOST_RELAY_BLUESKY_PDS", "https://bsky.social")
VOST_RELAY_X_BEARER_TOKEN = env_secret("VOST_RELAY_X_BEARER_TOKEN")
VOST_RELAY_X_API_URL = env_str("VOST_RELAY_X_API_URL", "https://api.x.com")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("VOST_STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- security -------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP
SECURE_HSTS_SECONDS = env_int(
    "DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool(
    "DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG
)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Over HTTPS the cookies get the __Host- prefix: browsers then refuse them unless
# Secure, for path / and without Domain (no subdomain can set or shadow them).
if SESSION_COOKIE_SECURE:
    SESSION_COOKIE_NAME = "__Host-sessionid"
if CSRF_COOKIE_SECURE:
    CSRF_COOKIE_NAME = "__Host-csrftoken"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
MAP_TILES_URL = (
    env_str("VOST_MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    or ""
)
_tiles_origin = (
    "/".join(MAP_TILES_URL.split("/")[:3]) if MAP_TILES_URL.startswith("http") else ""
)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", *([_tiles_origin] if _tiles_origin else [])],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- email ----------------------------------------------------------------
EMAIL_BACKEND = env_str(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost") or "localhost"
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 587, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER", "") or ""
EMAIL_HOST_PASSWORD = env_secret("DJANGO_EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str(
    "DJANGO_DEFAULT_FROM_EMAIL", "VOST Hub <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where people reach the hub: links in emails are built on it.
VOST_SITE_URL = (env_str("VOST_SITE_URL", "http://localhost:8000") or "").rstrip("/")

# --- API ------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call gets 401 + WWW-Authenticate.
        "vost.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "vost.api.TokenScopePermission",
    ],
    "DEFAULT_PAGINATION_CLASS": "vost.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "vost.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        *(["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    ],
    "DEFAULT_THROTTLE_CLASSES": ["vost.api.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
    "DEFAULT_VERSIONING_CLASS": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "VOST Hub API",
    "DESCRIPTION": "Coordination hub for Virtual Operations Support Teams. "
    "Authenticate with a session or `Authorization: Bearer <key>` (a personal API "
    "token with scopes, created under *API tokens* in the account menu).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
}

# --- maps -------------------------------------------------------------------
LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (46.6, 2.4),  # metropolitan France
    "DEFAULT_ZOOM": 5,
    "MIN_ZOOM": 2,
    "MAX_ZOOM": 19,
    "TILES": [
        (
            "Map",
            MAP_TILES_URL,
            {
                "attribution": env_str(
                    "VOST_MAP_ATTRIBUTION", "&copy; OpenStreetMap contributors"
                )
            },
        )
    ],
    "RESET_VIEW": False,
}

# --- logging ----------------------------------------------------------------
LOG_LEVEL = env_choice(
    "DJANGO_LOG_LEVEL", "info", frozenset({"debug", "info", "warning", "error"})
).upper()
LOG_FORMAT = env_choice(
    "DJANGO_LOG_FORMAT", "text" if DEBUG else "json", frozenset({"text", "json"})
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "vost.logging.RequestIdFilter"}},
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)-7s [%(request_id)s] %(name)s: %(message)s"
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "celery": {"level": LOG_LEVEL},
    },
}
logging.captureWarnings(True)

# --- VOST specifics -------------------------------------------------------
VOST_SITE_NAME = env_str("VOST_SITE_NAME", "VOST Hub") or "VOST Hub"
VOST_PUBLIC_URL = env_str("VOST_PUBLIC_URL", "http://localhost:8000") or ""

# gis.W001: GDAL < 3.9 (Debian 12 ships 3.6) cannot block file/network access in
# spatial references. Untrusted geodata (uploads, feeds) is parsed in Python and
# handed to GEOS as WKB/GeoJSON in EPSG:4326; no GDAL DataSource ever opens a
# user-supplied file. The Docker image has GDAL 3.10, where the check passes anyway.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]
