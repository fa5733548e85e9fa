"""Segments, message templates, campaigns and automations, their sends, and coupons.

A campaign goes to the members of a segment as seen by the user who launches it (the
permission door decides who is reachable). Launch writes one ``CampaignSend`` row per
(campaign, customer, occasion) — the unique constraint is what makes a re-run safe — and
splits eligible customers at random into a treated group and a control group, so that
results compare like with like. An automation is a campaign of kind AUTOMATION with a
trigger; each occasion (a birthday, an alert, a resolved complaint) is its own send."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from interactions.models import Order


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    CALL_LIST = "call_list", _("Call list")
    DIRECT_MAIL = "direct_mail", _("Direct mail (CSV export)")


class Segment(models.Model):
    """A saved, dynamic rule over profile and behaviour; members are computed on demand.

    ``rules`` is ``{"match": "all"|"any", "conditions": [{"field", "op", "value"}]}``;
    campaigns.segments.rules validates and evaluates it."""

    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rules = models.JSONField(_("rules"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("segment")
        verbose_name_plural = _("segments")

    def __str__(self) -> str:
        return self.name


class BehaviourCluster(models.Model):
    """One cluster of the latest clustering of the base on scaled recency, frequency and
    value; ``label`` describes its centre in words."""

    clustering_run = models.PositiveIntegerField(_("clustering run"))
    index = models.PositiveSmallIntegerField()
    label = models.CharField(_("description"), max_length=200)
    size = models.PositiveIntegerField(_("customers"))
    centre = models.JSONField(default=dict)  # {"recency_days", "order_count", "revenue_cents"}
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["clustering_run", "index"]
        constraints = [
            models.UniqueConstraint(fields=["clustering_run", "index"], name="cluster_run_index")
        ]

    def __str__(self) -> str:
        return self.label


class BehaviourClusterMember(models.Model):
    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="behaviour_cluster"
    )
    cluster = models.ForeignKey(BehaviourCluster, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.customer_id} in {self.cluster_id}"


class MessageTemplate(models.Model):
    """A message with one variant per language; variables are rendered in a sandbox."""

    name = models.CharField(_("name"), max_length=120)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.name


class MessageTemplateVariant(models.Model):
    template = models.ForeignKey(MessageTemplate, on_delete=models.CASCADE, related_name="variants")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="variant_one_per_lang")
        ]

    def __str__(self) -> str:
        return f"{self.template_id} [{self.language}]"


class Campaign(models.Model):
    class Kind(models.TextChoices):
        ONE_OFF = "one_off", _("One-off campaign")
        AUTOMATION = "automation", _("Automation")

    class Goal(models.TextChoices):
        WIN_BACK = "win_back", _("Win back")
        LOYALTY = "loyalty", _("Loyalty")
        WELCOME = "welcome", _("Welcome")
        SERVICE = "service", _("Service follow-up")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        QUEUEING = "queueing", _("Preparing messages")
        SENDING = "sending", _("Sending")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.ONE_OFF)
    goal = models.CharField(_("goal"), max_length=12, choices=Goal.choices, default=Goal.WIN_BACK)
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    segment = models.ForeignKey(
        Segment,
        verbose_name=_("segment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    template = models.ForeignKey(
        MessageTemplate,
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    control_percent = models.PositiveSmallIntegerField(_("control group (%)"), default=10)
    attribution_days = models.PositiveSmallIntegerField(_("attribution window (days)"), default=30)
    # A coupon per recipient when either value is set (one of the two).
    coupon_value_cents = models.PositiveIntegerField(
        _("coupon value (cents)"), null=True, blank=True
    )
    coupon_percent = models.PositiveSmallIntegerField(
        _("coupon discount (%)"), null=True, blank=True
    )
    coupon_valid_days = models.PositiveSmallIntegerField(_("coupon valid (days)"), default=30)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    launched_at = models.DateTimeField(_("launched at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        permissions = [
            ("launch_campaign", "Can launch campaigns and turn automations on"),
            ("view_campaign_results", "Can see what campaigns achieved"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(control_percent__lte=90), name="campaign_control_percent_max"
            ),
            models.CheckConstraint(
                condition=models.Q(coupon_value_cents__isnull=True)
                | models.Q(coupon_percent__isnull=True),
                name="campaign_one_coupon_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_coupon(self) -> bool:
        return self.coupon_value_cents is not None or self.coupon_percent is not None


class Automation(models.Model):
    """A rule: when ``trigger`` happens to a customer in the campaign's segment, send the
    campaign's message after ``delay_days``, once per occasion."""

    class Trigger(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        PURCHASE_ANNIVERSARY = "purchase_anniversary", _("Anniversary of the first purchase")
        CHURN_RISK = "churn_risk", _("Churn risk crosses the threshold")
        SILENCE = "silence", _("Silence begins")
        COMPLAINT_RESOLVED = "complaint_resolved", _("A complaint is resolved")
        NPS_DETRACTOR = "nps_detractor", _("NPS detractor answer")
        WELCOME = "welcome", _("New customer")

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="automation")
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    delay_days = models.PositiveSmallIntegerField(_("delay (days)"), default=0)
    is_active = models.BooleanField(_("on"), default=False)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("automation")
        verbose_name_plural = _("automations")

    def __str__(self) -> str:
        return f"{self.campaign} ({self.trigger})"


