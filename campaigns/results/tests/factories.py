"""A launched campaign with sends in both groups, and orders and interactions inside and
outside its attribution window, whose figures are worked out by hand in the tests."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.models import Campaign, CampaignSend, Channel, Coupon, Segment
from crm.accounts.models import Team
from customers.models import Customer
from interactions.models import Channel as InteractionChannel
from interactions.models import Interaction, Order
from tests.factories import make_customer

SEND = CampaignSend.State
GROUP = CampaignSend.Group


@dataclass
class MeasuredCampaign:
    campaign: Campaign
    reference_at: datetime
    treated: list[Customer]
    control: list[Customer]
    held: Customer


def make_campaign(created_by: User | None, **fields: Any) -> Campaign:
    defaults: dict[str, object] = {
        "name": "Win back spring",
        "channel": Channel.EMAIL,
        "status": Campaign.Status.COMPLETED,
        "attribution_days": 30,
        "control_percent": 40,
        "launched_at": timezone.now() - timedelta(days=60),
        "created_by": created_by,
        "launched_by": created_by,
    }
    return Campaign.objects.create(**{**defaults, **fields})


def add_send(
    campaign: Campaign, customer: Customer, group: str, reference_at: datetime, **fields: Any
) -> CampaignSend:
    state = fields.pop("state", SEND.SENT if group == GROUP.TREATED else SEND.CONTROL)
    return CampaignSend.objects.create(
        campaign=campaign,
        customer=customer,
        group=group,
        state=state,
        reference_at=reference_at,
        **fields,
    )


def order(customer: Customer, on: datetime, amount_cents: int, **fields: Any) -> Order:
    return Order.objects.create(
        customer=customer,
        ordered_on=timezone.localdate(on),
        amount_cents=amount_cents,
        **fields,
    )


def inbound(customer: Customer, at: datetime, **fields: Any) -> Interaction:
    return Interaction.objects.create(
        customer=customer,
        channel=InteractionChannel.EMAIL,
        direction=Interaction.Direction.INBOUND,
        occurred_at=at,
        **fields,
    )


def measured_campaign(
    *, owner: User, team: Team | None, segment: Segment | None = None
) -> MeasuredCampaign:
    """Treated A B C D, control E F G, H held back; window 30 days from 60 days ago.

    A: orders of 100.00 on day 0 and 50.00 on day 20 (coupon worth 10.00 redeemed), opened
       and clicked; B: a cancelled order, an inbound email on day 3; C: an order the day
       before and one on day 31; D: opened only. E: an order of 40.00 on day 30 (the last
       day); F: an inbound interaction the campaign wrote itself; G: nothing. H (held):
       an order in the window, counted nowhere. A, B and E joined two years before."""
    campaign = make_campaign(owner, segment=segment)
    reference_at = timezone.now() - timedelta(days=60)
    people = [make_customer(owner=owner, team=team, name=f"Customer {c}") for c in "ABCDEFGH"]
    a, b, c, d, e, f, g, h = people
    old = reference_at - timedelta(days=730)
    Customer.objects.filter(pk__in=[a.pk, b.pk, e.pk]).update(created_at=old)
    Customer.objects.filter(pk__in=[c.pk, d.pk, f.pk, g.pk, h.pk]).update(
        created_at=reference_at - timedelta(days=10)
    )
    day = timedelta(days=1)
    first = order(a, reference_at, 10_000)
    order(a, reference_at + 20 * day, 5_000)
    order(b, reference_at + 2 * day, 2_000, status=Order.Status.CANCELLED)
    inbound(b, reference_at + 3 * day)
    order(c, reference_at - day, 9_000)
    order(c, reference_at + 31 * day, 7_000)
    order(e, reference_at + 30 * day, 4_000)
    inbound(f, reference_at + 2 * day, campaign_id=campaign.pk)
    order(h, reference_at + 5 * day, 99_000)
    coupon = Coupon.objects.create(
        code="SPRING10AA",
        campaign=campaign,
        customer=a,
        value_cents=1_000,
        expires_on=timezone.localdate(reference_at + 30 * day),
        redeemed_at=reference_at + day,
        order=first,
        discount_cents=1_000,
    )
    Coupon.objects.create(
        code="SPRING10BB",
        campaign=campaign,
        customer=b,
        value_cents=1_000,
        expires_on=timezone.localdate(reference_at + 30 * day),
    )
    add_send(
        campaign,
        a,
        GROUP.TREATED,
        reference_at,
        opened_at=reference_at,
        clicked_at=reference_at,
        coupon=coupon,
    )
    add_send(campaign, b, GROUP.TREATED, reference_at, state=SEND.BOUNCED)
    add_send(campaign, c, GROUP.TREATED, reference_at)
    add_send(campaign, d, GROUP.TREATED, reference_at, opened_at=reference_at)
    for customer in (e, f, g):
        add_send(campaign, customer, GROUP.CONTROL, reference_at)
    add_send(campaign, h, GROUP.TREATED, reference_at, state=SEND.HELD, held_reason="no consent")
    return MeasuredCampaign(campaign, reference_at, [a, b, c, d], [e, f, g], h)
