"""Privacy journeys in a real browser: an admin takes a capability away from Sales and a
Sales user loses it; a data subject request from receipt to the person's download; an
erasure that one manager records and another person approves."""

import io
import zipfile

import pytest
from playwright.sync_api import Page, expect

from conftest import World
from crm.privacy.models import DataSubjectRequest
from customers.models import Customer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-12345-secret"  # tests.factories.UserFactory's


def _log_in(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_admin_takes_export_from_sales_and_alice_loses_it(page: Page, world: World, screenshot):
    _log_in(page, "alice")
    page.goto("/customers/")
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()

    _log_in(page, "admin")
    page.goto("/admin/roles/")
    page.get_by_label("Sales: export_customer").uncheck()
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_text("Role permissions saved.")).to_be_visible()
    screenshot("roles-matrix")

    _log_in(page, "alice")
    page.goto("/customers/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Export CSV")).to_have_count(0)
    assert page.request.get("/customers/export.csv").status == 403


def test_access_request_from_receipt_to_the_persons_download(page: Page, world: World, screenshot):
    _log_in(page, "manager")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("More").click()
    nav.get_by_role("link", name="Data requests").click()
    page.get_by_role("link", name="Record a request").click()
    page.get_by_label("Customer number").fill(str(world.customer.pk))
    page.get_by_label("Request").select_option("access")
    page.get_by_label("Details").fill("Asked by email for a copy of her data")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#request-status")).to_have_text("Completed")  # the worker ran
    screenshot("data-request-access")
    link = page.locator("#package-link").get_attribute("href")
    assert link

    page.context.clear_cookies()  # the person is not logged in
    response = page.request.get(link)
    assert response.status == 200
    archive = zipfile.ZipFile(io.BytesIO(response.body()))
    assert world.customer.name in archive.read("personal-data.html").decode()


def test_erasure_needs_a_second_persons_approval(page: Page, world: World, screenshot):
    _log_in(page, "manager")
    page.goto(f"/privacy/requests/new/?customer={world.customer.pk}")
    page.get_by_label("Request").select_option("erasure")
    page.get_by_role("button", name="Record").click()
    expect(page.locator("#request-status")).to_have_text("Awaiting a second person's approval")
    expect(page.get_by_role("button", name="Approve erasure")).to_have_count(0)
    expect(page.get_by_text("Another person with the right to approve")).to_be_visible()
    request_url = page.url

    _log_in(page, "admin")
    page.goto(request_url)
    page.get_by_role("button", name="Approve erasure").click()
    expect(page.locator("#request-status")).to_have_text("Completed")
    screenshot("data-request-erasure")
    customer = Customer.objects.get(pk=world.customer.pk)
    assert customer.name == f"Anonymised customer {customer.pk}"
    assert DataSubjectRequest.objects.get().approved_by == world.admin
