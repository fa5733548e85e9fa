"""The three webhook payload formats (documented for senders in docs/webhooks.md), and how
each becomes events for ``events_ingest``.

A payload is checked when it arrives (a mismatch is refused with 422) and again, from the
stored JSON, when the delivery is processed; the serializers here are the one definition.
"""

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import serializers

from interactions.ingest.events import ComplaintEvent, Event, InteractionEvent, OrderEvent
from interactions.ingest.models import EVENT_KEY_MAX_LENGTH, WebhookSource
from interactions.models import Channel, Complaint, Interaction, Order
from interactions.services import OrderLineData

MAX_EMAIL_EVENTS_PER_DELIVERY = 1_000
MAX_ORDER_LINES = 1_000
# Helpdesk priorities as complaint severities.
SEVERITY_OF_PRIORITY = {
    "low": Complaint.Severity.LOW,
    "normal": Complaint.Severity.MEDIUM,
    "high": Complaint.Severity.HIGH,
    "urgent": Complaint.Severity.CRITICAL,
}


class PayloadInvalidError(Exception):
    def __init__(self, errors: Any) -> None:
        super().__init__("The payload does not match its source's format.")
        self.errors = errors


class _Payload(serializers.Serializer[Any]):
    # The sender's id of this delivery; without it, the SHA-256 of the body stands in.
    delivery_id = serializers.CharField(max_length=100, required=False)


class _OrderLine(serializers.Serializer[Any]):
    product = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price_cents = serializers.IntegerField(min_value=0, max_value=10**12)


class _ShopOrder(serializers.Serializer[Any]):
    number = serializers.CharField(max_length=64)
    customer_ref = serializers.CharField(max_length=64)
    ordered_on = serializers.DateField()
    amount_cents = serializers.IntegerField(min_value=0, max_value=10**12)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="EUR")
    status = serializers.ChoiceField(choices=Order.Status.choices, default=Order.Status.PLACED)
    lines = serializers.ListField(
        child=_OrderLine(), required=False, default=list, max_length=MAX_ORDER_LINES
    )


class ShopOrdersPayload(_Payload):
    order = _ShopOrder()


class _EmailEvent(serializers.Serializer[Any]):
    TYPES = ("open", "click", "bounce", "unsubscribe")

    id = serializers.CharField(max_length=EVENT_KEY_MAX_LENGTH)
    type = serializers.ChoiceField(choices=TYPES)
    customer_ref = serializers.CharField(max_length=64)
    campaign = serializers.CharField(max_length=150)
    occurred_at = serializers.DateTimeField()
    url = serializers.URLField(max_length=500, required=False, default="")
    reason = serializers.CharField(max_length=500, required=False, default="")


class EmailEventsPayload(_Payload):
    events = serializers.ListField(
        child=_EmailEvent(), min_length=1, max_length=MAX_EMAIL_EVENTS_PER_DELIVERY
    )


class _Ticket(serializers.Serializer[Any]):
    id = serializers.CharField(max_length=64)
    customer_ref = serializers.CharField(max_length=64)
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(
        max_length=100_000, required=False, allow_blank=True, default=""
    )
    priority = serializers.ChoiceField(choices=list(SEVERITY_OF_PRIORITY), default="normal")
    category = serializers.ChoiceField(
        choices=Complaint.Category.choices, default=Complaint.Category.OTHER
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    created_at = serializers.DateTimeField()


class HelpdeskTicketsPayload(_Payload):
    ticket = _Ticket()


PAYLOADS: dict[str, type[_Payload]] = {
    WebhookSource.Kind.SHOP_ORDERS: ShopOrdersPayload,
    WebhookSource.Kind.EMAIL_EVENTS: EmailEventsPayload,
    WebhookSource.Kind.HELPDESK_TICKETS: HelpdeskTicketsPayload,
}


def payload_validate(*, kind: str, data: Any) -> dict[str, Any]:
    """The payload's validated data; PayloadInvalidError with DRF's errors otherwise."""
    serializer = PAYLOADS[kind](data=data)
    if not serializer.is_valid():
        raise PayloadInvalidError(serializer.errors)
    return dict(serializer.validated_data)


def payload_events(*, kind: str, data: dict[str, Any], source: str) -> list[Event]:
    """Events from a validated payload. Stored texts (subjects) are written in the site's
    language, whoever's request happens to be running."""
    with translation.override(settings.LANGUAGE_CODE):
        if kind == WebhookSource.Kind.SHOP_ORDERS:
            return [_order_event(data["order"], source)]
        if kind == WebhookSource.Kind.EMAIL_EVENTS:
            return [_email_event(event, source) for event in data["events"]]
        return [_complaint_event(data["ticket"], source)]


def _order_event(order: dict[str, Any], source: str) -> OrderEvent:
    return OrderEvent(
        source=source,
        idempotency_key=order["number"],
        customer_ref=order["customer_ref"],
        external_ref=order["number"],
        ordered_on=order["ordered_on"],
        amount_cents=order["amount_cents"],
        currency=order["currency"].upper(),
        status=order["status"],
        lines=tuple(OrderLineData(**line) for line in order["lines"]),
    )


def _email_subject(kind: str, campaign: str) -> str:
    # Until campaigns exist as records, the campaign is known by the name in the subject.
    subjects = {
        "open": _("Email opened: %(campaign)s"),
        "click": _("Email link clicked: %(campaign)s"),
        "bounce": _("Email bounced: %(campaign)s"),
        "unsubscribe": _("Unsubscribed from emails: %(campaign)s"),
    }
    return (subjects[kind] % {"campaign": campaign})[:200]


def _email_event(event: dict[str, Any], source: str) -> InteractionEvent:
    return InteractionEvent(
        source=source,
        idempotency_key=event["id"],
        customer_ref=event["customer_ref"],
        channel=Channel.EMAIL,
        direction=Interaction.Direction.INBOUND,
        occurred_at=event["occurred_at"],
        subject=_email_subject(event["type"], event["campaign"]),
        body=event["url"] or event["reason"],
    )


def _complaint_event(ticket: dict[str, Any], source: str) -> ComplaintEvent:
    return ComplaintEvent(
        source=source,
        idempotency_key=ticket["id"],
        customer_ref=ticket["customer_ref"],
        subject=ticket["subject"],
        description=ticket["description"],
        category=ticket["category"],
        severity=SEVERITY_OF_PRIORITY[ticket["priority"]],
        channel=ticket["channel"],
        opened_at=ticket["created_at"],
    )
