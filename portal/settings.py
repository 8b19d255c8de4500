"""Settings for the Partner Portal, read from the environment.

``DEBUG`` is off unless set. Embedded mode (no ``DATABASE_URL``, as ``make run`` and the tests
use): SQLite under ``var/``, Celery on its filesystem broker, the Partner Center sandbox on
127.0.0.1:8765, plain http on loopback, and local defaults for the secrets. Production (a
``DATABASE_URL``; see docker-compose.yml): ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``REDIS_URL`` and the
``PARTNER_CENTER_*`` settings are required, and pages are served over https behind the proxy.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from portal.env import (
    development_secret_key,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_time_zone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
EMBEDDED = env_str("DATABASE_URL", "") == ""
# Local defaults (development secret key under var/, loopback hosts, the sandbox's demo secret)
# apply in embedded mode or with DEBUG on; production must set each of them.
LOCAL_DEFAULTS = EMBEDDED or DEBUG
SECRET_KEY = env_str("SECRET_KEY", "" if LOCAL_DEFAULTS else None) or development_secret_key(
    VAR_DIR
)
# Former keys, still accepted for sessions and signatures and able to read the token cache until
# ``manage.py rotate_token_cache`` has re-encrypted it with SECRET_KEY.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if LOCAL_DEFAULTS else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required: the host names the portal answers to.")
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
    "django_htmx",
    "template_partials",
    "portal",
    "catalog",
    "purchasing",
    "billing",
    "demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.NulInPathMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "portal.middleware.UserLanguageMiddleware",  # the profile's language wins over the browser's
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.UserTimezoneMiddleware",
    "portal.middleware.PartnerCenterTimeBudgetMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",  # last, per django-axes docs
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.navigation",
                "purchasing.context_processors.cart",
            ],
        },
    }
]

# Database: SQLite file under var/ unless DATABASE_URL says otherwise.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")
if DATABASE_URL.split(":", 1)[0] not in ("sqlite", "postgres", "postgresql", "pgsql"):
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:/// or postgres:// URL.")
try:
    _db = environ.Env.db_url_config(DATABASE_URL)
except Exception as exc:  # django-environ raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let web, worker and beat share one SQLite file.
    _db.setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if _db["NAME"] != ":memory:":
        Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
else:
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Failed sign-in throttling (django-axes): after AXES_FAILURE_LIMIT failures for one username from
# one address, that sign-in is locked for AXES_COOLOFF_MINUTES (the login page says so).
AUTHENTICATION_BACKENDS = [
    "portal.auth_backends.AddressLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ...and every sign-in from one address after this many failures there (any usernames).
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
# Reverse proxies in front of the portal whose X-Forwarded-For is believed (production: 1, Caddy).
# 0: the connecting address (REMOTE_ADDR) is the client's. See portal/client_ip.py.
PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "portal.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Per-process memory caches: "default" (short-lived probes), "catalog" (the SKU tables' counts and
# page ids under the catalog's version token, catalog.listing_cache).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "catalog": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "catalog",
        "TIMEOUT": 3600,
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Languages (docs/i18n.md): the browser's Accept-Language picks one, a user's profile overrides it.
# Each language is named in itself on the switch, so these names are not translated.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hant", "繁體中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_time_zone("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Embedded mode (make run) and DEBUG: WhiteNoise serves static files straight from the source
# tree through the finders (no collectstatic, no manifest). Production collects them (Dockerfile).
LOCAL_STATIC = DEBUG or EMBEDDED
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if LOCAL_STATIC
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = LOCAL_STATIC
if LOCAL_STATIC:  # STATIC_ROOT exists only once collectstatic ran; the finders serve meanwhile
    warnings.filterwarnings("ignore", message="No directory at")

# Partner Center (defaults: the sandbox that `make run` starts).
SANDBOX_TENANT_ID = "8f6e6b8e-3c1d-4b43-9d7e-5a7c0e2b1a10"
PARTNER_CENTER_API_URL = env_url(
    "PARTNER_CENTER_API_URL", "http://127.0.0.1:8765", schemes=("http", "https")
)
PARTNER_CENTER_TENANT_ID = env_str("PARTNER_CENTER_TENANT_ID", SANDBOX_TENANT_ID)
PARTNER_CENTER_AUTHORITY = env_url(
    "PARTNER_CENTER_AUTHORITY",
    f"http://127.0.0.1:8765/{PARTNER_CENTER_TENANT_ID}",
    schemes=("http", "https"),
)
PARTNER_CENTER_CLIENT_ID = env_str("PARTNER_CENTER_CLIENT_ID", "portal-demo-client")
PARTNER_CENTER_CLIENT_SECRET = env_str(
    "PARTNER_CENTER_CLIENT_SECRET", "portal-demo-secret" if LOCAL_DEFAULTS else None
)
PARTNER_CENTER_CLOUD = env_choice("PARTNER_CENTER_CLOUD", "public", ("public", "usgov"))
PARTNER_CENTER_TIMEOUT = env_int("PARTNER_CENTER_TIMEOUT", 30, minimum=1)
PARTNER_CENTER_MAX_RETRIES = env_int("PARTNER_CENTER_MAX_RETRIES", 3, minimum=0)
# The partner's Partner Center request budget, shared by every process through Redis (or per
# process without Redis): requests per minute on average and at once (portal.partner_center.budget).
# 0 = calls are not paced. Set it a little below Partner Center's own limit.
PARTNER_CENTER_REQUESTS_PER_MINUTE = env_int("PARTNER_CENTER_REQUESTS_PER_MINUTE", 0, minimum=0)
PARTNER_CENTER_REQUEST_BURST = env_int("PARTNER_CENTER_REQUEST_BURST", 10, minimum=1)
# Seconds all Partner Center calls of one web request may take together (below gunicorn's 30 s).
PARTNER_CENTER_REQUEST_BUDGET = env_int("PARTNER_CENTER_REQUEST_BUDGET", 20, minimum=1)

# Celery: Redis when REDIS_URL is set, else the filesystem broker under var/celery/.
# Hard limit of any one task run (the soft limit, 5 s earlier, lets it record why it stopped).
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 3600, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    env_url("REDIS_URL", schemes=("redis", "rediss"))
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    # Redis hands an unacknowledged task (acks_late) to another worker after visibility_timeout:
    # keep it well above the longest run so a slow task is never run twice in parallel.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
else:
    CELERY_DIR = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "results"):
        (CELERY_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"
# Queues by kind of work (docs/scaling.md): Partner Center I/O (``pc``, every task not routed
# elsewhere), line imports (``imports``: CPU and the database) and statement documents (``pdf``).
# A worker started without ``-Q`` consumes all three (``make run``, the tests); production runs a
# worker pool per queue (docker-compose.yml). tests/portal/test_queues.py holds every task to a
# queue that the workers consume.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in ("pc", "imports", "pdf")
]
CELERY_TASK_DEFAULT_QUEUE = "pc"
CELERY_TASK_DEFAULT_EXCHANGE = "pc"
CELERY_TASK_DEFAULT_ROUTING_KEY = "pc"
CELERY_TASK_ROUTES = {
    "billing.tasks.import_*": {"queue": "imports"},
    "billing.tasks.generate_statements": {"queue": "pdf"},
    "billing.tasks.download_statement": {"queue": "pdf"},
}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Pages follow jobs through SyncState rows and their own tables, never through task results.
CELERY_TASK_IGNORE_RESULT = True
# Workers log through LOGGING below (JSON lines in production), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict = {
    "heartbeat": {"task": "portal.tasks.beat_heartbeat", "schedule": 60.0},
    "sync-customers": {"task": "portal.tasks.sync_customers", "schedule": 3600.0},
    "sync-subscriptions": {"task": "portal.tasks.sync_subscriptions", "schedule": 6 * 3600.0},
    "registration-sweep": {"task": "portal.tasks.registration_sweep", "schedule": 60.0},
    "connection-check": {"task": "portal.tasks.connection_check", "schedule": 6 * 3600.0},
    "catalog-sync": {"task": "catalog.tasks.catalog_sync_markets", "schedule": 24 * 3600.0},
    "price-sheets": {"task": "catalog.tasks.price_sheets_sync_task", "schedule": 7 * 24 * 3600.0},
    "checkout-sweep": {"task": "purchasing.tasks.checkout_sweep", "schedule": 30.0},
    "orders-sync": {"task": "purchasing.tasks.orders_sync_task", "schedule": 300.0},
    "entitlements-sync": {
        "task": "purchasing.tasks.entitlements_sync_task",
        "schedule": 6 * 3600.0,
    },
    "billing-sync-invoices": {"task": "billing.tasks.sync_invoices", "schedule": 6 * 3600.0},
    "billing-unbilled": {"task": "billing.tasks.unbilled_import_beat", "schedule": 6 * 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# Catalog: how long a passing inventory check lets a SKU into a cart; sync threads.
CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES = env_int(
    "CATALOG_INVENTORY_CHECK_MAX_AGE_MINUTES", 60, minimum=1
)
CATALOG_SYNC_WORKERS = env_int("CATALOG_SYNC_WORKERS", 4, minimum=1)
# A catalog sync reads every SKU's availabilities again once the last run that did is this old
# (so the daily scheduled sync does); in between, only those of new or changed SKUs. 0: every run.
CATALOG_AVAILABILITY_REFRESH_HOURS = env_int("CATALOG_AVAILABILITY_REFRESH_HOURS", 12, minimum=0)

# Reservation registration polling: interval, give-up time, backoff cap (seconds).
REGISTRATION_POLL_SECONDS = env_int("REGISTRATION_POLL_SECONDS", 10, minimum=1)
REGISTRATION_GIVE_UP_SECONDS = env_int("REGISTRATION_GIVE_UP_SECONDS", 3600, minimum=10)
REGISTRATION_MAX_BACKOFF_SECONDS = env_int("REGISTRATION_MAX_BACKOFF_SECONDS", 120, minimum=1)
# How long one poll may take before another worker may take the registration over (at least three
# poll intervals).
REGISTRATION_LEASE_SECONDS = env_int("REGISTRATION_LEASE_SECONDS", 30, minimum=1)
# App+User sign-in: refresh-token lifetime (Azure AD default 90 days) and the dashboard warning lead.
PARTNER_CENTER_REFRESH_TOKEN_DAYS = env_int("PARTNER_CENTER_REFRESH_TOKEN_DAYS", 90, minimum=1)
PARTNER_CENTER_REFRESH_WARN_DAYS = env_int("PARTNER_CENTER_REFRESH_WARN_DAYS", 14, minimum=0)

# Billing: reconciliation tolerance (line currency), line-import page size and crash detection,
# statement PDF download attempts and backoff (seconds).
BILLING_RECONCILIATION_TOLERANCE = env_str("BILLING_RECONCILIATION_TOLERANCE", "0.01")
BILLING_IMPORT_PAGE_SIZE = env_int("BILLING_IMPORT_PAGE_SIZE", 2000, minimum=1)
BILLING_IMPORT_STALE_SECONDS = env_int("BILLING_IMPORT_STALE_SECONDS", 120, minimum=5)
BILLING_STATEMENT_MAX_ATTEMPTS = env_int("BILLING_STATEMENT_MAX_ATTEMPTS", 4, minimum=1)
BILLING_STATEMENT_RETRY_BASE_SECONDS = env_int(
    "BILLING_STATEMENT_RETRY_BASE_SECONDS", 30, minimum=0
)
BILLING_STATEMENT_RETRY_MAX_SECONDS = env_int("BILLING_STATEMENT_RETRY_MAX_SECONDS", 900, minimum=0)
# Customer charge statements: the reseller they come from (address lines separated by "|") and
# its logo (an image file: SVG, PNG or JPEG), printed on every statement PDF when it is issued.
STATEMENT_RESELLER_NAME = env_str("STATEMENT_RESELLER_NAME", "Partner Portal Reseller")
STATEMENT_RESELLER_ADDRESS = env_str("STATEMENT_RESELLER_ADDRESS", "")
STATEMENT_RESELLER_LOGO = env_str(
    "STATEMENT_RESELLER_LOGO", str(BASE_DIR / "static" / "img" / "favicon.svg")
)

# Resale prices: how a markup rule's price is rounded to its currency's ISO 4217 decimals.
RESALE_ROUNDING = env_choice("RESALE_ROUNDING", "half-up", ("half-up", "half-even"))
# Purchasing. Admins may override each through a PortalSetting of the same lower-case name
# (purchasing.conf.conf reads the override first).
# Same customer + SKU + term ordered within this many days -> confirm before buying again.
PURCHASING_DUPLICATE_WINDOW_DAYS = 30
# Checkouts whose estimated total reaches the threshold of their currency need approval.
PURCHASING_APPROVAL_THRESHOLDS: dict = {}
PURCHASING_APPROVAL_RESERVATIONS = False  # any Azure reservation needs approval
PURCHASING_APPROVAL_MULTI_YEAR = False  # any term longer than one year needs approval
# Delayed order sync: Partner Center lists show new orders up to 15 minutes after checkout.
PURCHASING_ORDER_LIST_WINDOW_SECONDS = 15 * 60
PURCHASING_ORDER_LIST_MARGIN_SECONDS = 5 * 60
PURCHASING_ORDER_SYNC_FIRST_COUNTDOWN = 60
# Provisioning status (App+User) is refreshed by the order sync for portal orders this recent
# until every line is fulfilled.
PURCHASING_PROVISIONING_DAYS = 30
# outcome_unknown checkouts: reconcile attempts before asking a person to look.
PURCHASING_RECONCILE_MAX_ATTEMPTS = 40
PURCHASING_RECONCILE_BACKOFF_SECONDS = 5
# After confirmation, a one-time order is followed until Partner Center has fulfilled it and listed
# its entitlements (software subscriptions: until provisioned); backoff doubles from the first
# countdown up to the maximum, for at most this many checks.
PURCHASING_FOLLOWUP_FIRST_COUNTDOWN = 10
PURCHASING_FOLLOWUP_MAX_COUNTDOWN = 900
PURCHASING_FOLLOWUP_MAX_ATTEMPTS = 25
# How long a worker owns a checkout it is sending (None: see checkout_claim_seconds).
PURCHASING_CHECKOUT_CLAIM_SECONDS = None

# Security (production values apply when DEBUG is false).
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (portal.middleware.ContentSecurityPolicyMiddleware): no inline scripts,
# no eval (HTMX works without it), no framing; inline styles allowed (HTMX indicator styles).
# Forms post to the portal only, whose "Sign in with a partner account" answer redirects to the
# Partner Center authority: browsers apply form-action to that redirect too.
_AUTHORITY_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(PARTNER_CENTER_AUTHORITY))
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    f"form-action 'self' {_AUTHORITY_ORIGIN}; base-uri 'self'"
)
# Production is served over https by the TLS proxy (Caddy in docker-compose.yml). Whether a request
# came over https is gunicorn's ``wsgi.url_scheme``: gunicorn honours X-Forwarded-Proto only from
# the proxy's address (``forwarded_allow_ips`` in gunicorn.conf.py). SECURE_PROXY_SSL_HEADER stays
# unset, because Django would read that header from anyone who reaches gunicorn.
HTTPS_ONLY = not DEBUG and not EMBEDDED
if HTTPS_ONLY:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health probes run inside the container over plain http (the proxy is not on that path).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
SILENCED_SYSTEM_CHECKS: list[str] = []

# Logs on stdout: JSON lines in production (portal.log_format), plain text in embedded mode.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if LOCAL_DEFAULTS else "json", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "portal.log_format.PortalJsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Portal behaviour.
PORTAL_DEMO_PASSWORD = "demo-portal-pass"  # only used by `manage.py load_demo` in DEBUG
