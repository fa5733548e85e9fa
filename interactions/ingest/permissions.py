"""Who may feed the CRM from outside, and who manages that.

Both are capabilities (model permissions held through a role), not object permissions:
ingestion writes history for any customer an external system names, so only Admin holds
them by default. Integrations call the API as a dedicated user holding ``ingest_events``
(``manage.py ingest_token``); webhooks carry no user at all and prove themselves by their
signature instead (``interactions.ingest.signing``).
"""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from customers.selectors import AnyUser

INGEST_EVENTS = "ingest.ingest_events"
MANAGE_INTEGRATIONS = "ingest.manage_integrations"


def user_for_capability(*, user: AnyUser, perm: str) -> User:
    """The door for ingestion and integration settings: 403 unless ``user`` holds ``perm``."""
    if not isinstance(user, User) or not user.is_active or not user.has_perm(perm):
        raise PermissionDenied("You may not do that.")
    return user
