"""The import runs through the services, against the real database (SQLite by default,
PostgreSQL in CI, where the set-based SQL engine runs)."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from conftest import World
from crm.audit.models import AuditEntry
from customers.models import Customer, CustomerEmail, StageChange
from customers.selectors import customer_list_for_user
from interactions.imports import services
from interactions.imports.models import ImportJob, ImportKind
from interactions.imports.report import MAX_ERRORS
from interactions.imports.services import run as runner
from interactions.imports.tests.factories import import_job_make, import_run
from interactions.models import Complaint, Interaction, Order
from tests.factories import make_customer

ORDERS = "number,customer,date,total\n"


@pytest.fixture
def ref(world: World) -> str:
    """alice's customer, known to other systems as C1."""
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    return "C1"


def _imported_orders() -> list[tuple[Any, ...]]:
    rows = Order.objects.filter(source="import").order_by("external_ref")
    return list(rows.values_list("external_ref", "customer__external_ref", "amount_cents"))


def test_orders_import_writes_cents_and_reports_counts(world: World, ref: str) -> None:
    job = import_job_make(
        world.admin, ImportKind.ORDERS, ORDERS + "A1,C1,2026-01-02,12.50\nA2,C1,2026-01-03,7\n"
    )

    preview = import_run(job, dry_run=True)
    assert preview.status == ImportJob.Status.PREVIEWED
    assert (preview.report["new"], preview.report["error_count"]) == (2, 0)
    assert _imported_orders() == []  # a dry run writes nothing

    done = import_run(preview, dry_run=False)

    assert done.status == ImportJob.Status.DONE
    assert _imported_orders() == [("A1", "C1", 1250), ("A2", "C1", 700)]
    assert done.stored_name == ""  # the file goes once the job is finished


def test_one_bad_row_of_three_writes_nothing_and_names_row_and_column(
    world: World, ref: str
) -> None:
    content = ORDERS + "A1,C1,2026-01-02,1.00\nA2,C1,2026-13-40,2.00\nA3,C1,2026-01-04,3.00\n"
    job = import_job_make(world.admin, ImportKind.ORDERS, content)

    done = import_run(job, dry_run=False)

    assert done.status == ImportJob.Status.FAILED
    assert _imported_orders() == []
    assert done.report["error_count"] == 1
    row, column, message = done.report["errors"][0]
    assert (row, column) == (3, "date")  # the header is row 1
    assert "2026-13-40" in message


def test_reimporting_the_same_file_changes_nothing(world: World, ref: str) -> None:
    content = ORDERS + "A1,C1,2026-01-02,1.00\nA2,C1,2026-01-03,2.00\n"
    import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=False)
    before = list(Order.objects.order_by("pk").values_list("pk", "external_ref", "created_at"))

    again = import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=False)

    assert again.status == ImportJob.Status.DONE
    assert (again.report["new"], again.report["unchanged"]) == (0, 2)
    assert list(Order.objects.order_by("pk").values_list("pk", "external_ref", "created_at")) == (
        before
    )


def test_an_existing_order_number_with_other_values_is_an_error(world: World, ref: str) -> None:
    import_run(
        import_job_make(world.admin, ImportKind.ORDERS, ORDERS + "A1,C1,2026-01-02,1.00\n"),
        dry_run=False,
    )

    job = import_run(
        import_job_make(world.admin, ImportKind.ORDERS, ORDERS + "A1,C1,2026-01-02,9.99\n"),
        dry_run=True,
    )

    assert job.report["errors"] == [
        [2, "number", "Order number “A1” exists already with other values."]
    ]


def test_an_order_number_twice_in_the_file_is_an_error_on_the_second(
    world: World, ref: str
) -> None:
    content = ORDERS + "A1,C1,2026-01-02,1.00\nA2,C1,2026-01-02,1.00\nA1,C1,2026-01-02,1.00\n"

    job = import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=True)

    assert job.report["errors"] == [[4, "number", "Order number “A1” is also on row 2."]]


def test_unknown_customer_is_an_error_unless_missing_customers_are_created(
    world: World, ref: str
) -> None:
    content = ORDERS + "A1,C1,2026-01-02,1.00\nA2,NEW-7,2026-01-02,2.00\nA3,NEW-7,2026-01-03,3.00\n"

    refused = import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=False)
    assert refused.status == ImportJob.Status.FAILED
    assert [e[:2] for e in refused.report["errors"]] == [[3, "customer"], [4, "customer"]]
    assert not Customer.objects.filter(external_ref="NEW-7").exists()

    job = import_job_make(
        world.manager,
        ImportKind.ORDERS,
        content,
        create_missing_customers=True,
        team=world.north,
        owner=world.alice,
    )
    done = import_run(job, dry_run=False)

    assert done.status == ImportJob.Status.DONE
    assert done.report["customers_created"] == 1
    created = Customer.objects.get(external_ref="NEW-7")
    assert (created.name, created.owner, created.team) == ("NEW-7", world.alice, world.north)
    assert created.orders.count() == 2
    assert StageChange.objects.filter(customer=created, to_stage="lead").count() == 1
    # Granted like customer_create grants: the owner and the team see it.
    assert customer_list_for_user(user=world.alice).filter(pk=created.pk).exists()
    assert customer_list_for_user(user=world.bob).filter(pk=created.pk).exists()
    assert not customer_list_for_user(user=world.charlie).filter(pk=created.pk).exists()


