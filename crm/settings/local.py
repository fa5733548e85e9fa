"""The embedded default: SQLite, a filesystem broker, console email. For `make demo`."""

from crm.settings.base import *  # noqa: F403
from crm.settings.base import SECRET_KEY

DEBUG = True
# A fixed key is acceptable only for the local demo; production refuses to start without one.
SECRET_KEY = SECRET_KEY or "local-demo-only-not-secret"
# Static files are served from the source folders; no collectstatic needed.
STATIC_ROOT = None
# The demo prints logins for every role; an authenticator app would stand in the way.
TWO_FACTOR_REQUIRED = False
WHITENOISE_USE_FINDERS = True
