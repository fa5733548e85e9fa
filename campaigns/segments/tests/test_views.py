"""Segment pages: list with lazy counts, the builder and its live preview, suggestions,
and the segment filter of the customer list."""

from typing import Any

from django.test import Client
from django.urls import reverse

from campaigns.models import Segment
from campaigns.segments.tests.conftest import Base
from campaigns.segments.tests.factories import make_cluster, make_segment
from conftest import World

SILENT = {"match": "all", "conditions": [{"field": "is_silent", "op": "is", "value": True}]}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_queries_do_not_grow_with_segments(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = _client(world.alice)
    make_segment(world.alice)
    client.get(reverse("campaigns:segment-list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("campaigns:segment-list"))
    for n in range(10):
        make_segment(world.manager, name=f"S{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("campaigns:segment-list"))
    assert response.status_code == 200
    assert b"hx-get" in response.content
    assert b"S9" in response.content


def test_row_count_is_scoped_to_the_viewer(base: Base) -> None:
    segment = make_segment(base.world.manager, rules=SILENT)
    url = reverse("campaigns:segment-count", args=[segment.pk])
    assert _client(base.world.alice).get(url).content.strip() == b"1"
    assert _client(base.world.charlie).get(url).content.strip() == b"0"


def test_preview_counts_and_lists_members(base: Base) -> None:
    data = {"match": "all", "c-3-field": "is_silent", "c-3-op": "is", "c-3-value": "true"}
    response = _client(base.world.alice).post(reverse("campaigns:segment-preview"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>1</strong>" in html
    assert "Lapsed" in html
    assert 'id="condition-error-3"' in html  # cleared next to its row


def test_preview_shows_the_error_next_to_its_condition(base: Base) -> None:
    data = {
        "c-1-field": "stage", "c-1-op": "in", "c-1-value": "active",
        "c-7-field": "order_count", "c-7-op": "gte", "c-7-value": "lots",
    }  # fmt: skip
    html = _client(base.world.alice).post(reverse("campaigns:segment-preview"), data).content
    text = html.decode()
    assert 'id="condition-error-7"' in text
    assert "Condition 2 (order_count): enter a whole number." in text
    assert "<strong>" not in text


def test_condition_row_fits_the_field(world: World) -> None:
    client = _client(world.alice)
    url = reverse("campaigns:segment-condition")
    number = client.get(url, {"index": "4", "c-4-field": "order_count"}).content.decode()
    assert 'type="number"' in number
    assert 'name="c-4-value"' in number
    stage = client.get(url, {"index": "2", "c-2-field": "stage"}).content.decode()
    assert "<select multiple" in stage
    assert 'value="lead"' in stage
    day = client.get(url, {"index": "2", "c-2-field": "last_order_on"}).content.decode()
    assert 'type="date"' in day
    added = client.get(url, {"add": "1", "c-1-field": "stage", "c-5-field": "tag"})
    assert 'name="c-6-field"' in added.content.decode()


def test_create_and_edit_through_the_builder(base: Base) -> None:
    client = _client(base.world.alice)
    data = {
        "name": "Silent",
        "match": "all",
        "c-1-field": "is_silent",
        "c-1-op": "is",
        "c-1-value": "true",
    }
    response = client.post(reverse("campaigns:segment-create"), data)
    segment = Segment.objects.get()
    assert response.status_code == 302
    assert segment.rules["conditions"] == [{"field": "is_silent", "op": "is", "value": True}]
    page = client.get(reverse("campaigns:segment-edit", args=[segment.pk]))
    assert b'id="condition-1"' in page.content
    data["c-1-value"] = "maybe"
    response = client.post(reverse("campaigns:segment-edit", args=[segment.pk]), data)
    assert response.status_code == 400
    assert b"choose yes or no" in response.content


def test_delete_refused_for_others(base: Base) -> None:
    segment = make_segment(base.world.manager)
    url = reverse("campaigns:segment-delete", args=[segment.pk])
    assert _client(base.world.alice).post(url).status_code == 403
    assert _client(base.world.manager).post(url).status_code == 302
    assert not Segment.objects.exists()


def test_suggestions_page_before_and_after_clustering(world: World) -> None:
    client = _client(world.alice)
    url = reverse("campaigns:segment-clusters")
    assert b"Not computed yet" in client.get(url).content
    cluster = make_cluster(members=(world.customer,))
    html = client.get(url).content.decode()
    assert "frequent high spenders gone quiet" in html
    assert "Save as segment" in html
    response = client.post(reverse("campaigns:segment-cluster-save", args=[cluster.pk]))
    assert response.status_code == 302
    assert Segment.objects.get().rules["conditions"][0]["field"] == "behaviour_cluster"


def test_customer_list_filters_by_segment(base: Base) -> None:
    segment = make_segment(base.world.manager, rules=SILENT)
    client = _client(base.world.alice)
    page = client.get(reverse("customers:list"), {"segment": segment.pk}).content.decode()
    assert "Lapsed" in page
    assert "Loyal" not in page
    assert f'<option value="{segment.pk}" selected>' in page
    assert (
        "Loyal" not in client.get(reverse("customers:list"), {"segment": "9999"}).content.decode()
    )
    export = client.get(reverse("customers:export"), {"segment": segment.pk})
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert "Lapsed" in body
    assert "Loyal" not in body
