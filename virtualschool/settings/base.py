"""Settings shared by every environment. Environment-specific modules import from here."""

from __future__ import annotations

import datetime
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from virtualschool.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_str,
    env_time_of_day,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY")
# The key of the pseudonyms in pseudonymised datasets (sharing.datasets.pseudonym): set it
# apart from SECRET_KEY in production so rotating one does not change the other. By default
# a key derived from SECRET_KEY, so a deployment that sets only SECRET_KEY still has one.
SHARING_PSEUDONYM_KEY = env_str("SHARING_PSEUDONYM_KEY", default="pseudonym:" + SECRET_KEY)
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

SERVICE_NAME = env_str("SERVICE_NAME", default="Virtual School")
# The phase banner tag; a council running this in production sets it to "" to hide the banner.
SERVICE_PHASE = env_str("SERVICE_PHASE", default="Alpha")
# The privacy notice (/privacy/, retention/privacy_notice.py): who the data controller is and
# where to write to its data protection officer. A council sets both.
PRIVACY_CONTROLLER = env_str("PRIVACY_CONTROLLER", default="the local authority")
PRIVACY_CONTACT_EMAIL = env_str("PRIVACY_CONTACT_EMAIL", default="")
# This authority's DfE LA code (3 digits): the responsible authority of every child whose
# record names no other (records.Child.responsible_la_code blank), so another authority's
# sharing agreement does not cover our own children by responsibility (sharing/cohort.py).
# A council sets it; the default is the demo data's code (records.demo.DEMO_LA_CODE).
LOCAL_AUTHORITY_CODE = env_str("LOCAL_AUTHORITY_CODE", default="873")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "auditlog",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "virtualschool",
    "staff",
    "records",
    "sharing",
    "retention",
]

MIDDLEWARE = [
    "virtualschool.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their caching; every other response is no-store.
    "virtualschool.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "virtualschool.middleware.SecondFactorMiddleware",
    "virtualschool.middleware.SessionLifetimeMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "virtualschool.middleware.SecondFactorRequiredMiddleware",
    # After the second factor: a recipient reaches only what is marked for recipients.
    "virtualschool.middleware.RecipientConfinementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during the request into the
    # lockout page (virtualschool.lockout.lockout_response).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "virtualschool.urls"
WSGI_APPLICATION = "virtualschool.wsgi.application"

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
                "virtualschool.context_processors.service",
            ],
        },
    },
]
FORM_RENDERER = "virtualschool.forms.GovukFormRenderer"

DATABASES = {"default": env_database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username or address before any password is checked,
    # wherever a password is given.
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, loading the session's two-factor devices with its user.
    "virtualschool.backends.StaffBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# No guardian anonymous user: every request is signed in.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"

# Sessions end after SESSION_IDLE_MINUTES without a request (each request renews the cookie),
# and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# However active, a session ends SESSION_ABSOLUTE_HOURS after sign-in
# (virtualschool.middleware.SessionLifetimeMiddleware).
SESSION_ABSOLUTE_HOURS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1)

