from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.contenttypes.models import ContentType
from django.db import models

from crm.audit.models import AuditEntry

Changes = dict[str, dict[str, Any]]


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model,
    changes: Changes | None = None,
) -> AuditEntry:
    """Append one entry. Call inside the transaction of the change it describes."""
    return AuditEntry.objects.create(
        actor=actor if isinstance(actor, User) else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes or {},
    )


def diff_fields(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """Fields whose value differs, as {"field": {"before": b, "after": a}}."""
    return {
        name: {"before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }
