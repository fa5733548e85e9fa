"""POST /api/v1/events/: validation of the whole batch, idempotency, activity folding,
set-based writes and who may call it."""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import World
from interactions.ingest.models import ProcessedEvent
from interactions.ingest.tests import factories as f
from interactions.models import ActivityDaily, Interaction, Order, OrderLine, SurveyResponse

URL = "/api/v1/events/"


@pytest.fixture
def client(world: World) -> APIClient:
    f.give_refs(world)
    return f.integration_client()


def _table_sizes() -> dict[str, int]:
    return {
        "interactions": Interaction.objects.count(),
        "orders": Order.objects.count(),
        "lines": OrderLine.objects.count(),
        "surveys": SurveyResponse.objects.count(),
        "activity": ActivityDaily.objects.count(),
        "keys": ProcessedEvent.objects.count(),
    }


def test_batch_stores_every_type_and_reports_counts(client: APIClient, world: World) -> None:
    response = client.post(URL, {"events": f.mixed_batch(8)}, format="json")

    assert response.status_code == 200, response.json()
    both = {"created": 2, "duplicate": 0}
    assert response.json() == {"interaction": both, "order": both, "activity": both, "survey": both}
    created = Interaction.objects.get(idempotency_key="shop:k0")
    assert (created.customer_id, created.source, created.subject) == (
        world.customer.pk,
        "api",
        "Message k0",
    )
    order = Order.objects.get(idempotency_key="shop:k1")
    assert order.external_ref == "SO-k1"
    assert [(line.product, line.quantity) for line in order.lines.all()] == [("Tea", 2)]
    assert SurveyResponse.objects.get(idempotency_key="survey-tool:k3").score == 9


def test_one_bad_item_writes_nothing_and_names_index_and_field(client: APIClient) -> None:
    before = _table_sizes()
    events = f.mixed_batch(6)
    events[4] = f.interaction("bad", channel="pigeon")
    events[5]["amount_cents"] = -1  # an order

    response = client.post(URL, {"events": events}, format="json")

    assert response.status_code == 400
    errors = response.json()["events"]
    assert set(errors) == {"4", "5"}
    assert "channel" in errors["4"]
    assert "amount_cents" in errors["5"]
    assert _table_sizes() == before


def test_unknown_customer_ref_is_an_item_error_and_writes_nothing(client: APIClient) -> None:
    before = _table_sizes()
    events = [*f.mixed_batch(4), f.activity("stranger", ref="NOPE")]

    response = client.post(URL, {"events": events}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "events": {"4": {"customer_ref": ["No customer has this reference."]}}
    }
    assert _table_sizes() == before


def test_business_rules_are_item_errors(client: APIClient) -> None:
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    events = [
        f.interaction("future", occurred_at=tomorrow),
        f.survey("csat", kind="csat", score=9),
        f.interaction("fine"),
    ]

    response = client.post(URL, {"events": events}, format="json")

    assert response.status_code == 400
    errors = response.json()["events"]
    assert set(errors) == {"0", "1"}
    assert "occurred_at" in errors["0"]
    assert "score" in errors["1"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": []}, "events"),
        ({"events": [{"type": "telepathy"}]}, "type"),
        ({"events": [f"{'not an object'}"]}, "non_field_errors"),
    ],
)
def test_malformed_batches_are_refused(client: APIClient, body: dict[str, Any], field: str) -> None:
    response = client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in str(response.json())


