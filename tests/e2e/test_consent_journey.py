"""Consent on the customer page in a real browser: the owner records the customer's
marketing consent and objection to profiling through the htmx form; the score goes and
the risk panel says why."""

import pytest
from playwright.sync_api import Page, expect

from churn.models import CustomerScore
from churn.tests.factories import make_history, make_score
from conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _record(page: Page, purpose: str, answer: str, wording: str) -> None:
    panel = page.locator(".consent-panel")
    if not panel.locator("form").is_visible():
        panel.get_by_text("Record an answer").click()
    panel.get_by_label("Purpose").select_option(purpose)
    panel.get_by_label("Answer").select_option(answer)
    panel.get_by_label("Wording version").fill(wording)
    panel.get_by_role("button", name="Record").click()
    expect(page.locator(".consent-panel .notice.ok")).to_be_visible()


def test_owner_records_consent_and_an_objection_to_profiling(
    page: Page, world: World, log_in_as, screenshot
) -> None:
    make_score(world.customer)
    make_history(world.customer, weeks=8)
    log_in_as(world.alice)
    page.set_default_timeout(30_000)  # the risk panel's chart makes this page heavier
    page.goto(f"/customers/{world.customer.pk}/")
    expect(page.locator(".consent-panel")).to_contain_text("allowed (no objection)")

    _record(page, "marketing_email", "granted", "2026-01")
    _record(page, "profiling", "withdrawn", "2026-01")

    expect(page.locator("#risk-panel")).to_contain_text("Not scored: objected to profiling on")
    row = page.locator('.consent-panel tr[data-purpose="profiling"]')
    expect(row).to_contain_text("objected")
    page.locator(".consent-panel .consent-history summary").click()
    screenshot("customer-consent-panel")
    assert not CustomerScore.objects.filter(customer=world.customer).exists()
