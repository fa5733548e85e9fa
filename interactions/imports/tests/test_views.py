"""The pages: upload -> mapping -> dry run -> commit, through the test client."""

from io import BytesIO
from typing import Any

import openpyxl  # type: ignore[import-untyped]
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import World
from interactions.imports import services
from interactions.imports.models import ImportJob, ImportMapping
from interactions.imports.tests.factories import import_job_make
from interactions.models import Order
from tests.factories import make_team, make_user

ORDERS = b"Order No;Customer;Date;Total\nA1;C1;05.01.2026;12,50\nA2;C1;06.01.2026;3\n"


@pytest.fixture
def ref(world: World) -> str:
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    return "C1"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, content: bytes, name: str = "orders.csv", **fields: Any) -> Any:
    data = {
        "file": SimpleUploadedFile(name, content),
        "kind": "orders",
        "date_format": "dd.mm.yyyy",
        "decimal_separator": ",",
        **fields,
    }
    return client.post(reverse("imports:upload"), data)


def test_upload_map_preview_commit(
    world: World, ref: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = _client(world.admin)

    uploaded = _upload(client, ORDERS)
    job = ImportJob.objects.get()
    assert uploaded.status_code == 302
    assert uploaded["Location"] == reverse("imports:mapping", kwargs={"job_id": job.pk})
    assert (job.encoding, job.delimiter) == ("utf-8", ";")

    page = client.get(uploaded["Location"])
    assert page.status_code == 200
    assert job.mapping == {
        "external_ref": "Order No",
        "customer_ref": "Customer",
        "ordered_on": "Date",
        "amount": "Total",
    }  # guessed from the column names, shown preselected
    assert b'<option value="Order No" selected>' in page.content

    mapping = {f"map_{target}": column for target, column in job.mapping.items()}
    mapped = client.post(
        uploaded["Location"],
        {**mapping, "date_format": "dd.mm.yyyy", "decimal_separator": ",", "save_as": "Shop"},
    )
    assert mapped.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED  # a small file is checked at once
    assert ImportMapping.objects.get(name="Shop").decimal_separator == ","

    preview = client.get(mapped["Location"])
    assert b"Import now" in preview.content
    assert Order.objects.filter(source="import").count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(reverse("imports:commit", kwargs={"job_id": job.pk}))
    assert committed.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert sorted(Order.objects.filter(source="import").values_list("amount_cents", flat=True)) == [
        300,
        1250,
    ]
    assert b"Imported" in client.get(committed["Location"]).content


def test_preview_with_errors_shows_them_and_offers_no_commit(world: World, ref: str) -> None:
    client = _client(world.admin)
    job = import_job_make(
        world.admin,
        "orders",
        "number,customer,date,total\nA1,C1,2026-01-02,1\nA2,C9,2026-01-02,x\n",
    )
    services.import_job_preview(job=job, acting_user=world.admin)

    page = client.get(reverse("imports:job", kwargs={"job_id": job.pk}))

    assert page.status_code == 200
    assert "“x” is not an amount.".encode() in page.content
    assert b"Import now" not in page.content
    refused = client.post(reverse("imports:commit", kwargs={"job_id": job.pk}))
    assert refused.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED


def test_an_xlsx_file_imports_like_a_csv(
    world: World, ref: str, django_capture_on_commit_callbacks: Any
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["Order No", "Customer", "Date", "Total"])
    book.active.append(["X1", "C1", "2026-01-05", 12.5])
    raw = BytesIO()
    book.save(raw)
    client = _client(world.admin)

    uploaded = _upload(client, raw.getvalue(), name="orders.xlsx", date_format="iso")
    job = ImportJob.objects.get()
    client.post(
        uploaded["Location"],
        {
            **{f"map_{t}": c for t, c in job.mapping.items()},
            "date_format": "iso",
            "decimal_separator": ".",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:commit", kwargs={"job_id": job.pk}))

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.report
    assert Order.objects.get(external_ref="X1").amount_cents == 1250


def test_support_and_sales_cannot_import(world: World) -> None:
    for user in (world.bob, world.charlie, world.alice):
        client = _client(user)
        assert client.get(reverse("imports:upload")).status_code == 403
        assert _upload(client, ORDERS).status_code == 403
    assert not ImportJob.objects.exists()


def test_manager_may_only_choose_own_teams(world: World) -> None:
    client = _client(world.manager)

    page = client.get(reverse("imports:upload"))
    assert b">North<" in page.content
    assert b">South<" not in page.content

    refused = _upload(client, ORDERS, team=world.south.pk)
    assert refused.status_code == 200  # the form again, with the error
    assert not ImportJob.objects.exists()
    assert _upload(client, ORDERS, team=world.north.pk).status_code == 302


def test_another_importer_does_not_see_a_job(world: World) -> None:
    other = make_user("mira", "Manager")
    make_team("West", manager=other)
    job = import_job_make(
        world.manager,
        "orders",
        "number,customer,date,total\nA1,C1,2026-01-02,1\n",
        team=world.north,
    )
    client = _client(other)

    assert client.get(reverse("imports:job", kwargs={"job_id": job.pk})).status_code == 404
    assert client.get(reverse("imports:list")).content.count(b"data.csv") == 0
    admin = _client(world.admin)
    assert admin.get(reverse("imports:job", kwargs={"job_id": job.pk})).status_code == 200
    assert admin.get(reverse("imports:mapping", kwargs={"job_id": job.pk})).status_code == 403


def test_progress_polls_while_running_and_reloads_when_done(world: World) -> None:
    job = import_job_make(
        world.manager,
        "orders",
        "number,customer,date,total\nA1,C1,2026-01-02,1\n",
        team=world.north,
    )
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, rows_total=1000, rows_read=250
    )
    client = _client(world.manager)
    url = reverse("imports:progress", kwargs={"job_id": job.pk})

    running = client.get(url)
    assert b'hx-trigger="every 2s"' in running.content
    assert b'value="25"' in running.content
    assert "HX-Refresh" not in running

    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.PREVIEWED)
    assert client.get(url)["HX-Refresh"] == "true"


def test_list_queries_do_not_grow_with_jobs(world: World, django_assert_num_queries: Any) -> None:
    for _ in range(5):
        import_job_make(world.admin, "orders", "number,customer,date,total\nA1,C1,2026-01-02,1\n")
    client = _client(world.admin)

    # The session, the user, their two permission lookups, and the jobs.
    with django_assert_num_queries(5):
        page = client.get(reverse("imports:list"))
    assert page.content.count(b"data.csv") == 5
