"""The alert journey in a real browser: an owner sees a new alert with its reasons in
words, acknowledges it, logs a call from the customer page and resolves it as saved."""

import re

import pytest
from playwright.sync_api import Page, expect

from churn.models import Alert, FollowUpTask
from churn.tests.factories import make_alert, make_history, make_score
from conftest import World
from interactions.models import Interaction

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345-secret"  # tests.factories.UserFactory's
REASONS = [
    {"code": "gap_ratio", "weight": 1.42, "values": {"recency_days": 94, "cadence_days": 21}},
    {
        "code": "complaints_last_90",
        "weight": 0.61,
        "values": {"complaints_last_90": 3, "complaints_unresolved": 1},
    },
]


def test_owner_acknowledges_calls_and_resolves_an_alert_as_saved(
    page: Page, world: World, screenshot
):
    make_score(world.customer, reasons=REASONS)
    make_history(world.customer, weeks=8)
    alert = make_alert(world.customer, world.alice, reasons=REASONS)

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    nav_alerts = page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts")
    expect(nav_alerts.locator(".count")).to_have_text("1")  # the badge, loaded by htmx
    nav_alerts.click()

    card = page.locator("article.alert-card", has_text=world.customer.name)
    expect(card).to_contain_text("New")
    expect(card).to_contain_text("no order for 94 days; usually orders every 21 days")
    expect(card).to_contain_text("3 complaints in 90 days, 1 unresolved")
    expect(card).to_contain_text("72 %")
    expect(nav_alerts.locator(".count")).to_have_count(0)  # opening the inbox read it
    screenshot("alert-inbox")

    card.get_by_role("button", name="Acknowledge").click()
    expect(card).to_contain_text("Acknowledged")  # the card swapped in place
    expect(card.get_by_role("button", name="Acknowledge")).to_have_count(0)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED

    card.get_by_role("link", name=world.customer.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(world.customer.name)
    risk = page.locator("#risk-panel")
    expect(risk).to_contain_text("no order for 94 days")
    expect(risk.get_by_role("link", name="Churn risk")).to_be_visible()  # its open alert
    page.locator("summary", has_text="Log contact").click()
    log_form = page.locator("form[action$='/log/']")
    log_form.get_by_label("Channel").select_option("call")
    log_form.get_by_label("Subject").fill("Win-back call")
    log_form.get_by_label("Notes or minutes").fill("Delivery problems sorted; orders again.")
    log_form.get_by_role("button", name="Log contact").click()
    expect(page.locator("ol.history > li").first).to_contain_text("Win-back call")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    card = page.locator("article.alert-card", has_text=world.customer.name)
    card.get_by_label("Outcome").select_option("saved")
    card.get_by_label("Note").fill("Called; they ordered again.")
    card.get_by_role("button", name="Resolve").click()
    expect(card).to_contain_text(re.compile(r"Resolved: Saved"))
    expect(page.locator("#tasks")).to_contain_text("No tasks due.")  # its task closed too
    screenshot("alert-resolved")

    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.outcome == Alert.Outcome.SAVED
    assert alert.note == "Called; they ordered again."
    assert alert.resolved_by == world.alice
    assert alert.acknowledged_at is not None
    assert FollowUpTask.objects.get(alert=alert).done_at is not None
    call = Interaction.objects.get(customer=world.customer, subject="Win-back call")
    assert call.staff == world.alice
