"""Test settings: fast hashing, in-memory email, tasks eager unless the integration suite
runs them through a real worker."""

from crm.settings.base import *  # noqa: F403
from crm.settings.base import CELERY_BROKER_URL, SECRET_KEY, TEST_EMAIL_URL, env

SECRET_KEY = SECRET_KEY or "test-only-not-secret"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if TEST_EMAIL_URL:  # the integration suite's worker, sending to a local SMTP server
    vars().update(env.email_url_config(TEST_EMAIL_URL))
SMS_BACKEND = "campaigns.delivery.sms.LocmemSmsBackend"
# Inline in the test process; a real worker started by the integration suite gets a Redis
# broker URL and so runs tasks for real.
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("filesystem://")
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the source folders; no collectstatic needed.
STATIC_ROOT = None
# Personas log in with force_login; the two-factor and lockout tests turn these on.
TWO_FACTOR_REQUIRED = False
AXES_ENABLED = False
WHITENOISE_USE_FINDERS = True
