"""The settings behind integrations: webhook sources and their secrets, and the users
external systems call the API as."""

from django.contrib.auth.models import Permission, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.lib.errors import ApplicationError
from interactions.ingest import signing
from interactions.ingest.models import WebhookSource
from interactions.ingest.permissions import INGEST_EVENTS


@transaction.atomic
def webhook_source_create(*, acting_user: User, name: str, slug: str, kind: str) -> WebhookSource:
    """A new source with a fresh secret; show ``source.secret`` to the admin once."""
    source = WebhookSource(
        name=name.strip(),
        slug=slug,
        kind=kind,
        secret=signing.secret_generate(),
        created_by=acting_user,
    )
    source.full_clean(exclude=["created_by"])
    source.save()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=source,
        changes={"slug": {"before": None, "after": slug}, "kind": {"before": None, "after": kind}},
    )
    return source


@transaction.atomic
def webhook_source_rotate_secret(*, acting_user: User, source: WebhookSource) -> WebhookSource:
    """A new secret, valid at once; the old one stops working now. The audit trail notes
    the rotation, never a secret."""
    source.secret = signing.secret_generate()
    source.secret_rotated_at = timezone.now()
    source.save(update_fields=["secret", "secret_rotated_at"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=source,
        changes={"secret": {"before": None, "after": _("rotated")}},
    )
    return source


@transaction.atomic
def webhook_source_set_active(
    *, acting_user: User, source: WebhookSource, is_active: bool
) -> WebhookSource:
    if source.is_active != is_active:
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=source,
            changes={"is_active": {"before": source.is_active, "after": is_active}},
        )
        source.is_active = is_active
        source.save(update_fields=["is_active"])
    return source


@transaction.atomic
def integration_user_ensure(*, username: str, new_token: bool = False) -> tuple[User, str]:
    """A user for an external system: no password (it cannot log in to the pages), the
    ``ingest_events`` capability, and a DRF token (a fresh one if ``new_token``)."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.has_usable_password():
        raise ApplicationError(
            _("%(username)s is a person's account; integrations need their own user.")
            % {"username": username}
        )
    app_label, codename = INGEST_EVENTS.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    if new_token:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return user, token.key
