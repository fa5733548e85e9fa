"""The data map: each category of personal data, where it is stored (tables and columns,
read from the models), who may see it and how long it is kept.

It stays true because a test (crm/privacy/tests/test_datamap.py) fails when a model that
refers to a customer is neither mapped here nor listed in ``NOT_PERSONAL``, or when a
mapped field no longer exists: a new table of customer data cannot be added unmapped.
"""

from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.privacy.models import Category
from crm.privacy.retention import retention_policies

# Seen by whoever may see the customer (the permission door: owner, team, managers, Admin).
CUSTOMER_DOOR = ""


@dataclass(frozen=True)
class DataCategory:
    key: str
    label: Promise
    fields: tuple[str, ...]  # "app_label.Model.field"
    seen_with: str  # a permission beyond the customer door, or CUSTOMER_DOOR
    retention: str | None  # a crm.privacy.models.Category, or None: kept with the customer


DATA_CATEGORIES: tuple[DataCategory, ...] = (
    DataCategory(
        "identity",
        _("Identity and contact data"),
        (
            "customers.Customer.name",
            "customers.Customer.first_name",
            "customers.Customer.primary_email",
            "customers.Customer.primary_phone",
            "customers.Customer.street",
            "customers.Customer.city",
            "customers.Customer.postal_code",
            "customers.Customer.birthday",
            "customers.Customer.external_ref",
            "customers.CustomerEmail.email",
            "customers.CustomerPhone.phone",
            "customers.ContactPerson.name",
            "customers.ContactPerson.email",
            "customers.ContactPerson.phone",
        ),
        CUSTOMER_DOOR,
        Category.FORMER_CUSTOMERS,
    ),
    DataCategory(
        "contact_history",
        _("Contact history: calls, emails, meetings, notes"),
        (
            "interactions.Interaction.subject",
            "interactions.Interaction.body",
            "interactions.Interaction.occurred_at",
            "customers.StageChange.reason",
        ),
        CUSTOMER_DOOR,
        Category.INTERACTION_CONTENT,
    ),
    DataCategory(
        "complaints",
        _("Complaints"),
        ("interactions.Complaint.subject", "interactions.Complaint.description"),
        CUSTOMER_DOOR,
        Category.COMPLAINTS,
    ),
    DataCategory(
        "surveys",
        _("Survey answers"),
        ("interactions.SurveyResponse.score", "interactions.SurveyResponse.comment"),
        CUSTOMER_DOOR,
        Category.SURVEYS,
    ),
    DataCategory(
        "orders",
        _("Orders, refunds and coupons"),
        (
            "interactions.Order.amount_cents",
            "interactions.Order.ordered_on",
            "interactions.Refund.reason",
            "campaigns.Coupon.code",
        ),
        CUSTOMER_DOOR,
        Category.ORDERS,
    ),
    DataCategory(
        "activity",
        _("Web and app activity"),
        (
            "interactions.ActivityDaily.logins",
            "interactions.ActivityDaily.page_views",
            "ingest.WebhookDelivery.body",
        ),
        CUSTOMER_DOOR,
        Category.RAW_EVENTS,
    ),
    DataCategory(
        "profiling",
        _("Scores and profiling"),
        (
            "churn.CustomerScore.churn_probability",
            "churn.CustomerScore.reasons",
            "churn.ScoreHistory.churn_probability",
            "churn.Alert.reasons",
            "churn.Alert.note",
            "churn.FollowUpTask.title",
            "campaigns.BehaviourClusterMember.cluster",
        ),
        CUSTOMER_DOOR,
        None,
    ),
    DataCategory(
        "consent",
        _("Consent answers"),
        ("customers.Consent.is_granted", "customers.ConsentChange.is_granted"),
        "customers.view_consent",
        None,
    ),
    DataCategory(
        "campaign_messages",
        _("Campaign messages sent"),
        (
            "campaigns.CampaignSend.address",
            "campaigns.CampaignSend.subject",
            "campaigns.CampaignSend.body",
        ),
        "campaigns.view_campaign",
        Category.CAMPAIGN_MESSAGES,
    ),
    DataCategory(
        "data_requests",
        _("Data subject requests"),
        ("privacy.DataSubjectRequest.kind", "privacy.DataSubjectRequest.details"),
        "privacy.view_datasubjectrequest",
        None,
    ),
    DataCategory(
        "audit",
        _("Change audit"),
        ("audit.AuditEntry.object_repr", "audit.AuditEntry.changes"),
        "audit.view_auditentry",
        Category.AUDIT_RECORDS,
    ),
)
# Models that refer to a customer but hold nothing about the person beyond that link.
NOT_PERSONAL = frozenset(
    {
        "customers.CustomerUserObjectPermission",  # who may see the customer
        "customers.CustomerGroupObjectPermission",
    }
)


@dataclass(frozen=True)
class StoredField:
    table: str
    column: str
    label: str


@dataclass(frozen=True)
class DataMapEntry:
    category: DataCategory
    stored_in: list[StoredField]
    seen_by: list[str]  # role names
    retention: str  # in words


def _field(path: str) -> models.Field[object, object]:
    app_label, model_name, field_name = path.split(".")
    field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
    assert isinstance(field, models.Field)  # noqa: S101 -- mapped paths are concrete fields
    return field


def _roles_with(perm: str) -> list[str]:
    if perm == CUSTOMER_DOOR:
        return []
    app_label, codename = perm.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        return []
    teams = Group.objects.filter(team_as_members__isnull=True, team_as_managers__isnull=True)
    return sorted(teams.filter(permissions=permission).values_list("name", flat=True))


def data_map() -> list[DataMapEntry]:
    policies = {p.category: p for p in retention_policies()}
    entries = []
    for category in DATA_CATEGORIES:
        stored = [
            StoredField(
                table=field.model._meta.db_table,
                column=field.column or field.name,
                label=str(field.verbose_name),
            )
            for field in (_field(path) for path in category.fields)
        ]
        policy = policies.get(category.retention) if category.retention else None
        if policy is None:
            kept = str(_("as long as the customer's profile"))
        elif policy.is_active:
            kept = str(
                _("%(days)s days from %(start)s, then %(action)s")
                % {
                    "days": policy.period_days,
                    "start": policy.get_start_event_display().lower(),
                    "action": policy.get_action_display().lower(),
                }
            )
        else:
            kept = str(_("no enforced limit (policy not enforced)"))
        entries.append(DataMapEntry(category, stored, _roles_with(category.seen_with), kept))
    return entries
