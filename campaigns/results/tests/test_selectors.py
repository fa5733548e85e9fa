"""Results figures of a campaign built by hand (see factories.measured_campaign)."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from campaigns.models import Campaign, CampaignSend, Channel, Segment
from campaigns.results.selectors import (
    campaign_results,
    campaign_results_for_user,
    results_overview_for_user,
)
from campaigns.results.stats import mean_difference, proportion_difference
from campaigns.results.tests.factories import (
    GROUP,
    SEND,
    add_send,
    make_campaign,
    measured_campaign,
)
from conftest import World
from tests.factories import make_customer


@pytest.fixture
def measured(world: World):
    return measured_campaign(owner=world.alice, team=world.north)


def test_campaign_results_count_each_group_over_the_window(measured) -> None:
    results = campaign_results(campaign=measured.campaign)
    treated, control = results.overall.treated, results.overall.control
    assert (treated.n, control.n) == (4, 3)  # H is held back: in neither group
    assert (treated.reactivated, control.reactivated) == (1, 1)  # A; E on the last day
    assert (treated.retained, control.retained) == (2, 1)  # A, B (inbound); E, not F
    assert (treated.orders.total, treated.orders.total_squares) == (2, 4)
    assert (control.orders.total, control.orders.total_squares) == (1, 1)
    assert treated.revenue_cents.total == 15_000  # not B's cancelled order, not C's
    assert treated.revenue_cents.total_squares == 15_000**2
    assert control.revenue_cents.total == 4_000
    assert (treated.opened, treated.clicked) == (2, 1)
    assert treated.reactivation_rate == pytest.approx(0.25)
    assert control.retention_rate == pytest.approx(1 / 3)


def test_campaign_results_uplift_revenue_and_roi(measured) -> None:
    results = campaign_results(campaign=measured.campaign)
    overall = results.overall
    assert overall.reactivation == proportion_difference(1, 4, 1, 3)
    assert overall.retention.difference == pytest.approx(0.5 - 1 / 3)
    assert overall.revenue_cents == mean_difference(
        overall.treated.revenue_cents, overall.control.revenue_cents
    )
    assert overall.revenue_cents.difference == pytest.approx(3_750 - 4_000 / 3)
    assert overall.incremental_revenue_cents == pytest.approx((3_750 - 4_000 / 3) * 4)
    assert results.coupon_cost_cents == 1_000  # the redeemed coupon only
    assert results.roi == pytest.approx(((3_750 - 4_000 / 3) * 4 - 1_000) / 1_000)
    assert overall.too_few
    assert results.window_open_until is None  # closed 30 days ago


def test_campaign_results_new_versus_existing(measured) -> None:
    results = campaign_results(campaign=measured.campaign, by="new")
    slices = {s.key: s for s in results.breakdown}
    assert list(slices) == ["new", "existing"]
    assert (slices["existing"].treated.n, slices["existing"].control.n) == (2, 1)  # A B; E
    assert (slices["new"].treated.n, slices["new"].control.n) == (2, 2)  # C D; F G
    assert slices["existing"].treated.reactivated == 1
    assert slices["new"].control.reactivated == 0
    assert results.overall.treated.n == 4  # the slices add up to the whole


def test_campaign_results_by_segment_is_the_campaigns_own(world: World) -> None:
    segment = Segment.objects.create(name="Silent high value", rules={})
    measured = measured_campaign(owner=world.alice, team=world.north, segment=segment)
    results = campaign_results(campaign=measured.campaign, by="segment")
    assert [(s.key, s.label, s.treated.n) for s in results.breakdown] == [
        (str(segment.pk), "Silent high value", 4)
    ]


def test_a_window_still_open_is_provisional(world: World) -> None:
    campaign = make_campaign(world.alice, attribution_days=30)
    reference_at = timezone.now() - timedelta(days=5)
    add_send(campaign, world.customer, GROUP.TREATED, reference_at)
    results = campaign_results(campaign=campaign)
    assert results.window_open_until == timezone.localdate(reference_at + timedelta(days=30))
    assert results.overall.control.n == 0
    assert results.overall.reactivation.interval is None


def test_campaign_results_for_user_needs_the_results_permission(world: World, measured) -> None:
    with pytest.raises(PermissionDenied):
        campaign_results_for_user(user=world.alice, campaign_id=measured.campaign.pk)
    results = campaign_results_for_user(user=world.manager, campaign_id=measured.campaign.pk)
    assert results.overall.treated.n == 4


def test_overview_rows_and_breakdown_by_channel(world: World, measured) -> None:
    sms = make_campaign(world.manager, name="SMS nudge", channel=Channel.SMS)
    for _i in range(3):
        customer = make_customer(owner=world.alice, team=world.north)
        add_send(sms, customer, GROUP.TREATED, measured.reference_at)
    make_campaign(world.manager, name="Draft", status=Campaign.Status.DRAFT, launched_at=None)
    overview = results_overview_for_user(user=world.manager, by="channel")
    rows = {row.campaign.name: row for row in overview.rows}
    assert set(rows) == {"Win back spring", "SMS nudge"}  # the draft has nothing to measure
    assert rows["Win back spring"].comparison.treated.n == 4
    assert rows["Win back spring"].roi == pytest.approx(((3_750 - 4_000 / 3) * 4 - 1_000) / 1_000)
    assert rows["SMS nudge"].roi is None  # no coupons: no cost to return
    slices = {s.key: (s.treated.n, s.control.n) for s in overview.breakdown}
    assert slices == {Channel.EMAIL: (4, 3), Channel.SMS: (3, 0)}


def test_overview_is_refused_without_the_results_permission(world: World) -> None:
    with pytest.raises(PermissionDenied):
        results_overview_for_user(user=world.charlie)


def test_overview_query_count_does_not_grow_with_campaigns(
    world: World, measured, django_assert_max_num_queries
) -> None:
    for n in range(5):
        extra = make_campaign(world.manager, name=f"Extra {n}")
        add_send(extra, world.customer, GROUP.TREATED, measured.reference_at)
    results_overview_for_user(user=world.manager, by="goal")  # warm the permission cache
    world.manager = type(world.manager).objects.get(pk=world.manager.pk)
    with django_assert_max_num_queries(7):
        overview = results_overview_for_user(user=world.manager, by="segment")
    assert len(overview.rows) == 6


def test_held_after_the_random_split_stays_in_the_treated_group(world: World) -> None:
    """Intent to treat: a customer who unsubscribed between queueing and sending was still
    assigned to the treated group; dropping them would bias the comparison."""
    campaign = make_campaign(world.alice)
    reference_at = timezone.now() - timedelta(days=40)
    add_send(campaign, world.customer, GROUP.TREATED, reference_at, state=SEND.HELD)
    assert campaign_results(campaign=campaign).overall.treated.n == 0  # ineligible: neither
    CampaignSend.objects.filter(campaign=campaign).update(claimed_at=reference_at)
    assert campaign_results(campaign=campaign).overall.treated.n == 1