def test_one_audit_entry_per_import_not_per_row(world: World, ref: str) -> None:
    content = ORDERS + "".join(f"A{i},C1,2026-01-02,1.00\n" for i in range(5))
    job = import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=False)

    entries = AuditEntry.objects.filter(object_id=str(job.pk), content_type__model="importjob")
    assert entries.count() == 1
    assert entries.get().changes["new"] == {"before": None, "after": 5}


def test_history_of_a_customer_the_user_may_not_change_is_refused(world: World, ref: str) -> None:
    south = make_customer(owner=world.charlie, team=world.south, external_ref="S1")
    content = ORDERS + "A1,C1,2026-01-02,1.00\nA2,S1,2026-01-02,1.00\n"

    job = import_run(
        import_job_make(world.manager, ImportKind.ORDERS, content, team=world.north), dry_run=True
    )

    assert job.report["errors"] == [
        [3, "customer", "You may not add to the history of customer “S1”."]
    ]
    assert south.orders.count() == 0


def test_manager_imports_only_into_own_team(world: World) -> None:
    with pytest.raises(ValidationError) as refused:
        import_job_make(world.manager, ImportKind.CUSTOMERS, "ref,name\nX1,X\n", team=world.south)
    assert "team" in refused.value.message_dict
    with pytest.raises(ValidationError) as no_team:
        import_job_make(world.manager, ImportKind.CUSTOMERS, "ref,name\nX1,X\n")
    assert "team" in no_team.value.message_dict
    with pytest.raises(ValidationError) as owner_elsewhere:
        import_job_make(
            world.manager,
            ImportKind.CUSTOMERS,
            "ref,name\nX1,X\n",
            team=world.north,
            owner=world.charlie,
        )
    assert "owner" in owner_elsewhere.value.message_dict
    # Admin may import into any team.
    import_job_make(world.admin, ImportKind.CUSTOMERS, "ref,name\nX1,X\n", team=world.south)


# --- customers ------------------------------------------------------------------------------

CUSTOMERS = "ref,name,email,phone,city,tags,stage\n"


def test_customers_are_created_with_contacts_grants_and_stage(world: World) -> None:
    content = (
        CUSTOMERS + "K1,Ona,ona@example.lt; ona2@example.lt,+37061234567,Vilnius,vip;b2b,active\n"
    )
    job = import_job_make(
        world.manager, ImportKind.CUSTOMERS, content, team=world.north, owner=world.alice
    )

    done = import_run(job, dry_run=False)

    assert done.status == ImportJob.Status.DONE, done.report
    customer = Customer.objects.get(external_ref="K1")
    assert (customer.name, customer.city, customer.stage) == ("Ona", "Vilnius", "active")
    assert list(customer.emails.values_list("email", "is_primary")) == [
        ("ona@example.lt", True),
        ("ona2@example.lt", False),
    ]
    assert customer.primary_phone == "+37061234567"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["b2b", "vip"]
    assert StageChange.objects.filter(customer=customer, to_stage="active").exists()
    assert customer_list_for_user(user=world.alice).filter(pk=customer.pk).exists()


def test_customers_reimport_skips_identical_and_updates_changed_rows(world: World) -> None:
    content = CUSTOMERS + "K1,Ona,ona@example.lt,,Vilnius,,\nK2,Jonas,jonas@example.lt,,Kaunas,,\n"
    import_run(import_job_make(world.admin, ImportKind.CUSTOMERS, content), dry_run=False)

    changed = (
        CUSTOMERS
        + "K1,Ona,ona@example.lt,,Vilnius,,\nK2,Jonas,jonas@example.lt,,Klaipėda,,former\n"
    )
    done = import_run(import_job_make(world.admin, ImportKind.CUSTOMERS, changed), dry_run=False)

    assert (done.report["new"], done.report["updated"], done.report["unchanged"]) == (0, 1, 1)
    jonas = Customer.objects.get(external_ref="K2")
    assert (jonas.city, jonas.stage) == ("Klaipėda", "former")
    assert not jonas.emails.get().is_active  # a former customer's address is free again
    assert StageChange.objects.filter(customer=jonas, from_stage="lead", to_stage="former").exists()


