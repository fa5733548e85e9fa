"""Retention policies per category of personal data, and the runs that enforce them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    INTERACTION_CONTENT = "interaction_content", _("Interaction subjects, bodies and minutes")
    RAW_EVENTS = "raw_events", _("Raw web/app events and daily activity")
    COMPLAINTS = "complaints", _("Complaints")
    SURVEYS = "surveys", _("Survey answers and comments")
    ORDERS = "orders", _("Orders and invoices")
    CAMPAIGN_MESSAGES = "campaign_messages", _("Sent campaign messages")
    FORMER_CUSTOMERS = "former_customers", _("Former customers' profiles")
    AUDIT_RECORDS = "audit_records", _("Change audit records")


class StartEvent(models.TextChoices):
    CREATED = "created", _("Created")
    BECAME_FORMER = "became_former", _("Customer became former")
    COMPLAINT_CLOSED = "complaint_closed", _("Complaint closed")


class Action(models.TextChoices):
    DELETE = "delete", _("Delete")
    ANONYMISE = "anonymise", _("Anonymise")


class RetentionPolicy(models.Model):
    """How long one category is kept, counted from which event, and what happens then.
    One row per category; a category without a row (or inactive) is kept."""

    category = models.CharField(_("data"), max_length=24, choices=Category.choices, unique=True)
    period_days = models.PositiveIntegerField(_("keep for (days)"))
    start_event = models.CharField(_("counted from"), max_length=20, choices=StartEvent.choices)
    action = models.CharField(_("then"), max_length=10, choices=Action.choices)
    is_active = models.BooleanField(_("enforced"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category"]
        verbose_name = _("retention policy")
        verbose_name_plural = _("retention policies")
        permissions = [("manage_retention", "Can set retention policies and run them")]

    def __str__(self) -> str:
        return f"{self.category}: {self.period_days} days"


class RetentionRun(models.Model):
    """One enforcement (or dry run). ``report`` counts rows per category, updated in the
    same transaction as each batch, so an interrupted run's report is exactly what it did."""

    class State(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        INTERRUPTED = "interrupted", _("Interrupted")

    is_dry_run = models.BooleanField(_("preview only"), default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.JSONField(default=dict)  # {category: {"action", "cutoff", "rows"}}

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")

    def __str__(self) -> str:
        return f"retention run {self.pk} ({self.state})"


class DataSubjectRequest(models.Model):
    """A person's request under the GDPR about the data we hold on them.

    ``customer`` is kept after an erasure (the row is anonymised, not deleted), so the
    request's history still shows what was done and when."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("Access and portability")
        RECTIFICATION = "rectification", _("Rectification")
        RESTRICTION = "restriction", _("Restriction of processing")
        ERASURE = "erasure", _("Erasure")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a second person's approval")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.RECEIVED, Status.AWAITING_APPROVAL, Status.IN_PROGRESS)

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="data_requests"
    )
    kind = models.CharField(_("request"), max_length=15, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("due on"))
    details = models.TextField(_("details"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    # The access package: a file under MEDIA_ROOT/privacy/, served through a signed link.
    package_name = models.CharField(max_length=100, blank=True)
    package_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("data subject request")
        verbose_name_plural = _("data subject requests")
        permissions = [("approve_erasure", "Can approve another person's erasure request")]
        indexes = [models.Index(fields=["status", "due_on"], name="dsr_status_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class DataSubjectRequestEvent(models.Model):
    """The request's history: every status change, by whom, with a note."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=20, choices=DataSubjectRequest.Status.choices)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id} -> {self.status}"
