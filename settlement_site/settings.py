"""The only settings file. Every knob comes from the environment with a laptop-safe default.

Strict helpers: a malformed value fails at start-up with ImproperlyConfigured instead of being
silently read as something else.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_EVAL, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

# A development key is generated once per checkout (var/secret_key) so that a laptop run needs no
# configuration while no key is ever committed. Production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    _key_file = VAR_DIR / "secret_key"
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # django-unfold before django.contrib.admin: its templates and its AdminSite replace the stock
    # ones (docs/decisions.md#admin-theme).
    "unfold",
    "unfold.contrib.filters",
    "unfold.contrib.forms",
    "unfold.contrib.import_export",
    "unfold.contrib.simple_history",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_q",
    "axes",  # lockout after repeated failed logins (docs/security.md, README "Security")
    "csp",
    "health_check",  # GET /health/ and `manage.py health_check` (docs/deploy.md#health-checks)
    "core",
    "policies",
    "partners",
    "settlements",
    "payouts",
    "invoices",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the app itself with DEBUG off: `make run` needs no web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page (CONTENT_SECURITY_POLICY below); inline scripts carry
    # {{ request.csp_nonce }}.
    "csp.middleware.CSPMiddleware",
    # Outermost of ours: whatever DEBUG is, an API path never answers Django's HTML error pages.
    "core.api.middleware.JsonApiErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "settlement_site.locale.KoreanFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.api.idempotency.IdempotencyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "settlement_site.urls"

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

WSGI_APPLICATION = "settlement_site.wsgi.application"

# --- Database -----------------------------------------------------------------------------------
# SQLite under var/ by default; DATABASE_URL=postgres://… selects PostgreSQL through psycopg 3.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # With Django's default of 0 the django-q2 ORM broker reconnects on every enqueue: 35 tasks/s
    # measured on the 2-core box versus ~1,260/s with 600 (docs/decisions.md#database-connections).
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite: wait for the writer instead of failing with "database is locked" while the
    # django-q2 worker and the web server share the file.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # A file, not Django's shared in-memory database: live-server threads then open their own
    # connections instead of borrowing the test thread's.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Security (README "Security") ----------------------------------------------------------------
# django-axes: 5 failed logins for one username from one address lock that pair out for 15
# minutes; a successful login clears the count. Unlock earlier with `python manage.py axes_reset`
# (everyone) or `axes_reset_username <name>`. Its backend must come first: it refuses a locked-out
# pair before the password is checked. It needs the request, so tests log in with force_login
# (Client.login passes none and axes refuses it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# unfold's login form carries no `next` field: a login from /admin/login/ itself would land on
# Django's default /accounts/profile/ (a 404)
LOGIN_REDIRECT_URL = "/admin/"
LOGIN_URL = "/admin/login/"
AXES_ENABLED = env_bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# the Korean lockout page, templates/axes/lockout.html
AXES_LOCKOUT_CALLABLE = "core.admin.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
# The address is REMOTE_ADDR, never X-Forwarded-For (a client could rotate it to dodge the count):
# behind a proxy every client shares the proxy's address and the lockout is then per username.
# axes' own admin pages (stock Django look, outside the sidebar) stay off: `python manage.py
# axes_list_attempts` lists the failed attempts.
AXES_ENABLE_ADMIN = False

# HTTPS=1: the site is served over HTTPS only, behind a proxy (nginx, a load balancer) that ends
# TLS and sets X-Forwarded-Proto (overwriting any value the client sent). Secure-only cookies, HSTS
# for a year (subdomains, preload list), plain HTTP redirected; `check --deploy` reports no issue.
HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None

# Content-Security-Policy (django-csp): only our own origin. Scripts need the page's nonce when
# inline; 'unsafe-eval' because unfold's Alpine.js evaluates its x-data/x-on attributes with
# Function(). Styles allow 'unsafe-inline': unfold and Swagger UI write style attributes and
# <style> blocks (no nonce there: a nonce would switch 'unsafe-inline' off).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE, UNSAFE_EVAL],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale" / "corrections", BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up without it
# `make run` runs collectstatic; compressed copies are made then, and WhiteNoise serves them with
# far-future headers. Without a manifest, so that a test or a shell never needs collectstatic first.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the apps' static folders too, so a checkout that skipped collectstatic (tests,
# a shell-started server) still gets a styled admin.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=True)

# --- Admin (django-unfold) ----------------------------------------------------------------------
# Navigation by task, not by Django app: core.admin.navigation builds the sidebar per request.
UNFOLD = {
    "SITE_TITLE": _("파트너 정산"),
    "SITE_HEADER": _("파트너 정산"),
    "SITE_SUBHEADER": _("정산 백오피스"),
    "SITE_SYMBOL": "account_balance",
    "SITE_URL": "/admin/",
    "SHOW_LANGUAGES": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "settlements.admin.home.dashboard_callback",
    "STYLES": ["core.admin.navigation.stylesheet"],
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "core.admin.navigation.sidebar",
    },
    "COLORS": {
        "primary": {
            "50": "oklch(97% .014 254.604)",
            "100": "oklch(93.2% .032 255.585)",
            "200": "oklch(88.2% .059 254.128)",
            "300": "oklch(80.9% .105 251.813)",
            "400": "oklch(70.7% .165 254.624)",
            "500": "oklch(62.3% .214 259.815)",
            "600": "oklch(54.6% .245 262.881)",
            "700": "oklch(48.8% .243 264.376)",
            "800": "oklch(42.4% .199 265.638)",
            "900": "oklch(37.9% .146 265.522)",
            "950": "oklch(28.2% .091 267.935)",
        },
    },
}

# --- Personal data ------------------------------------------------------------------------------
# Fernet keys (urlsafe base64, 32 bytes) for account numbers and birth dates, comma-separated:
# the first encrypts, all decrypt (rotation: docs/security.md#encryption-keys). A deployment
# (SECRET_KEY set, DEBUG off) must set it and keep it with the backups. A checkout (`make run`,
# `make test`) gets var/field_encryption_key, written once and independent of SECRET_KEY from then
# on; it starts as the key earlier versions derived from SECRET_KEY, so existing data stays legible.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "").strip()
_MAKE_FERNET_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
if not FIELD_ENCRYPTION_KEY and os.environ.get("SECRET_KEY") and not DEBUG:
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEY must be set when SECRET_KEY is set and DEBUG is off: it encrypts "
        f"account numbers and birth dates. Make one with {_MAKE_FERNET_KEY} and keep it with the "
        "backups (data written under a lost key cannot be read again)."
    )
if not FIELD_ENCRYPTION_KEY:
    _field_key_file = VAR_DIR / "field_encryption_key"
    if not _field_key_file.exists():
        import base64
        import hashlib

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        _derived = hashlib.sha256(b"field-encryption:" + SECRET_KEY.encode()).digest()
        # Written aside and renamed: parallel test workers never read a half-written file.
        _partial = VAR_DIR / f".field_encryption_key.{os.getpid()}"
        _partial.write_text(base64.urlsafe_b64encode(_derived).decode())
        _partial.chmod(0o600)
        os.replace(_partial, _field_key_file)
    FIELD_ENCRYPTION_KEY = _field_key_file.read_text().strip()
for _position, _field_key in enumerate(FIELD_ENCRYPTION_KEY.split(","), start=1):
    try:
        from cryptography.fernet import Fernet

        Fernet(_field_key.strip() or "-")
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEY: key {_position} is not a Fernet key (32 bytes, urlsafe "
            f"base64, 44 characters); make one with {_MAKE_FERNET_KEY}"
        ) from exc

# --- E-mail ------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "settlement@localhost")
# The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes each
# message as a file in this directory.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)

# --- Background jobs (django-q2) ------------------------------------------------------------------
# The ORM broker needs no extra server. `retry` must stay larger than `timeout`, or a slow task
# is handed out a second time while the first run is still going
# (docs/decisions.md#django-q2-retry-and-timeout).
Q_CLUSTER = {
    "name": "settlement",
    "workers": env_int("Q_WORKERS", 2),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "poll": 0.5,
    "catch_up": False,
    "orm": "default",
    "time_zone": TIME_ZONE,
}
if os.environ.get("REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = os.environ["REDIS_URL"]

# --- Processes and health checks (docs/deploy.md) -----------------------------------------------
# `manage.py worker` (django-q2's cluster with a prompt stop, docs/deploy.md#stopping-a-worker):
# on SIGTERM a running task gets this long to finish before it is abandoned and given back to
# the broker; keep systemd's TimeoutStopSec above it plus ~10 s.
Q_STOP_GRACE_SECONDS = env_int("Q_STOP_GRACE_SECONDS", 10)
# /health/ fails when the oldest task waiting in the queue, or the most overdue schedule, is older
# than this: no worker is taking work (docs/deploy.md#health-checks).
Q_MAX_QUEUE_AGE = env_int("Q_MAX_QUEUE_AGE", 300)
# Recovery of background work whose task was lost (a cluster killed with SIGKILL takes its task
# off the Redis list for good; docs/scale-out.md#what-recovers-what): the minute schedules enqueue
# again what has waited this long.
INVOICE_BULK_RESUME_AFTER_SECONDS = env_int("INVOICE_BULK_RESUME_AFTER_SECONDS", 120)
PAYOUT_STATEMENT_RESEND_AFTER_SECONDS = env_int("PAYOUT_STATEMENT_RESEND_AFTER_SECONDS", 600)
# A bulk tax-invoice request of up to this many payouts is made in the request; larger ones in
# a background task (invoices.services.bulk).
INVOICE_BULK_INLINE_MAX = env_int("INVOICE_BULK_INLINE_MAX", 1000)
# A load balancer probes /health/ over plain HTTP even when HTTPS=1 redirects everything else.
SECURE_REDIRECT_EXEMPT = [r"^health/"]

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["core.api.auth.PortOneSecretAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.auth.HasApiSecret"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.openapi.PortOneAutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "파트너 정산 API (PortOne 호환)",
    "DESCRIPTION": (
        "포트원 파트너 정산(Platform) API와 같은 경로·본문·오류를 씁니다: 공식 Python SDK "
        "`portone-server-sdk==0.21.0`을 `base_url`만 바꿔 그대로 쓸 수 있습니다.\n\n"
        "**인증**: 오른쪽 위 *Authorize*를 누르고 `PortOne <API 시크릿>`을 입력하세요 "
        "(시크릿은 `python manage.py create_api_secret <이름>` 또는 관리자 화면의 *API 시크릿*에서 "
        "만듭니다). 그다음 각 API의 *Try it out*으로 바로 호출해 볼 수 있습니다.\n\n"
        "**규칙**: 금액은 원 단위 정수, 비율은 밀리퍼센트 정수(1,000 = 1 %), 날짜는 "
        "`yyyy-MM-dd`. 목록 조회는 `requestBody` 쿼리 파라미터에 JSON(`page`, `filter`)을 "
        "담습니다. `test=true`면 테스트 데이터만 다룹니다. POST에 `Idempotency-Key` 헤더를 "
        "주면 같은 요청은 한 번만 처리됩니다. "
        '오류는 `{"type": "…", "message": "…"}`입니다.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Authorize once: the secret survives a reload of /api/docs/ (kept in the browser only).
    "SWAGGER_UI_SETTINGS": {
        "persistAuthorization": True,
        "deepLinking": True,
        "displayOperationId": True,
        "filter": True,
        "docExpansion": "none",
        # no badge from validator.swagger.io: it would send the schema's URL out (and CSP blocks it)
        "validatorUrl": None,
    },
    "COMPONENT_SPLIT_REQUEST": True,
    # Request/response bodies derived from portone-server-sdk (scripts/gen_openapi_schemas.py),
    # then the PortOne security scheme, a Korean tag per area and the SDK's titles.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.openapi.add_portone_bodies",
        "core.api.openapi.describe_for_integrators",
    ],
}

# Idempotency keys are kept this long; a reuse after that is a new request (Stripe's rule).
IDEMPOTENCY_KEY_TTL_HOURS = 24
# The largest API request body (docs/api.md, "Limits"); above it 413. Django's own
# DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) still holds for every other path.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 32 * 1024 * 1024)

# No account number, birth date or secret in any log line (settlement_site/logging.py): the filter
# sits on every handler, so the access log (django.server: the account-holder lookup carries the
# number in its path) and error reports (django.request) are masked too. gunicorn's own loggers
# are set up by gunicorn.conf.py (configuring them here would drop its handlers).
# LOG_FORMAT=json: one JSON object per line on every console handler, gunicorn's included, for a
# log collector (docs/deploy.md#logs); the default "text" stays the human-readable lines.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, got {LOG_FORMAT!r}")
_JSON_LOGS = LOG_FORMAT == "json"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "settlement_site.logging.MaskSecretsFilter"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
        "json": {"()": "settlement_site.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_secrets"],
            **({"formatter": "json"} if _JSON_LOGS else {}),
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if _JSON_LOGS else "django.server",
            "filters": ["mask_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # on the loggers too: masked before any handler, a test's or a later-added one included
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["mask_secrets"],
            "level": "INFO",
            "propagate": False,
        },
        "django.request": {"filters": ["mask_secrets"]},
    },
}

# --- Outside services (adapters in <app>/providers.py; sandbox by default) ---------------------
# 휴폐업 조회: "sandbox" (deterministic, see README) or "nts" (data.go.kr NTS business-status API).
COMPANY_STATE_PROVIDER = env_str("COMPANY_STATE_PROVIDER", "sandbox")
NTS_SERVICE_KEY = env_str("NTS_SERVICE_KEY", "")
NTS_API_URL = env_str("NTS_API_URL", "https://api.odcloud.kr/api/nts-businessman/v1/status")
NTS_TIMEOUT_SECONDS = env_int("NTS_TIMEOUT_SECONDS", 10)
COMPANY_STATE_CACHE_SECONDS = env_int("COMPANY_STATE_CACHE_SECONDS", 3600)
# 예금주 조회: "sandbox" or "http" (a bank-account verification service configured by URL and key).
ACCOUNT_HOLDER_PROVIDER = env_str("ACCOUNT_HOLDER_PROVIDER", "sandbox")
ACCOUNT_HOLDER_API_URL = env_str("ACCOUNT_HOLDER_API_URL", "")
ACCOUNT_HOLDER_API_KEY = env_str("ACCOUNT_HOLDER_API_KEY", "")
ACCOUNT_HOLDER_TIMEOUT_SECONDS = env_int("ACCOUNT_HOLDER_TIMEOUT_SECONDS", 10)
# PortOne payments behind ORDER transfers: "local" (payments table only, fed by the API, files and
# webhooks) or "http" (also ask PortOne's REST API with this separately configured secret).
PORTONE_PAYMENT_RESOLVER = env_str("PORTONE_PAYMENT_RESOLVER", "local")
PORTONE_API_URL = env_str("PORTONE_API_URL", "https://api.portone.io")
PORTONE_API_SECRET = env_str("PORTONE_API_SECRET", "")
PORTONE_API_TIMEOUT_SECONDS = env_int("PORTONE_API_TIMEOUT_SECONDS", 10)
# PortOne payment webhooks (Standard Webhooks signature); the secret starts with whsec_.
PORTONE_WEBHOOK_SECRET = env_str("PORTONE_WEBHOOK_SECRET", "")
# The test-mode webhook secret (PortOne's console has one per mode): `?test=true` deliveries are
# checked with it, so the unsigned query flag cannot move a live delivery into test (or back).
PORTONE_WEBHOOK_TEST_SECRET = env_str("PORTONE_WEBHOOK_TEST_SECRET", "")
# E-tax-invoice service for 국세청 연동 and (later) issuance: "sandbox" only for now.
ETAX_PROVIDER = env_str("ETAX_PROVIDER", "sandbox")
# Payouts (docs/payouts.md#bank-adapters): the bank that sends AGENCY payouts. "sandbox" answers by
# the account number's last digit (9 fails, 8 maintenance, 7 time-out, else succeeds); "http" is a
# firm-banking API speaking our JSON contract. Test mode always uses the sandbox.
PAYOUT_BANK_PROVIDER = env_str("PAYOUT_BANK_PROVIDER", "sandbox")
PAYOUT_BANK_API_URL = env_str("PAYOUT_BANK_API_URL", "")
PAYOUT_BANK_API_KEY = env_str("PAYOUT_BANK_API_KEY", "")
PAYOUT_BANK_TIMEOUT_SECONDS = env_int("PAYOUT_BANK_TIMEOUT_SECONDS", 10)
PAYOUT_BANK_LATENCY_MS = env_int("PAYOUT_BANK_LATENCY_MS", 0)  # the sandbox's answer time
# the sandbox bank's own book of accepted transfers (a SQLite file apart from the database)
PAYOUT_SANDBOX_BANK_BOOK = env_str(
    "PAYOUT_SANDBOX_BANK_BOOK", str(VAR_DIR / "sandbox-bank.sqlite3")
)
# the live payout account (지급 계좌) as first created; editable later in the admin (지급 계좌·원장)
PAYOUT_ACCOUNT_BANK = env_str("PAYOUT_ACCOUNT_BANK", "KOOKMIN")
PAYOUT_ACCOUNT_NUMBER = env_str("PAYOUT_ACCOUNT_NUMBER", "")
PAYOUT_ACCOUNT_HOLDER = env_str("PAYOUT_ACCOUNT_HOLDER", "")
PAYOUT_BANK_FEE = env_int("PAYOUT_BANK_FEE", 0)  # won per succeeded transfer, its own ledger entry
PAYOUT_MAX_ATTEMPTS = env_int("PAYOUT_MAX_ATTEMPTS", 3)  # sends of a temporarily refused transfer
PAYOUT_RETRY_BACKOFF_MS = env_int("PAYOUT_RETRY_BACKOFF_MS", 500)  # doubled after each attempt
PAYOUT_RECOVERY_AFTER_SECONDS = env_int("PAYOUT_RECOVERY_AFTER_SECONDS", 120)
PAYOUT_RUN_BATCH = env_int("PAYOUT_RUN_BATCH", 100)  # payouts claimed, sent, recorded together
PAYOUT_RUN_BATCH_SECONDS = env_int("PAYOUT_RUN_BATCH_SECONDS", 5)  # smaller batches on a slow bank
# Maker-checker: a bulk payout above this total starts only after another person approves it.
PAYOUT_APPROVAL_THRESHOLD = env_int("PAYOUT_APPROVAL_THRESHOLD", 10_000_000)
# the admin builds a bulk payout of more settlements than this in the background (PREPARING)
PAYOUT_BACKGROUND_SETTLEMENTS = env_int("PAYOUT_BACKGROUND_SETTLEMENTS", 2_000)
PAYOUT_TEST_OPENING_BALANCE = 1_000_000_000  # the test-mode ledger's opening deposit (KRW)
# Outgoing webhooks (docs/webhooks.md#disabling): an endpoint is disabled after this many failed
# attempts in a row spanning at least this many hours; loopback/private receivers only if allowed.
OUTBOUND_WEBHOOK_DISABLE_AFTER_FAILURES = env_int("OUTBOUND_WEBHOOK_DISABLE_AFTER_FAILURES", 5)
OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS = env_int("OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS", 24)
OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS = env_bool("OUTBOUND_WEBHOOK_ALLOW_PRIVATE_NETWORKS", DEBUG)
# Settlement statements (정산 내역서, docs/payouts.md#settlement-statements): the PDF e-mailed to a
# partner after a payout succeeds. STATEMENT_TEMPLATE names a Django template that replaces ours;
# the logo is a file path (PNG, JPEG or SVG) embedded in the PDF.
STATEMENT_COMPANY_NAME = env_str("STATEMENT_COMPANY_NAME", "파트너 정산")
STATEMENT_COMPANY_LOGO = env_str("STATEMENT_COMPANY_LOGO", "")
STATEMENT_TEMPLATE = env_str("STATEMENT_TEMPLATE", "payouts/statement.html")
STATEMENT_FROM_EMAIL = env_str("STATEMENT_FROM_EMAIL", DEFAULT_FROM_EMAIL)
STATEMENT_MAX_TRANSFER_LINES = env_int("STATEMENT_MAX_TRANSFER_LINES", 300)  # per settlement
# Tax invoices (docs/invoices.md). Our own company (자사): the recipient of REVERSE invoices and the
# default supplier of NORMAL ones; these fill its profile when `migrate` creates it (the admin edits
# it afterwards, `manage.py own_company --from-env` applies them again).
OWN_COMPANY_BRN = env_str("OWN_COMPANY_BRN", "")
OWN_COMPANY_NAME = env_str("OWN_COMPANY_NAME", "")
OWN_COMPANY_REPRESENTATIVE_NAME = env_str("OWN_COMPANY_REPRESENTATIVE_NAME", "")
OWN_COMPANY_ADDRESS = env_str("OWN_COMPANY_ADDRESS", "")
OWN_COMPANY_BUSINESS_TYPE = env_str("OWN_COMPANY_BUSINESS_TYPE", "")
OWN_COMPANY_BUSINESS_CLASS = env_str("OWN_COMPANY_BUSINESS_CLASS", "")
OWN_COMPANY_CONTACT_NAME = env_str("OWN_COMPANY_CONTACT_NAME", "")
OWN_COMPANY_CONTACT_EMAIL = env_str("OWN_COMPANY_CONTACT_EMAIL", "")
OWN_COMPANY_CONTACT_PHONE = env_str("OWN_COMPANY_CONTACT_PHONE", "")
# The absolute address partners reach this server at: the e-mailed reverse-issuance links and the
# signed PDF/print URLs are built on it.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000")
# How long an e-mailed reverse-issuance link stays valid (renewed on re-send): two months.
INVOICE_LINK_MAX_AGE_DAYS = env_int("INVOICE_LINK_MAX_AGE_DAYS", 62)
# Signed viewer URLs (pdf-download-url, print-url, popup-url): minutes.
INVOICE_VIEWER_URL_MINUTES = env_int("INVOICE_VIEWER_URL_MINUTES", 10)
INVOICE_FROM_EMAIL = env_str("INVOICE_FROM_EMAIL", DEFAULT_FROM_EMAIL)
# 알림톡-style messenger beside e-mail: "sandbox" (records messages), "http" (a JSON API at
# MESSENGER_API_URL) or "none".
MESSENGER_PROVIDER = env_str("MESSENGER_PROVIDER", "sandbox")
MESSENGER_API_URL = env_str("MESSENGER_API_URL", "")
MESSENGER_API_KEY = env_str("MESSENGER_API_KEY", "")
MESSENGER_SENDER_KEY = env_str("MESSENGER_SENDER_KEY", "")
MESSENGER_TIMEOUT_SECONDS = env_int("MESSENGER_TIMEOUT_SECONDS", 10)
# NTS transmission (국세청 전송): "sandbox" walks ISSUED → … → SENDING_COMPLETED, one step every
# NTS_SANDBOX_STEP_SECONDS; "export" writes the standard e-tax-invoice XML to NTS_EXPORT_DIR.
NTS_PROVIDER = env_str("NTS_PROVIDER", "sandbox")
NTS_SANDBOX_STEP_SECONDS = env_int("NTS_SANDBOX_STEP_SECONDS", 2)
NTS_EXPORT_DIR = env_str("NTS_EXPORT_DIR", str(VAR_DIR / "nts-export"))
# Issued invoices go to the NTS on the next business day at this KST hour (send-to-nts: at once).
NTS_SEND_HOUR = env_int("NTS_SEND_HOUR", 15)
# Counterparty NTS connection in the sandbox completes after this many seconds.
COUNTERPARTY_CONNECT_SECONDS = env_int("COUNTERPARTY_CONNECT_SECONDS", 2)
# 사업자정보 조회 (business information): "sandbox" (deterministic) like COMPANY_STATE_PROVIDER.
BUSINESS_INFO_PROVIDER = env_str("BUSINESS_INFO_PROVIDER", "sandbox")
# A business partner's payout waits until its tax invoice is issued
# (docs/invoices.md#payouts-waiting-for-their-invoice).
PAYOUT_REQUIRES_ISSUED_TAX_INVOICE = env_bool("PAYOUT_REQUIRES_ISSUED_TAX_INVOICE", default=False)
# WeasyPrint logs every layout step at INFO ("Step 5 - Creating layout"): warnings only.
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}
# WeasyPrint keeps ~0.25 MB per rendered PDF in the worker (measured, bench/statements.py): a worker
# past this resident size is replaced after its task (django-q2's max_rss, in KB), so statement
# sending runs in bounded memory whatever `recycle` says.
Q_CLUSTER.setdefault("max_rss", env_int("Q_MAX_RSS_KB", 358_400))
