"""Customers with known profile and behaviour for the rule tests."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from churn.models import ValueTier
from churn.tests.factories import make_score
from conftest import World
from customers.models import Customer, Tag
from tests.factories import make_customer


@dataclass
class Base:
    world: World
    loyal: Customer  # alice's, North: frequent, recent, top tier, tagged "vip"
    lapsed: Customer  # alice's, North: silent, bought long ago, Lithuanian
    unscored: Customer  # bob-free, North, no score, lead
    south: Customer  # charlie's, South: at risk
    vip: Tag


@pytest.fixture
def base(world: World) -> Base:
    today = timezone.localdate()
    vip = Tag.objects.create(name="vip")
    loyal = make_customer(owner=world.alice, team=world.north, name="Loyal", country="LT")
    loyal.stage = Customer.Stage.ACTIVE
    loyal.save(update_fields=["stage"])
    loyal.tags.add(vip)
    make_score(
        loyal,
        last_order_on=today - timedelta(days=5),
        order_count=12,
        revenue_cents=240_000,
        expected_value_cents=150_000,
        value_tier=ValueTier.TOP,
        is_most_valuable=True,
        churn_probability=0.1,
    )
    lapsed = make_customer(
        owner=world.alice, team=world.north, name="Lapsed", language="lt", country="LV"
    )
    lapsed.stage = Customer.Stage.SILENT
    lapsed.silent_since = today - timedelta(days=40)
    lapsed.save(update_fields=["stage", "silent_since"])
    make_score(
        lapsed,
        last_order_on=today - timedelta(days=200),
        order_count=2,
        revenue_cents=9_000,
        expected_value_cents=1_000,
        value_tier=ValueTier.LOW,
        churn_probability=0.8,
    )
    unscored = make_customer(owner=world.alice, team=world.north, name="Unscored")
    Customer.objects.filter(pk=unscored.pk).update(owner=None)
    south = make_customer(owner=world.charlie, team=world.south, name="Southern")
    south.stage = Customer.Stage.AT_RISK
    south.save(update_fields=["stage"])
    make_score(
        south, last_order_on=today - timedelta(days=60), order_count=3, churn_probability=0.6
    )
    return Base(world, loyal, lapsed, unscored, south, vip)
