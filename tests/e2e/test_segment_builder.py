"""The segment rule builder in a real browser: add conditions, watch the live count
follow, see an error next to its condition, save."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from campaigns.models import Segment
from churn.models import ValueTier
from churn.tests.factories import make_score
from conftest import World
from customers.models import Customer
from tests.factories import make_customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _add_condition(page: Page, index: int) -> None:
    """Add a row and wait until htmx has wired it (a person is never faster than that)."""
    page.get_by_role("button", name="Add a condition").click()
    wired = f"!!document.querySelector('#c-{index}-field')?.['htmx-internal-data']?.initHash"
    for _attempt in range(100):
        if page.evaluate(wired):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"condition row {index} never wired")


def test_build_a_segment_of_silent_high_value_customers(
    page: Page, world: World, log_in_as, screenshot
) -> None:
    today = timezone.localdate()
    for n in range(6):
        customer = make_customer(owner=world.alice, team=world.north, name=f"Buyer {n}")
        if n % 2:
            Customer.objects.filter(pk=customer.pk).update(silent_since=today - timedelta(days=30))
        make_score(
            customer,
            value_tier=ValueTier.HIGH if n < 4 else ValueTier.LOW,
            last_order_on=today - timedelta(days=40 * n),
            order_count=n + 1,
        )
    log_in_as(world.alice)
    page.goto("/campaigns/segments/new/")
    expect(page.locator(".segment-count strong")).to_have_text("7")  # all alice may see
    page.get_by_label("Name").fill("Silent high value")

    _add_condition(page, 1)
    page.locator("#condition-1 .condition-field").select_option("is_silent")
    expect(page.locator("#condition-1 .condition-value")).to_have_value("true")
    expect(page.locator(".segment-count strong")).to_have_text("3")

    _add_condition(page, 2)
    page.locator("#condition-2 .condition-field").select_option("value_tier")
    expect(page.locator("#condition-2 option[value=top]")).to_have_count(1)  # redrawn
    page.locator("#condition-2 .condition-value").select_option(["top", "high"])
    expect(page.locator(".segment-count strong")).to_have_text("2")

    _add_condition(page, 3)
    page.locator("#condition-3 .condition-field").select_option("order_count")
    expect(page.locator("#condition-3 input[type=number]")).to_have_count(1)
    page.locator("#condition-3 .condition-value").fill("-4")
    page.locator("#condition-3 .condition-value").blur()
    expect(page.locator("#condition-error-3")).to_contain_text("0 or more")
    screenshot("segment-builder-error")
    page.locator("#condition-3 .condition-remove").click()
    expect(page.locator(".segment-count strong")).to_have_text("2")
    expect(page.locator("#segment-preview")).to_contain_text("Buyer 1")
    screenshot("segment-builder")

    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Segment saved.")).to_be_visible()
    segment = Segment.objects.get()
    assert [c["field"] for c in segment.rules["conditions"]] == ["is_silent", "value_tier"]
