"""Settings for pkregister, read from the environment in this one place.

Development defaults just work on a machine with PostgreSQL and Redis on their standard ports.
`DJANGO_ENV=production` switches to production mode, where secrets have no defaults and a
missing one stops the process at start with a clear message.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production", "test"}:
    raise ImproperlyConfigured("DJANGO_ENV must be development, test or production.")
PRODUCTION = DJANGO_ENV == "production"
# Set by manage.py for the image's build commands (collectstatic, compilemessages), which read
# no secret: they run without the runtime secrets. The web server, the worker and beat refuse
# to start with it (pkregister/wsgi.py, pkregister/celery.py).
BUILD_STEP = env.bool("DJANGO_BUILD_STEP", default=False)


def _required(name: str) -> str:
    """Return a setting that has no default in production, or stop with a clear message."""
    value = env.str(name, default="")
    if not value and BUILD_STEP:
        return f"unset-during-build-{name.lower()}"
    if not value:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production.")
    return value


if PRODUCTION:
    DEBUG = False
    SECRET_KEY = _required("DJANGO_SECRET_KEY")
    ALLOWED_HOSTS = [h.strip() for h in _required("DJANGO_ALLOWED_HOSTS").split(",") if h.strip()]
else:
    DEBUG = env.bool("DJANGO_DEBUG", default=DJANGO_ENV == "development")
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-not-for-production")
    ALLOWED_HOSTS = env.list(
        "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"]
    )

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    # Project apps come first so that their templates and translations win.
    "accounts",
    "audit",
    "privacy",
    "customers",
    "consents",
    "feedback",
    "calls",
    "dsar",
    "breaches",
    "notice",
    "jobs",
    "accounts.apps.RegisterAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django.forms",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "two_factor",
    "formtools",
    "axes",
    "csp",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "phonenumber_field",
    "django_countries",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the sign-in checks below, which tell the user why they were signed out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.InputCheckMiddleware",
    "audit.middleware.HistoryContextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files straight from gunicorn; runserver and the test server serve them otherwise.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "pkregister.urls"
WSGI_APPLICATION = "pkregister.wsgi.application"
ASGI_APPLICATION = "pkregister.asgi.application"

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
                "accounts.context_processors.navigation",
                "privacy.context_processors.controller",
            ],
            # Filters every page uses the same way (phone numbers): no template loads them.
            "builtins": ["accounts.templatetags.register_tags"],
        },
    },
]

# Widgets render through the project's templates, so that one template gives every select's empty
# choice the same label (templates/django/forms/widgets/select_option.html), Django's and the
# admin's forms included.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Data ---------------------------------------------------------------------------------------

DATABASE_URL = env.str("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/pkregister")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int(
    "DJANGO_CONN_MAX_AGE", default=60 if PRODUCTION else 0
)
# A kept connection is checked before each request reuses it: after a database restart or
# failover the first request on a worker reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str(
    "DJANGO_TEST_DATABASE", default=f"test_{DATABASES['default']['NAME']}"
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")


def _redis_database(url: str, number: int) -> str:
    """Return the Redis URL with another database number."""
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{number}"


CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # API rate limits are counted in Redis, so every gunicorn worker sees the same count.
    "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("API_THROTTLE_REDIS_URL", default=_redis_database(REDIS_URL, 1)),
        "KEY_PREFIX": "pkregister-throttle",
    },
}

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media-not-served/"  # files are only ever streamed through permission-checked views

# Stored files go to S3-compatible object storage (django-storages) when a bucket is named;
# credentials fall back to boto3's usual chain (instance role, AWS_* variables) when not given.
S3_BUCKET = env.str("DJANGO_S3_BUCKET", default="")
STORAGE_RECIPIENT = env.str("DJANGO_S3_RECIPIENT", default="")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env.str("DJANGO_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DJANGO_S3_REGION", default="") or None,
            "access_key": env.str("DJANGO_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env.str("DJANGO_S3_SECRET_ACCESS_KEY", default="") or None,
            "location": env.str("DJANGO_S3_PREFIX", default=""),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# Call recordings (notice §5, §11): the largest audio file the telephony API accepts.
CALL_RECORDING_MAX_BYTES = env.int("CALL_RECORDING_MAX_BYTES", default=50 * 1024 * 1024)

# Retention runs lift history and audit triggers with session_replication_role when the database
# role may set it (superuser, or PostgreSQL 15+ `GRANT SET ON PARAMETER`), else trigger by trigger.
RETENTION_REPLICA_MODE = env.bool("DJANGO_RETENTION_REPLICA_MODE", default=True)
# Threads that delete stored files after a batch commits (network waits of object storage,
# block freeing of a local disk).
RETENTION_FILE_WORKERS = env.int("DJANGO_RETENTION_FILE_WORKERS", default=16)
# Batches of one policy run at once (threads, one connection each); 1 runs them one by one.
RETENTION_WORKERS = env.int("DJANGO_RETENTION_WORKERS", default=2)
# The logs about people are personal data too (pseudonymous ids point at people), kept for the
# security and accountability of processing (notice §16) and then deleted by the engine.
ACCESS_LOG_RETENTION_YEARS = env.int("ACCESS_LOG_RETENTION_YEARS", default=2)
CHANGE_HISTORY_RETENTION_YEARS = env.int("CHANGE_HISTORY_RETENTION_YEARS", default=5)

# Backups (notice §16; README "Backups"): `manage.py backup` writes a database dump and the stored
# files, with a manifest and checksums, under BACKUP_DIR; backups older than
# BACKUP_RETENTION_DAYS are deleted by the next backup. The internal ids of erased people are
# kept BACKUP_RETENTION_DAYS + BACKUP_LEDGER_MARGIN_DAYS, so that a restore of any kept backup
# erases them again; a restore refuses a backup older than BACKUP_RETENTION_DAYS.
BACKUP_DIR = Path(env.str("DJANGO_BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))
BACKUP_RETENTION_DAYS = env.int("BACKUP_RETENTION_DAYS", default=30)
BACKUP_LEDGER_MARGIN_DAYS = env.int("BACKUP_LEDGER_MARGIN_DAYS", default=7)
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

# --- Language and time --------------------------------------------------------------------------

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

PHONENUMBER_DEFAULT_REGION = "FI"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "INTERNATIONAL"

# --- Authentication -----------------------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "two_factor:login"

# Two-factor login is mandatory for every staff account in production. This is the only switch.
REQUIRE_2FA = env.bool("DJANGO_REQUIRE_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = "PK Terveys asiakasrekisteri"
# Nobody reads another account's TOTP secret or QR code in the admin (enrolment is by link);
# django_otp's config and QR pages answer 403 instead (a missing device was a 500 there).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
TWO_FACTOR_REMEMBER_COOKIE_AGE = None  # never skip the code on a "remembered" browser

# Lockout after repeated failures, per username and IP address together: one user's failures
# never lock out another, and a shared office IP does not lock out the whole office.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# The two-factor login wizard posts the password as "auth-password" (its step prefix). Axes
# masks only the fields it is told of before it stores a failed attempt's form data, so the
# typed password (a real one with a typo, an attacker's guess) is never written anywhere.
AXES_PASSWORD_FORM_FIELD = "auth-password"  # noqa: S105 (a field name)
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "password",
    "auth-username",
    "auth-password",
    "token-otp_token",
    "backup-otp_token",
    "csrfmiddlewaretoken",
]
# Behind reverse proxies the client is read from X-Forwarded-For, trusting only the entries
# our own proxies wrote (AXES_PROXY_COUNT of them, from the right); with 0, REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_ip"
# Failed attempts are staff personal data; they are kept 90 days (see the beat schedule).
LOGIN_ATTEMPT_RETENTION_DAYS = 90

# Idle timeout: every request renews the session; a session idle this long is gone.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_IDLE_SECONDS", default=30 * 60)
# Absolute lifetime: however busy (a polling page renews it every few seconds), a session ends
# this long after its sign-in.
SESSION_ABSOLUTE_SECONDS = env.int("DJANGO_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
# An account without an authentication app enrols one only through a link the privacy officer
# or an administrator issues; the link works this long.
ENROLMENT_LINK_HOURS = env.int("DJANGO_ENROLMENT_LINK_HOURS", default=24)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security headers ---------------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Every script, style, font and image comes from our own origin; no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- API ----------------------------------------------------------------------------------------

# Every endpoint gets these unless it says otherwise (the telephony endpoint takes multipart):
# the strict JSON parser (size, depth, text the database can store; anything else 415), JSON
# errors, and a rate limit per client and scope.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=16)
# Requests per client and scope (DRF rate syntax: N/second, minute, hour, day); "default" for an
# endpoint without a scope (whoami).
API_RATES = {
    "calls": env.str("API_RATE_CALLS", default="120/minute"),
    "surveys": env.str("API_RATE_SURVEYS", default="300/minute"),
    "feedback": env.str("FEEDBACK_API_RATE", default="60/minute"),
    "visits": env.str("API_RATE_VISITS", default="6000/minute"),
    "consents": env.str("API_RATE_CONSENTS", default="120/minute"),
    "requests": env.str("API_RATE_REQUESTS", default="30/minute"),
    "default": env.str("API_RATE_DEFAULT", default="60/minute"),
}
# How long an Idempotency-Key is remembered (a retry later than this is a new request).
API_IDEMPOTENCY_HOURS = env.int("API_IDEMPOTENCY_HOURS", default=24)
# The OpenAPI schema and Swagger UI: open in development, else only to signed-in, verified staff.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=DJANGO_ENV == "development")
# Per-person website tokens (customers.tokens): valid this many days after issue.
PERSON_TOKEN_MAX_AGE_DAYS = env.int("PERSON_TOKEN_MAX_AGE_DAYS", default=90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.ApiClientAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.authentication.DenyAll"],
    "DEFAULT_RENDERER_CLASSES": ["accounts.api_base.SafeJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["accounts.api_base.StrictJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api_base.ScopeRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "accounts.api_base.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PK Terveyden asiakasrekisteri API",
    "DESCRIPTION": (
        "Machine clients (telephony, SMS gateway, website) with scoped bearer tokens. Every "
        "operation may answer 400, 401, 403, 409, 413, 415 and 429 with a JSON body."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["accounts.api_base.SchemaAccess"],
    "SERVE_AUTHENTICATION": ["rest_framework.authentication.SessionAuthentication"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "accounts.api_base.document_errors",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery -------------------------------------------------------------------------------------

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = timedelta(hours=1)  # results never hold personal data, and not for long
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(BASE_DIR / "var" / "celerybeat-schedule")
)

# The one place where scheduled jobs are declared. The privacy officer sees this list read-only
# on the schedule page; "description" is what that page shows and is not passed to Celery.
SCHEDULED_JOBS = {
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(minute=17),
        "description": _("Remove expired staff sessions from the database."),
    },
    "prune-login-attempts": {
        "task": "accounts.tasks.prune_login_attempts",
        "schedule": crontab(hour=3, minute=41),
        "description": _("Delete login attempt records older than 90 days."),
    },
    "enforce-retention": {
        "task": "privacy.tasks.enforce_retention_policies",
        "schedule": crontab(minute=7),
        "description": _(
            "Run every retention policy, each kind of data with the period declared for it: "
            "delete or anonymise whatever is past its period, with its history, access log "
            "entries and files."
        ),
    },
    "review-contact-roles": {
        "task": "customers.tasks.review_contact_roles",
        "schedule": crontab(hour=2, minute=29),
        "description": _(
            "Put contact roles with no confirmation or activity for 24 months on customer "
            "service's review list, and end those left unanswered there for 3 months."
        ),
    },
    "prune-known-names": {
        "task": "customers.tasks.prune_known_names",
        "schedule": crontab(hour=4, minute=47),
        "description": _("Keep the name dictionary of the search equal to the names in use."),
    },
    "send-survey-invitations": {
        "task": "feedback.tasks.send_stuck_survey_invitations",
        "schedule": crontab(minute="*/10"),
        "description": _(
            "Send SMS survey invitations still waiting after a broker or gateway outage."
        ),
    },
    "publish-waiting-jobs": {
        "task": "jobs.tasks.publish_waiting_jobs",
        "schedule": crontab(minute="*"),
        "description": _(
            "Send to the job service the jobs it has not received or started within a few "
            "minutes (after a broker outage), so that no recorded job is lost."
        ),
    },
    "breach-reminders": {
        "task": "breaches.tasks.send_breach_reminders",
        "schedule": crontab(minute="*/15"),
        "description": _(
            "Remind the privacy officers by email when 24 and 60 of the 72 hours for notifying "
            "a personal-data breach to the Data Protection Ombudsman have passed."
        ),
    },
    "remind-request-deadlines": {
        "task": "dsar.tasks.remind_request_deadlines",
        "schedule": crontab(hour=7, minute=5),
        "description": _(
            "Email the privacy officers the reference numbers and links of data-subject "
            "requests due within 7 days or overdue."
        ),
    },
    "prune-idempotency-keys": {
        "task": "accounts.tasks.prune_idempotency_records",
        "schedule": crontab(hour=5, minute=11),
        "description": _("Forget API idempotency keys older than their retry window (24 hours)."),
    },
    "sweep-orphan-files": {
        "task": "privacy.tasks.sweep_orphan_files",
        "schedule": crontab(hour=4, minute=23),
        "description": _(
            "Delete stored files that no row refers to, and report rows whose file is missing."
        ),
    },
    "check-privacy-notice": {
        "task": "notice.tasks.check_notice_consistency",
        "schedule": crontab(hour=5, minute=13),
        "description": _(
            "Compare the published privacy notice with what the system declares and does; the "
            "privacy officer sees each difference on the front page."
        ),
    },
}
CELERY_BEAT_SCHEDULE = {
    name: {key: value for key, value in job.items() if key != "description"}
    for name, job in SCHEDULED_JOBS.items()
}

# The job outbox (jobs/): a recorded job that the broker has not accepted, or that no worker
# has started, this long after its last publication is published again; done jobs are kept
# this many days for the record.
JOBS_REPUBLISH_AFTER_MINUTES = env.int("JOBS_REPUBLISH_AFTER_MINUTES", default=3)
JOBS_KEEP_DONE_DAYS = env.int("JOBS_KEEP_DONE_DAYS", default=7)

# A running audience export whose job has not reported for this long has lost its worker; a
# redelivered job, or the marketer's new request, takes it over. Progress is reported every
# 10,000 rows, which takes seconds, so minutes of silence mean the worker is gone.
AUDIENCE_EXPORT_STALE_MINUTES = env.int("AUDIENCE_EXPORT_STALE_MINUTES", default=10)

# Notice §11: a contact person's data is kept this long after their role ends.
CONTACT_ROLE_RETENTION_DAYS = env.int("CONTACT_ROLE_RETENTION_DAYS", default=365)
# Notice §11: a person with no customer relationship left and no contact for this many calendar
# years is erased whole (customers.personal_data.INACTIVE_PEOPLE).
INACTIVITY_YEARS = env.int("INACTIVITY_YEARS", default=3)
# A contact role with no confirmation or activity for this many months goes onto customer
# service's review list; unanswered there for CONTACT_ROLE_REVIEW_GRACE_MONTHS, it is ended.
CONTACT_ROLE_REVIEW_MONTHS = env.int("CONTACT_ROLE_REVIEW_MONTHS", default=24)
CONTACT_ROLE_REVIEW_GRACE_MONTHS = env.int("CONTACT_ROLE_REVIEW_GRACE_MONTHS", default=3)
# Accounting Act (Kirjanpitolaki 1336/1997) 2:10: vouchers are kept this many years from the end
# of the calendar year in which the financial year ended. The financial year ends on this
# month and day (MM-DD).
ACCOUNTING_VOUCHER_YEARS = env.int("ACCOUNTING_VOUCHER_YEARS", default=6)
FINANCIAL_YEAR_END = env.str("FINANCIAL_YEAR_END", default="12-31")

# --- Feedback, SMS surveys and website visits (notice §5, §7, §11) ------------------------------

# Like Django's email backends: console and file for development and tests, the HTTP gateway in
# production, where its address and token have no default.
SMS_HTTP_BACKEND = "feedback.sms.backends.http.SmsBackend"
SMS_BACKEND = env.str(
    "SMS_BACKEND",
    default=SMS_HTTP_BACKEND if PRODUCTION else "feedback.sms.backends.console.SmsBackend",
)
if PRODUCTION and SMS_BACKEND == SMS_HTTP_BACKEND:
    SMS_GATEWAY_URL = _required("SMS_GATEWAY_URL")
    SMS_GATEWAY_TOKEN = _required("SMS_GATEWAY_TOKEN")
else:
    SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
    SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
# The gateway carries phone numbers and the bearer token: never in clear outside development.
if (
    DJANGO_ENV != "development"
    and not BUILD_STEP
    and SMS_GATEWAY_URL
    and not SMS_GATEWAY_URL.startswith("https://")
):
    raise ImproperlyConfigured(
        f"SMS_GATEWAY_URL must start with https:// when DJANGO_ENV={DJANGO_ENV}."
    )
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
# Notice §9–§10: every outside service that receives personal data is a recipient in the
# register (a processor with its data-processing agreement, in the EU/EEA), named here by its
# name there. Nothing is sent to one that is not (checked by `check --deploy` and at each send).
SMS_GATEWAY_RECIPIENT = env.str("SMS_GATEWAY_RECIPIENT", default="")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default=str(BASE_DIR / "var" / "sms"))
SMS_SENDER = env.str("SMS_SENDER", default="PKTerveys")
# A survey invitation can be answered this many days; nobody is surveyed twice within the quiet
# period (by phone number and by person).
SURVEY_INVITATION_TTL_DAYS = env.int("SURVEY_INVITATION_TTL_DAYS", default=7)
SURVEY_QUIET_DAYS = env.int("SURVEY_QUIET_DAYS", default=30)
# Notice §7: the website's visit data, kept this long.
WEBSITE_VISIT_RETENTION_DAYS = env.int("WEBSITE_VISIT_RETENTION_DAYS", default=90)
WEBSITE_VISIT_BATCH_MAX = env.int("WEBSITE_VISIT_BATCH_MAX", default=500)
# SMS surveys: at most this many invitations to one phone number a day (Europe/Helsinki).
SURVEY_DAILY_CAP_PER_NUMBER = env.int("SURVEY_DAILY_CAP_PER_NUMBER", default=1)

# --- Personal-data breaches (GDPR Art. 33–34) ----------------------------------------------------

# A closed breach, its affected people, notices and timeline are kept this many calendar years.
BREACH_RETENTION_YEARS = env.int("BREACH_RETENTION_YEARS", default=5)
# Links in emails (the breach reminders) point here.
SITE_URL = env.str("DJANGO_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Email: the console in development, a local mail server in production (EMAIL_URL, e.g.
# smtp+tls://user:password@mail.example:587).
vars().update(
    env.email_url("EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://")
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rekisteri@pkterveys.example")

# --- Data-subject requests (notice §12, GDPR Art. 12-22) ----------------------------------------

# Closed requests are kept this many years after closing (accountability, GDPR Art. 5(2)).
DSAR_RETENTION_YEARS = env.int("DSAR_RETENTION_YEARS", default=5)
# A scanned document of a request: PDF, JPEG or PNG, at most this large.
DSAR_DOCUMENT_MAX_BYTES = env.int("DSAR_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The reminder job mails the privacy officers the requests due within this many days.
DSAR_REMINDER_DAYS = env.int("DSAR_REMINDER_DAYS", default=7)
# The reminders' links point to SITE_URL and go through the email settings above.

# --- Controller (notice §1–3) -------------------------------------------------------------------

CONTROLLER = {
    "name": "Pohjois-Karjalan Terveyspalvelut Oy",
    "register_name": "PK Terveyden asiakasrekisteri",
    "address": "Voimatie 2, 2. krs., 80100 Joensuu",
    "phone": "010 762 3555",
    "business_id": "1769016-7",
    "privacy_contact": "tietosuoja.pko@sok.fi",
    # How the privacy notice names the controller in its sentences (Finnish genitive too).
    "trade_name": "PK Terveys",
    "trade_name_genitive": "PK Terveyden",
    # Where written requests (notice §12) are sent.
    "register_contact": "tietosuoja.pko@sok.fi",
}

# --- Logging ------------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Search terms travel in query strings (?q=Virtanen): request lines are logged without them.
    "filters": {"no_query_strings": {"()": "audit.logging.NoQueryStrings"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]},
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Axes logs usernames at INFO; keep them out of the general log.
        "axes": {"level": "WARNING"},
        # runserver's request lines; its own handler would print them unfiltered.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # WeasyPrint reports each rendering step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Change history (django-pghistory) ----------------------------------------------------------

# Triggers in PostgreSQL capture every insert, update and delete of a tracked model, whether it
# came from save(), QuerySet.update(), bulk_create or raw SQL. Event rows are append-only at the
# database level; only erasure and retention lift that, for the person's rows.
PGHISTORY_DEFAULT_TRACKERS = (
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
)
PGHISTORY_APPEND_ONLY = True
PGHISTORY_MIDDLEWARE_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PGHISTORY_ADMIN_CLASS = "audit.admin.HistoryAdmin"
# Every event table indexes its time, which the history's retention policy deletes by.
PGHISTORY_BASE_MODEL = "audit.events.Event"
