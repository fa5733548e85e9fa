"""History journeys in a real browser: log a call from the customer page and see it in the
timeline; open, answer and resolve a complaint with its response time shown."""

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_owner_logs_a_call_and_sees_it_in_the_timeline(
    page: Page, world: World, log_in_as, screenshot
):
    log_in_as(world.alice)
    page.goto(f"/customers/{world.customer.pk}/")
    page.locator("summary", has_text="Log contact").click()  # the panel arrived through htmx
    log_form = page.locator("form[action$='/log/']")
    expect(log_form).to_be_visible()
    log_form.get_by_label("Channel").select_option("call")
    log_form.get_by_label("Subject").fill("Asked about the spring order")
    log_form.get_by_label("Notes or minutes").fill("Wants 20 kg in March; call back on Friday.")
    log_form.get_by_label("Duration (minutes)").fill("7")
    log_form.get_by_role("button", name="Log contact").click()

    first_event = page.locator("ol.history > li").first
    expect(first_event).to_contain_text("Asked about the spring order")
    expect(first_event).to_contain_text("7 min")
    expect(page.locator(".figure", has_text="Last contact")).to_contain_text("minute")
    screenshot("customer-360")

    page.get_by_label("Orders").uncheck()
    page.get_by_label("Complaints").uncheck()
    expect(page.locator("ol.history > li.kind-order")).to_have_count(0)
    expect(page.locator("ol.history > li").first).to_contain_text("Asked about the spring order")


def test_support_opens_answers_and_resolves_a_complaint(
    page: Page, world: World, log_in_as, screenshot
):
    log_in_as(world.bob)
    page.goto(f"/customers/{world.customer.pk}/")
    page.locator("summary", has_text="Open a complaint").click()
    form = page.locator("form[action$='/complaints/new/']")
    expect(form).to_be_visible()
    form.get_by_label("Subject").fill("Invoice charged twice")
    form.get_by_label("Category").select_option("billing")
    form.get_by_label("Severity").select_option("high")
    form.get_by_role("button", name="Open complaint").click()

    complaint_link = page.locator("ol.history").get_by_role("link", name="Invoice charged twice")
    expect(complaint_link).to_be_visible()
    complaint_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Invoice charged twice")
    expect(page.get_by_text("Not answered yet.")).to_be_visible()

    page.get_by_label("Answer").fill("We refunded the second charge today.")
    page.get_by_role("button", name="Record answer").click()
    expect(page.get_by_role("status")).to_have_text("Answer recorded.")
    expect(page.locator(".response-time")).to_have_text(re.compile(r"after 0(\.0)? h"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("In progress")

    page.get_by_label("New status").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Resolved")
    screenshot("complaint-resolved")

    page.goto("/history/complaints/")
    expect(page.get_by_role("link", name="Invoice charged twice")).to_have_count(0)
    expect(page.get_by_role("link", name="Late delivery")).to_be_visible()
