"""Campaign demo data: made once, whatever the number of runs."""

from django.core.management import call_command

from campaigns.demo import CAMPAIGN_NAME, TEMPLATE_NAME, WIN_BACK_TEXTS, demo_campaigns_create
from campaigns.models import Campaign, MessageTemplate, Segment
from conftest import World
from customers.models import Consent, ConsentChange
from tests.factories import make_customer


def test_demo_campaigns_are_idempotent(world: World) -> None:
    for n in range(11):
        make_customer(owner=world.alice, team=world.north, name=f"Demo {n}")
    first = demo_campaigns_create()
    assert first.created["consents"] > 0
    assert first.created["campaigns"] == 1
    counts = (
        Consent.objects.count(),
        ConsentChange.objects.count(),
        Segment.objects.count(),
        MessageTemplate.objects.count(),
        Campaign.objects.count(),
    )
    call_command("demo_campaigns")
    assert counts == (
        Consent.objects.count(),
        ConsentChange.objects.count(),
        Segment.objects.count(),
        MessageTemplate.objects.count(),
        Campaign.objects.count(),
    )
    template = MessageTemplate.objects.get(name=TEMPLATE_NAME)
    assert sorted(template.variants.values_list("language", flat=True)) == sorted(WIN_BACK_TEXTS)
    campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.coupon_percent == 10
