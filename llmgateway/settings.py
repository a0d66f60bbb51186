"""Django settings, all driven by the environment (django-environ); see docs/operations.md."""

import os
from pathlib import Path

import environ

from llmgateway.environment import env

BASE_DIR = Path(__file__).resolve().parent.parent

environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The development default starts with Django's "django-insecure-" marker, so `manage.py check
# --deploy` fails (security.W009) on a server that forgot to set its own.
SECRET_KEY = env.str(
    "SECRET_KEY", default="django-insecure-dev-secret-key-change-me-in-production-0123456789"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "djstripe",
    "llmgateway.apps.LlmgatewayConfig",
    "wallets",
    "sessions_app.apps.SessionsAppConfig",
    "billing",
    "proxy",
    "payouts",
    "dashboard",
]

# Django's stock middleware, minus the thread hops on the API (llmgateway/middleware.py).
MIDDLEWARE = [
    "llmgateway.middleware.InlineSecurityMiddleware",
    "llmgateway.parsers.reject_nul_middleware",
    "sessions_app.cors.SessionCorsMiddleware",
    "llmgateway.middleware.PagesSessionMiddleware",
    "llmgateway.middleware.InlineCommonMiddleware",
    "llmgateway.middleware.PagesCsrfViewMiddleware",
    "llmgateway.middleware.PagesAuthenticationMiddleware",
    "llmgateway.middleware.PagesMessageMiddleware",
    "llmgateway.middleware.InlineXFrameOptionsMiddleware",
    "llmgateway.middleware.ContentSecurityPolicyMiddleware",
]
# On every page outside /v1/ (llmgateway/middleware.py). Inline styles stay allowed: Django's
# admin sets style attributes; no inline script is allowed anywhere.
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default="default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self' https://connect.stripe.com; frame-ancestors 'none'",
)

ROOT_URLCONF = "llmgateway.urls"
WSGI_APPLICATION = "llmgateway.wsgi.application"
ASGI_APPLICATION = "llmgateway.asgi.application"

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
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Embedded default: a SQLite file. IMMEDIATE transactions take the write lock at BEGIN, so two
# writers queue instead of failing with "database is locked" half-way through a money transaction.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASE_IS_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if DATABASE_IS_SQLITE:
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # A file, not memory, so live test servers (daphne, Celery) in other processes can share it;
    # one per test process so parallel runs don't clobber each other.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f"test_db_{os.getpid()}.sqlite3")}
else:
    # Under ASGI every request runs its sync code on a thread of its own, so a persistent
    # connection (CONN_MAX_AGE > 0) stays open in a thread that has finished until the garbage
    # collector finds it: a burst of requests opened more connections than PostgreSQL allows.
    # Django's advice for ASGI is what we do: close at the end of each request (0), or borrow from
    # a per-process psycopg pool (DATABASE_POOL_MAX_SIZE > 0), which bounds the connections a
    # process can hold. docs/deploy.md "PostgreSQL".
    _pool_max_size = env.int("DATABASE_POOL_MAX_SIZE", default=0)
    if _pool_max_size > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(env.int("DATABASE_POOL_MIN_SIZE", default=1), _pool_max_size),
            "max_size": _pool_max_size,
            # Waiting longer than this for a free connection is a 503 `service_unavailable`.
            "timeout": env.float("DATABASE_POOL_TIMEOUT_SECONDS", default=10.0),
        }
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django refuses persistent + pooled
    else:
        DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # Behind PgBouncer in transaction mode a server connection changes hands between
    # transactions, so nothing may outlive one: no server-side cursors (`.iterator()`) and no
    # prepared statements (Django binds client-side already; the hot path's psycopg connections
    # prepare after 5 runs unless told not to). docs/deploy.md.
    if env.bool("PGBOUNCER_TRANSACTION_POOLING", default=False):
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# A read replica for reporting (docs/deploy.md): the dashboard's usage and revenue figures and
# their CSV export read from it when it is set; money reads (balances, holds, ledgers) and every
# write stay on the primary. In tests it mirrors the primary.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"].setdefault("CONN_MAX_AGE", 0)
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"

