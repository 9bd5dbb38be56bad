"""caseflow settings: one module, read from the environment, secure unless told otherwise.

Every value comes from an environment variable (or NAME_FILE for secrets); a bad value stops the
process with ImproperlyConfigured instead of being guessed. `.env.example` lists them all.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from caseflow.env import env_bool, env_int, env_list, env_optional, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("CASEFLOW_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)


SECRET_KEY = env_optional("SECRET_KEY") or ""


def _dev_secret(name: str, make: Callable[[], str]) -> str:
    """Development only: a random secret kept in var/, so data and sessions survive a restart."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    if not path.exists():
        path.write_text(make(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


# Victim details are encrypted with these Fernet keys (comma-separated): the first encrypts, all
# decrypt, so a new key goes first and an old one is dropped after `manage.py rotate_field_keys`.
# Never derived from SECRET_KEY, so a leaked SECRET_KEY reveals no victim.
CASEFLOW_FIELD_KEYS = env_list("CASEFLOW_FIELD_KEYS")
# The key of the keyed hashes (blind indexes) that find a returning victim by exact name, phone or
# e-mail without storing them in clear.
CASEFLOW_INDEX_KEY = env_optional("CASEFLOW_INDEX_KEY")
if DEBUG:
    SECRET_KEY = SECRET_KEY or _dev_secret("dev_secret_key", lambda: secrets.token_urlsafe(50))
    CASEFLOW_FIELD_KEYS = CASEFLOW_FIELD_KEYS or [_dev_secret("dev_field_key", lambda: Fernet.generate_key().decode())]
    CASEFLOW_INDEX_KEY = CASEFLOW_INDEX_KEY or _dev_secret("dev_index_key", lambda: secrets.token_urlsafe(32))
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required when DJANGO_DEBUG is off.")
if not CASEFLOW_FIELD_KEYS or not CASEFLOW_INDEX_KEY:
    raise ImproperlyConfigured("CASEFLOW_FIELD_KEYS and CASEFLOW_INDEX_KEY are required when DJANGO_DEBUG is off.")
for _key in CASEFLOW_FIELD_KEYS:
    try:
        Fernet(_key)
    except ValueError:
        raise ImproperlyConfigured(
            "CASEFLOW_FIELD_KEYS holds a value that is not a Fernet key (make one with: "
            "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        ) from None
    if _key == SECRET_KEY:
        raise ImproperlyConfigured("CASEFLOW_FIELD_KEYS must not contain SECRET_KEY.")
if len(CASEFLOW_INDEX_KEY) < 32 or CASEFLOW_INDEX_KEY == SECRET_KEY:
    raise ImproperlyConfigured("CASEFLOW_INDEX_KEY must be at least 32 characters and differ from SECRET_KEY.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DJANGO_DEBUG is off (comma-separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_otp",
    "accounts",
    "keystore",
    "cases",
    "notifications",
]

MIDDLEWARE = [
    # The header middleware comes first, so that it wraps every answer: also the redirects (HTTPS,
    # trailing slash), the 413 and the 400 for a bad Host that the layers below produce by themselves.
    "caseflow.middleware.NoStoreMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "caseflow.middleware.ApiErrorsAsJsonMiddleware",
    "caseflow.middleware.ProductErrorPagesMiddleware",
    "caseflow.middleware.AllowedHostMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Each request unwraps a case's key at most once and forgets it at the end (keystore/ring.py).
    "keystore.ring.KeyRingMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "caseflow.middleware.RequestSizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "caseflow.middleware.SameOriginFormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the session's user verified (user.is_verified()) once a code was entered (django-otp).
    "accounts.middleware.OTPMiddleware",
    "caseflow.middleware.SessionIdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A session that owes a code reaches only the sign-in and two-step pages (accounts/middleware.py).
    "accounts.middleware.TwoStepRequiredMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "caseflow.urls"
WSGI_APPLICATION = "caseflow.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "caseflow" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread",
            ],
            # The layout's navigation, built once per language and role (caseflow/nav.py).
            "libraries": {"caseflow_nav": "caseflow.nav"},
        },
    },
]

