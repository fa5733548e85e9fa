from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from campaigns.delivery.launch import Occasion, campaign_launch, sends_queue
from campaigns.delivery.recipients import quiet_hours_end
from campaigns.delivery.tests.factories import grant, make_campaign, make_send, make_template
from campaigns.models import Campaign, CampaignSend, CampaignSettings, Channel, Coupon
from conftest import World
from customers.models import Customer
from tests.factories import make_customer

State = CampaignSend.State


def _queue(campaign: Campaign, *customers: Customer) -> None:
    now = timezone.now()
    sends_queue(
        campaign=campaign,
        occasions=[Occasion(customer_id=c.pk, reference_at=now) for c in customers],
    )


def _send(campaign: Campaign, customer: Customer) -> CampaignSend:
    return CampaignSend.objects.get(campaign=campaign, customer=customer)


def _no_quiet_hours() -> None:
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": 0, "quiet_until_hour": 0}
    )


@pytest.fixture
def people(world: World) -> list[Customer]:
    _no_quiet_hours()
    made = [
        make_customer(owner=world.alice, team=world.north, first_name=f"P{i}") for i in range(3)
    ]
    grant(*made)
    return made


def test_eligible_customer_is_queued_with_the_rendered_message(people: list[Customer]) -> None:
    campaign = make_campaign()
    _queue(campaign, people[0])
    send = _send(campaign, people[0])
    assert send.state == State.QUEUED
    assert (send.subject, send.body) == ("We miss you, P0", "Hello P0!")
    assert send.address == people[0].primary_email
    assert send.not_before is None


def test_unsubscribe_link_is_rendered_into_the_message(people: list[Customer]) -> None:
    template = make_template(variants={"en": ("Hi", "Stop: {{ unsubscribe_url }}")})
    campaign = make_campaign(template=template)
    _queue(campaign, people[0])
    send = _send(campaign, people[0])
    assert send.state == State.QUEUED
    assert send.body.startswith("Stop: http://localhost:8000/m/u/")


def test_without_consent_held(world: World, people: list[Customer]) -> None:
    stranger = make_customer(owner=world.alice, team=world.north, first_name="X")
    campaign = make_campaign()
    _queue(campaign, stranger)
    assert _send(campaign, stranger).held_reason == "no consent for marketing email"


def test_consent_is_per_channel(world: World) -> None:
    _no_quiet_hours()
    customer = make_customer(owner=world.alice, team=world.north, first_name="A")
    grant(customer, purposes=["marketing_email"])
    campaign = make_campaign(channel=Channel.SMS)
    _queue(campaign, customer)
    reasons = _send(campaign, customer).held_reason
    assert "no consent for marketing sms" in reasons
    assert "no active phone number" in reasons


@pytest.mark.parametrize("stage", [Customer.Stage.OFFBOARDING, Customer.Stage.FORMER])
def test_offboarding_and_former_customers_held(people: list[Customer], stage: str) -> None:
    Customer.objects.filter(pk=people[0].pk).update(stage=stage)
    campaign = make_campaign()
    _queue(campaign, people[0])
    send = _send(campaign, people[0])
    assert send.state == State.HELD
    assert ("offboarding" if stage == "offboarding" else "former") in send.held_reason


def test_no_address_held(people: list[Customer]) -> None:
    people[0].emails.update(is_active=False)
    campaign = make_campaign()
    _queue(campaign, people[0])
    assert _send(campaign, people[0]).held_reason == "no active email address"


def test_frequency_cap_across_campaigns(people: list[Customer]) -> None:
    earlier = make_campaign(name="Earlier")
    for days in (1, 2, 3):
        make_send(earlier, people[0], occasion=f"o{days}", at=timezone.now() - timedelta(days=days))
    make_send(earlier, people[1], occasion="old", at=timezone.now() - timedelta(days=30))
    campaign = make_campaign()
    _queue(campaign, people[0], people[1])
    assert "frequency cap: 3 messages in the last 7 days" in _send(campaign, people[0]).held_reason
    assert _send(campaign, people[1]).state == State.QUEUED


def test_missing_variable_held_not_sent_broken(world: World) -> None:
    _no_quiet_hours()
    nameless = make_customer(owner=world.alice, team=world.north)
    grant(nameless)
    template = make_template(variants={"en": ("Hi {{ first_name }}", "{{ last_order_on }}")})
    campaign = make_campaign(template=template)
    _queue(campaign, nameless)
    send = _send(campaign, nameless)
    assert send.state == State.HELD
    assert send.held_reason == "profile lacks first_name, last_order_on"
    assert send.body == ""


def test_queue_twice_creates_nothing_new(people: list[Customer]) -> None:
    campaign = make_campaign()
    _queue(campaign, *people)
    before = list(CampaignSend.objects.filter(campaign=campaign).values_list("pk", "state"))
    result = sends_queue(
        campaign=campaign,
        occasions=[Occasion(customer_id=c.pk, reference_at=timezone.now()) for c in people],
    )
    assert (result.queued, result.existing) == (0, 3)
    after = list(CampaignSend.objects.filter(campaign=campaign).values_list("pk", "state"))
    assert before == after


