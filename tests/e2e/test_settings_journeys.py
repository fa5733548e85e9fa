"""Journeys through settings: the interface language and the admin's role matrix."""

import pytest
from django.contrib.auth.models import Group
from django.utils import translation
from playwright.sync_api import Page, expect

from conftest import World

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _codenames(role: str) -> set[str]:
    return set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))


def test_switching_to_lithuanian_translates_the_interface(
    page: Page, world: World, log_in_as, screenshot
):
    log_in_as(world.alice)
    page.goto("/customers/")
    nav_customers = page.locator("nav.mainnav a[href='/customers/']")
    expect(nav_customers).to_have_text("Customers")

    with page.expect_navigation():
        page.get_by_label("Language").select_option("lt")

    expect(page.locator("html")).to_have_attribute("lang", "lt")
    screenshot("customer-list-lt")
    with translation.override("lt"):
        lithuanian = translation.gettext("Customers")
    assert lithuanian != "Customers", "locale/lt/LC_MESSAGES/django.mo does not translate it"
    expect(nav_customers).to_have_text(lithuanian)

    with page.expect_navigation():
        page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(nav_customers).to_have_text("Customers")


def test_admin_unticks_a_role_permission_in_the_matrix(
    page: Page, world: World, log_in_as, screenshot
):
    before = _codenames("Sales")
    log_in_as(world.admin)
    page.goto("/admin/roles/")
    sales_may_add = page.get_by_role("checkbox", name="Sales: add_customer", exact=True)
    expect(sales_may_add).to_be_checked()

    sales_may_add.uncheck()
    page.get_by_role("button", name="Save").first.click()

    expect(page.get_by_role("status")).to_have_text("Role permissions saved.")
    expect(sales_may_add).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Sales: own_customer", exact=True)).to_be_checked()
    expect(page.get_by_role("checkbox", name="Admin: manage_roles", exact=True)).to_be_checked()
    screenshot("roles-matrix")
    assert _codenames("Sales") == before - {"add_customer"}  # that one, and only that one