class CampaignSend(models.Model):
    """One recipient of a campaign (or of one occasion of an automation).

    State moves HELD | CONTROL | QUEUED -> SENDING (claimed) -> SENT | FAILED, then
    BOUNCED after delivery reports. A row left in SENDING by a killed worker becomes
    UNCONFIRMED on resume and is never sent again: at most once, never twice."""

    class Group(models.TextChoices):
        TREATED = "treated", _("Treated")
        CONTROL = "control", _("Control")

    class State(models.TextChoices):
        HELD = "held", _("Held back")
        CONTROL = "control", _("Control group")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        BOUNCED = "bounced", _("Bounced")
        UNCONFIRMED = "unconfirmed", _("Interrupted, delivery unknown")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sends")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=64, blank=True)  # "" for one-off campaigns
    group = models.CharField(max_length=8, choices=Group.choices, default=Group.TREATED)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    held_reason = models.CharField(_("held back because"), max_length=200, blank=True)
    address = models.CharField(max_length=254, blank=True)  # email or E.164 phone
    language = models.CharField(max_length=8, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    coupon = models.OneToOneField(
        "Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="send"
    )
    # Start of the attribution window, for both groups alike.
    reference_at = models.DateTimeField()
    not_before = models.DateTimeField(null=True, blank=True)  # quiet hours, delays
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The Message-ID of the email (or the provider's id), to match delivery reports.
    message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("campaign send")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer", "occasion"], name="send_once_per_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["campaign", "state"], name="send_campaign_state"),
            models.Index(
                fields=["not_before", "id"],
                condition=models.Q(state="queued"),
                name="send_queued",
            ),
            models.Index(fields=["customer", "sent_at"], name="send_customer_sent"),
            models.Index(
                fields=["message_id"], condition=~models.Q(message_id=""), name="send_message_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} -> {self.customer_id} ({self.state})"


class Coupon(models.Model):
    """A unique, single-use code; redeeming links it to the order that used it."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupons"
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="coupons"
    )
    value_cents = models.PositiveIntegerField(_("value (cents)"), null=True, blank=True)
    percent = models.PositiveSmallIntegerField(_("discount (%)"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    expires_on = models.DateField(_("expires on"))
    redeemed_at = models.DateTimeField(_("redeemed at"), null=True, blank=True)
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="coupon"
    )
    discount_cents = models.PositiveIntegerField(_("discount given (cents)"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("coupon")
        verbose_name_plural = _("coupons")

    def __str__(self) -> str:
        return self.code


class CampaignSettings(models.Model):
    """Rules across all campaigns (one row): frequency cap and quiet hours."""

    max_messages = models.PositiveSmallIntegerField(
        _("at most this many marketing messages per customer"), default=3
    )
    window_days = models.PositiveSmallIntegerField(_("within (days)"), default=7)
    quiet_from_hour = models.PositiveSmallIntegerField(
        _("quiet hours from (local hour)"), default=21
    )
    quiet_until_hour = models.PositiveSmallIntegerField(
        _("quiet hours until (local hour)"), default=8
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quiet_from_hour__lte=23, quiet_until_hour__lte=23),
                name="campaign_settings_hours",
            )
        ]

    def __str__(self) -> str:
        return "campaign settings"