def test_batch_over_the_limit_is_refused_before_its_items_are_read(client: APIClient) -> None:
    response = client.post(URL, {"events": [{}] * 5_001}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["events"]
    assert "5000" in str(response.json()["events"])


def test_retried_batch_reports_duplicates_and_changes_nothing(client: APIClient) -> None:
    events = f.mixed_batch(12)
    first = client.post(URL, {"events": events}, format="json")
    after_first = _table_sizes()
    activity_before = list(ActivityDaily.objects.values_list("logins", "page_views"))

    second = client.post(URL, {"events": events}, format="json")

    assert first.status_code == second.status_code == 200
    assert all(c["duplicate"] == 0 for c in first.json().values())
    assert second.json() == {
        t: {"created": 0, "duplicate": 3} for t in ("interaction", "order", "activity", "survey")
    }
    assert _table_sizes() == after_first
    assert list(ActivityDaily.objects.values_list("logins", "page_views")) == activity_before


def test_a_key_repeated_within_a_batch_counts_once(client: APIClient) -> None:
    events = [f.interaction("same"), f.interaction("same"), f.activity("a"), f.activity("a")]

    response = client.post(URL, {"events": events}, format="json")

    assert response.json()["interaction"] == {"created": 1, "duplicate": 1}
    assert response.json()["activity"] == {"created": 1, "duplicate": 1}
    assert ActivityDaily.objects.get().logins == 1


def test_keys_are_per_source(client: APIClient) -> None:
    events = [f.interaction("1", source="shop"), f.interaction("1", source="helpdesk")]

    response = client.post(URL, {"events": events}, format="json")

    assert response.json()["interaction"] == {"created": 2, "duplicate": 0}


def test_a_known_order_number_is_a_duplicate_whatever_its_key(client: APIClient) -> None:
    client.post(URL, {"events": [f.order("a", external_ref="SO-1")]}, format="json")

    response = client.post(URL, {"events": [f.order("b", external_ref="SO-1")]}, format="json")

    assert response.json()["order"] == {"created": 0, "duplicate": 1}
    assert Order.objects.filter(external_ref="SO-1").count() == 1


def test_activity_of_one_day_adds_up_and_a_retry_is_not_counted_twice(
    client: APIClient, world: World
) -> None:
    yesterday = timezone.localdate() - timedelta(days=1)
    morning = timezone.make_aware(datetime.combine(yesterday, time(9)))
    first = f.activity("visit-1", occurred_at=morning.isoformat(), page_views=4)
    second = f.activity("visit-2", occurred_at=(morning + timedelta(hours=2)).isoformat())
    other_day = f.activity("visit-3", occurred_at=(morning - timedelta(days=1)).isoformat())

    client.post(URL, {"events": [first, other_day]}, format="json")
    client.post(URL, {"events": [second]}, format="json")
    retry = client.post(URL, {"events": [first, second]}, format="json")

    assert retry.json()["activity"] == {"created": 0, "duplicate": 2}, retry.json()
    day = ActivityDaily.objects.get(customer=world.customer, day=morning.date())
    assert (day.logins, day.page_views, day.seconds_active) == (2, 7, 240)
    assert ActivityDaily.objects.filter(customer=world.customer).count() == 2


def _queries_for(client: APIClient, size: int, prefix: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, {"events": f.mixed_batch(size, prefix)}, format="json")
    assert response.status_code == 200, response.json()
    return len(captured.captured_queries)


def test_query_count_does_not_grow_with_the_batch(client: APIClient) -> None:
    """Set-based: one statement per event type (and one for order lines), whatever the
    size. (SQLite takes at most 999 parameters a statement; sizes here stay below.)"""
    small = _queries_for(client, 4, "small")
    large = _queries_for(client, 56, "large")

    # Token and user; the user's and groups' permissions; savepoint and release; customers;
    # interactions; orders and their lines; activity keys and upsert; surveys; the customers'
    # "history changed" mark and the check for silences to end.
    assert small == large == 14


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "manager"])
def test_only_holders_of_the_capability_may_ingest(world: World, persona: str) -> None:
    f.give_refs(world)
    client = APIClient()
    client.force_authenticate(getattr(world, persona))

    response = client.post(URL, {"events": f.mixed_batch(4)}, format="json")

    assert response.status_code == 403
    assert Interaction.objects.filter(source="api").count() == 0


def test_admin_may_ingest_and_anonymous_may_not(world: World) -> None:
    f.give_refs(world)
    admin = APIClient()
    admin.force_authenticate(world.admin)

    assert admin.post(URL, {"events": f.mixed_batch(4)}, format="json").status_code == 200
    assert APIClient().post(URL, {"events": f.mixed_batch(4)}, format="json").status_code == 403
