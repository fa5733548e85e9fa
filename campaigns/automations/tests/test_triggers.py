"""Which occasions each trigger finds due, and the hourly run's once-per-occasion rule."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from campaigns.automations.services import automations_run
from campaigns.automations.tests.factories import make_automation, no_quiet_hours
from campaigns.automations.triggers import LOOKBACK_DAYS, day_start, due_occasion_chunks
from campaigns.delivery.tests.factories import grant
from campaigns.models import Automation, CampaignSend, Segment
from campaigns.tests.factories import SILENT_RULES
from churn.models import Alert
from churn.tests.factories import make_alert
from conftest import World
from customers.models import Customer
from interactions.models import Complaint, Order, SurveyResponse
from tests.factories import make_customer

T = Automation.Trigger


def _due(automation: Automation, now: datetime) -> set[tuple[int, str]]:
    return {
        (o.customer_id, o.occasion)
        for chunk in due_occasion_chunks(automation=automation, now=now)
        for o in chunk
    }


@pytest.fixture
def now() -> datetime:
    return timezone.now()


@pytest.fixture
def customer(world: World) -> Customer:
    return make_customer(owner=world.alice, team=world.north, name="Rūta", first_name="Rūta")


def _created(customer: Customer, at: datetime) -> None:
    Customer.objects.filter(pk=customer.pk).update(created_at=at)


# A fixed day that exists in every month and year, so the tests never depend on today.
MID_JUNE = date(2026, 6, 15)


def test_birthday_today_is_due_once_per_year(world: World, customer: Customer) -> None:
    today = MID_JUNE
    now = day_start(today) + timedelta(hours=12)
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1990, 6, 15))
    other = make_customer(owner=world.alice, team=world.north)
    Customer.objects.filter(pk=other.pk).update(birthday=today + timedelta(days=5))
    automation = make_automation(world.manager, trigger=T.BIRTHDAY, on_at=now - timedelta(days=1))
    assert _due(automation, now) == {(customer.pk, f"birthday:{today.year}")}


def test_a_leap_day_birthday_is_greeted_on_28_february(world: World, customer: Customer) -> None:
    Customer.objects.filter(pk=customer.pk).update(birthday=date(2000, 2, 29))
    noon = day_start(date(2027, 2, 28)) + timedelta(hours=12)
    automation = make_automation(world.manager, on_at=noon - timedelta(hours=2))
    assert _due(automation, noon) == {(customer.pk, "birthday:2027")}


def test_purchase_anniversary_a_year_or_more_after_the_first_order(
    world: World, customer: Customer
) -> None:
    today = MID_JUNE
    now = day_start(today) + timedelta(hours=12)
    two_years_ago = today.replace(year=today.year - 2)
    Order.objects.create(customer=customer, ordered_on=two_years_ago, amount_cents=1000)
    Order.objects.create(customer=customer, ordered_on=today, amount_cents=1000)
    recent = make_customer(owner=world.alice, team=world.north)  # first order today
    Order.objects.create(customer=recent, ordered_on=today, amount_cents=1000)
    cancelled_first = make_customer(owner=world.alice, team=world.north)
    Order.objects.create(
        customer=cancelled_first,
        ordered_on=two_years_ago,
        amount_cents=1000,
        status=Order.Status.CANCELLED,
    )
    Order.objects.create(
        customer=cancelled_first, ordered_on=two_years_ago + timedelta(days=3), amount_cents=1
    )
    automation = make_automation(
        world.manager, trigger=T.PURCHASE_ANNIVERSARY, on_at=now - timedelta(hours=1)
    )
    assert _due(automation, now) == {(customer.pk, f"anniversary:{today.year}")}


def test_churn_risk_alerts_raised_since_switching_on(world: World, customer: Customer, now) -> None:
    on_at = now - timedelta(days=1)
    risk = make_alert(customer, world.alice, raised_at=now - timedelta(hours=3))
    mvc = make_alert(
        customer, world.alice, kind=Alert.Kind.MVC_AT_RISK, raised_at=now - timedelta(hours=1)
    )
    make_alert(world.customer, world.alice, raised_at=on_at - timedelta(hours=1))  # before
    make_alert(
        world.customer, world.alice, kind=Alert.Kind.SILENCE, raised_at=now - timedelta(hours=1)
    )
    automation = make_automation(world.manager, trigger=T.CHURN_RISK, on_at=on_at)
    assert _due(automation, now) == {
        (customer.pk, f"alert:{risk.pk}"),
        (customer.pk, f"alert:{mvc.pk}"),
    }


def test_silence_begins(world: World, customer: Customer, now) -> None:
    today = timezone.localdate(now)
    Customer.objects.filter(pk=customer.pk).update(silent_since=today)
    long_silent = make_customer(owner=world.alice, team=world.north)
    Customer.objects.filter(pk=long_silent.pk).update(silent_since=today - timedelta(days=40))
    automation = make_automation(world.manager, trigger=T.SILENCE, on_at=now - timedelta(days=2))
    assert _due(automation, now) == {(customer.pk, f"silence:{today.isoformat()}")}


def test_complaint_resolved_after_the_delay(world: World, now) -> None:
    Complaint.objects.filter(pk=world.complaint.pk).update(
        status=Complaint.Status.RESOLVED, resolved_at=now - timedelta(days=1)
    )
    on_at = now - timedelta(days=5)
    waiting = make_automation(
        world.manager, trigger=T.COMPLAINT_RESOLVED, on_at=on_at, delay_days=2
    )
    assert _due(waiting, now) == set()  # due tomorrow
    assert _due(waiting, now + timedelta(days=1, minutes=1)) == {
        (world.customer.pk, f"complaint:{world.complaint.pk}")
    }


def test_nps_detractors_score_six_or_less(world: World, customer: Customer, now) -> None:
    at = now - timedelta(hours=2)
    six = SurveyResponse.objects.create(customer=customer, kind="nps", score=6, responded_at=at)
    SurveyResponse.objects.create(customer=customer, kind="nps", score=7, responded_at=at)
    SurveyResponse.objects.create(customer=customer, kind="csat", score=1, responded_at=at)
    automation = make_automation(
        world.manager, trigger=T.NPS_DETRACTOR, on_at=now - timedelta(days=1)
    )
    assert _due(automation, now) == {(customer.pk, f"survey:{six.pk}")}


def test_welcome_new_customers_only_and_within_the_look_back(world: World, now) -> None:
    fresh = make_customer(owner=world.alice, team=world.north)
    _created(fresh, now - timedelta(hours=5))
    stale = make_customer(owner=world.alice, team=world.north)
    _created(stale, now - timedelta(days=LOOKBACK_DAYS + 1))  # after switching on, too long ago
    before = make_customer(owner=world.alice, team=world.north)
    _created(before, now - timedelta(days=LOOKBACK_DAYS + 20))
    _created(world.customer, now - timedelta(days=LOOKBACK_DAYS + 20))
    automation = make_automation(world.manager, trigger=T.WELCOME, on_at=now - timedelta(days=10))
    assert _due(automation, now) == {(fresh.pk, "welcome")}


def test_only_customers_the_creator_sees_and_of_the_segment(world: World, now) -> None:
    _created(world.customer, now - timedelta(days=30))
    theirs = make_customer(owner=world.charlie, team=world.south)  # alice's teams don't see it
    mine = make_customer(owner=world.alice, team=world.north)
    for c in (theirs, mine):
        _created(c, now - timedelta(hours=1))
    automation = make_automation(
        world.alice, trigger=T.WELCOME, on_at=now - timedelta(days=1), switched_on_by=world.manager
    )
    assert _due(automation, now) == {(mine.pk, "welcome")}
    silent = Segment.objects.create(name="Silent", rules=SILENT_RULES)
    in_segment = make_automation(
        world.manager, trigger=T.WELCOME, on_at=now - timedelta(days=1), segment=silent
    )
    assert _due(in_segment, now) == set()
    # mine goes silent: the next run finds the customer in the segment and welcomes them.
    Customer.objects.filter(pk=mine.pk).update(silent_since=timezone.localdate(now))
    assert _due(in_segment, now + timedelta(hours=1)) == {(mine.pk, "welcome")}


def test_run_twice_messages_each_occasion_once(world: World, customer: Customer, now) -> None:
    no_quiet_hours()
    grant(customer)
    _created(customer, now - timedelta(hours=1))
    _created(world.customer, now - timedelta(days=30))
    automation = make_automation(world.manager, trigger=T.WELCOME, on_at=now - timedelta(days=1))
    off = make_automation(world.manager, trigger=T.WELCOME)  # never switched on
    first = automations_run(now=now)
    second = automations_run(now=now + timedelta(hours=1))
    assert first["automations"] == 1
    assert first["queued"] == 1
    assert second["queued"] == 0
    sends = CampaignSend.objects.filter(campaign=automation.campaign)
    assert [(s.customer_id, s.occasion, s.state) for s in sends] == [
        (customer.pk, "welcome", CampaignSend.State.QUEUED)
    ]
    assert sends[0].reference_at == now
    assert not CampaignSend.objects.filter(campaign=off.campaign).exists()
    automation.refresh_from_db()
    assert automation.last_run_at == now + timedelta(hours=1)


def test_occasion_queries_do_not_grow_with_customers(
    world: World, now, django_assert_num_queries
) -> None:
    _created(world.customer, now - timedelta(days=30))
    for _i in range(12):
        _created(make_customer(owner=world.alice, team=world.north), now - timedelta(hours=1))
    automation = make_automation(world.manager, trigger=T.WELCOME, on_at=now - timedelta(days=1))
    automation = Automation.objects.select_related(
        "campaign", "campaign__created_by", "campaign__segment"
    ).get(pk=automation.pk)
    world.manager.has_perm("customers.view_customer")  # the permission cache
    automation.campaign.created_by = world.manager
    with django_assert_num_queries(2):  # the creator's teams, then the occasions
        occasions = [
            o for chunk in due_occasion_chunks(automation=automation, now=now) for o in chunk
        ]
    assert len(occasions) == 12


def test_day_start_is_local_midnight() -> None:
    start = day_start(date(2026, 6, 1))
    assert timezone.localtime(start).hour == 0
