"""Who may receive a campaign message, decided for a batch of customers in one query.

One SELECT per batch reads everything the rules and the variables need: stage, consent
for the channel's purpose, the address, messages sent within the frequency cap's window,
the owner's name and the last order. ``held_reasons`` then applies the rules in Python,
so a preview and a launch of 200,000 give the same answer for the same customer."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.configuration import campaign_settings_get
from campaigns.delivery.rendering import ProfileFacts
from campaigns.models import Campaign, CampaignSend, CampaignSettings, Channel
from customers.consent import consent_allows
from customers.models import Consent, Customer, CustomerEmail, CustomerPhone
from customers.zones import zone_name_for
from interactions.models import Order

PURPOSE_OF_CHANNEL = {
    Channel.EMAIL: Consent.Purpose.MARKETING_EMAIL,
    Channel.SMS: Consent.Purpose.MARKETING_SMS,
    Channel.CALL_LIST: Consent.Purpose.PHONE,
    Channel.DIRECT_MAIL: Consent.Purpose.POST,
}
NEVER_TARGETED = (Customer.Stage.OFFBOARDING, Customer.Stage.FORMER)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
REASON_MAX_CHARS = 200  # CampaignSend.held_reason
_FIELDS = (
    "pk", "name", "first_name", "language", "stage", "time_zone", "country", "street",
    "postal_code", "city", "owner_id", "owner__first_name", "owner__last_name",
    "owner__username", "address", "has_consent", "sent_in_window", "last_order_on",
    "last_order_amount_cents", "last_order_currency",
)  # fmt: skip


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    language: str
    stage: str
    zone: str
    address: str
    owner_id: int | None
    has_consent: bool
    sent_in_window: int
    facts: ProfileFacts


def _address_subquery(channel: str) -> Subquery | Value:
    if channel == Channel.EMAIL:
        rows = CustomerEmail.objects.filter(customer=OuterRef("pk"), is_active=True)
        return Subquery(rows.order_by("-is_primary", "id").values("email")[:1])
    if channel in (Channel.SMS, Channel.CALL_LIST):
        phones = CustomerPhone.objects.filter(customer=OuterRef("pk"), is_active=True)
        return Subquery(phones.order_by("-is_primary", "id").values("phone")[:1])
    return Value("")


def _postal_address(row: dict[str, object]) -> str:
    street, postal_code, city = (
        str(row[k] or "").strip() for k in ("street", "postal_code", "city")
    )
    if not (street and postal_code and city):
        return ""
    return ", ".join(
        part for part in (street, f"{postal_code} {city}", str(row["country"])) if part
    )


def _owner_name(row: dict[str, object]) -> str:
    full = f"{row['owner__first_name'] or ''} {row['owner__last_name'] or ''}".strip()
    return full or str(row["owner__username"] or "")


def recipients_load(
    *, channel: str, customer_ids: list[int], config: CampaignSettings | None = None
) -> dict[int, Recipient]:
    """The facts the rules and variables need, for these customers, in one query."""
    config = config or campaign_settings_get()
    since = timezone.now() - timedelta(days=config.window_days)
    orders = (
        Order.objects.filter(customer=OuterRef("pk"))
        .exclude(status=Order.Status.CANCELLED)
        .order_by("-ordered_on", "-id")
    )
    sent = (
        CampaignSend.objects.filter(customer=OuterRef("pk"), sent_at__gte=since)
        .order_by()
        .values("customer")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Customer.objects.filter(pk__in=customer_ids)
        .annotate(
            address=_address_subquery(channel),
            has_consent=ExpressionWrapper(
                consent_allows(PURPOSE_OF_CHANNEL[Channel(channel)]), output_field=BooleanField()
            ),
            sent_in_window=Coalesce(Subquery(sent, output_field=IntegerField()), 0),
            last_order_on=Subquery(orders.values("ordered_on")[:1]),
            last_order_amount_cents=Subquery(orders.values("amount_cents")[:1]),
            last_order_currency=Subquery(orders.values("currency")[:1]),
        )
        .values(*_FIELDS)
    )
    return {int(row["pk"]): _recipient(row, channel) for row in rows}


def _recipient(row: dict[str, object], channel: str) -> Recipient:
    address = _postal_address(row) if channel == Channel.DIRECT_MAIL else str(row["address"] or "")
    return Recipient(
        customer_id=int(row["pk"]),  # type: ignore[call-overload]
        language=str(row["language"]),
        stage=str(row["stage"]),
        zone=zone_name_for(time_zone=str(row["time_zone"]), country=str(row["country"])),
        address=address,
        owner_id=row["owner_id"],  # type: ignore[arg-type]
        has_consent=bool(row["has_consent"]),
        sent_in_window=int(row["sent_in_window"]),  # type: ignore[call-overload]
        facts=ProfileFacts(
            first_name=str(row["first_name"]),
            name=str(row["name"]),
            owner_name=_owner_name(row) if row["owner_id"] else "",
            last_order_on=row["last_order_on"],
            last_order_amount_cents=row["last_order_amount_cents"],  # type: ignore[arg-type]
            last_order_currency=str(row["last_order_currency"] or ""),
        ),
    )


def _address_reason(recipient: Recipient, channel: str) -> str | None:
    if channel == Channel.EMAIL and not recipient.address:
        return _("no active email address")
    if channel in (Channel.SMS, Channel.CALL_LIST) and not E164.match(recipient.address):
        return _("no active phone number in international format")
    if channel == Channel.CALL_LIST and recipient.owner_id is None:
        return _("no owner to make the call")
    if channel == Channel.DIRECT_MAIL and not recipient.address:
        return _("no complete postal address")
    return None


def held_reasons(
    recipient: Recipient, *, channel: str, config: CampaignSettings | None = None
) -> list[str]:
    """Why this recipient may not get the message (empty: they may), profile aside."""
    config = config or campaign_settings_get()
    reasons = []
    if recipient.stage == Customer.Stage.OFFBOARDING:
        reasons.append(_("in offboarding"))
    elif recipient.stage == Customer.Stage.FORMER:
        reasons.append(_("a former customer"))
    if not recipient.has_consent:
        purpose = Consent.Purpose(PURPOSE_OF_CHANNEL[Channel(channel)])
        reasons.append(_("no consent for %(purpose)s") % {"purpose": purpose.label.lower()})
    address = _address_reason(recipient, channel)
    if address:
        reasons.append(address)
    if recipient.sent_in_window >= config.max_messages:
        reasons.append(
            _("frequency cap: %(count)s messages in the last %(days)s days")
            % {"count": recipient.sent_in_window, "days": config.window_days}
        )
    return reasons


def missing_reason(missing: list[str]) -> str:
    return _("profile lacks %(variables)s") % {"variables": ", ".join(missing)}


def reason_text(reasons: list[str]) -> str:
    text = "; ".join(reasons)
    return text if len(text) <= REASON_MAX_CHARS else text[: REASON_MAX_CHARS - 1] + "…"


def coupon_expiry_preview(campaign: Campaign) -> date:
    return timezone.localdate() + timedelta(days=campaign.coupon_valid_days)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def quiet_hours_end(*, at: datetime, zone: str, config: CampaignSettings) -> datetime | None:
    """When the quiet hours around ``at`` end in ``zone``; None when ``at`` is outside
    them. Quiet hours run from ``quiet_from_hour`` to ``quiet_until_hour`` local time and
    may span midnight (21 -> 8); equal hours mean none."""
    start, end = config.quiet_from_hour, config.quiet_until_hour
    if start == end:
        return None
    local = at.astimezone(_zone(zone))
    hour = local.hour
    inside = (start <= hour < end) if start < end else (hour >= start or hour < end)
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(hour=end), tzinfo=local.tzinfo)