def test_one_row_per_occasion(people: list[Customer]) -> None:
    campaign = make_campaign(kind=Campaign.Kind.AUTOMATION)
    now = timezone.now()
    occasions = [
        Occasion(customer_id=people[0].pk, occasion=f"birthday:{year}", reference_at=now)
        for year in (2025, 2026, 2026)
    ]
    result = sends_queue(campaign=campaign, occasions=occasions)
    assert result.queued == 2
    assert result.existing == 1
    assert CampaignSend.objects.filter(campaign=campaign).count() == 2


def test_control_split_and_coupons_only_for_the_treated(world: World) -> None:
    _no_quiet_hours()
    crowd = [make_customer(owner=world.alice, team=world.north, first_name="C") for _ in range(300)]
    grant(*crowd)
    template = make_template(variants={"en": ("Gift", "Code {{ coupon_code }}")})
    campaign = make_campaign(template=template, control_percent=30, coupon_value_cents=500)
    _queue(campaign, *crowd)
    sends = CampaignSend.objects.filter(campaign=campaign)
    control = sends.filter(state=State.CONTROL)
    treated = sends.filter(state=State.QUEUED)
    assert 50 <= control.count() <= 130  # 90 expected; 4.5 standard deviations either side
    assert control.count() + treated.count() == 300
    assert not control.filter(coupon__isnull=False).exists()
    assert not control.exclude(body="").exists()
    assert treated.filter(coupon__isnull=False).count() == treated.count()
    assert Coupon.objects.filter(campaign=campaign).count() == treated.count()
    first = treated.select_related("coupon").first()
    assert first is not None
    assert first.coupon is not None
    assert first.body == f"Code {first.coupon.code}"
    assert set(control.values_list("group", flat=True)) == {CampaignSend.Group.CONTROL}


def test_quiet_hours_end_in_the_customers_zone() -> None:
    config = CampaignSettings(quiet_from_hour=21, quiet_until_hour=8)
    at = datetime(2026, 3, 10, 20, 30, tzinfo=UTC)  # 22:30 in Athens and Vilnius (EET)
    athens = quiet_hours_end(at=at, zone="Europe/Athens", config=config)
    vilnius = quiet_hours_end(at=at, zone="Europe/Vilnius", config=config)
    assert athens == datetime(2026, 3, 11, 8, 0, tzinfo=ZoneInfo("Europe/Athens"))
    assert vilnius == athens  # the same offset: both 08:00 EET
    assert quiet_hours_end(at=at, zone="Europe/London", config=config) is None  # 20:30
    early = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # 06:00 in Athens
    assert quiet_hours_end(at=early, zone="Europe/Athens", config=config) == datetime(
        2026, 3, 10, 8, 0, tzinfo=ZoneInfo("Europe/Athens")
    )
    assert quiet_hours_end(at=at, zone="Europe/Athens", config=CampaignSettings(
        quiet_from_hour=0, quiet_until_hour=0)) is None  # fmt: skip


def test_quiet_hours_defer_only_those_inside_them(world: World) -> None:
    hour = timezone.now().astimezone(ZoneInfo("Europe/Athens")).hour
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": hour, "quiet_until_hour": (hour + 1) % 24}
    )
    athens = make_customer(owner=world.alice, team=world.north, first_name="A", country="GR")
    vilnius = make_customer(owner=world.alice, team=world.north, first_name="V", country="LT")
    new_york = make_customer(
        owner=world.alice, team=world.north, first_name="N", time_zone="America/New_York"
    )
    grant(athens, vilnius, new_york)
    campaign = make_campaign()
    _queue(campaign, athens, vilnius, new_york)
    deferred = _send(campaign, athens).not_before
    assert deferred is not None
    assert deferred > timezone.now()
    assert deferred.astimezone(ZoneInfo("Europe/Athens")).hour == (hour + 1) % 24
    assert _send(campaign, vilnius).not_before == deferred  # Vilnius shares Athens' offset
    assert _send(campaign, new_york).not_before is None


def test_launch_needs_the_permission(world: World) -> None:
    campaign = make_campaign()
    with pytest.raises(PermissionDenied):
        campaign_launch(campaign=campaign, acting_user=world.alice)


@pytest.mark.parametrize("problem", ["no_segment", "no_variant", "not_draft", "bad_template"])
def test_launch_refuses_an_unready_campaign_and_changes_nothing(world: World, problem: str) -> None:
    campaign = make_campaign()
    if problem == "no_segment":
        campaign.segment = None
    elif problem == "no_variant":
        assert campaign.template is not None
        campaign.template.variants.all().delete()
    elif problem == "not_draft":
        campaign.status = Campaign.Status.COMPLETED
    else:
        assert campaign.template is not None
        campaign.template.variants.update(body="{{ secret }}")
    campaign.save()
    with pytest.raises(ValidationError):
        campaign_launch(campaign=campaign, acting_user=world.manager)
    campaign.refresh_from_db()
    assert campaign.launched_at is None
    assert not CampaignSend.objects.filter(campaign=campaign).exists()


def test_launch_queues_and_sends_to_the_segment(
    world: World, django_capture_on_commit_callbacks: object
) -> None:
    _no_quiet_hours()
    grant(world.customer)
    Customer.objects.filter(pk=world.customer.pk).update(first_name="Aldona")
    campaign = make_campaign()
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        launched = campaign_launch(campaign=campaign, acting_user=world.manager)
    assert launched.launched_by == world.manager
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert campaign.completed_at is not None
    assert [m.to for m in mail.outbox] == [["aldona@example.lt"]]
    assert _send(campaign, world.customer).state == State.SENT
