"""Waymark settings: one module, every knob read from the environment.

The defaults are safe and need nothing installed: SQLite in the project folder,
debug off. `make run` turns debug on for local work. Each variable is documented in
the README's configuration table.
"""

import os
import sys
from pathlib import Path
from typing import NoReturn

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def refuse_to_start(message: str) -> NoReturn:
    sys.exit(f"Waymark refuses to start: {message}")


def env_bool(name: str, default: bool = False) -> bool:
    """A switch: empty or unset means the default, and a value that is neither a
    true nor a false word stops the start (a typo must not turn security off)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    refuse_to_start(
        f"{name}={value!r} is not a switch: use 1/true/yes/on or 0/false/no/off "
        "(or leave it empty for the default)."
    )


def env_list(name: str, default: str = "") -> list[str]:
    value = os.environ.get(name, default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        refuse_to_start(
            f"{name}={value!r} is not a whole number "
            "(or leave it empty for the default)."
        )


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start(
            "set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local development)."
        )
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "django_htmx",
    "accounts",
    "roadmap",
    "progress",
    "mentoring",
    "outbox",
    "api",
    # The task queue's table: tasks are rows of the site's own database.
    "django_tasks_db",
    # Django's own form templates, for the renderer below.
    "django.forms",
]
# The parts of a learner's data file (export and import) written by modules of
# their own (progress/learner_file.py, `Section`): the learner's reports of
# problems, the content revision each status was set against and what they read
# of later changes, and mentors' feedback and endorsements, which `mentoring`
# owns.
LEARNER_FILE_SECTIONS = [
    "progress.learner_file_reports.SECTION",
    "progress.learner_file_changes.SECTION",
    "mentoring.learner_file.SECTION",
]

# Forms render through the project's templates, so every field is laid out by
# templates/django/forms/field.html.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accounts.middleware.PrivacyHeadersMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.ProblemResponses",
    "config.nul_bytes.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.TimezoneMiddleware",
    "accounts.middleware.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # The project's templates lose their indentation when compiled
            # (config/template_loaders.py); the apps' templates are read as is.
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "config.template_loaders.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A page waits for a concurrent writer rather than failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    # Fail fast when the database is down, so /readyz and pages answer promptly.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int(
        "DATABASE_CONNECT_TIMEOUT", 3
    )
    # Behind PgBouncer in transaction mode: no cursor may outlive a transaction.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = env_bool(
        "DATABASE_TRANSACTION_POOLING"
    )

# A read replica (PostgreSQL streaming replication) for the pages that only read:
# config/db_router.py picks the database, config/replica.py keeps a learner who
# just wrote on the primary and sets a failing replica aside. Unset: one database.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
# After a write, that browser's reads stay on the primary this many seconds (the
# replica may lag behind); a failed replica is tried again after this many.
WAYMARK_REPLICA_STICKY_SECONDS = env_int("WAYMARK_REPLICA_STICKY_SECONDS", 10)
WAYMARK_REPLICA_RETRY_SECONDS = env_int("WAYMARK_REPLICA_RETRY_SECONDS", 30)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {
        "django.db.backends.postgresql"
    }:
        refuse_to_start(
            "DATABASE_REPLICA_URL needs DATABASE_URL and DATABASE_REPLICA_URL to "
            "be PostgreSQL (postgres://...): a replica of the primary."
        )
    # A replica out of reach is set aside quickly: pages read the primary. One
    # that drops off the network mid-connection is noticed in seconds too (TCP
    # keepalives, unacknowledged data), not after the kernel's minutes.
    replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    replica_options["connect_timeout"] = env_int("DATABASE_REPLICA_CONNECT_TIMEOUT", 2)
    for name, value in {
        "keepalives": 1,
        "keepalives_idle": 5,
        "keepalives_interval": 2,
        "keepalives_count": 2,
        "tcp_user_timeout": 5000,
    }.items():
        replica_options.setdefault(name, value)
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASES["default"][
        "DISABLE_SERVER_SIDE_CURSORS"
    ]
    # Tests read the test database through both names (same data, as in production).
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
    # Before the session is read: the pin decides where this request reads.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
        "config.replica.ReplicaMiddleware",
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# A cache shared by every process: allauth's rate limits count across workers.
# Redis when configured, else the database (never the per-process memory cache).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
    # Sessions are read from Redis and written through to the database, so any
    # app server can answer any request and a Redis restart signs no one out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "waymark_cache",
            # Cached pages and learners' figures: room for them before culling.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming in the browser that signed up signs the new learner in (allauth
# does it only for the sign-up still held in that session, never from a link alone).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
# Its wording for a taken username (public by design; addresses never are).
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Waymark] "
ACCOUNT_USER_DISPLAY = "accounts.models.display_name"
ACCOUNT_SIGNUP_FORM_HONEYPOT_FIELD = None
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Waymark"
USERSESSIONS_TRACK_ACTIVITY = (
    False  # a write per request; sessions are recorded at sign-in
)
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# At most this many password-reset emails to one address a day (UTC), however
# many clients ask: counted in the database (accounts/reset_limit.py).
WAYMARK_RESET_EMAILS_PER_DAY = env_int("WAYMARK_RESET_EMAILS_PER_DAY", 10)
# The API's rate limits: requests a minute from one address, and with one token
# (api/limits.py).
WAYMARK_API_PER_ADDRESS = env_int("WAYMARK_API_PER_ADDRESS", 120)
WAYMARK_API_PER_TOKEN = env_int("WAYMARK_API_PER_TOKEN", 300)

# Email: printed to the console in development, SMTP from the environment otherwise.
EMAIL_BACKEND_PATH = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Waymark <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves hashed, compressed files from `collectstatic`; development and
# tests serve the source folders directly (WAYMARK_STATIC_FROM_SOURCE).
STATIC_FROM_SOURCE = DEBUG or env_bool("WAYMARK_STATIC_FROM_SOURCE")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if STATIC_FROM_SOURCE
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
if STATIC_FROM_SOURCE:
    STATIC_ROOT = None  # nothing collected: whitenoise reads the source folders
WHITENOISE_MAX_AGE = 0 if STATIC_FROM_SOURCE else 31536000

# Security: a strict Content Security Policy with per-request nonces.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: htmx takes the token from the page.
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Behind TLS (production), everything is HTTPS-only.
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^healthz/queue$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    # The __Host- prefix: the browser accepts the cookie only over HTTPS, for
    # this host alone (no Domain) and the whole site (Path=/).
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
# Messages live in the session: no extra cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY")
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Every request comes from the proxy's address: the client's own is the
    # entry our proxies appended to X-Forwarded-For, counted from the right
    # (entries a client wrote in front are ignored), or a header the proxy sets.
    # allauth's per-address rate limits, its session list and the audit log
    # read it (accounts.audit.client_address).
    ALLAUTH_TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)
    ALLAUTH_TRUSTED_CLIENT_IP_HEADER = (
        os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip() or None
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Secrets some links carry in their path (an invitation token) never reach
    # the log: "Not Found: /mentoring/invitations/[redacted]/...".
    "filters": {"redact_secrets": {"()": "config.redact.RedactSecrets"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": sys.stdout,
            "formatter": "plain",
            "filters": ["redact_secrets"],
        },
    },
    "root": {
        "handlers": ["stdout"],
        "level": os.environ.get("LOG_LEVEL", "INFO").upper(),
    },
}

# Background work: Django's tasks framework, queued in the site's own database
# (PostgreSQL in production, SQLite in development) and run by
# `manage.py db_worker`. Queues by kind; emails carry priorities
# (outbox.sending.Priority).
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "WAYMARK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["email", "default"],
    }
}
# How many times the worker tries to send an email before keeping it as failed
# (1, 4, 16, 64 minutes apart), and when the queue counts as stuck: a task ready
# for longer than this many minutes (`/healthz/queue`).
WAYMARK_EMAIL_ATTEMPTS = env_int("WAYMARK_EMAIL_ATTEMPTS", 5)
WAYMARK_QUEUE_STUCK_MINUTES = env_int("WAYMARK_QUEUE_STUCK_MINUTES", 15)
# Finished tasks and sent emails are deleted after this many days
# (`manage.py run_schedule`); failed ones are kept until staff deal with them.
WAYMARK_KEEP_FINISHED_DAYS = env_int("WAYMARK_KEEP_FINISHED_DAYS", 14)

# Fields kept encrypted in the database (a learner's learning record store
# account): the key is derived from WAYMARK_FIELD_KEY, or the SECRET_KEY when it
# is not set; the fallbacks still decrypt during a key rotation.
WAYMARK_FIELD_KEY = os.environ.get("WAYMARK_FIELD_KEY", "")
WAYMARK_FIELD_KEY_FALLBACKS = env_list("WAYMARK_FIELD_KEY_FALLBACKS")
# Sending learners' xAPI statements to their learning record stores
# (progress.lrs): a round every few minutes per store, batches of statements,
# attempts before a temporary failure is kept as the store's error. Plain http
# to this machine (a store run locally) only when allowed; it is with DEBUG.
WAYMARK_LRS_EVERY_MINUTES = env_int("WAYMARK_LRS_EVERY_MINUTES", 5)
WAYMARK_LRS_BATCH = env_int("WAYMARK_LRS_BATCH", 100)
WAYMARK_LRS_ATTEMPTS = env_int("WAYMARK_LRS_ATTEMPTS", 5)
WAYMARK_LRS_TIMEOUT_SECONDS = env_int("WAYMARK_LRS_TIMEOUT_SECONDS", 20)
WAYMARK_LRS_ALLOW_LOCAL_HTTP = env_bool("WAYMARK_LRS_ALLOW_LOCAL_HTTP", default=DEBUG)

# Waymark's own knobs.
ROADMAP_FIXTURES_DIR = BASE_DIR / "fixtures"
SEARCH_MAX_QUERY_LENGTH = 200
# The site's public address, for links in emails.
SITE_URL = os.environ.get("WAYMARK_SITE_URL", "http://127.0.0.1:8000")
MENTORING_INVITATION_DAYS = env_int("WAYMARK_INVITATION_DAYS", 14)
MENTORING_STALLED_DAYS = env_int("WAYMARK_STALLED_DAYS", 14)
# How staff without two-factor get it: "open" (sent to set it up on their first
# visit to the admin) or "invite" (only through a one-time link a superuser makes
# with `manage.py staff_enrolment_link`).
STAFF_ENROLMENT = os.environ.get("WAYMARK_STAFF_ENROLMENT", "").strip() or "open"
if STAFF_ENROLMENT not in {"open", "invite"}:
    refuse_to_start(
        f"WAYMARK_STAFF_ENROLMENT={STAFF_ENROLMENT!r} must be open or invite."
    )
# The running release, part of every cached page's key (config/caching.py):
# the deployer's name for it (the git commit), or else a digest of the code.
RELEASE = os.environ.get("WAYMARK_RELEASE", "").strip()
# The benchmark's bare view (/bench/bare), off unless `make bench` turns it on.
BARE_VIEW = env_bool("WAYMARK_BARE_VIEW")
