"""The API: create a job (dry run or import), read it, commit it."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from conftest import World
from interactions.imports.models import ImportJob
from interactions.models import Order

ORDERS = b"number,customer,date,total\nA1,C1,2026-01-02,1.50\nA2,C1,2026-01-03,2\n"


@pytest.fixture
def ref(world: World) -> str:
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    return "C1"


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _create(client: APIClient, content: bytes = ORDERS, **fields: Any) -> Any:
    data = {"file": SimpleUploadedFile("orders.csv", content), "kind": "orders", **fields}
    return client.post("/api/v1/imports/", data, format="multipart")


def test_dry_run_then_commit(
    world: World, ref: str, django_capture_on_commit_callbacks: Any
) -> None:
    client = _api(world.admin)

    created = _create(client)

    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["status"], body["report"]["new"], body["report"]["error_count"]) == (
        "previewed",
        2,
        0,
    )
    assert body["encoding"] == "utf-8"
    assert client.get(f"/api/v1/imports/{body['id']}/").json()["status"] == "previewed"

    with django_capture_on_commit_callbacks(execute=True):
        committed = client.post(f"/api/v1/imports/{body['id']}/commit/")

    assert committed.status_code == 202
    assert ImportJob.objects.get(pk=body["id"]).status == ImportJob.Status.DONE
    assert Order.objects.filter(source="import").count() == 2


def test_explicit_mapping_and_straight_import(
    world: World, ref: str, django_capture_on_commit_callbacks: Any
) -> None:
    content = b"Nr;Kunde;Datum;Summe\nB1;C1;05.01.2026;1,5\n"
    mapping = {
        "external_ref": "Nr",
        "customer_ref": "Kunde",
        "ordered_on": "Datum",
        "amount": "Summe",
    }

    with django_capture_on_commit_callbacks(execute=True):
        created = _create(
            _api(world.admin),
            content,
            mapping=json.dumps(mapping),
            date_format="dd.mm.yyyy",
            decimal_separator=",",
            dry_run="false",
        )

    assert created.status_code == 201, created.json()
    job = ImportJob.objects.get(pk=created.json()["id"])
    assert (job.status, job.mapping) == (ImportJob.Status.DONE, mapping)
    assert Order.objects.get(external_ref="B1").amount_cents == 150


def test_errors_come_back_with_row_and_column(world: World, ref: str) -> None:
    created = _create(_api(world.admin), b"number,customer,date,total\nA1,C1,2026-01-02,x\n")

    assert created.json()["report"]["errors"] == [[2, "total", "“x” is not an amount."]]
    commit = _api(world.admin).post(f"/api/v1/imports/{created.json()['id']}/commit/")
    assert commit.status_code == 400


def test_bad_mapping_is_a_bad_request(world: World) -> None:
    created = _create(_api(world.admin), mapping=json.dumps({"external_ref": "nope"}))

    assert created.status_code == 400
    assert not ImportJob.objects.filter(status=ImportJob.Status.PREVIEWED).exists()


def test_non_importers_and_strangers_are_refused(world: World) -> None:
    assert _create(_api(world.bob)).status_code == 403
    job_id = _create(_api(world.manager), team=world.north.pk).json()["id"]
    assert _api(world.charlie).get(f"/api/v1/imports/{job_id}/").status_code == 403
    assert _api(world.admin).get(f"/api/v1/imports/{job_id}/").status_code == 200
    assert _api(world.admin).post(f"/api/v1/imports/{job_id}/commit/").status_code == 403
    assert _create(_api(world.manager), team=world.south.pk).status_code == 400


def test_job_list_is_one_query_however_many_jobs(
    world: World, ref: str, django_assert_num_queries: Any
) -> None:
    client = _api(world.admin)
    for _ in range(3):
        _create(client)
    client.get("/api/v1/imports/")

    with django_assert_num_queries(1):
        listed = client.get("/api/v1/imports/")
    assert len(listed.json()) == 3