# --- The developer dashboard (dashboard/; docs/dashboard.md) --------------------------------
LOGIN_URL = "dashboard:login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "dashboard:login"
# Password-reset and invitation emails; the console backend prints them (set SMTP in production:
# EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST and friends).
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="LLM Gateway <noreply@localhost>")
STATIC_ROOT = BASE_DIR / "staticfiles"
# The browser SDK is served as /static/llmgateway/client.js, elements.js, react.js: sdk/js/static
# links to those files in the npm packages' sources (sdk/js/packages; docs/sdk-js.md).
STATICFILES_DIRS = [("llmgateway", BASE_DIR / "sdk" / "js" / "static")]

# --- Redis: Celery broker, channel layer, cache ---------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "llmgateway.channel_layers.OutageTolerantRedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# With acks_late, a task whose worker died is redelivered once this many seconds have passed
# since it was taken (Redis broker); keep it above the longest task.
CELERY_VISIBILITY_TIMEOUT_SECONDS = env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=3600)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS}
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="llmgateway")
# Task modules besides each app's tasks.py (which autodiscovery finds): they sit below or above it
# so that no service and task import each other in a circle (billing/tasks.py, payouts/tasks.py).
CELERY_IMPORTS = ("billing.payment_events.tasks", "billing.webhooks.tasks", "payouts.periodic")
CELERY_BEAT_SCHEDULE = {
    "release-expired-holds": {
        "task": "wallets.tasks.release_expired_holds",
        "schedule": 60.0,
    },
    "retry-due-webhook-deliveries": {
        "task": "billing.tasks.webhook_deliveries_retry_due",
        "schedule": 30.0,
    },
    "low-balance-scan": {
        "task": "billing.tasks.wallets_low_balance_scan",
        "schedule": 60.0,
    },
    "payouts-automatic": {
        "task": "payouts.tasks.payouts_automatic",
        "schedule": env.float("PAYOUT_AUTO_INTERVAL_SECONDS", default=3600.0),
    },
    "payouts-resume-stuck": {
        "task": "payouts.tasks.payouts_resume_stuck",
        "schedule": 60.0,
    },
    # The books check since the last checkpoint, then a new seal (docs/ledger.md).
    "ledger-check": {
        "task": "wallets.tasks.ledger_check_scheduled",
        "schedule": env.float("LEDGER_CHECK_INTERVAL_SECONDS", default=86400.0),
    },
}

# --- Money and platform settings ------------------------------------------------------------
PLATFORM_FEE_PERCENT = env.str("PLATFORM_FEE_PERCENT", default="0")
# A hold is released by the periodic task when its request has not settled by then.
HOLD_TTL_SECONDS = env.int("HOLD_TTL_SECONDS", default=900)

