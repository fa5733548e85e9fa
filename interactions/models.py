"""Everything that happened with a customer: contact, orders and refunds, complaints,
surveys and daily web/app activity. Money is integer cents plus an ISO currency."""

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class Channel(models.TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("Email")
    MEETING = "meeting", _("Meeting")
    CHAT = "chat", _("Chat")
    SOCIAL = "social", _("Social message")
    SMS = "sms", _("SMS")
    WEB_VISIT = "web_visit", _("Web visit")
    APP_SESSION = "app_session", _("App session")
    NOTE = "note", _("Note")


class Source(models.TextChoices):
    UI = "ui", _("Entered by staff")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    WEBHOOK = "webhook", _("Webhook")
    DEMO = "demo", _("Demo data")


class Complaint(models.Model):
    class Category(models.TextChoices):
        PRODUCT = "product", _("Product")
        DELIVERY = "delivery", _("Delivery")
        BILLING = "billing", _("Billing")
        SERVICE = "service", _("Service")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        WAITING = "waiting", _("Waiting on customer")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    OPEN_STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.WAITING, Status.REOPENED)

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="complaints")
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    opened_at = models.DateTimeField(_("opened at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
    )
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Deadlines copied from the severity's service level when opened, so a later change
    # of targets does not rewrite history; breaches are computed from them.
    respond_by = models.DateTimeField(_("respond by"))
    resolve_by = models.DateTimeField(_("resolve by"))
    external_ref = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UI)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            models.Index(fields=["customer", "-opened_at", "-id"], name="complaint_customer_at"),
            models.Index(fields=["status", "resolve_by"], name="complaint_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~models.Q(external_ref=""),
                name="complaint_source_ref_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def response_breached(self) -> bool:
        answered = self.first_response_at or timezone.now()
        return answered > self.respond_by

    @property
    def resolution_breached(self) -> bool:
        done = self.resolved_at or timezone.now()
        return done > self.resolve_by

    @property
    def response_hours(self) -> float | None:
        if self.first_response_at is None:
            return None
        return round((self.first_response_at - self.opened_at).total_seconds() / 3600, 1)

    @property
    def next_deadline(self) -> datetime:
        """The deadline that matters now: the first answer, then the resolution."""
        return self.respond_by if self.first_response_at is None else self.resolve_by


class ServiceLevel(models.Model):
    """Response and resolution targets per complaint severity, set by admins."""

    severity = models.CharField(
        _("severity"), max_length=10, choices=Complaint.Severity.choices, unique=True
    )
    first_response_hours = models.PositiveIntegerField(_("first response within (hours)"))
    resolution_hours = models.PositiveIntegerField(_("resolution within (hours)"))

    class Meta:
        verbose_name = _("service level")
        verbose_name_plural = _("service levels")

    def __str__(self) -> str:
        return f"{self.severity}: {self.first_response_hours}h / {self.resolution_hours}h"


class Interaction(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="interactions")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    occurred_at = models.DateTimeField(_("when"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("notes or minutes"), blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interactions",
    )
    # A campaign lives in a higher app; its id is kept without a foreign key.
    campaign_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UI)
    # Set by API/webhook/import callers: a retried delivery with the same key is ignored.
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        permissions = [
            ("work_on_visible", "Can log contact and handle complaints of every visible customer"),
            ("manage_service_levels", "Can set complaint service levels"),
        ]
        indexes = [
            models.Index(
                fields=["customer", "-occurred_at", "-id"], name="interaction_customer_at"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="interaction_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.occurred_at:%Y-%m-%d}"


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed", _("Placed")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="orders")
    external_ref = models.CharField(_("order number"), max_length=64, blank=True)
    ordered_on = models.DateField(_("ordered on"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLACED
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UI)
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        indexes = [
            models.Index(fields=["customer", "-ordered_on", "-id"], name="order_customer_on"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~models.Q(external_ref=""),
                name="order_external_ref_unique",
            ),
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="order_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return self.external_ref or f"#{self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.CharField(_("product"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price_cents = models.BigIntegerField(_("unit price (cents)"))

    class Meta:
        verbose_name = _("order line")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product}"


class Refund(models.Model):
    """A return or refund against one order."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="refunds")
    refunded_on = models.DateField(_("refunded on"))
    amount_cents = models.BigIntegerField(_("amount (cents)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    is_return = models.BooleanField(_("goods returned"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        indexes = [
            models.Index(fields=["customer", "-refunded_on", "-id"], name="refund_customer_on"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount_cents} on {self.order}"


class SurveyResponse(models.Model):
    class Kind(models.TextChoices):
        NPS = "nps", _("NPS (0–10)")
        CSAT = "csat", _("CSAT (1–5)")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    kind = models.CharField(_("survey"), max_length=4, choices=Kind.choices)
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    responded_at = models.DateTimeField(_("responded at"))
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UI)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("survey response")
        indexes = [
            models.Index(fields=["customer", "-responded_at", "-id"], name="survey_customer_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="nps", score__lte=10))
                | (models.Q(kind="csat", score__gte=1, score__lte=5)),
                name="survey_score_in_range",
            ),
            models.UniqueConstraint(
                fields=["source", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="survey_idempotency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.score}"


class ActivityDaily(models.Model):
    """Web/app activity folded into one row per customer and day: enough for scoring."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="activity")
    day = models.DateField()
    logins = models.PositiveIntegerField(default=0)
    page_views = models.PositiveIntegerField(default=0)
    seconds_active = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("daily activity")
        constraints = [
            models.UniqueConstraint(fields=["customer", "day"], name="activity_customer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.day}"
