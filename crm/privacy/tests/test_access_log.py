"""The access log: reads of customer data are recorded (page, API, export), refused ones
are not, entries cannot be changed, and managers see only their customers' entries."""

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World
from crm.audit.models import AccessLogEntry
from tests.factories import make_customer

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_page_view_api_read_and_export_are_logged(world: World) -> None:
    alice = _client(world.alice)
    pk = world.customer.pk
    assert alice.get(reverse("customers:detail", kwargs={"pk": pk})).status_code == 200
    assert alice.get(reverse("api:customer-detail", kwargs={"pk": pk})).status_code == 200
    assert alice.get(reverse("customers:export")).status_code == 200
    assert alice.get(reverse("interactions:timeline", kwargs={"pk": pk})).status_code == 200
    entries = list(AccessLogEntry.objects.order_by("id").values_list("action", "customer_id"))
    assert entries == [("view", pk), ("api_read", pk), ("export", None)]
    assert AccessLogEntry.objects.filter(user=world.alice).count() == 3


def test_refused_reads_are_not_logged(world: World) -> None:
    charlie = _client(world.charlie)
    response = charlie.get(reverse("customers:detail", kwargs={"pk": world.customer.pk}))
    assert response.status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_entries_are_append_only(world: World) -> None:
    _client(world.alice).get(reverse("customers:detail", kwargs={"pk": world.customer.pk}))
    entry = AccessLogEntry.objects.get()
    entry.action = "export"
    with pytest.raises(RuntimeError):
        entry.save()


def test_manager_sees_entries_about_his_teams_customers_only(world: World) -> None:
    other = make_customer(owner=world.charlie, team=world.south, name="South Ltd")
    _client(world.alice).get(reverse("customers:detail", kwargs={"pk": world.customer.pk}))
    _client(world.charlie).get(reverse("customers:detail", kwargs={"pk": other.pk}))
    page = _client(world.manager).get(reverse("privacy:access-log"))
    assert f"#{world.customer.pk}".encode() in page.content
    assert f"#{other.pk}<".encode() not in page.content
    admin_page = _client(world.admin).get(reverse("privacy:access-log"), {"username": "charlie"})
    assert f"#{other.pk}<".encode() in admin_page.content
    assert f"#{world.customer.pk}<".encode() not in admin_page.content
    export = _client(world.admin).get(reverse("privacy:access-log-export"))
    lines = b"".join(export.streaming_content).decode().splitlines()  # type: ignore[attr-defined]
    assert lines[0].startswith("occurred_at,user,action")
    assert len(lines) == 1 + 3  # header, two page views, and this export itself
