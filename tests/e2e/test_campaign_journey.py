"""The win-back journey in a real browser, as a manager: build a segment of silent
high-value customers, write a win-back email with a coupon, preview it for one customer,
launch it, see the sends, record an order with the coupon, and see the uplift against
the control group."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from campaigns.models import Campaign, CampaignSend, Coupon
from churn.models import ValueTier
from churn.tests.factories import make_score
from conftest import World
from customers.consent import consent_bulk_grant
from customers.models import Consent, Customer
from tests.factories import make_customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PEOPLE = 16  # with a 50 % control group, both groups are empty with odds of 1 in 32,768


def _silent_high_value(world: World) -> list[Customer]:
    today = timezone.localdate()
    people = []
    for n in range(PEOPLE):
        customer = make_customer(
            owner=world.alice,
            team=world.north,
            name=f"Rasa Buyer{n:02d}",
            first_name="Rasa",
            emails=[f"rasa{n}@example.lt"],
        )
        Customer.objects.filter(pk=customer.pk).update(silent_since=today - timedelta(days=30))
        make_score(customer, value_tier=ValueTier.HIGH, last_order_on=today - timedelta(days=90))
        people.append(customer)
    quiet_loyal = make_customer(owner=world.alice, team=world.north, name="Not silent")
    make_score(quiet_loyal, value_tier=ValueTier.HIGH)
    consent_bulk_grant(
        customer_ids=[c.pk for c in people],
        purposes=[Consent.Purpose.MARKETING_EMAIL],
        source="form",
    )
    return people


def _add_condition(page: Page, index: int, field: str) -> None:
    page.get_by_role("button", name="Add a condition").click()
    wired = f"!!document.querySelector('#c-{index}-field')?.['htmx-internal-data']?.initHash"
    for _attempt in range(100):
        if page.evaluate(wired):
            break
        page.wait_for_timeout(50)
    page.locator(f"#condition-{index} .condition-field").select_option(field)


def test_win_back_campaign_from_segment_to_uplift(
    page: Page, world: World, log_in_as, screenshot
) -> None:
    _silent_high_value(world)
    log_in_as(world.manager)

    # A segment of silent high-value customers, counted live while it is built.
    page.goto("/campaigns/segments/new/")
    page.get_by_label("Name").fill("Silent high value")
    _add_condition(page, 1, "is_silent")
    _add_condition(page, 2, "value_tier")
    expect(page.locator("#condition-2 option[value=top]")).to_have_count(1)
    page.locator("#condition-2 .condition-value").select_option(["top", "high"])
    expect(page.locator(".segment-count strong")).to_have_text(str(PEOPLE))
    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_text("Segment saved.")).to_be_visible()

    # A win-back email with the coupon code in it.
    page.goto("/campaigns/templates/new/")
    page.get_by_label("Name").fill("We miss you")
    page.get_by_label("Channel").select_option("email")
    english = page.locator("#lang-en")
    english.get_by_label("Subject").fill("{{ first_name }}, we miss you")
    english.get_by_label("Text").fill(
        "Hello {{ first_name }},\n"
        "here is {{ coupon_value }} off your next order: {{ coupon_code }}."
    )
    page.get_by_role("button", name="Save template").click()

    page.goto("/campaigns/new/")
    page.get_by_label("Name").fill("Win back the silent")
    page.get_by_label("Channel").select_option("email")
    page.get_by_label("Segment").select_option(label="Silent high value")
    page.get_by_label("Message").select_option(label="We miss you")
    page.get_by_label("Control group (%)").fill("50")
    page.get_by_label("A fixed value (EUR)").check()
    page.get_by_label("Coupon value or discount").fill("5")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Win back the silent")

    # Preview for one customer.
    page.locator("#preview-q").fill("Buyer03")
    page.locator("#preview-matches").get_by_role("link", name="Rasa Buyer03").click()
    expect(page.locator("#preview")).to_contain_text("Rasa, we miss you")
    expect(page.locator("#preview")).to_contain_text("Would be sent")
    screenshot("campaign-preview")

    # Launch: the messages are prepared and sent (the test runs tasks eagerly).
    page.get_by_text("Launch…").click()
    page.get_by_role("button", name="Launch now").click()
    campaign = Campaign.objects.get(name="Win back the silent")
    sends = CampaignSend.objects.filter(campaign=campaign)
    treated = sends.filter(state=CampaignSend.State.SENT)
    control = sends.filter(state=CampaignSend.State.CONTROL)
    assert treated.count() + control.count() == PEOPLE
    assert treated.exists()
    assert control.exists()
    assert len(mail.outbox) == treated.count()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(treated.values_list("address", flat=True))
    page.reload()
    expect(page.locator("section[aria-labelledby=progress-heading]")).to_contain_text(
        str(treated.count())
    )
    screenshot("campaign-sent")

    # A treated customer comes back and orders with the coupon.
    send = treated.select_related("coupon").first()
    assert send is not None
    assert send.coupon is not None
    assert any(send.coupon.code in m.body for m in mail.outbox)
    page.goto(f"/campaigns/coupons/order/?customer={send.customer_id}")
    page.get_by_label("Coupon code").fill(send.coupon.code)
    page.get_by_label("Ordered on").fill(timezone.localdate().isoformat())
    page.get_by_label("Order amount").fill("80.00")
    page.get_by_role("button", name="Record order").click()
    coupon = Coupon.objects.get(pk=send.coupon.pk)
    assert coupon.order is not None
    assert coupon.discount_cents == 500

    # What it achieved: treated against control.
    page.goto(f"/campaigns/{campaign.pk}/")
    results = page.locator(".results-panel")
    expect(results).to_contain_text("What it achieved")
    expect(results).to_contain_text("Uplift")
    expect(results).to_contain_text("Too few customers to tell")
    screenshot("campaign-uplift")
