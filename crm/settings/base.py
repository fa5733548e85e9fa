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
    "crm.lib",
    "crm.accounts",
    "crm.audit",
    "customers",
    "interactions",
    "interactions.imports",
    "interactions.ingest",
    "churn",
    "campaigns",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
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
