"""Django settings, all read from the environment.

DATABASE_URL picks the database (default: SQLite under ``$YOOINI_VAR_DIR``, ``./var``).
SQLite is tuned for many short writers: WAL, a busy timeout and IMMEDIATE transactions,
so a writer waits for the lock up front instead of failing with "database is locked"
when it upgrades a read transaction.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from yooini.secret_key import secret_key_load

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("YOOINI_VAR_DIR", Path.cwd() / "var")).resolve()

# DJANGO_SECRET_KEY, else a random key generated once under VAR_DIR (yooini/secret_key.py).
SECRET_KEY = secret_key_load(VAR_DIR)
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "orchestrator",
    "source_data",
    "suppliers",
    "markets",
    "markets.buyma",
    "markets.smartstore",
    "markets.coupang",
    "markets.gmarket",
    "pricing",
    "media",
    "ai",
    "pipelines",
    "orders",
    "reports",
    "access",
    "dashboard",
    "notifications",
    "monitoring",
    "pokervod",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "access.middleware.LoginRequired",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yooini.security.ContentSecurityPolicy",
    # Last, as django-axes asks: it answers a locked-out sign-in.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yooini.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "access.context_processors.roles",
            ],
            # one time zone and format everywhere: ``{{ moment|when }}`` (yooini.timefmt)
            "builtins": ["yooini.timefmt"],
        },
    }
]
WSGI_APPLICATION = "yooini.wsgi.application"


def _database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'yooini.sqlite3'}"
    db = dj_database_url.parse(url, conn_max_age=600)
    engine = db["ENGINE"]
    options = db.setdefault("OPTIONS", {})
    if engine.endswith("sqlite3"):
        db["CONN_MAX_AGE"] = 0 if db["NAME"] == ":memory:" else 600
        options.setdefault("timeout", 30)
        options.setdefault("transaction_mode", "IMMEDIATE")
        # Tests run on a file too: threads need WAL and real locking, not a shared-cache memory db.
        db.setdefault("TEST", {}).setdefault("NAME", str(VAR_DIR / "test.sqlite3"))
        options.setdefault(
            "init_command",
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;",
        )
    elif engine.endswith("postgresql"):
        # Server-side binding lets psycopg prepare the engine's repeated statements once.
        options.setdefault("server_side_binding", True)
    elif engine.endswith("mysql"):
        options.setdefault("charset", "utf8mb4")
        options.setdefault("isolation_level", "read committed")
        db.setdefault("TEST", {})["CHARSET"] = "utf8mb4"
        db["TEST"]["COLLATION"] = "utf8mb4_unicode_ci"
    return db


DATABASES = {"default": _database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The browser's Accept-Language picks Korean or English; this is the fallback.
LANGUAGE_CODE = os.environ.get("YOOINI_LANGUAGE", "en")
LANGUAGES = [("ko", "한국어"), ("en", "English")]
# The Korean catalogue is compiled from its .po file on start (access.locale), into VAR_DIR.
LOCALE_PATHS = [VAR_DIR / "locale"]
TIME_ZONE = os.environ.get("YOOINI_TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The dashboard's few static files are served from the apps themselves: no collectstatic step.
WHITENOISE_USE_FINDERS = True

# The web: login everywhere but the health and metrics endpoints; roles are groups (access/).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:overview"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx sends the token from the page, not the cookie

# Hardening of the web face (docs/deploy.md, "Security settings"); every switch is off by
# default for the embedded mode on http://127.0.0.1 and on in the documented production set.
# https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
_on = {"1", "true", "yes"}
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = os.environ.get("DJANGO_SECURE_COOKIES", "") in _on
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "") in _on
# The load balancer probes plain HTTP on the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("DJANGO_SECURE_HSTS_SUBDOMAINS", "") in _on
SECURE_HSTS_PRELOAD = os.environ.get("DJANGO_SECURE_HSTS_PRELOAD", "") in _on
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto / -Host / -For (and strips what
# the client sent): only then may Django believe them.
BEHIND_PROXY = os.environ.get("DJANGO_BEHIND_PROXY", "") in _on
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]
X_FRAME_OPTIONS = "DENY"
# Scripts only from this site (htmx, the API docs' assets); styles may be inline (the SVG
# charts); images also from https (listing photos); no framing, plugins or foreign forms.
YOOINI_CONTENT_SECURITY_POLICY = os.environ.get(
    "YOOINI_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# Failed sign-ins are throttled per user name and address (django-axes): after 5 failures
# that pair waits 15 minutes; a success resets the count. API tokens are not passwords and
# are not counted.
AUTHENTICATION_BACKENDS = [
    "access.backends.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("YOOINI_SIGNIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("YOOINI_SIGNIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
if BEHIND_PROXY:
    # The client's address is the last one the (single) proxy added, never one it passed on.
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["access.permissions.CanRead"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "yooini.api_paging.Paging",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "yooini API",
    "DESCRIPTION": "Workflows, batches and their partition x stage grids, events, schedules and source data.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["access.permissions.CanRead"],
    # The docs' assets come from the installed package: the dashboard works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "yooini.api_schema.document_error_answers",
    ],
}
# When set, /metrics wants "Authorization: Bearer <token>"; empty leaves it open (a private network).
YOOINI_METRICS_TOKEN = os.environ.get("YOOINI_METRICS_TOKEN", "")
# The address people open the dashboard at, for links in notifications.
YOOINI_PUBLIC_URL = os.environ.get("YOOINI_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")

# Email notifications go through this SMTP server (Slack ones need only their webhook URL).
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("YOOINI_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("YOOINI_SMTP_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("YOOINI_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("YOOINI_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("YOOINI_SMTP_STARTTLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("YOOINI_SMTP_SSL", "") == "1"
EMAIL_TIMEOUT = float(os.environ.get("YOOINI_SMTP_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("YOOINI_MAIL_FROM", "yooini@localhost")

# The engine's own settings.
YOOINI_EXECUTOR = os.environ.get("YOOINI_EXECUTOR", "threads")
YOOINI_CONCURRENCY = int(os.environ.get("YOOINI_CONCURRENCY", "4"))
# Workflows that ship with the project; users add theirs with YOOINI_WORKFLOW_MODULES.
YOOINI_BUILTIN_WORKFLOW_MODULES = [
    "orchestrator.example",
    "pipelines.supplier_collect",
    "pipelines.buyma",
    "pipelines.product_sync",
    "pipelines.order_processing",
    "pipelines.inventory_sync",
    "pipelines.market_management",
    "pokervod.workflow",
]
YOOINI_WORKFLOW_MODULES = [
    m.strip() for m in os.environ.get("YOOINI_WORKFLOW_MODULES", "").split(",") if m.strip()
]
YOOINI_LEASE_SECONDS = float(os.environ.get("YOOINI_LEASE_SECONDS", "30"))

# The distributed mode (YOOINI_EXECUTOR=celery): stage runs go to Celery workers through the
# broker; the database stays the only truth, so no result backend. acks_late: a message is
# acknowledged only after its stage run is recorded, and a redelivered one finds it done.
YOOINI_BROKER_URL = os.environ.get("YOOINI_BROKER_URL", "redis://127.0.0.1:6379/0")

# Analytics (docs/analytics.md): where accepted events go (embedded, redis://..., nats://...),
# and the key that POST /collect asks for (unset: /collect answers 503).
YOOINI_ANALYTICS_LOG = os.environ.get("YOOINI_ANALYTICS_LOG", "embedded")
YOOINI_ANALYTICS_LOG_PREFIX = os.environ.get("YOOINI_ANALYTICS_LOG_PREFIX", "yooini")
YOOINI_ANALYTICS_COLLECT_KEY = os.environ.get("YOOINI_ANALYTICS_COLLECT_KEY", "")
YOOINI_CELERY_QUEUE = os.environ.get("YOOINI_CELERY_QUEUE", "yooini")
# A queued stage run no worker has adopted after this long is queued again (a lost message).
YOOINI_CELERY_RESEND_SECONDS = float(os.environ.get("YOOINI_CELERY_RESEND_SECONDS", "300"))
CELERY_BROKER_URL = YOOINI_BROKER_URL
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = YOOINI_CELERY_QUEUE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Keep a worker's database connection across tasks (Celery closes it after each one
# otherwise); the task closes it by CONN_MAX_AGE, as a request would.
CELERY_DB_REUSE_MAX = 1000
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# Fernet key(s) that encrypt supplier credentials at rest (comma-separated to rotate: the
# first encrypts, all decrypt). Only from the environment, never a default: without it,
# storing or reading credentials fails with an error naming this variable.
YOOINI_CREDENTIALS_KEY = os.environ.get("YOOINI_CREDENTIALS_KEY", "")
# ... except the key `yooini sample` made for its own live accounts when none was set: read
# here, so every process on this var directory (its Celery workers too) opens them. A worker
# on another machine needs the variable; a key is never kept in the database.
_SAMPLE_KEY = VAR_DIR / "sample" / "credentials.key"
if not YOOINI_CREDENTIALS_KEY and _SAMPLE_KEY.is_file():
    YOOINI_CREDENTIALS_KEY = _SAMPLE_KEY.read_text().strip()

# Where the project keeps its files (SQLite database, images, the sample's state).
YOOINI_VAR_DIR = VAR_DIR


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


# Images (media/): stored on the local disk under YOOINI_MEDIA_ROOT, or on any S3-compatible
# store (Cloudflare R2) with YOOINI_MEDIA_STORAGE=s3 and the YOOINI_MEDIA_S3_* settings.
YOOINI_MEDIA_STORAGE = os.environ.get("YOOINI_MEDIA_STORAGE", "local")
YOOINI_MEDIA_ROOT = Path(os.environ.get("YOOINI_MEDIA_ROOT", VAR_DIR / "media")).resolve()
YOOINI_MEDIA_PUBLIC_URL = os.environ.get("YOOINI_MEDIA_PUBLIC_URL", "")
# Hosts (or host:port) images may come from even though they are private or loopback.
YOOINI_MEDIA_ALLOWED_HOSTS = _list("YOOINI_MEDIA_ALLOWED_HOSTS")
# Download limits (bytes, pixels, seconds), redirects followed, downloads at once.
YOOINI_MEDIA_MAX_BYTES = int(os.environ.get("YOOINI_MEDIA_MAX_BYTES", 15 * 1024 * 1024))
YOOINI_MEDIA_MAX_PIXELS = int(os.environ.get("YOOINI_MEDIA_MAX_PIXELS", 40_000_000))
YOOINI_MEDIA_TIMEOUT = float(os.environ.get("YOOINI_MEDIA_TIMEOUT", "20"))
YOOINI_MEDIA_MAX_REDIRECTS = int(os.environ.get("YOOINI_MEDIA_MAX_REDIRECTS", "5"))
YOOINI_MEDIA_FETCH_CONCURRENCY = int(os.environ.get("YOOINI_MEDIA_FETCH_CONCURRENCY", "8"))
YOOINI_MEDIA_S3_BUCKET = os.environ.get("YOOINI_MEDIA_S3_BUCKET", "")
YOOINI_MEDIA_S3_ENDPOINT_URL = os.environ.get("YOOINI_MEDIA_S3_ENDPOINT_URL", "")
YOOINI_MEDIA_S3_REGION = os.environ.get("YOOINI_MEDIA_S3_REGION", "auto")
YOOINI_MEDIA_S3_PREFIX = os.environ.get("YOOINI_MEDIA_S3_PREFIX", "")
YOOINI_MEDIA_S3_ACCESS_KEY_ID = os.environ.get("YOOINI_MEDIA_S3_ACCESS_KEY_ID", "")
YOOINI_MEDIA_S3_SECRET_ACCESS_KEY = os.environ.get("YOOINI_MEDIA_S3_SECRET_ACCESS_KEY", "")

# inventory_sync: a product with this many in stock or fewer counts as sold out on every
# market (a supplier's own "safety_stock" setting wins over it). 0: only stock 0 is sold out.
YOOINI_SAFETY_STOCK = int(os.environ.get("YOOINI_SAFETY_STOCK", "0"))

# Translation (ai/): "offline" needs no network or key; "openai" / "anthropic" use the
# official SDKs with YOOINI_OPENAI_API_KEY / YOOINI_ANTHROPIC_API_KEY and YOOINI_AI_MODEL.
YOOINI_AI_PROVIDER = os.environ.get("YOOINI_AI_PROVIDER", "offline")

# BUYMA: our own buyer ids (never treated as competitors) and the limited brands we may list.
YOOINI_BUYMA_OWN_BUYER_IDS = os.environ.get("YOOINI_BUYMA_OWN_BUYER_IDS", "")
YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS = _list("YOOINI_BUYMA_ALLOWED_LIMITED_BRANDS")

# PokerVOD (docs/pokervod.md): the NAS roots (separated by os.pathsep, ":"), the editors'
# sheet and its service-account key file, the catalog file. A batch's --param wins over them.
POKERVOD_NAS_ROOTS = [
    p for p in os.environ.get("YOOINI_POKERVOD_NAS_ROOTS", "").split(os.pathsep) if p.strip()
]
POKERVOD_SHEETS = {
    "spreadsheet_id": os.environ.get("YOOINI_POKERVOD_SPREADSHEET_ID", ""),
    "range": os.environ.get("YOOINI_POKERVOD_SHEET_RANGE", "Hands!A1:Z"),
    "key_column": os.environ.get("YOOINI_POKERVOD_SHEET_KEY_COLUMN", "hand_id"),
    "service_account_file": os.environ.get("YOOINI_POKERVOD_SERVICE_ACCOUNT_FILE", ""),
}
POKERVOD_CATALOG_FILE = os.environ.get("YOOINI_POKERVOD_CATALOG_FILE", "")
POKERVOD_MATCH_THRESHOLD = float(os.environ.get("YOOINI_POKERVOD_MATCH_THRESHOLD", "0.85"))


# File name rules as JSON: [{"name": ..., "pattern": ...}] (empty: the defaults).
def _json(name: str, default):
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}") from None


POKERVOD_FILENAME_RULES = _json("YOOINI_POKERVOD_FILENAME_RULES", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("YOOINI_LOG_LEVEL", "WARNING")},
}