# Two-factor sign-in (django-otp): a TOTP authenticator app for everyone, with single-use
# backup codes. django-otp's own throttling is off because the lockout below counts every
# wrong code; with both, a right code just after a wrong one would be refused.
OTP_TOTP_ISSUER = SERVICE_NAME
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Lockout (django-axes): LOCKOUT_USER_FAILURES wrong passwords or codes for one username, or
# LOCKOUT_ADDRESS_FAILURES from one address, within LOCKOUT_MINUTES lock sign-in for that
# username or address for LOCKOUT_MINUTES (virtualschool.lockout.LockoutHandler).
LOCKOUT_USER_FAILURES = env_int("LOCKOUT_USER_FAILURES", 5, minimum=1)
LOCKOUT_ADDRESS_FAILURES = env_int("LOCKOUT_ADDRESS_FAILURES", 20, minimum=1)
LOCKOUT_MINUTES = env_int("LOCKOUT_MINUTES", 15, minimum=1)
# Proxies in front of the service that append the client's address to X-Forwarded-For; 0
# means the service is reached directly and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_HANDLER = "virtualschool.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = LOCKOUT_USER_FAILURES
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOCKOUT_MINUTES)
# A lockout lasts its cool-off period from the failure that caused it; attempts while locked
# are refused without extending it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "virtualschool.lockout.client_ip_address"
AXES_LOCKOUT_CALLABLE = "virtualschool.lockout.lockout_response"
# Failures are kept (AccessAttempt while they count, AccessFailureLog after); successful
# sign-ins are not, so no record of staff members' addresses builds up.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_DISABLE_ACCESS_LOG = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# static_build/ is written by `npm run build` (GOV.UK Frontend compiled with our settings);
# it is git-ignored and rebuilt from package-lock.json.
STATICFILES_DIRS = [BASE_DIR / "static_build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Django's default, written out: the largest request body read, in bytes, besides uploaded
# files: a larger form or API body is refused with 400 (virtualschool.views.bad_request).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # A session counts only once its second factor is verified.
        "virtualschool.api_permissions.VerifiedSessionAuthentication",
    ],
    # Deny by default: every API view must declare the permission classes it needs.
    "DEFAULT_PERMISSION_CLASSES": ["virtualschool.api_permissions.DenyAll"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON only, refusing a body nested too deeply (virtualschool.parsers).
    "DEFAULT_PARSER_CLASSES": ["virtualschool.parsers.LimitedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Cursor pagination: PageNumberPagination counts the whole filtered queryset on every page.
    # A list view names the ordering its cursor follows (never a name or UPN: cursors are in
    # the query string).
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
}

# The OpenAPI schema (/api/schema/) and its browsable docs (/api/docs/), served from our own
# static files (drf-spectacular-sidecar), never a CDN.
SPECTACULAR_SETTINGS = {
    "TITLE": "Virtual School API",
    "DESCRIPTION": (
        "The child record, with the same permissions as the pages: lists hold only the "
        "children the user may see, anything else is 404, and sensitive categories (health, "
        "safeguarding, family, criminal) need the sensitive-categories permission. Names and "
        "UPNs never go in URLs or query strings. Updates send the `version` they read; a "
        "stale one is refused with 409."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["records.api.permissions.IsStaffWithRole"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No calls to swagger.io's online validator.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
    # Choice sets shared by several fields get one schema component, named here.
    "ENUM_NAME_OVERRIDES": {
        "DataCategoryEnum": "records.categories.DataCategory",
        "NoteCategoryEnum": "records.models.notes.NOTE_CATEGORY_CHOICES",
        "ExclusionCategoryEnum": "records.codes.exclusions.ExclusionCategory",
        # A plan's status, and the from and to of its history (records/api/pep_views.py).
        "PepStatusEnum": "records.models.pep.PepStatus",
        # Named once a second `status` (the plan's) came into the schema.
        "Post16CourseStatusEnum": "records.models.attainment.Post16Course.Status",
    },
}

# Celery: with no broker configured (the `make run` demo), tasks run in-process.
REDIS_URL = env_str("REDIS_URL", default="")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Task time limits stay well under the Redis visibility timeout so no task is redelivered
# while it still runs.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ROUTES = {
    "records.import_run": {"queue": "imports"},
    # Building an extract file is long file work, like an import.
    "sharing.extract_build": {"queue": "imports"},
}
# The beat schedule lives in code (STYLE.md 5); exactly one beat runs it.
CELERY_BEAT_SCHEDULE = {
    "purge-import-files": {
        "task": "records.purge_import_files",
        "schedule": 24 * 60 * 60,
        "options": {"queue": "imports"},
    },
    "purge-extract-files": {
        "task": "sharing.purge_extract_files",
        "schedule": 60 * 60,
        "options": {"queue": "imports"},
    },
}

# The cache holds short-lived shared state such as import progress: Redis wherever there is
# one, so every web and worker process sees the same values; in-process only for the
# single-process `make run` demo.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Uploaded import files wait here for the worker: a directory every web and worker process
# shares (a volume in docker-compose.yml).
IMPORTS_DIR = Path(env_str("IMPORTS_DIR", default=str(BASE_DIR / ".run" / "imports")))
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_MB", 1024) * 1024 * 1024
# Who reads an uploaded file (records/services/imports.py import_dispatch): "celery", the task
# records.import_run on the "imports" queue, wherever there is a broker; "thread", a background
# thread of the web process, where there is none (`make run`, `make test-e2e`), so the upload
# redirects at once and its page shows the progress (issue 16). The thread needs the web
# process to stay up until the file is read: never for production.
# Each kind of file's format, as docs/imports/ writes it: the upload page links to it
# (records/imports/guide.py format_text; the image copies the directory).
IMPORT_FORMATS_DIR = BASE_DIR / "docs" / "imports"
IMPORTS_RUNNER = env_str("IMPORTS_RUNNER", default="celery" if CELERY_BROKER_URL else "thread")
if IMPORTS_RUNNER not in {"celery", "thread"}:
    raise ImproperlyConfigured(f"IMPORTS_RUNNER must be celery or thread, not {IMPORTS_RUNNER!r}")
# Extract files of sharing agreements' datasets wait here for the recipient to download them
# (sharing.extracts): beside the imports, shared by every web and worker process. Each is
# deleted from disk this many days after it was built (the daily sharing.purge_extract_files).
EXTRACTS_DIR = Path(env_str("EXTRACTS_DIR", default=str(BASE_DIR / ".run" / "extracts")))
EXTRACTS_DAYS = env_int("EXTRACTS_DAYS", 7, minimum=1)

# Dashboards mark a figure that rests on fewer children than this, so nobody overreads it.
DASHBOARD_MIN_CHILDREN = env_int("DASHBOARD_MIN_CHILDREN", 5)

# Content Security Policy: nothing from other origins; inline scripts only with the nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Audit log: record who made each change; never keep the requesting IP address (it is
# personal data about staff that nothing here needs).
AUDITLOG_DISABLE_REMOTE_ADDR = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", default="INFO")},
}

# Retention (ADR 10): an approved destruction list waits at least this many days before
# anything on it is destroyed (never 0); certificates' references are HMAC-SHA256 of the
# destroyed child's id with this key, so "was child X destroyed?" can be answered given the id.
RETENTION_LIST_NOTICE_DAYS = env_int("RETENTION_LIST_NOTICE_DAYS", 7, minimum=1)
RETENTION_CERTIFICATE_KEY = env_str("RETENTION_CERTIFICATE_KEY", default="")
CELERY_TASK_ROUTES["retention.sweep"] = {"queue": "retention"}
# The daily sweep runs at a fixed time of day in Europe/London (CELERY_TIMEZONE), by a
# crontab, not every 24 hours from whenever beat last started. 02:30 by default: after
# midnight, so the sweep's "today" is the new day, and outside 01:00-01:59, the hour the
# clocks skip in March and repeat in October, so it runs exactly once every day of the year.
RETENTION_SWEEP_AT = env_time_of_day("RETENTION_SWEEP_AT", "02:30")
if RETENTION_SWEEP_AT.hour == 1:
    raise ImproperlyConfigured(
        "RETENTION_SWEEP_AT must not be from 01:00 to 01:59: in Europe/London that hour is "
        "skipped in March and repeated in October, so the sweep would miss a day or run twice."
    )
CELERY_BEAT_SCHEDULE["retention-sweep"] = {
    "task": "retention.sweep",
    "schedule": crontab(hour=RETENTION_SWEEP_AT.hour, minute=RETENTION_SWEEP_AT.minute),
    "options": {"queue": "retention"},
}
