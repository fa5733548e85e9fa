from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from crm.accounts.models import Team
from crm.lib.time_zones import validate_time_zone


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> "CustomerQuerySet":
        return self.exclude(stage=Customer.Stage.FORMER)


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")

    class Stage(models.TextChoices):
        LEAD = "lead", _("Lead")
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        SILENT = "silent", _("Silent")
        OFFBOARDING = "offboarding", _("Offboarding")
        FORMER = "former", _("Former")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    # The identifier other systems know this customer by (imports, integrations).
    external_ref = models.CharField(_("external reference"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200)
    first_name = models.CharField(
        _("first name"), max_length=100, blank=True, help_text=_("Used to greet a person.")
    )
    # Denormalised from CustomerEmail / CustomerPhone (is_primary) for lists and search.
    primary_email = models.CharField(_("primary email"), max_length=254, blank=True)
    primary_phone = models.CharField(_("primary phone"), max_length=32, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code"))
    language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # IANA name; blank means "the usual zone of the customer's country" (customers.zones).
    time_zone = models.CharField(
        _("time zone"), max_length=64, blank=True, validators=[validate_time_zone]
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.LEAD)
    stage_changed_at = models.DateTimeField(_("stage changed at"), auto_now_add=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_customers",
        db_index=False,  # (owner, name, id) serves every lookup by owner
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="customers",
        db_index=False,  # (team, name, id) serves every lookup by team
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="+")
    # Set by scoring (churn) to the day the customer's own history made the current gap
    # unlikely; cleared by customers.silence the moment the customer shows life again.
    # Set while a data subject's restriction request stands: no scoring, no campaigns.
    processing_restricted_at = models.DateTimeField(
        _("processing restricted since"), null=True, blank=True, editable=False
    )
    silent_since = models.DateField(_("silent since"), null=True, blank=True)
    # When an order, contact, complaint, survey or activity last arrived: the hourly
    # rescoring picks up customers whose history changed after their last score.
    history_changed_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("reassign_customer", "Can reassign a customer's owner and team"),
            ("own_customer", "Can be a customer's owner"),
            ("export_customer", "Can export customer lists and histories"),
            ("merge_customer", "Can merge duplicate customers"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["external_ref"],
                condition=~models.Q(external_ref=""),
                name="customer_external_ref_unique",
            ),
        ]
        # Keyset pagination orders by (key, id): each sort the UI offers has its index.
        indexes = [
            models.Index(fields=["name", "id"], name="customer_name_id"),
            models.Index(fields=["-created_at", "-id"], name="customer_created_id"),
            models.Index(fields=["-updated_at", "-id"], name="customer_updated_id"),
            models.Index(fields=["owner", "name", "id"], name="customer_owner_name_id"),
            models.Index(fields=["team", "name", "id"], name="customer_team_name_id"),
            models.Index(fields=["stage", "name", "id"], name="customer_stage_name_id"),
            models.Index(
                fields=["history_changed_at"],
                condition=models.Q(history_changed_at__isnull=False),
                name="customer_history_changed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    email = models.CharField(_("email"), max_length=254)  # normalised: lower-cased
    is_primary = models.BooleanField(default=False)
    # False once the customer is former: their addresses may then be reused.
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=models.Q(is_active=True), name="email_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return self.email


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    phone = models.CharField(_("phone"), max_length=32)  # normalised: E.164
    is_primary = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["phone"], condition=models.Q(is_active=True), name="phone_unique_active"
            ),
        ]

    def __str__(self) -> str:
        return self.phone


class ContactPerson(models.Model):
    """A person at a company customer whom staff talk to."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.CharField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")

    def __str__(self) -> str:
        return self.name


class StageChange(models.Model):
    """The lifecycle stage history: one row per change, newest last."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="stage_changes",
        db_index=False,  # (customer, changed_at) serves it
    )
    from_stage = models.CharField(max_length=20, choices=Customer.Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Customer.Stage.choices)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["customer", "changed_at"], name="stagechange_customer_at")]

    def __str__(self) -> str:
        return f"{self.from_stage or '-'} -> {self.to_stage}"


class Consent(models.Model):
    """The customer's current answer for one purpose; ConsentChange keeps every answer.

    Marketing purposes are opt-in: no row means no consent. Profiling (churn scoring,
    behavioural segments) rests on legitimate interest: no row means allowed, and a row
    with ``is_granted=False`` records the customer's objection."""

    class Purpose(models.TextChoices):
        MARKETING_EMAIL = "marketing_email", _("Marketing email")
        MARKETING_SMS = "marketing_sms", _("Marketing SMS")
        PHONE = "phone", _("Phone calls")
        POST = "post", _("Direct mail")
        PROFILING = "profiling", _("Profiling and scoring")

    class Source(models.TextChoices):
        FORM = "form", _("Staff, on the customer's request")
        IMPORT = "import", _("Import")
        API = "api", _("API")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribe link")
        WEB = "web", _("Web form")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    is_granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    wording_version = models.CharField(_("wording version"), max_length=40, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(fields=["customer", "purpose"], name="consent_one_per_purpose")
        ]
        indexes = [models.Index(fields=["purpose", "is_granted"], name="consent_purpose_granted")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose}={self.is_granted}"


class ConsentChange(models.Model):
    """Append-only: every answer a customer gave, with where it came from and its wording."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_changes")
    purpose = models.CharField(max_length=20, choices=Consent.Purpose.choices)
    is_granted = models.BooleanField()
    source = models.CharField(max_length=12, choices=Consent.Source.choices)
    wording_version = models.CharField(max_length=40, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["customer", "recorded_at"], name="consentchange_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose}={self.is_granted} @ {self.recorded_at}"


# Guardian's direct foreign-key permission tables: a real FK and index instead of the
# generic (content_type, object_pk text) pair, as its performance guide advises.
class CustomerUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)


class CustomerGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Customer, on_delete=models.CASCADE)
