from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One change to one object: who, when, what, and each changed field's before/after.

    Append-only: rows are written by ``crm.audit.services.audit_record`` and never updated
    or deleted by the application (``save`` refuses updates; the admin is read-only).
    """

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        ASSIGN = "assign", _("reassigned")
        STAGE = "stage", _("stage changed")
        DELETE = "delete", _("deleted")

    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    # {"field": {"before": ..., "after": ...}}; values are JSON-safe strings or numbers.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-occurred_at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit entries are append-only.")
        super().save(*args, **kwargs)


class AccessLogEntry(models.Model):
    """One read of customer data: who opened which customer's record, exported a list or
    read a customer through the API. Separate from the change audit and append-only like
    it. Holds the customer's id, never their name, so that the log itself stays lean on
    personal data; ``customer_id`` is a plain column so that erasing a customer keeps the
    record that someone looked at them."""

    class Action(models.TextChoices):
        VIEW = "view", _("Opened the customer's page")
        API_READ = "api_read", _("Read the customer through the API")
        EXPORT = "export", _("Exported")

    occurred_at = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    customer_id = models.BigIntegerField(null=True, blank=True)
    route = models.CharField(max_length=100)
    query = models.CharField(max_length=300, blank=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="accesslog_recent"),
            models.Index(fields=["customer_id", "-occurred_at"], name="accesslog_customer"),
            models.Index(fields=["user", "-occurred_at"], name="accesslog_user"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.customer_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Access log entries are append-only.")
        super().save(*args, **kwargs)