# --- Database ------------------------------------------------------------------------------------
# Persistent connections with health checks: a new PostgreSQL connection costs about as much as a
# whole indexed page (DESIGN.md, "How it runs").
DATABASE_URL = env_optional("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600, minimum=0),
            conn_health_checks=True,
        )
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
# The key store: each case's data key, wrapped by CASEFLOW_FIELD_KEYS, in a database of its own so that
# it is backed up apart from the case data and on a shorter schedule (README, "Keys and backups").
# Only the keystore app's table lives there (keystore/router.py).
KEYSTORE_URL = env_optional("KEYSTORE_URL")
if KEYSTORE_URL:
    pass
elif DATABASE_URL and env_bool("KEYSTORE_BESIDE_DATABASE", False):
    # Tests, CI and the bench: `<name>_keystore` on the same PostgreSQL server as the case data.
    KEYSTORE_URL = DATABASE_URL.split("?", 1)[0] + "_keystore"
if KEYSTORE_URL:
    DATABASES["keystore"] = dj_database_url.parse(
        KEYSTORE_URL,
        conn_max_age=env_int("DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["keystore"] = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(VAR_DIR / "keystore.sqlite3"),
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
DATABASE_ROUTERS = ["keystore.router.KeystoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if not DATABASE_URL:
    # SQLite (development, `make test` without services) ignores the covering columns of
    # takedown_due_idx; PostgreSQL uses them. Nothing to warn a newcomer about.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Where an inbox notification leads, by the first id it carries (notifications never imports cases).
NOTIFICATION_LINKS = [
    ("takedown_id", "cases:takedown"),
    ("case_id", "cases:detail"),
    ("account_event_id", "accounts:event"),
]
# Tries at e-mailing one takedown letter (2, 4, 8 … minutes apart) before the counsellor is told it
# could not be sent.
LETTER_MAX_ATTEMPTS = env_int("LETTER_MAX_ATTEMPTS", 6, minimum=1)
# Platforms' replies (manage.py run_inbound_smtp): a bigger message is refused with 552.
INBOUND_MAX_BYTES = env_int("INBOUND_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
# The supervisors hear of an unanswered takedown request this long after its deadline.
TAKEDOWN_SUPERVISOR_REMINDER_HOURS = env_int("TAKEDOWN_SUPERVISOR_REMINDER_HOURS", 24, minimum=1)
# A high or immediate risk of harm calls the on-call supervisors again this often until one acknowledges.
ESCALATION_REPEAT_MINUTES = env_int("ESCALATION_REPEAT_MINUTES", 15, minimum=1)
# A report the law requires (police, child protection) is reminded this often until it is recorded.
DUTY_REMINDER_HOURS = env_int("DUTY_REMINDER_HOURS", 4, minimum=1)

# Closed cases are kept this many years after closing (the centre's records rule), then purged by the
# nightly job: their rows deleted, anonymous counts kept for the reports. A supervisor may extend one case.
CASE_RETENTION_YEARS = env_int("CASE_RETENTION_YEARS", 5, minimum=1)
# Cases purged per transaction by the nightly job and `manage.py purge_expired_cases`.
CASE_PURGE_BATCH_SIZE = env_int("CASE_PURGE_BATCH_SIZE", 100, minimum=1)

# The victim's portal (cases/portal/): its own cookie and sessions, never a staff session.
# PORTAL_BASE_URL is the one link a victim's message may carry (nothing about her case is in it).
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000/portal/" if DEBUG else "")
# Where the quick-exit button leads: a neutral, busy site that explains nothing.
PORTAL_EXIT_URL = env_str("PORTAL_EXIT_URL", "https://www.naver.com/")
PORTAL_IDLE_MINUTES = env_int("PORTAL_IDLE_MINUTES", 15, minimum=1)
PORTAL_COOKIE_NAME = "caseflow_portal"
# Five failures for one (reference, address) lock that pair; one address is stopped across references.
PORTAL_FAILURE_LIMIT = env_int("PORTAL_FAILURE_LIMIT", 5, minimum=1)
PORTAL_LOCK_MINUTES = env_int("PORTAL_LOCK_MINUTES", 30, minimum=1)
PORTAL_ADDRESS_FAILURE_LIMIT = env_int("PORTAL_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
# Argon2 costs of portal passphrases (Django's defaults: 2 passes over 100 MiB, about 0.25 s here).
PORTAL_ARGON2_TIME_COST = env_int("PORTAL_ARGON2_TIME_COST", 2, minimum=1)
PORTAL_ARGON2_MEMORY_KIB = env_int("PORTAL_ARGON2_MEMORY_KIB", 102400, minimum=8)

# Evidence (cases/hashing.py): uploads are hashed in the request from memory. Images up to 20 MB, short
# videos (one PDQ hash a second, by ffmpeg) up to 50 MB and two minutes; the 1 MB body limit holds
# for every other route.
EVIDENCE_IMAGE_MAX_BYTES = env_int("EVIDENCE_IMAGE_MAX_MB", 20, minimum=1) * 1024 * 1024
EVIDENCE_VIDEO_MAX_BYTES = env_int("EVIDENCE_VIDEO_MAX_MB", 50, minimum=1) * 1024 * 1024
EVIDENCE_VIDEO_MAX_SECONDS = env_int("EVIDENCE_VIDEO_MAX_SECONDS", 120, minimum=1)
EVIDENCE_VIDEO_TIMEOUT_SECONDS = env_int("EVIDENCE_VIDEO_TIMEOUT_SECONDS", 60, minimum=1)
EVIDENCE_FFMPEG = env_str("EVIDENCE_FFMPEG", "ffmpeg")

# Liveness checks of removed places (cases/liveness.py, caseflow/safe_fetch.py): run by Celery, never
# with cookies, only to public addresses. LIVENESS_ALLOWED_ADDRESSES exists for the tests' local
# servers and must stay empty in production.
LIVENESS_USER_AGENT = env_str(
    "LIVENESS_USER_AGENT", "caseflow-liveness/1.0 (checks that reported abusive content stays removed)"
)
LIVENESS_TIMEOUT_SECONDS = env_int("LIVENESS_TIMEOUT_SECONDS", 5, minimum=1)
LIVENESS_DEADLINE_SECONDS = env_int("LIVENESS_DEADLINE_SECONDS", 15, minimum=1)
LIVENESS_MAX_BODY_BYTES = env_int("LIVENESS_MAX_BODY_KB", 8, minimum=1) * 1024
LIVENESS_MAX_REDIRECTS = env_int("LIVENESS_MAX_REDIRECTS", 3, minimum=0)
LIVENESS_HOST_INTERVAL_SECONDS = env_int("LIVENESS_HOST_INTERVAL_SECONDS", 10, minimum=0)
LIVENESS_BATCH = env_int("LIVENESS_BATCH", 200, minimum=1)
LIVENESS_ALLOWED_ADDRESSES = env_list("LIVENESS_ALLOWED_ADDRESSES", [])

# --- Cache and broker ----------------------------------------------------------------------------
REDIS_URL = env_optional("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Answers like an empty cache while Redis is down: throttles fail open, requests go on
            # (caseflow/cache.py). Nothing kept in the cache may be needed to serve a request.
            "BACKEND": "caseflow.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # Tests give each run its own prefix and delete only their keys: Redis is shared.
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "caseflow"),
            # A Redis that hangs instead of refusing costs a request half a second, not redis-py's 5 s.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis in production and CI; with no REDIS_URL, kombu's filesystem transport, an embedded
# broker that needs no server, so scheduled work really runs under `make run`.
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_IMPORTS = ["caseflow.tasks", "cases.reports.tasks"]
# One queue name per deployment; tests give each run its own so leftovers of another run are never consumed.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "caseflow")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Keep each worker's database connection across tasks (Celery's Django fix-up otherwise opens a new
# one for every task: 10,000 deliveries took 66 s instead of 24 s, bench/notifications.py). Around
# each task caseflow/celery.py applies CONN_MAX_AGE and the health check, as Django does per request.
CELERY_DB_REUSE_MAX = 1000
CELERY_BEAT_SCHEDULE = {
    "notifications-dispatch-due": {
        "task": "notifications.tasks.dispatch_due",
        "schedule": timedelta(minutes=1),
        # A run missed while the broker was down is covered by the next one.
        "options": {"expires": 50},
    },
    "cases-queue-liveness-checks": {
        "task": "cases.tasks.queue_liveness_checks",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 500},
    },
    "cases-send-due-letters": {
        "task": "cases.tasks.send_due_letters",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # A high or immediate risk of harm: the on-call supervisors are called again until one acknowledges.
    "cases-repeat-escalations": {
        "task": "cases.tasks.repeat_escalations",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Reports the law requires (police, child protection): reminded until recorded.
    "cases-remind-duties": {
        "task": "cases.tasks.remind_duties",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    "notifications-purge-settled": {
        "task": "notifications.tasks.purge_settled",
        "schedule": timedelta(days=1),
    },
    "purge-expired-credentials": {
        "task": "accounts.tasks.purge_expired_credentials",
        "schedule": timedelta(hours=1),
    },
    # The access log's tamper-evident chain: each centre's new rows sealed into a block (cases/chain.py).
    "cases-seal-access-log": {
        "task": "cases.tasks.seal_access_log",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Closed cases past their retention date: purged every night (nothing to do on most runs).
    "cases-purge-expired": {
        "task": "cases.tasks.purge_expired_cases",
        "schedule": timedelta(days=1),
        "options": {"expires": 3000},
    },
    # The reports' daily summaries: rebuilt once a new day has begun (the task does nothing otherwise).
    "reports-rebuild-summaries": {
        "task": "cases.reports.tasks.rebuild_summaries",
        "schedule": timedelta(hours=1),
        "options": {"expires": 3000},
    },
}

# --- Authentication ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    # Refuses every attempt from an address with too many failures across accounts (accounts/lockout.py).
    "accounts.lockout.AddressThrottleBackend",
    # Refuses an attempt while its (account, address) pair is locked out, before any password check.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.StaffBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lockout (django-axes): 5 failures for one account from one address lock that pair for 15 minutes.
# Keyed on the pair, so an attacker elsewhere cannot lock a counsellor out of her own desk.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Counted by the address as sign-in looks it up, so "VICTIM@…" is no fresh account; a JSON 429 for the API.
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# The page above for sign-in forms; a JSON 429 with Retry-After for API clients.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Across accounts: this many failures from one client address (an IPv6 /64) within the window refuse
# every sign-in from it until the window ends, against one address trying a password on every account.
SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("SIGNIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
SIGNIN_ADDRESS_WINDOW = timedelta(minutes=env_int("SIGNIN_ADDRESS_WINDOW_MINUTES", 15, minimum=1))
AXES_VERBOSE = False
# Masked in the failure rows axes keeps of a form's fields: the password always, and the sign-in code.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp"]
# Behind a reverse proxy, the number of trusted proxies in front of gunicorn (0: use REMOTE_ADDR).
# One resolver (caseflow/net.py) for lockout, throttles and the access log.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "caseflow.net.client_ip"

# Two-step sign-in (django-otp, accounts/mfa.py): these roles must enter a code from an authenticator
# app after the password; anyone else who sets one up must too. Without it, a session of theirs
# reaches only the sign-in and two-step pages, and the token endpoint gives them no token.
_ROLES = {"counsellor", "supervisor", "admin"}  # accounts.models.Role, which settings cannot import
MFA_REQUIRED_FOR = env_list("MFA_REQUIRED_FOR", ["supervisor", "admin"])
if set(MFA_REQUIRED_FOR) - _ROLES:
    raise ImproperlyConfigured(
        f"MFA_REQUIRED_FOR names unknown roles {sorted(set(MFA_REQUIRED_FOR) - _ROLES)}; "
        f"use a comma-separated list of {', '.join(sorted(_ROLES))}."
    )
# The name authenticator apps show beside the account.
MFA_ISSUER = env_str("MFA_ISSUER", "caseflow")

# API tokens (django-rest-knox): stored hashed, expire, revocable one by one or all at once.
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 10, minimum=1)),
    "TOKEN_LIMIT_PER_USER": 20,
    "AUTO_REFRESH": False,
    "TOKEN_PREFIX": "cf_",
}

# --- Sessions and cookies ------------------------------------------------------------------------
# Database sessions, each read by one hand-written SELECT (caseflow/sessions.py).
SESSION_ENGINE = "caseflow.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_NAME = "caseflow_session"
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "caseflow_csrf"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Transport and headers -----------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Nothing loads from another host; inline script and style only with the per-response nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Bodies over 1 MB are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# API bodies nested deeper than this are refused with 400 (caseflow/parsers.py); ours need three.
JSON_MAX_DEPTH = 64

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "caseflow" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Hashed, compressed files from `collectstatic` in production; plain files from the apps in
# development and tests, where nothing has been collected.
_STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if _STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not _STATIC_MANIFEST

# --- E-mail --------------------------------------------------------------------------------------
_EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
_SMTP_OPTIONS: dict[str, object] = {
    "host": env_str("EMAIL_HOST", "localhost"),
    "port": env_int("EMAIL_PORT", 25, minimum=1),
    "username": env_str("EMAIL_HOST_USER", ""),
    "password": env_str("EMAIL_HOST_PASSWORD", ""),
    "use_tls": env_bool("EMAIL_USE_TLS", False),
    "timeout": 10,
}
MAILERS = {
    "default": {
        "BACKEND": _EMAIL_BACKEND,
        "OPTIONS": _SMTP_OPTIONS if _EMAIL_BACKEND.endswith("smtp.EmailBackend") else {},
    }
}
# A neutral sender: nothing in the address says what kind of service writes.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- REST API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then answers 401 with `WWW-Authenticate: Token`.
        "accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "caseflow.api.Pagination",
    "PAGE_SIZE": 25,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "caseflow.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        # DRF's per-user rate, counted in two counters rather than a list of request times.
        "caseflow.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "60/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
        "token": env_str("THROTTLE_TOKEN", "20/min"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON nested deeper than JSON_MAX_DEPTH is refused before parsing (a RecursionError otherwise).
    "DEFAULT_PARSER_CLASSES": [
        "caseflow.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # Throttles count by the address our proxies saw, not by a client-written X-Forwarded-For.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "caseflow API",
    "DESCRIPTION": "Case tracking for centres that support victims of digital sex crimes.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A schema's description is its serializer's own docstring, never a shared base class's.
    "GET_LIB_DOC_EXCLUDES": "caseflow.api.schema_doc_excludes",
    "ENUM_NAME_OVERRIDES": {
        "NoteKindEnum": "cases.models.NoteKind",
        "EventKindEnum": "cases.models.EventKind",
        "LanguageEnum": "accounts.models.Language",
        "CaseStatusEnum": "cases.models.Status",
        "TakedownStatusEnum": "cases.models.TakedownStatus",
        "SightingStateEnum": "cases.models.SightingState",
        "PlatformKindEnum": "cases.models.PlatformKind",
        "PartnerKindEnum": "cases.models.PartnerKind",
        "RequestChannelEnum": "cases.models.RequestChannel",
        "PartnerChannelEnum": "cases.models.PartnerChannel",
        "ReferralStatusEnum": "cases.models.ReferralStatus",
        "ReplyStatusEnum": "cases.models.ReplyStatus",
    },
}

# --- Logging -------------------------------------------------------------------------------------
# One JSON object a line; request bodies and parameters are never logged (caseflow/logging.py).
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "caseflow.logging.JsonFormatter"}},
    "filters": {"redact": {"()": "caseflow.logging.RedactRequestFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # The PDF of police packs: its progress steps say nothing useful in production.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