# --- Top-ups and developer webhooks (billing/services/topups.py, billing/webhooks/) -------------
# Defaults for every project; a project's ProjectBillingSettings row overrides them.
TOPUP_MIN_USD = env.str("TOPUP_MIN_USD", default="5")
TOPUP_MAX_USD = env.str("TOPUP_MAX_USD", default="5000")
LOW_BALANCE_THRESHOLD_USD = env.str("LOW_BALANCE_THRESHOLD_USD", default="1")
# Local development only: lets test-mode webhook endpoints be plain http on a loopback address.
WEBHOOK_ALLOW_HTTP_LOOPBACK = env.bool("WEBHOOK_ALLOW_HTTP_LOOPBACK", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
# Ports a webhook URL may name besides 443 (docs/security.md, "SSRF"): a URL cannot aim at a
# mail, database or admin port of a public host.
WEBHOOK_ALLOWED_PORTS = [int(port) for port in env.list("WEBHOOK_ALLOWED_PORTS", default=["8443"])]

# --- Connect onboarding and margin payouts (payouts/; docs/payouts.md) -------------------------
PAYOUT_MIN_USD = env.str("PAYOUT_MIN_USD", default="1")
# Automatic payouts pay organizations whose available margin reaches this (per-organization
# override in admin: Payout settings).
PAYOUT_AUTO_THRESHOLD_USD = env.str("PAYOUT_AUTO_THRESHOLD_USD", default="25")
# A pending or processing payout untouched this long is handed to the transfer task again.
PAYOUT_STUCK_AFTER_SECONDS = env.int("PAYOUT_STUCK_AFTER_SECONDS", default=300)
# Where Stripe sends the developer after onboarding (returnUrl) or when the link expired
# (refreshUrl), unless the request names them.
CONNECT_RETURN_URL = env.str("CONNECT_RETURN_URL", default="")
CONNECT_REFRESH_URL = env.str("CONNECT_REFRESH_URL", default="")

# The hot path's money steps as plain SQL on an async connection pool (wallets/holds/pg.py);
# PostgreSQL only, on by default there. Each process (worker) opens up to HOTPATH_PG_POOL_SIZE
# connections to the database for it.
HOTPATH_PG = env.bool("HOTPATH_PG", default=not DATABASE_IS_SQLITE)
HOTPATH_PG_POOL_SIZE = env.int("HOTPATH_PG_POOL_SIZE", default=16)
# psycopg prepares a statement after this many runs on a connection; none behind PgBouncer in
# transaction mode (whose server connections change hands between transactions).
HOTPATH_PG_PREPARE_THRESHOLD = (
    None
    if env.bool("PGBOUNCER_TRANSACTION_POOLING", default=False)
    else env.int("HOTPATH_PG_PREPARE_THRESHOLD", default=5)
)
# With the fast path, the billed endpoints remember an authenticated key or session this long
# in process (revocation still applies at once: the reserve statement re-checks it).
PRINCIPAL_CACHE_SECONDS = env.float("PRINCIPAL_CACHE_SECONDS", default=10.0)

# The largest body the model endpoints (chat, embeddings, images) accept; larger is a 413
# `request_too_large`. Chat bodies carry whole conversations and base64 images, so this is far
# above Django's DATA_UPLOAD_MAX_MEMORY_SIZE, which still bounds every other form and page.
MODEL_REQUEST_MAX_BYTES = env.int("MODEL_REQUEST_MAX_BYTES", default=20 * 1024 * 1024)
# The billed endpoints are answered by a bare ASGI front ahead of Django's handler
# (proxy/transports/asgi_front.py); off, Django serves them through the same code
# (proxy/transports/views.py).
GATEWAY_ASGI_FRONT = env.bool("GATEWAY_ASGI_FRONT", default=True)

# Request logs are written in batches this often, off the response path (0: at once).
REQUEST_LOG_FLUSH_SECONDS = env.float("REQUEST_LOG_FLUSH_SECONDS", default=0.5)

# --- Stripe / dj-stripe ----------------------------------------------------------------------
STRIPE_LIVE_SECRET_KEY = env.str("STRIPE_LIVE_SECRET_KEY", default="")
STRIPE_TEST_SECRET_KEY = env.str("STRIPE_TEST_SECRET_KEY", default="")
STRIPE_LIVE_PUBLISHABLE_KEY = env.str("STRIPE_LIVE_PUBLISHABLE_KEY", default="")
STRIPE_TEST_PUBLISHABLE_KEY = env.str("STRIPE_TEST_PUBLISHABLE_KEY", default="")
STRIPE_LIVE_MODE = env.bool("STRIPE_LIVE_MODE", default=False)
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
DJSTRIPE_FOREIGN_KEY_TO_FIELD = "id"
DJSTRIPE_USE_NATIVE_JSONFIELD = True
# dj-stripe's schema in one migration, ~100 s faster per new database (docs/deploy.md).
MIGRATION_MODULES = {"djstripe": "billing.djstripe_migrations"}

# --- REST framework --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # The API's bearer keys (sk_, es_); an ApiView with no `allowed_auth` reads none
    # (llmgateway/api.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ["sessions_app.authentication.BearerAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": [],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["llmgateway.parsers.StrictJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "llmgateway.api.exception_handler",
}
# What ApiView checks on an authenticated caller: its kind of key, a restricted key's permission,
# the rate limit (sessions_app/access.py; named here so that the kernel imports no app).
API_PRINCIPAL_CHECK = "sessions_app.access.principal_check"
RATE_LIMIT_SECRET_KEY_PER_MINUTE = env.int("RATE_LIMIT_SECRET_KEY_PER_MINUTE", default=3000)
RATE_LIMIT_SESSION_PER_MINUTE = env.int("RATE_LIMIT_SESSION_PER_MINUTE", default=300)
# Dashboard throttles (dashboard/throttle.py; docs/security.md "Throttles"), per window:
# failed log-ins per account and per client address, reset mails per email and per address,
# sign-ups per address. 0 turns one off. The namespace separates counters (tests set it).
AUTH_THROTTLE_WINDOW_SECONDS = env.int("AUTH_THROTTLE_WINDOW_SECONDS", default=15 * 60)
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=10)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
PASSWORD_RESETS_PER_EMAIL = env.int("PASSWORD_RESETS_PER_EMAIL", default=3)
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=20)
SIGNUPS_PER_ADDRESS = env.int("SIGNUPS_PER_ADDRESS", default=10)
AUTH_THROTTLE_NAMESPACE = env.str("AUTH_THROTTLE_NAMESPACE", default="v1")
# An embedded session's absolute lifetime from minting: refresh cannot carry it further.
# A project can set its own (Project.session_max_lifetime_seconds, in admin).
EMBEDDED_SESSION_MAX_LIFETIME_SECONDS = env.int(
    "EMBEDDED_SESSION_MAX_LIFETIME_SECONDS", default=24 * 3600
)

