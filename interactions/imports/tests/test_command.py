"""`manage.py import_data`."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from conftest import World
from customers.models import Customer
from interactions.imports.models import ImportJob
from interactions.models import Order


@pytest.fixture
def orders_file(tmp_path: Path, world: World) -> Path:
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    path = tmp_path / "orders.csv"
    path.write_bytes(
        (
            "Nr;Kunde;Datum;Summe;Pastaba\n"
            "A1;C1;05.01.2026;1,5;Šiauliai, ąčęėįšųūž\n"
            "A2;N-9;06.01.2026;2;Žemaitijos g.\n"
        ).encode("cp1257")
    )
    return path


def _run(*args: str) -> str:
    out = StringIO()
    call_command("import_data", *args, stdout=out)
    return out.getvalue()


MAPPING = [
    "--map",
    "Nr=external_ref",
    "--map",
    "Kunde=customer_ref",
    "--map",
    "Datum=ordered_on",
    "--map",
    "Summe=amount",
    "--date-format",
    "DD.MM.YYYY",
    "--decimal-comma",
]


def test_dry_run_reports_and_writes_nothing(orders_file: Path) -> None:
    with pytest.raises(CommandError, match="errors"):
        _run("orders", str(orders_file), *MAPPING, "--dry-run")
    assert Order.objects.filter(source="import").count() == 0


def test_import_creates_missing_customers_for_team_and_owner(
    orders_file: Path, world: World
) -> None:
    output = _run(
        "orders",
        str(orders_file),
        *MAPPING,
        "--create-missing-customers",
        "--team",
        "North",
        "--owner",
        "alice",
    )

    assert "new 2" in output
    assert "customers created 1" in output
    assert "cp1257" in output  # says which encoding it read
    created = Customer.objects.get(external_ref="N-9")
    assert (created.team, created.owner) == (world.north, world.alice)
    assert Order.objects.filter(source="import").count() == 2
    assert ImportJob.objects.get().created_by is None  # the operator


def test_errors_are_listed_with_row_and_column(orders_file: Path) -> None:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_data", "orders", str(orders_file), *MAPPING, stdout=out)
    assert "row 3, column 'Kunde': No customer has the reference “N-9”." in out.getvalue()


def test_saved_mapping_by_name_and_user_permissions(orders_file: Path, world: World) -> None:
    from interactions.imports import services

    services.import_mapping_save(
        acting_user=None,
        name="shop",
        kind="orders",
        mapping={
            "external_ref": "Nr",
            "customer_ref": "Kunde",
            "ordered_on": "Datum",
            "amount": "Summe",
        },
        date_format="dd.mm.yyyy",
        decimal_separator=",",
    )

    with pytest.raises(CommandError, match="team"):
        _run(
            "orders", str(orders_file), "--mapping", "shop", "--user", "manager", "--team", "South"
        )
    output = _run(
        "orders",
        str(orders_file),
        "--mapping",
        "shop",
        "--user",
        "manager",
        "--team",
        "North",
        "--create-missing-customers",
    )
    assert "new 2" in output


def test_unknown_mapping_target_is_refused(orders_file: Path) -> None:
    with pytest.raises(CommandError, match="no field"):
        _run("orders", str(orders_file), *MAPPING, "--map", "Nr=nonsense")
