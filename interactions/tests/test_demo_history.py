from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from customers.models import Customer
from interactions.demo import demo_history_create
from interactions.models import Interaction, Order


@pytest.fixture
def demo_customers(db: None) -> None:
    call_command("demo_data", "--customers", "120", "--seed", "7", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_history_is_deterministic_idempotent_and_follows_the_stage(demo_customers: None) -> None:
    result = demo_history_create(seed=7)
    assert result.rows["orders"] > 120
    first = list(
        Order.objects.order_by("customer_id", "ordered_on").values_list(
            "customer_id", "ordered_on", "amount_cents"
        )
    )
    assert demo_history_create(seed=7).skipped
    assert Order.objects.count() == len(first)

    today = timezone.localdate()
    last_orders = dict(
        Order.objects.values("customer_id")
        .annotate(last=Max("ordered_on"))
        .values_list("customer_id", "last")
    )
    for customer in Customer.objects.filter(stage=Customer.Stage.SILENT):
        if customer.pk in last_orders:
            assert last_orders[customer.pk] <= today - timedelta(days=60)
    assert not Order.objects.filter(customer__stage=Customer.Stage.LEAD).exists()
    assert Interaction.objects.filter(complaint__isnull=False).exists()  # answered complaints


def test_same_seed_gives_the_same_history(demo_customers: None) -> None:
    demo_history_create(seed=7)
    first = list(
        Order.objects.order_by("customer_id", "ordered_on").values_list(
            "customer_id", "ordered_on", "amount_cents"
        )
    )
    Order.objects.all().delete()
    Interaction.objects.all().delete()
    demo_history_create(seed=7)
    again = list(
        Order.objects.order_by("customer_id", "ordered_on").values_list(
            "customer_id", "ordered_on", "amount_cents"
        )
    )
    assert first == again
