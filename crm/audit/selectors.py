from django.contrib.contenttypes.models import ContentType
from django.db import models

from crm.audit.models import AuditEntry


def audit_entries_for_object(*, obj: models.Model, limit: int = 50) -> list[AuditEntry]:
    """The newest entries about one object. The caller has already authorised the object."""
    content_type = ContentType.objects.get_for_model(obj)
    qs = AuditEntry.objects.filter(content_type=content_type, object_id=str(obj.pk))
    return list(qs.select_related("actor")[:limit])
