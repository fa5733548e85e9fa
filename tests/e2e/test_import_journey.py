"""Import journey in a real browser: a CSV with one bad row is refused whole, naming the
row and the column; fixed, it imports."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from conftest import World
from customers.models import Customer
from interactions.models import Order

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "external_ref,customer_ref,ordered_on,amount,currency\n"


def _upload(page: Page, path: Path) -> None:
    page.goto("/imports/new/")
    page.get_by_label("What the file holds").select_option("orders")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_label("Team of new customers").select_option(label="North")
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    page.get_by_role("button", name="Check (dry run)").click()


def test_bad_row_is_named_and_nothing_is_written_then_the_fixed_file_imports(
    page: Page, world: World, log_in_as, tmp_path: Path, screenshot
):
    Customer.objects.filter(pk=world.customer.pk).update(external_ref="C-1")
    orders_before = Order.objects.count()
    bad = tmp_path / "orders.csv"
    bad.write_text(HEADER + "SO-1,C-1,2026-03-01,10.50,EUR\nSO-2,C-1,2026-03-02,ten,EUR\n")
    log_in_as(world.manager)
    _upload(page, bad)

    errors = page.locator("table", has=page.get_by_role("columnheader", name="Problem"))
    expect(errors).to_be_visible()
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").nth(0)).to_have_text("3")
    expect(errors.locator("tbody tr td").nth(1)).to_have_text("amount")
    expect(page.get_by_role("button", name="Import now")).to_have_count(0)
    screenshot("import-errors")
    assert Order.objects.count() == orders_before

    good = tmp_path / "orders-fixed.csv"
    good.write_text(HEADER + "SO-1,C-1,2026-03-01,10.50,EUR\nSO-2,C-1,2026-03-02,10.00,EUR\n")
    _upload(page, good)
    page.get_by_role("button", name="Import now").click()
    expect(page.get_by_text("2 new", exact=False).first).to_be_visible()
    assert Order.objects.count() == orders_before + 2
    assert Order.objects.get(external_ref="SO-1").amount_cents == 1050
