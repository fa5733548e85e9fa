"""Settings shared by every environment.

The environment is read here and only here (django-environ); local, test and production
modules adjust defaults but never call ``env`` themselves.
"""

from pathlib import Path

import django_stubs_ext
import environ
from django.utils.translation import gettext_lazy as _

# Lets generic classes such as ModelAdmin[Customer] be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "crm.lib",
    "crm.accounts",
    "crm.audit",
    "customers",
    "interactions",
    "interactions.imports",
    "interactions.ingest",
    "churn",
    "campaigns",
    "crm.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crm.accounts.two_factor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "crm.audit.access.AccessLogMiddleware",
    "crm.accounts.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by authentication into a page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: refuses locked-out logins before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
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
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "customers:list"
LOGOUT_REDIRECT_URL = "login"

# Sessions end a working day after sign-in, and when the browser closes. (Not sliding:
# renewing the session on every request would cost a database write per page.)
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE_SECONDS", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed logins for one username
# from one address, that pair is locked out for AXES_COOLOFF_TIME hours; a success resets.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
# Two-factor authentication (django-otp, TOTP) for the roles that see many customers.
# On by default; `make demo` (local settings) turns it off so the printed logins work.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=True)
TWO_FACTOR_ROLES = ("Admin", "Manager")
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Retention CRM")
# Content-Security-Policy sent with every page (crm.accounts.security).
CONTENT_SECURITY_POLICY = env.str(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
        "'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Guardian: anonymous users get no object permissions at all.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("lt", _("Lithuanian")),
    ("lv", _("Latvian")),
    ("pl", _("Polish")),
    ("el", _("Greek")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["crm.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Vilnius")
USE_I18N = True
USE_TZ = True
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="EUR")
# Phone numbers typed without a country prefix are read as numbers of this region.
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="LT")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
# Uploaded files (imports); never served by the app.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="crm@localhost")
# Only crm.settings.test reads it: the integration suite points its worker's email at a
# local SMTP server (unit tests always use the in-memory backend).
TEST_EMAIL_URL = env.str("CRM_TEST_EMAIL_URL", default="")

# Campaign delivery (campaigns.delivery). Links in messages (unsubscribe, tracking) start
# with this public address of the site.
CAMPAIGN_LINK_BASE_URL = env.str("CAMPAIGN_LINK_BASE_URL", default="http://localhost:8000")
# Mailbox named in the List-Unsubscribe header next to the link; empty: DEFAULT_FROM_EMAIL.
CAMPAIGN_UNSUBSCRIBE_EMAIL = env.str("CAMPAIGN_UNSUBSCRIBE_EMAIL", default="")
# The {{ company_name }} of message templates.
CAMPAIGN_COMPANY_NAME = env.str("CAMPAIGN_COMPANY_NAME", default="Retention CRM")
# Messages claimed (and sent over one connection) per batch: at most this many end up
# "delivery unknown" when a worker dies mid-batch.
CAMPAIGN_SEND_BATCH_SIZE = env.int("CAMPAIGN_SEND_BATCH_SIZE", default=20)
# A claimed message still unconfirmed after this long is marked UNCONFIRMED, never resent.
CAMPAIGN_SENDING_TIMEOUT_S = env.int("CAMPAIGN_SENDING_TIMEOUT_S", default=15 * 60)
# SMS backend, a dotted path like EMAIL_BACKEND: campaigns.delivery.sms.ConsoleSmsBackend,
# .LocmemSmsBackend (tests) or .FileSmsBackend (writes to SMS_FILE_PATH).
SMS_BACKEND = env.str("SMS_BACKEND", default="campaigns.delivery.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=str(VAR_DIR / "sms"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handlers.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Retention CRM API",
    "DESCRIPTION": "Everything the browser UI does, under the same permissions.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CustomerStageEnum": "customers.models.Customer.Stage",
        "CustomerKindEnum": "customers.models.Customer.Kind",
        "SurveyKindEnum": "interactions.models.SurveyResponse.Kind",
        "OrderStatusEnum": "interactions.models.Order.Status",
        "ComplaintStatusEnum": "interactions.models.Complaint.Status",
        "RoleEnum": "crm.accounts.models.Role",
        "ImportKindEnum": "interactions.imports.models.ImportKind",
        "WebhookSourceKindEnum": "interactions.ingest.models.WebhookSource.Kind",
        "RetentionCategoryEnum": "crm.privacy.models.Category",
        "ComplaintCategoryEnum": "interactions.models.Complaint.Category",
        "ConsentSourceEnum": "customers.models.Consent.Source",
        "RecordSourceEnum": "interactions.models.Source",
        "CampaignChannelEnum": "campaigns.models.Channel",
        "InteractionChannelEnum": "interactions.models.Channel",
        "DataSubjectRequestKindEnum": "crm.privacy.models.DataSubjectRequest.Kind",
        "CampaignKindEnum": "campaigns.models.Campaign.Kind",
        "AlertKindEnum": "churn.models.Alert.Kind",
        "DataSubjectRequestStatusEnum": "crm.privacy.models.DataSubjectRequest.Status",
    },
}

# Celery. The embedded default is kombu's filesystem transport, which needs no server;
# production sets CELERY_BROKER_URL=redis://... (see README, Operations).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_FILESYSTEM_DIR = env.path(
    "CELERY_BROKER_FILESYSTEM_DIR", default=str(VAR_DIR / "broker")
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder shared by web, worker and beat. The transport has no fanout exchange, so
    # worker remote control (and with it mingle and gossip) is off. kombu keeps its
    # exchange-to-queue bindings in control_folder, which defaults to "control" relative to
    # the working directory; it must be the same folder for every process, so pin it here.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FILESYSTEM_DIR),
        "data_folder_out": str(CELERY_BROKER_FILESYSTEM_DIR),
        "processed_folder": str(CELERY_BROKER_FILESYSTEM_DIR),
        "control_folder": str(CELERY_BROKER_FILESYSTEM_DIR("control")),
        "store_processed": False,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # Redis redelivers an unacknowledged message after this many seconds; it must exceed
    # the longest task (a full scoring run), or a slow task would run twice at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 60 * 60}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = env.str(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule")
)

# Customers per scoring chunk (one task, one transaction). 0: 50,000 on PostgreSQL (about
# 40 MB of features per worker process), 5,000 on SQLite.
SCORING_CHUNK_SIZE = env.int("SCORING_CHUNK_SIZE", default=0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Customer list pages show this many rows; keyset pagination keeps deep pages as fast.
CUSTOMER_PAGE_SIZE = 50
