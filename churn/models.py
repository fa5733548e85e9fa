"""Churn risk, silence and value scores, the model versions that produce them, the runs
that write them, and the alerts they raise for the assigned staff."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from customers.models import Customer


class ValueTier(models.TextChoices):
    """Expected-value tiers; the cut points come from the model version's training base."""

    TOP = "top", _("Most valuable")
    HIGH = "high", _("High value")
    MEDIUM = "medium", _("Medium value")
    LOW = "low", _("Low value")


class ScoringSettings(models.Model):
    """The admins' knobs, one row (pk 1). Thresholds are data, not constants in code."""

    horizon_days = models.PositiveIntegerField(
        _("churn horizon (days)"),
        default=90,
        help_text=_("A customer with no order within this many days counts as churned."),
    )
    silence_threshold = models.FloatField(
        _("silence threshold"),
        default=0.35,
        help_text=_(
            "A customer is silent when the probability that they are still active falls "
            "below this value (0–1)."
        ),
    )
    value_horizon_days = models.PositiveIntegerField(
        _("lifetime value horizon (days)"), default=365
    )
    most_valuable_share = models.FloatField(
        _("share flagged most valuable"),
        default=0.05,
        help_text=_("The top share of customers by expected value (0–1)."),
    )
    complaint_spike_count = models.PositiveSmallIntegerField(
        _("complaint spike: complaints within 30 days"), default=3
    )
    alert_cooldown_days = models.PositiveSmallIntegerField(
        _("days before a resolved alert may be raised again"), default=30
    )
    escalation_business_days = models.PositiveSmallIntegerField(
        _("escalate unacknowledged alerts after (business days)"), default=3
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("scoring settings")
        verbose_name_plural = _("scoring settings")
        permissions = [
            ("manage_scoring", "Can train and promote models, start runs and set thresholds"),
            ("view_scoring", "Can see models, runs and backtests"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(silence_threshold__gt=0, silence_threshold__lt=1),
                name="scoring_silence_threshold_range",
            ),
            models.CheckConstraint(
                condition=models.Q(most_valuable_share__gt=0, most_valuable_share__lt=1),
                name="scoring_mvc_share_range",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Scoring settings"))


class AlertThreshold(models.Model):
    """The churn probability at or above which a customer of a value tier is alerted."""

    tier = models.CharField(_("value tier"), max_length=10, choices=ValueTier.choices, unique=True)
    churn_probability = models.FloatField(_("alert at churn probability"))

    class Meta:
        verbose_name = _("alert threshold")
        verbose_name_plural = _("alert thresholds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(churn_probability__gt=0, churn_probability__lt=1),
                name="alert_threshold_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} ≥ {self.churn_probability:.2f}"


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        CURRENT = "current", _("Current")
        RETIRED = "retired", _("Retired")
        REJECTED = "rejected", _("Rejected: did not beat the current model")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    trained_at = models.DateTimeField(_("trained at"), auto_now_add=True)
    trained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The training window: features as of train_cutoff_on, labels up to holdout_cutoff_on;
    # the holdout: features as of holdout_cutoff_on, labels up to as_of.
    as_of = models.DateField(_("trained as of"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"))
    train_cutoff_on = models.DateField()
    holdout_cutoff_on = models.DateField()
    feature_columns = models.JSONField(default=list)
    metrics = models.JSONField(_("holdout metrics"), default=dict)
    baselines = models.JSONField(_("baselines"), default=dict)
    repeat_buying = models.JSONField(default=dict)  # MBG/NBD parameters fitted as of as_of
    spend = models.JSONField(default=dict)  # Gamma-Gamma parameters, empty if not fitted
    # Expected-value cut points of the tiers, from the base as of as_of.
    tier_cuts = models.JSONField(default=dict)
    # Per feature, the holdout's quantile edges and shares, for drift (PSI) checks.
    reference = models.JSONField(default=dict)
    drift = models.JSONField(default=dict)
    drift_checked_at = models.DateTimeField(null=True, blank=True)
    is_cold_start = models.BooleanField(default=False)
    cold_start_reason = models.CharField(max_length=300, blank=True)
    n_train = models.PositiveIntegerField(default=0)
    n_holdout = models.PositiveIntegerField(default=0)
    n_train_churners = models.PositiveIntegerField(default=0)
    artefact = models.BinaryField(null=True, editable=False)  # joblib bytes of ChurnModel
    replaced = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-trained_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="current"),
                name="one_current_model",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.pk} ({self.as_of})"


class ScoringRun(models.Model):
    class Kind(models.TextChoices):
        FULL = "full", _("Full")
        CHANGED = "changed", _("Changed customers")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    as_of = models.DateField(_("as of"))
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="runs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # History changes up to this moment are covered by this run (for the next CHANGED run).
    changes_until = models.DateTimeField()
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    customers_total = models.PositiveIntegerField(default=0)
    customers_scored = models.PositiveIntegerField(default=0)
    alerts_raised = models.PositiveIntegerField(default=0)
    silences_begun = models.PositiveIntegerField(default=0)
    stage_seconds = models.JSONField(default=dict)  # summed time per stage, for the bench
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} run {self.pk} ({self.as_of})"

    @property
    def progress_percent(self) -> int:
        if not self.chunks_total:
            return 100 if self.status == self.Status.DONE else 0
        return round(100 * self.chunks_done / self.chunks_total)


class ScoringChunk(models.Model):
    """A slice of a run's customers: an id range (full runs) or a list (changed runs),
    claimed by one worker at a time and written in one transaction with its scores."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        CLAIMED = "claimed", _("Claimed")
        DONE = "done", _("Done")

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    customer_ids = models.JSONField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    scored = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="chunk_run_number"),
        ]
        indexes = [models.Index(fields=["run", "state"], name="chunk_run_state")]

    def __str__(self) -> str:
        return f"run {self.run_id} chunk {self.number}"


class CustomerScore(models.Model):
    """The latest score of a customer; ScoreHistory keeps one row per run."""

    customer = models.OneToOneField(
        Customer, primary_key=True, on_delete=models.CASCADE, related_name="score"
    )
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")
    model_version = models.ForeignKey(
        ModelVersion, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    as_of = models.DateField(_("scored as of"))
    scored_at = models.DateTimeField(_("scored at"))
    churn_probability = models.FloatField(_("churn risk"), null=True)
    p_alive = models.FloatField(_("probability still active"), null=True)
    is_cold_start = models.BooleanField(default=False)
    expected_orders = models.FloatField(_("expected orders in the horizon"), null=True)
    expected_next_on = models.DateField(_("expected next order"), null=True)
    expected_value_cents = models.BigIntegerField(_("expected value (cents)"), null=True)
    value_tier = models.CharField(
        _("value tier"), max_length=10, choices=ValueTier.choices, default=ValueTier.LOW
    )
    is_most_valuable = models.BooleanField(_("most valuable"), default=False)
    reasons = models.JSONField(default=list)
    # Recency, frequency and value as of ``as_of``, for segments and clustering.
    last_order_on = models.DateField(_("last order"), null=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    revenue_cents = models.BigIntegerField(_("revenue (cents)"), default=0)

    class Meta:
        verbose_name = _("customer score")
        indexes = [
            models.Index(fields=["-churn_probability"], name="score_churn_desc"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.churn_probability}"

    @property
    def expected_loss_cents(self) -> int:
        return round((self.expected_value_cents or 0) * (self.churn_probability or 0))


class ScoreHistory(models.Model):
    """One row per (run, customer): a run scores each of its customers exactly once."""

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    as_of = models.DateField()
    churn_probability = models.FloatField(null=True)
    p_alive = models.FloatField(null=True)
    expected_value_cents = models.BigIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "customer"], name="score_history_once"),
        ]
        indexes = [models.Index(fields=["customer", "as_of"], name="score_history_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of}"


class PlaybookEntry(models.Model):
    """The suggested reaction to an alert of one kind, edited by admins."""

    class Reaction(models.TextChoices):
        CALL = "call", _("A personal call")
        OFFER = "offer", _("A special offer")
        EVENT = "event", _("An invitation to an event")
        NEEDS = "needs", _("Ask about their needs")

    kind = models.CharField(_("alert kind"), max_length=20, unique=True)
    reaction = models.CharField(_("reaction"), max_length=10, choices=Reaction.choices)
    instructions = models.TextField(_("instructions"), blank=True)
    due_days = models.PositiveSmallIntegerField(_("due within (days)"), default=3)

    class Meta:
        verbose_name = _("playbook entry")
        verbose_name_plural = _("playbook")

    def __str__(self) -> str:
        return f"{self.kind}: {self.reaction}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        CHURN_RISK = "churn_risk", _("Churn risk")
        SILENCE = "silence", _("Silence")
        COMPLAINT_SPIKE = "complaint_spike", _("Complaint spike")
        MVC_AT_RISK = "mvc_at_risk", _("Most valuable customer at risk")
        NPS_DETRACTOR = "nps_detractor", _("NPS detractor")
        RETURN = "return", _("Return")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        SNOOZED = "snoozed", _("Snoozed")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        CONTACTED = "contacted", _("Contacted")
        OFFER_MADE = "offer_made", _("Offer made")
        SAVED = "saved", _("Saved")
        LOST = "lost", _("Lost")

    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED, Status.SNOOZED)

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.OPEN
    )
    run = models.ForeignKey(ScoringRun, null=True, on_delete=models.SET_NULL, related_name="+")
    raised_at = models.DateTimeField(_("raised at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="alerts",
    )
    reasons = models.JSONField(default=list)
    churn_probability = models.FloatField(null=True)
    expected_value_cents = models.BigIntegerField(null=True)
    # value × risk, for ranking the inbox by what is at stake
    expected_loss_cents = models.BigIntegerField(_("expected loss (cents)"), default=0)
    reaction = models.CharField(
        _("suggested reaction"), max_length=10, choices=PlaybookEntry.Reaction.choices
    )
    instructions = models.TextField(blank=True)
    due_on = models.DateField(_("due on"))
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalated_alerts",
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            # One open alert per customer and kind: a run that finds the same risk again
            # adds nothing.
            models.UniqueConstraint(
                fields=["customer", "kind"],
                condition=~models.Q(status="resolved"),
                name="one_open_alert_per_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["assignee", "status", "-expected_loss_cents"], name="alert_inbox"),
            models.Index(fields=["customer", "-raised_at"], name="alert_customer"),
            models.Index(fields=["status", "raised_at"], name="alert_status_raised"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.customer_id}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class FollowUpTask(models.Model):
    """A to-do for a staff member, made from an alert's suggested reaction."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    alert = models.OneToOneField(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="task"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [models.Index(fields=["assignee", "done_at", "due_on"], name="task_inbox")]

    def __str__(self) -> str:
        return self.title


class AlertPreference(models.Model):
    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Email each alert at once")
        DIGEST = "digest", _("One email a day")
        NONE = "none", _("No email, in-app only")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    delivery = models.CharField(
        _("alert emails"), max_length=10, choices=Delivery.choices, default=Delivery.IMMEDIATE
    )
    last_digest_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("alert preference")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.delivery}"


class Backtest(models.Model):
    """Scores as of a past date, from a model trained only on data up to then, compared
    with what happened after it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    as_of = models.DateField(_("as of"))
    horizon_days = models.PositiveIntegerField(_("horizon (days)"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    customers = models.PositiveIntegerField(default=0)
    is_cold_start = models.BooleanField(default=False)
    # quality of the scores against outcomes after as_of, for the model and both baselines;
    # empty while no data after as_of exists
    results = models.JSONField(default=dict)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"backtest {self.as_of} +{self.horizon_days}d"
