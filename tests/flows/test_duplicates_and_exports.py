from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from crm.audit.models import AuditEntry
from customers.models import Customer
from customers.selectors import duplicate_candidates_for_user
from interactions import services
from interactions.models import ActivityDaily, Interaction, Order
from tests.factories import make_customer


def test_duplicates_found_by_name_and_mailbox_within_the_users_reach(world: World) -> None:
    make_customer(
        owner=world.alice, team=world.north, name="petraitė  aldona", emails=["x@example.lt"]
    )
    make_customer(
        owner=world.alice, team=world.north, name="Jonas", emails=["jo.nas+shop@gmail.com"]
    )
    make_customer(
        owner=world.alice, team=world.north, name="J. Jonaitis", emails=["jonas@gmail.com"]
    )
    make_customer(
        owner=world.charlie, team=world.south, name="Aldona Petraite", emails=["s@example.lt"]
    )
    reasons = sorted(
        (p.first.name, p.second.name, p.reason)
        for p in duplicate_candidates_for_user(user=world.manager)
    )
    assert reasons == [
        ("Aldona Petraitė", "petraitė  aldona", "same name"),
        ("Jonas", "J. Jonaitis", "same mailbox"),
    ]


def test_merge_moves_history_and_sums_activity(world: World) -> None:
    other = make_customer(
        owner=world.alice,
        team=world.north,
        name="Aldona P.",
        emails=["other@example.lt"],
        phones=["+37061111111"],
    )
    services.interaction_log(
        customer=other, acting_user=world.alice, channel="call", direction="in", subject="hello"
    )
    services.order_record(
        customer=other, acting_user=world.alice, ordered_on=timezone.localdate(), amount_cents=500
    )
    today = timezone.localdate()
    ActivityDaily.objects.create(
        customer=world.customer, day=today, logins=1, page_views=2, seconds_active=30
    )
    ActivityDaily.objects.create(
        customer=other, day=today, logins=2, page_views=3, seconds_active=40
    )
    ActivityDaily.objects.create(customer=other, day=today - timedelta(days=1), logins=1)
    client = Client()
    client.force_login(world.manager)
    response = client.post(
        f"/history/duplicates/{world.customer.pk}/{other.pk}/", {"survivor": world.customer.pk}
    )
    assert response.status_code == 302
    assert not Customer.objects.filter(pk=other.pk).exists()
    assert Interaction.objects.filter(customer=world.customer, subject="hello").exists()
    assert Order.objects.filter(customer=world.customer).count() == 2
    merged_day = ActivityDaily.objects.get(customer=world.customer, day=today)
    assert (merged_day.logins, merged_day.page_views, merged_day.seconds_active) == (3, 5, 70)
    survivor = Customer.objects.get(pk=world.customer.pk)
    assert set(survivor.emails.values_list("email", flat=True)) == {
        "aldona@example.lt",
        "other@example.lt",
    }
    assert survivor.primary_phone == "+37061111111"
    assert AuditEntry.objects.filter(object_id=str(survivor.pk), changes__has_key="merged").exists()


def test_merge_needs_change_rights_on_both(world: World) -> None:
    southern = make_customer(owner=world.charlie, team=world.south, name="Southern")
    client = Client()
    client.force_login(world.manager)
    assert client.post(f"/history/duplicates/{world.customer.pk}/{southern.pk}/").status_code == 404
    assert Customer.objects.filter(pk=southern.pk).exists()


def test_customer_export_is_scoped_filtered_and_formula_safe(world: World) -> None:
    make_customer(
        owner=world.alice, team=world.north, name="=cmd|' /C calc'!A0", emails=["evil@example.com"]
    )
    make_customer(owner=world.charlie, team=world.south, name="Southern")
    client = Client()
    client.force_login(world.alice)
    body = _streamed(client.get("/customers/export.csv?sort=name")).decode()
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,external_ref")
    assert len(lines) == 3  # header + alice's two; charlie's customer is not hers to see
    assert "'=cmd" in body
    assert "Southern" not in body
    filtered = _streamed(client.get("/customers/export.csv?q=aldona")).decode()
    assert len(filtered.strip().splitlines()) == 2


def _streamed(response: object) -> bytes:
    from django.http import StreamingHttpResponse

    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content)  # type: ignore[arg-type]


def test_similar_names_pair_by_trigram_on_postgresql(world: World) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("trigram similarity needs PostgreSQL's pg_trgm (SQLite pairs exact names only)")
    make_customer(
        owner=world.alice, team=world.north, name="Jonas Jonaitis", emails=["j1@example.lt"]
    )
    make_customer(
        owner=world.alice, team=world.north, name="Jonas Jonaitys", emails=["j2@example.lt"]
    )
    make_customer(
        owner=world.alice, team=world.north, name="Petras Petraitis", emails=["p@example.lt"]
    )
    pairs = {
        (p.first.name, p.second.name, p.reason)
        for p in duplicate_candidates_for_user(user=world.manager)
    }
    assert ("Jonas Jonaitis", "Jonas Jonaitys", "similar name") in pairs
    assert not any("Petras" in a or "Petras" in b for a, b, _r in pairs)
