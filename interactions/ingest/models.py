"""Integrations: signed webhooks from external systems, what they delivered or had refused,
and the keys that make additive ingestion idempotent. The history rows themselves live in
``interactions.models``."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

# A source name and an event's key are stored together as "<source>:<key>" in the history
# tables' 100-character ``idempotency_key`` column: 30 + 1 + 69.
SOURCE_NAME_MAX_LENGTH = 30
EVENT_KEY_MAX_LENGTH = 69
# Enough of a refused body to see what was wrong, little enough that junk costs nothing.
REJECTION_EXCERPT_MAX_BYTES = 10 * 1024


class WebhookSource(models.Model):
    """An external system allowed to call ``/webhooks/<slug>/``, signing with ``secret``."""

    class Kind(models.TextChoices):
        SHOP_ORDERS = "shop_orders", _("Shop orders")
        EMAIL_EVENTS = "email_events", _("Email events")
        HELPDESK_TICKETS = "helpdesk_tickets", _("Helpdesk tickets")

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(
        _("slug"),
        max_length=SOURCE_NAME_MAX_LENGTH,
        unique=True,
        help_text=_("The last part of the webhook address, /webhooks/<slug>/."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # HMAC needs the plain secret, so it is stored as is. It is shown once, when created or
    # rotated, and never listed, logged or written to the audit trail.
    secret = models.CharField(max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    secret_rotated_at = models.DateTimeField(_("secret rotated at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook source")
        verbose_name_plural = _("webhook sources")
        # The app's capabilities, attached to its main model.
        permissions = [
            ("ingest_events", "Can send events through the bulk ingestion API"),
            ("manage_integrations", "Can manage webhook sources and see their deliveries"),
        ]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(models.Model):
    """An accepted (signed, well-formed) webhook call, processed by a Celery task."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        FAILED = "failed", _("Failed")

    source = models.ForeignKey(WebhookSource, on_delete=models.PROTECT, related_name="deliveries")
    # The payload's own delivery id, else the SHA-256 of the body: a redelivery is a no-op.
    delivery_id = models.CharField(_("delivery id"), max_length=100)
    body = models.JSONField(_("body"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED
    )
    error = models.TextField(_("error"), blank=True)
    # Created and duplicate counts per event type, as events_ingest reported them.
    result = models.JSONField(_("result"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "delivery_id"], name="webhookdelivery_source_delivery"
            ),
        ]
        indexes = [models.Index(fields=["-received_at", "-id"], name="webhookdelivery_recent")]

    def __str__(self) -> str:
        return f"{self.source_id}/{self.delivery_id}"


class WebhookRejection(models.Model):
    """A refused webhook call, kept so that an admin can see what went wrong. Holds no
    headers (the signature stays out) and at most ``REJECTION_EXCERPT_MAX_BYTES`` of body."""

    class Reason(models.TextChoices):
        BAD_HEADERS = "bad_headers", _("Missing or malformed signature headers")
        UNKNOWN_SOURCE = "unknown_source", _("Unknown or inactive source")
        STALE_TIMESTAMP = "stale_timestamp", _("Timestamp outside the replay window")
        BAD_SIGNATURE = "bad_signature", _("Signature does not match")
        NOT_JSON = "not_json", _("Body is not JSON")
        INVALID_PAYLOAD = "invalid_payload", _("Payload does not match the source's format")

    source = models.ForeignKey(
        WebhookSource,
        verbose_name=_("source"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rejections",
    )
    slug = models.CharField(_("address slug"), max_length=SOURCE_NAME_MAX_LENGTH)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.TextField(_("detail"), blank=True)
    remote_addr = models.GenericIPAddressField(_("remote address"), null=True, blank=True)
    body_excerpt = models.TextField(_("body excerpt"), blank=True)

    class Meta:
        verbose_name = _("webhook rejection")
        verbose_name_plural = _("webhook rejections")
        indexes = [models.Index(fields=["-received_at", "-id"], name="webhookrejection_recent")]

    def __str__(self) -> str:
        return f"{self.slug}: {self.reason}"


class ProcessedEvent(models.Model):
    """Keys of activity events already added to ``ActivityDaily``. Folding adds up, so a
    retried activity event must be recognised here; the other event types keep their key
    on their own row. ``source`` and ``idempotency_key`` are stored as in those tables."""

    source = models.CharField(max_length=10)
    idempotency_key = models.CharField(max_length=100)
    processed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"], name="processedevent_source_key"
            ),
        ]
        indexes = [models.Index(fields=["processed_at"], name="processedevent_at")]

    def __str__(self) -> str:
        return f"{self.source} {self.idempotency_key}"