def test_duplicate_emails_in_file_and_against_existing_customers_are_row_errors(
    world: World,
) -> None:
    content = (
        CUSTOMERS
        + "K1,Ona,ona@example.lt,,,,\n"
        + "K2,Jonas,ONA@example.lt,,,,\n"
        + "K3,Rasa,aldona@example.lt,,,,\n"
        + "K4,Eglė,not-an-email,,,,\n"
    )

    job = import_run(import_job_make(world.admin, ImportKind.CUSTOMERS, content), dry_run=False)

    assert job.status == ImportJob.Status.FAILED
    assert job.report["errors"] == [
        [3, "email", "ona@example.lt is also on row 2."],
        [4, "email", "aldona@example.lt already belongs to another customer."],
        [5, "email", "“not-an-email” is not a valid email address."],
    ]
    assert not Customer.objects.filter(external_ref__in=["K1", "K2", "K3", "K4"]).exists()
    assert CustomerEmail.objects.filter(email="ona@example.lt").count() == 0


def test_manager_cannot_update_a_customer_of_another_team(world: World) -> None:
    make_customer(owner=world.charlie, team=world.south, external_ref="S1", name="South")

    job = import_run(
        import_job_make(
            world.manager, ImportKind.CUSTOMERS, "ref,name\nS1,Renamed\n", team=world.north
        ),
        dry_run=True,
    )

    assert job.report["errors"] == [[2, "ref", "Customer “S1” exists and you may not change it."]]


# --- interactions and complaints -----------------------------------------------------------


def test_interactions_are_idempotent_without_an_id_column(world: World, ref: str) -> None:
    content = (
        "customer,when,channel,subject\nC1,2026-01-05 10:00,call,Hello\nC1,05.01.2026,email,Offer\n"
    )
    content = content.replace("05.01.2026", "2026-01-05")

    first = import_run(
        import_job_make(world.admin, ImportKind.INTERACTIONS, content), dry_run=False
    )
    again = import_run(
        import_job_make(world.admin, ImportKind.INTERACTIONS, content), dry_run=False
    )

    assert (first.report["new"], again.report["new"], again.report["unchanged"]) == (2, 0, 2)
    call = Interaction.objects.get(source="import", channel="call")
    assert call.occurred_at == timezone.make_aware(datetime(2026, 1, 5, 10, 0))  # noqa: DTZ001
    assert call.idempotency_key.startswith("sha256:")


def test_interactions_keyed_by_their_external_id(world: World, ref: str) -> None:
    content = "id,customer,when,channel\nX-1,C1,2026-01-05,call\nX-1,C1,2026-01-06,call\n"

    job = import_run(import_job_make(world.admin, ImportKind.INTERACTIONS, content), dry_run=True)

    assert job.report["errors"] == [[3, "id", "External id “X-1” is also on row 2."]]


def test_complaints_get_service_level_deadlines(world: World, ref: str) -> None:
    content = (
        "ref,customer,opened,subject,category,severity\n"
        "T-1,C1,2026-01-05T08:00:00+00:00,Broken,product,high\n"
    )

    done = import_run(import_job_make(world.admin, ImportKind.COMPLAINTS, content), dry_run=False)

    assert done.status == ImportJob.Status.DONE, done.report
    complaint = Complaint.objects.get(external_ref="T-1")
    opened = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert (complaint.opened_at, complaint.status) == (opened, "open")
    assert complaint.respond_by == opened + timedelta(hours=8)
    assert complaint.created_by == world.admin


def test_future_dates_are_refused(world: World, ref: str) -> None:
    tomorrow_but_one = (timezone.localdate() + timedelta(days=3)).isoformat()
    job = import_run(
        import_job_make(world.admin, ImportKind.ORDERS, ORDERS + f"A1,C1,{tomorrow_but_one},1\n"),
        dry_run=True,
    )

    assert job.report["errors"] == [[2, "date", "This cannot be in the future."]]


def test_day_first_dates_and_decimal_commas_when_the_mapping_says_so(
    world: World, ref: str
) -> None:
    content = "number;customer;date;total\nA1;C1;05.01.2026;1.234,50\nA2;C1;5.1.2026;0,5\n"
    job = import_job_make(
        world.admin, ImportKind.ORDERS, content, date_format="dd.mm.yyyy", decimal_separator=","
    )

    done = import_run(job, dry_run=False)

    assert done.status == ImportJob.Status.DONE, done.report
    rows = Order.objects.filter(source="import").order_by("external_ref")
    assert list(rows.values_list("ordered_on", "amount_cents")) == [
        (date(2026, 1, 5), 123_450),
        (date(2026, 1, 5), 50),
    ]


