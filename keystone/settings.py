"""Keystone settings: every value comes from the environment (see README, "Environment").

With nothing set, Keystone runs on an embedded default: SQLite, a filesystem Celery broker and an
e-mail outbox folder under var/. Production (DEBUG off) refuses to start without its secrets.
"""

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from keystone.env import env_bool, env_list, env_str, mailer_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("KEYSTONE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("KEYSTONE_TESTING", False)

SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug-and-tests-0123456789abcdef"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG or TESTING else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django.forms",  # Django's widget templates, for FORM_RENDERER
    "keystone",
    "tenancy",
    "accounts",
    "hierarchy",
    "keyplayers",
    "plans",
    "ratings",
    "briefings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "keystone.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "tenancy.htmx.VaryOnHtmx",
    # Last: it opens the request transaction, the tenant scope and app.tenant_id around the view.
    "tenancy.middleware.TenantMiddleware",
]

ROOT_URLCONF = "keystone.urls"
WSGI_APPLICATION = "keystone.wsgi.application"
ASGI_APPLICATION = "keystone.asgi.application"

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
                "tenancy.context_processors.tenancy",
            ],
        },
    },
]

# One field template for every form (tenancy.forms.FormRenderer: templates/forms/field.html).
FORM_RENDERER = "tenancy.forms.FormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'keystone.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(env_str("CONN_MAX_AGE", "60")))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, worker and beat share the file: wait for locks, write-ahead log.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The tenant middleware opens the request transaction itself (ATOMIC_REQUESTS wraps only the view).
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "tenancy.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_THROTTLE_FAILURES = 5  # per e-mail address
LOGIN_THROTTLE_IP_FAILURES = 50  # per client address: many people may share one (an office, a proxy)
LOGIN_THROTTLE_WINDOW_SECONDS = 15 * 60
# How many proxies in front of the app append to X-Forwarded-For (0: none, REMOTE_ADDR is the client).
TRUSTED_PROXY_COUNT = int(env_str("TRUSTED_PROXY_COUNT", "0"))

# --- Cache (rate limits only; when it is down: docs/architecture.md) ------------------------
REDIS_URL = env_str("REDIS_URL", "")
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
elif REDIS_URL:
    # Short timeouts: a Redis that is gone must cost a request little (tenancy.throttle fails open).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ---------------------------------------------------------------------------------
MAILERS = {"default": mailer_config(env_str("EMAIL_URL", f"file://{VAR_DIR / 'outbox'}"))}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Keystone <keystone@localhost>")
# Where people reach Keystone: links in e-mails sent by background jobs (briefings), which have no request.
SITE_URL = env_str("SITE_URL", "") or (
    "http://127.0.0.1:8000"
    if DEBUG or TESTING
    else (f"https://{ALLOWED_HOSTS[0]}" if ALLOWED_HOSTS else "http://localhost")
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security (production) ------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token travels in hx-headers on <body>
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Django's built-in CSP: scripts and styles only from our own files (no inline script, style attribute,
# eval or CDN: htmx runs with allowEval off, handlers live in static/js/app.js).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# keystone.middleware.PermissionsPolicyMiddleware: browser features the app never uses are off.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=(), browsing-topics=()"
)
if not DEBUG and not TESTING:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready)?$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenancy.api_auth.TenantTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenancy.api_permissions.IsTenantMember"],
    "DEFAULT_SCHEMA_CLASS": "keystone.api_schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "tenancy.paging.ApiPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "tenancy.api_filters.StrictDjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "tenancy.api_filters.SearchFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "keystone.api_errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Keystone API",
    "DESCRIPTION": (
        "Strategic account management around the Buy-Sell Hierarchy. Authenticate with a personal "
        'API token (`Authorization: Bearer ks_…`), created under "API tokens" in your user menu (/t/<tenant>/api-tokens/); a token is bound to '
        "one tenant and sees only that tenant's data."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # One name for the five opportunity strategies, used by both the lead and the fallback strategy.
    "ENUM_NAME_OVERRIDES": {"OpportunityStrategyEnum": "plans.models.CompetitiveStrategy"},
}

# --- Celery ---------------------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    # kombu's filesystem transport expects its folders; the embedded default makes them.
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control, in the checkout
        "store_processed": False,
    }
else:
    # Longer than the hard time limit of the longest task, so Redis never redelivers a task that
    # is still running on another worker (acks_late).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60}
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # One recompute task per tenant, each in its own tenant scope (ratings.tasks).
    "ratings-nightly": {
        "task": "ratings.recompute_all_tenants",
        "schedule": crontab(hour=2, minute=15),
    },
    # Manual ratings that have ended are cleared (and the computed rating put back) every hour.
    "ratings-expire-overrides-hourly": {
        "task": "ratings.expire_overrides_all_tenants",
        "schedule": crontab(minute=5),
    },
    # Contacts marked as left by bulk updates (CSV import) raise their alerts here.
    "hierarchy-departures-nightly": {
        "task": "hierarchy.contact_departures_scan_all",
        "schedule": crontab(hour=1, minute=45),
    },
    # Briefing e-mails whose window opened (and updates, cancellations, retries): one run per tenant.
    "briefings-every-15-minutes": {
        "task": "briefings.send_briefing_digests",
        "schedule": crontab(minute="*/15"),
    },
    # Work that writes recorded in the outbox and the broker never got (it was down), or lost.
    "outbox-sweep": {
        "task": "tenancy.outbox_sweep",
        "schedule": 60,
    },
    "clear-expired-sessions": {
        "task": "tenancy.clear_expired_sessions",
        "schedule": 24 * 60 * 60,
    },
}

# Outbox (tenancy.outbox): a message sent this long ago and not done is sent again (the broker lost it;
# longer than a debounce plus a recompute); one that failed this often is given up; done ones kept a week.
OUTBOX_REDELIVER_AFTER_SECONDS = int(env_str("OUTBOX_REDELIVER_AFTER_SECONDS", "600"))
OUTBOX_MAX_ATTEMPTS = 5
OUTBOX_KEEP_DAYS = 7
# Readiness (tenancy.health): a worker or beat silent this long, or an outbox message waiting this long, is
# reported as degraded (and shown on the admin's Settings page).
HEALTH_HEARTBEAT_STALE_SECONDS = 3 * 60
HEALTH_OUTBOX_STALE_SECONDS = 5 * 60

# --- Hierarchy ------------------------------------------------------------------------------

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # WeasyPrint narrates every PDF (steps, fonts) at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
