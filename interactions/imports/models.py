"""Data imports: an uploaded file, how its columns map onto a kind of record, and the
report of its dry run or commit. Mappings can be saved and reused."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    ORDERS = "orders", _("Orders")
    INTERACTIONS = "interactions", _("Interactions")
    COMPLAINTS = "complaints", _("Complaints")


class DateFormat(models.TextChoices):
    """How the file writes dates; each also accepts a time ("HH:MM" or "HH:MM:SS")."""

    ISO = "iso", _("YYYY-MM-DD (ISO 8601)")
    DMY_DOT = "dd.mm.yyyy", _("DD.MM.YYYY")
    DMY_SLASH = "dd/mm/yyyy", _("DD/MM/YYYY")
    MDY_SLASH = "mm/dd/yyyy", _("MM/DD/YYYY")


class DecimalSeparator(models.TextChoices):
    POINT = ".", _("Point (1,234.56)")
    COMMA = ",", _("Comma (1.234,56)")


class ImportMapping(models.Model):
    """A saved column mapping, reusable by everyone who imports."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    # {target field: source column name}
    mapping = models.JSONField(_("mapping"), default=dict)
    date_format = models.CharField(
        _("date format"), max_length=10, choices=DateFormat.choices, default=DateFormat.ISO
    )
    decimal_separator = models.CharField(
        _("decimal separator"),
        max_length=1,
        choices=DecimalSeparator.choices,
        default=DecimalSeparator.POINT,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="importmapping_kind_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportJob(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Waiting for the column mapping")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        PREVIEWED = "previewed", _("Checked (dry run)")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed, nothing imported")
        EXPIRED = "expired", _("Expired")

    class Phase(models.TextChoices):
        READING = "reading", _("Reading the file")
        CHECKING = "checking", _("Checking against the database")
        WRITING = "writing", _("Writing")

    # A job is finished once here; its file is deleted then.
    FINISHED = (Status.DONE, Status.FAILED, Status.EXPIRED)

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    # Whether the queued or running (or last) run was a dry run.
    is_dry_run = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The creator's language: reports written by a worker speak it.
    language = models.CharField(max_length=10, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    original_name = models.CharField(_("file"), max_length=255)
    # Random name under MEDIA_ROOT/imports/; "" once deleted.
    stored_name = models.CharField(max_length=100, blank=True)
    file_format = models.CharField(max_length=4)  # "csv" or "xlsx"
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    headers = models.JSONField(default=list)
    header_row = models.PositiveIntegerField(default=1)
    rows_total = models.PositiveIntegerField(null=True)  # estimated from line breaks

    mapping = models.JSONField(default=dict)  # {target field: source column name}
    date_format = models.CharField(
        max_length=10, choices=DateFormat.choices, default=DateFormat.ISO
    )
    decimal_separator = models.CharField(
        max_length=1, choices=DecimalSeparator.choices, default=DecimalSeparator.POINT
    )
    create_missing_customers = models.BooleanField(default=False)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The run: each claim increments attempt; only the claimant of the current attempt
    # may finish the job (see services.import_job_run).
    attempt = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True)
    phase = models.CharField(max_length=10, choices=Phase.choices, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True)
    finished_at = models.DateTimeField(null=True)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        permissions = [("run_import", "Can import data")]
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="importjob_creator_at"),
            models.Index(fields=["status", "created_at"], name="importjob_status_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def progress_percent(self) -> int:
        if self.status in self.FINISHED or self.status == self.Status.PREVIEWED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_read * 100 // self.rows_total)

    @property
    def error_count(self) -> int:
        return int(self.report.get("error_count", 0))

    @property
    def may_commit(self) -> bool:
        return self.status == self.Status.PREVIEWED and self.error_count == 0