def test_error_report_keeps_the_first_errors_and_counts_all(world: World, ref: str) -> None:
    content = ORDERS + "".join(f"A{i},C1,not a date,1\n" for i in range(MAX_ERRORS + 50))

    job = import_run(import_job_make(world.admin, ImportKind.ORDERS, content), dry_run=True)

    assert job.report["error_count"] == MAX_ERRORS + 50
    assert len(job.report["errors"]) == MAX_ERRORS
    assert job.report["errors"][0][0] == 2
    assert job.report["errors"][-1][0] == MAX_ERRORS + 1


def test_mapping_must_name_required_fields_and_existing_columns(world: World) -> None:
    job = import_job_make(world.admin, ImportKind.ORDERS, ORDERS + "A1,C1,2026-01-02,1\n")

    with pytest.raises(ValidationError) as refused:
        services.import_job_set_mapping(
            job=job,
            acting_user=world.admin,
            mapping={"external_ref": "number", "customer_ref": "nope"},
            date_format="iso",
            decimal_separator=".",
        )

    assert set(refused.value.message_dict) == {"customer_ref", "ordered_on", "amount"}


def test_saved_mapping_is_reused(world: World) -> None:
    saved = services.import_mapping_save(
        acting_user=world.admin,
        name="Shop export",
        kind=ImportKind.ORDERS,
        mapping={
            "external_ref": "Nr",
            "customer_ref": "Kunde",
            "ordered_on": "Datum",
            "amount": "Summe",
        },
        date_format="dd.mm.yyyy",
        decimal_separator=",",
    )
    job = services.import_job_create(
        acting_user=world.admin,
        kind=ImportKind.ORDERS,
        original_name="export.csv",
        chunks=[b"Nr;Kunde;Datum;Summe;Extra\n1;C1;05.01.2026;1,5;x\n"],
        options=services.ImportOptions(),
    )

    assert services.mapping_apply(job, saved) == saved.mapping
    services.import_job_set_mapping(
        job=job,
        acting_user=world.admin,
        mapping=services.mapping_apply(job, saved),
        date_format=saved.date_format,
        decimal_separator=saved.decimal_separator,
    )
    assert job.status == ImportJob.Status.DRAFT


# --- both engines ---------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL engine needs PostgreSQL")
def test_sql_and_python_engines_give_the_same_report_and_rows(
    world: World, ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_customer(owner=world.charlie, team=world.south, external_ref="S1")
    content = (
        ORDERS
        + "A1,C1,2026-01-02,1.00\n"
        + "A2,C1,bad,1.00\n"  # a bad cell
        + "A1,C1,2026-01-02,1.00\n"  # a repeated number
        + "A3,NOPE,2026-01-02,1.00\n"  # an unknown customer
        + "A4,S1,2026-01-02,1.00\n"  # a customer the manager may not change
        + "A5,C1,2026-01-02,-1\n"  # a negative amount
        + "P1,C1,2026-01-02,3.00\n"  # exists with other values
        + "P2,C1,2026-01-02,2.00\n"  # exists, unchanged
    )
    for number, cents in (("P1", 100), ("P2", 200)):
        Order.objects.create(
            customer=world.customer,
            external_ref=number,
            ordered_on=date(2026, 1, 2),
            amount_cents=cents,
        )

    def run(sql: bool) -> dict[str, Any]:
        monkeypatch.setattr(runner, "sql_engine_available", lambda: sql)
        job = import_job_make(world.manager, ImportKind.ORDERS, content, team=world.north)
        report = import_run(job, dry_run=True).report
        return {k: v for k, v in report.items() if k not in ("seconds", "phase_seconds")}

    sql_report, python_report = run(True), run(False)

    assert sql_report == python_report
    assert sql_report["error_count"] == 6
    assert (sql_report["new"], sql_report["unchanged"]) == (3, 1)  # A1, A3, A4; P2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL engine needs PostgreSQL")
def test_sql_and_python_engines_write_the_same_rows(
    world: World, ref: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = ORDERS + "".join(
        f"A{i},{'C1' if i % 2 else f'N{i % 5}'},2026-01-0{1 + i % 9},{i}.5\n" for i in range(40)
    )

    def run(sql: bool) -> list[tuple[Any, ...]]:
        monkeypatch.setattr(runner, "sql_engine_available", lambda: sql)
        job = import_job_make(
            world.admin, ImportKind.ORDERS, content, create_missing_customers=True
        )
        assert import_run(job, dry_run=False).status == ImportJob.Status.DONE
        rows = list(
            Order.objects.filter(source="import")
            .order_by("external_ref")
            .values_list(
                "external_ref",
                "customer__external_ref",
                "ordered_on",
                "amount_cents",
                "currency",
                "status",
            )
        )
        Order.objects.filter(source="import").delete()
        Customer.objects.filter(external_ref__startswith="N").delete()
        return rows

    assert run(True) == run(False)
