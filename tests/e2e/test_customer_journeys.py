"""Customer journeys in a real browser: find, open, edit, reassign; who may see and change
what; how a refused save explains itself."""

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from conftest import World
from customers.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345-secret"  # tests.factories.UserFactory's
# Labels of required fields end in " *"; "Name" alone would also match "First name".
NAME = re.compile(r"^Name\b")


def _section(page: Page, heading: str):
    return page.locator("section.card").filter(has=page.get_by_role("heading", name=heading))


def _fact(page: Page, label: str):
    """The value next to ``label`` in the detail page's profile list."""
    return page.locator(f"dl.facts dt:text-is('{label}') + dd")


def test_owner_finds_and_edits_customer_then_manager_reassigns_it(
    page: Page, world: World, dana: User, other_customers, log_in_as, screenshot
):
    page.goto("/customers/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/customers/$"))
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    rows = page.locator("#customer-rows tbody tr")
    expect(rows).to_have_count(4)
    page.get_by_role("searchbox", name="Search").fill("Aldona")
    expect(rows).to_have_count(1)  # htmx swapped the rows in place
    expect(rows.first).to_contain_text("aldona@example.lt")
    expect(page).to_have_url(re.compile(r"/customers/\?q=Aldona"))  # hx-push-url
    screenshot("customer-list")

    page.get_by_role("link", name="Aldona Petraitė").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aldona Petraitė")
    screenshot("customer-detail")

    page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("City").fill("Kaunas")
    page.get_by_label("Phones").fill("+370 612 34567")
    screenshot("customer-edit")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Changes saved.")
    expect(_fact(page, "Address")).to_contain_text("Kaunas")
    expect(_fact(page, "Phones").get_by_role("link", name="+37061234567")).to_be_visible()
    newest_entry = _section(page, "Change history").locator("ol.timeline > li").first
    expect(newest_entry).to_contain_text("alice")
    city_change = newest_entry.locator("li").filter(
        has=page.locator("code", has_text=re.compile(r"^city$"))
    )
    expect(city_change).to_contain_text("→ Kaunas")
    screenshot("customer-detail-after-edit")

    log_in_as(world.manager)
    page.goto(f"/customers/{world.customer.pk}/")
    page.get_by_role("link", name="Reassign").click()
    page.get_by_label("Owner").select_option(label="dana")
    screenshot("customer-reassign")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Owner and team updated.")
    expect(_fact(page, "Owner")).to_have_text("dana")
    world.customer.refresh_from_db()
    assert world.customer.owner == dana


def test_stranger_gets_not_found_and_read_only_teammate_cannot_edit(
    page: Page, world: World, log_in_as, screenshot
):
    detail = f"/customers/{world.customer.pk}/"

    log_in_as(world.charlie)
    response = page.goto(detail)
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("Aldona")).to_have_count(0)  # the page reveals nothing
    screenshot("not-found")

    log_in_as(world.bob)
    response = page.goto(detail)
    assert response is not None
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_contain_text("Aldona Petraitė")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Reassign")).to_have_count(0)
    expect(page.get_by_role("button", name="Change stage")).to_have_count(0)

    response = page.goto(f"{detail}edit/")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    screenshot("forbidden")


def test_duplicate_email_names_the_existing_customer_only_to_those_who_see_it(
    page: Page, world: World, log_in_as, screenshot
):
    customers_before = Customer.objects.count()

    log_in_as(world.alice)
    page.goto("/customers/new/")
    page.get_by_label(NAME).fill("Aldona Kitokia")
    page.get_by_label("Emails").fill("Aldona@Example.lt")
    page.get_by_role("button", name="Save").click()

    error = page.locator(".field.has-error").filter(has=page.get_by_label("Emails"))
    expect(error.get_by_role("alert")).to_have_text(
        f"aldona@example.lt already belongs to “Aldona Petraitė” (#{world.customer.pk})."
    )
    expect(page.get_by_label(NAME)).to_have_value("Aldona Kitokia")  # kept
    screenshot("customer-form-error")

    log_in_as(world.charlie)
    page.goto("/customers/new/")
    page.get_by_label(NAME).fill("Aldona Kitokia")
    page.get_by_label("Emails").fill("aldona@example.lt")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text(
        "aldona@example.lt already belongs to another customer you cannot see."
    )
    assert Customer.objects.count() == customers_before