# --- WebSocket chat (/v1/ws, proxy/transports/websocket.py; docs/websocket.md) ----------------
# Chats in flight at once on one socket, and for one session across all its sockets.
WS_MAX_CONCURRENT_PER_SOCKET = env.int("WS_MAX_CONCURRENT_PER_SOCKET", default=4)
WS_MAX_CONCURRENT_PER_SESSION = env.int("WS_MAX_CONCURRENT_PER_SESSION", default=8)
# A larger client message is refused (error `message_too_large`).
WS_MAX_MESSAGE_BYTES = env.int("WS_MAX_MESSAGE_BYTES", default=1_048_576)
# Closed (4408) after this long with no client message and no chat in flight.
WS_IDLE_TIMEOUT_SECONDS = env.float("WS_IDLE_TIMEOUT_SECONDS", default=300.0)
# Closed (4401) when `session.auth` has not arrived this long after connecting.
WS_AUTH_TIMEOUT_SECONDS = env.float("WS_AUTH_TIMEOUT_SECONDS", default=10.0)
# How often each process checks its sockets' sessions for expiry and revocation (one query).
WS_SESSION_CHECK_SECONDS = env.float("WS_SESSION_CHECK_SECONDS", default=0.5)
# A charge's `wallet.balance` push waits this long first, so a burst of charges on one wallet
# is announced by one push carrying the latest balance (wallets/notify.py); 0 pushes at once.
WALLET_PUSH_COALESCE_SECONDS = env.float("WALLET_PUSH_COALESCE_SECONDS", default=0.02)
SPECTACULAR_SETTINGS = {
    "TITLE": "LLM Gateway API",
    "DESCRIPTION": "OpenAI-compatible gateway with embedded end-user wallets.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page are public: no bearer is read there.
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # The OpenAI-compatible endpoints are plain async views; their paths are added here.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "proxy.openapi.add_gateway_paths",
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

if not DEBUG:
    SESSION_COOKIE_HTTPONLY = True
    CSRF_COOKIE_HTTPONLY = False
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# --- HTTPS (docs/security.md) ------------------------------------------------------------------
# `make run` serves plain http on localhost, so the HTTPS-only settings switch on together with
# DEPLOY_HTTPS=true (production, behind TLS); each can still be set on its own.
DEPLOY_HTTPS = env.bool("DEPLOY_HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=DEPLOY_HTTPS)
# Load balancers probe health over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if DEPLOY_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=DEPLOY_HTTPS)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=DEPLOY_HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=DEPLOY_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=DEPLOY_HTTPS)
SECURE_REFERRER_POLICY = "same-origin"
# Only behind a proxy that terminates TLS and overwrites X-Forwarded-Proto: anywhere else a
# client could claim https with it.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Django's checks look for its own middleware by dotted path; ours subclass them
# (llmgateway/middleware.py) and llmgateway/checks.py runs the same checks for the subclasses.
SILENCED_SYSTEM_CHECKS = ["security.W001", "security.W002", "security.W003"]
