"""Writes to a customer's history. Callers pass customers that came through the doors in
``interactions.permissions``; every function is atomic."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from customers.models import Customer
from customers.services import customer_absorb_profile
from customers.silence import customer_activity_touch
from interactions.models import (
    ActivityDaily,
    Channel,
    Complaint,
    Interaction,
    Order,
    OrderLine,
    Refund,
    ServiceLevel,
    Source,
    SurveyResponse,
)

# Used when admins have not set a service level for a severity yet.
DEFAULT_SERVICE_LEVELS_HOURS = {
    Complaint.Severity.CRITICAL: (2, 24),
    Complaint.Severity.HIGH: (8, 72),
    Complaint.Severity.MEDIUM: (24, 120),
    Complaint.Severity.LOW: (48, 240),
}
# Which status may follow which; anything else is refused.
COMPLAINT_TRANSITIONS: dict[str, set[str]] = {
    Complaint.Status.OPEN: {
        Complaint.Status.IN_PROGRESS,
        Complaint.Status.WAITING,
        Complaint.Status.RESOLVED,
        Complaint.Status.CLOSED,
    },
    Complaint.Status.IN_PROGRESS: {
        Complaint.Status.WAITING,
        Complaint.Status.RESOLVED,
        Complaint.Status.CLOSED,
    },
    Complaint.Status.WAITING: {
        Complaint.Status.IN_PROGRESS,
        Complaint.Status.RESOLVED,
        Complaint.Status.CLOSED,
    },
    Complaint.Status.REOPENED: {
        Complaint.Status.IN_PROGRESS,
        Complaint.Status.WAITING,
        Complaint.Status.RESOLVED,
        Complaint.Status.CLOSED,
    },
    Complaint.Status.RESOLVED: {Complaint.Status.CLOSED, Complaint.Status.REOPENED},
    Complaint.Status.CLOSED: {Complaint.Status.REOPENED},
}


def _not_in_future(value: datetime, field: str) -> None:
    if value > timezone.now() + timedelta(minutes=5):
        raise ValidationError({field: _("This cannot be in the future.")})


@transaction.atomic
def interaction_log(
    *,
    customer: Customer,
    acting_user: User | None,
    channel: str,
    direction: str,
    occurred_at: datetime | None = None,
    subject: str = "",
    body: str = "",
    duration_seconds: int | None = None,
    complaint: Complaint | None = None,
    source: str = Source.UI,
) -> Interaction:
    occurred_at = occurred_at or timezone.now()
    _not_in_future(occurred_at, "occurred_at")
    if complaint is not None and complaint.customer_id != customer.pk:
        raise ValidationError({"complaint": _("That complaint belongs to another customer.")})
    interaction = Interaction(
        customer=customer,
        channel=channel,
        direction=direction,
        occurred_at=occurred_at,
        staff=acting_user,
        subject=subject.strip(),
        body=body.strip(),
        duration_seconds=duration_seconds,
        complaint=complaint,
        source=source,
    )
    interaction.full_clean(exclude=["customer", "staff", "complaint"])
    interaction.save()
    customer_activity_touch(
        customer_ids=[customer.pk], is_sign_of_life=direction == Interaction.Direction.INBOUND
    )
    return interaction


@dataclass(frozen=True)
class OrderLineData:
    product: str
    quantity: int
    unit_price_cents: int


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    acting_user: User | None,
    ordered_on: date,
    amount_cents: int,
    currency: str = "EUR",
    status: str = Order.Status.PLACED,
    external_ref: str = "",
    lines: list[OrderLineData] | None = None,
    source: str = Source.UI,
) -> Order:
    if amount_cents < 0:
        raise ValidationError({"amount_cents": _("An order amount cannot be negative.")})
    if ordered_on > timezone.localdate() + timedelta(days=1):
        raise ValidationError({"ordered_on": _("This cannot be in the future.")})
    external_ref = external_ref.strip()
    if external_ref and Order.objects.filter(external_ref=external_ref).exists():
        raise ValidationError({"external_ref": _("An order with this number already exists.")})
    order = Order(
        customer=customer,
        ordered_on=ordered_on,
        amount_cents=amount_cents,
        currency=currency.upper(),
        status=status,
        external_ref=external_ref,
        source=source,
    )
    order.full_clean(exclude=["customer"], validate_constraints=False)
    order.save()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
        )
        for line in lines or []
    )
    customer_activity_touch(customer_ids=[customer.pk], is_sign_of_life=True)
    return order


@transaction.atomic
def refund_record(
    *,
    order: Order,
    acting_user: User | None,
    refunded_on: date,
    amount_cents: int,
    reason: str = "",
    is_return: bool = True,
) -> Refund:
    already = sum(order.refunds.values_list("amount_cents", flat=True))
    if amount_cents <= 0 or already + amount_cents > order.amount_cents:
        raise ValidationError(
            {
                "amount_cents": _(
                    "A refund must be positive and at most the order's unrefunded amount."
                )
            }
        )
    if refunded_on < order.ordered_on:
        raise ValidationError({"refunded_on": _("A refund cannot precede its order.")})
    refund = Refund.objects.create(
        order=order,
        customer_id=order.customer_id,
        refunded_on=refunded_on,
        amount_cents=amount_cents,
        reason=reason.strip(),
        is_return=is_return,
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=refund,
        changes={"amount_cents": {"before": None, "after": amount_cents}},
    )
    customer_activity_touch(customer_ids=[order.customer_id], is_sign_of_life=False)
    return refund


def service_level_hours(severity: str) -> tuple[int, int]:
    level = ServiceLevel.objects.filter(severity=severity).first()
    if level is not None:
        return level.first_response_hours, level.resolution_hours
    return DEFAULT_SERVICE_LEVELS_HOURS[Complaint.Severity(severity)]


@transaction.atomic
def service_level_set(
    *, acting_user: User, severity: str, first_response_hours: int, resolution_hours: int
) -> ServiceLevel:
    if first_response_hours < 1 or resolution_hours < first_response_hours:
        raise ValidationError(
            _("Resolution must come after the first response, and both take at least an hour.")
        )
    level, _created = ServiceLevel.objects.update_or_create(
        severity=severity,
        defaults={
            "first_response_hours": first_response_hours,
            "resolution_hours": resolution_hours,
        },
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=level,
        changes={"hours": {"before": None, "after": [first_response_hours, resolution_hours]}},
    )
    return level


@transaction.atomic
def complaint_open(
    *,
    customer: Customer,
    acting_user: User | None,
    subject: str,
    category: str,
    severity: str,
    channel: str = Channel.CALL,
    description: str = "",
    opened_at: datetime | None = None,
    assignee: User | None = None,
    source: str = Source.UI,
    external_ref: str = "",
) -> Complaint:
    opened_at = opened_at or timezone.now()
    _not_in_future(opened_at, "opened_at")
    if severity not in Complaint.Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    respond_hours, resolve_hours = service_level_hours(severity)
    complaint = Complaint(
        customer=customer,
        subject=subject.strip(),
        description=description.strip(),
        category=category,
        severity=severity,
        channel=channel,
        opened_at=opened_at,
        assignee=assignee,
        respond_by=opened_at + timedelta(hours=respond_hours),
        resolve_by=opened_at + timedelta(hours=resolve_hours),
        created_by=acting_user,
        source=source,
        external_ref=external_ref,
    )
    complaint.full_clean(exclude=["customer", "assignee", "created_by"], validate_constraints=False)
    complaint.save()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=complaint,
        changes={
            "status": {"before": None, "after": complaint.status},
            "severity": {"before": None, "after": severity},
        },
    )
    # A complaint is the customer talking, however unhappily: not silence.
    customer_activity_touch(customer_ids=[customer.pk], is_sign_of_life=True)
    return complaint


@transaction.atomic
def complaint_respond(
    *, complaint: Complaint, acting_user: User, body: str, channel: str = Channel.EMAIL
) -> Interaction:
    """Answer the customer: logs an outbound interaction, stamps the first response."""
    if not body.strip():
        raise ValidationError({"body": _("Write the answer.")})
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    interaction = interaction_log(
        customer=complaint.customer,
        acting_user=acting_user,
        channel=channel,
        direction=Interaction.Direction.OUTBOUND,
        subject=complaint.subject,
        body=body,
        complaint=complaint,
    )
    if complaint.first_response_at is None:
        complaint.first_response_at = interaction.occurred_at
        if complaint.status in (Complaint.Status.OPEN, Complaint.Status.REOPENED):
            complaint.status = Complaint.Status.IN_PROGRESS
        complaint.save(update_fields=["first_response_at", "status"])
    return interaction


@transaction.atomic
def complaint_set_status(
    *, complaint: Complaint, acting_user: User, status: str, note: str = ""
) -> Complaint:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    old = complaint.status
    if status not in COMPLAINT_TRANSITIONS.get(old, set()):
        raise ValidationError(
            {
                "status": _("A complaint cannot go from “%(old)s” to “%(new)s”.")
                % {"old": old, "new": status}
            }
        )
    now = timezone.now()
    complaint.status = status
    if (
        status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
        and complaint.resolved_at is None
    ):
        complaint.resolved_at = now
    if status == Complaint.Status.REOPENED:
        complaint.resolved_at = None
    complaint.save(update_fields=["status", "resolved_at"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=complaint,
        changes={
            "status": {"before": old, "after": status},
            **({"note": {"before": None, "after": note}} if note else {}),
        },
    )
    return complaint


@transaction.atomic
def complaint_assign(
    *, complaint: Complaint, acting_user: User, assignee: User | None
) -> Complaint:
    old = complaint.assignee
    complaint.assignee = assignee
    complaint.save(update_fields=["assignee"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ASSIGN,
        obj=complaint,
        changes={"assignee": {"before": str(old or ""), "after": str(assignee or "")}},
    )
    return complaint


@transaction.atomic
def survey_record(
    *,
    customer: Customer,
    acting_user: User | None,
    kind: str,
    score: int,
    comment: str = "",
    responded_at: datetime | None = None,
    source: str = Source.UI,
) -> SurveyResponse:
    responded_at = responded_at or timezone.now()
    _not_in_future(responded_at, "responded_at")
    low, high = (0, 10) if kind == SurveyResponse.Kind.NPS else (1, 5)
    if kind not in SurveyResponse.Kind.values:
        raise ValidationError({"kind": _("Unknown survey.")})
    if not low <= score <= high:
        raise ValidationError(
            {
                "score": _("The score must be between %(low)s and %(high)s.")
                % {"low": low, "high": high}
            }
        )
    survey = SurveyResponse.objects.create(
        customer=customer,
        kind=kind,
        score=score,
        comment=comment.strip(),
        responded_at=responded_at,
        source=source,
    )
    customer_activity_touch(customer_ids=[customer.pk], is_sign_of_life=True)
    return survey


@transaction.atomic
def customer_merge(*, survivor: Customer, duplicate: Customer, acting_user: User) -> Customer:
    """Merge ``duplicate`` into ``survivor`` in one transaction: every history record moves,
    daily activity is summed, the profile gains what it lacked, then the duplicate goes.
    The caller has change rights on both (through the customer door)."""
    if survivor.pk == duplicate.pk:
        raise ValidationError(_("A customer cannot be merged into itself."))
    for model in (Interaction, Order, Refund, Complaint, SurveyResponse):
        model.objects.filter(customer=duplicate).update(customer=survivor)
    _merge_activity(survivor=survivor, duplicate=duplicate)
    customer_absorb_profile(survivor=survivor, duplicate=duplicate, acting_user=acting_user)
    duplicate.delete()
    return Customer.objects.get(pk=survivor.pk)


def _merge_activity(*, survivor: Customer, duplicate: Customer) -> None:
    mine = {a.day: a for a in ActivityDaily.objects.filter(customer=survivor)}
    for row in ActivityDaily.objects.filter(customer=duplicate):
        if row.day in mine:
            target = mine[row.day]
            target.logins += row.logins
            target.page_views += row.page_views
            target.seconds_active += row.seconds_active
            target.save(update_fields=["logins", "page_views", "seconds_active"])
            row.delete()
        else:
            row.customer = survivor
            row.save(update_fields=["customer"])
