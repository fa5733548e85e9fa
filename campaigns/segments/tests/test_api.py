"""Segments API: the same doors as the pages."""

from typing import Any

from rest_framework.test import APIClient

from campaigns.models import Segment
from campaigns.segments.tests.conftest import Base
from campaigns.segments.tests.factories import make_cluster, make_segment
from conftest import World

SILENT = {"match": "all", "conditions": [{"field": "is_silent", "op": "is", "value": True}]}


def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_list_detail_update_delete(base: Base) -> None:
    alice = _api(base.world.alice)
    created = alice.post("/api/v1/segments/", {"name": "Silent", "rules": SILENT}, format="json")
    assert created.status_code == 201, created.data
    pk = created.data["id"]
    assert [s["name"] for s in alice.get("/api/v1/segments/").data] == ["Silent"]
    detail = alice.get(f"/api/v1/segments/{pk}/").data
    assert detail["member_count"] == 1
    updated = alice.put(f"/api/v1/segments/{pk}/", {"name": "All", "rules": {}}, format="json")
    assert updated.data["member_count"] == 4
    assert _api(base.world.charlie).delete(f"/api/v1/segments/{pk}/").status_code == 403
    assert alice.delete(f"/api/v1/segments/{pk}/").status_code == 204
    assert not Segment.objects.exists()


def test_bad_rules_are_a_400_naming_the_condition(world: World) -> None:
    rules = {"conditions": [{"field": "stage", "op": "gt", "value": 1}]}
    response = _api(world.alice).post("/api/v1/segments/count/", {"rules": rules}, format="json")
    assert response.status_code == 400
    assert "Condition 1 (stage)" in str(response.data)
    response = _api(world.alice).post(
        "/api/v1/segments/", {"name": "x", "rules": rules}, format="json"
    )
    assert response.status_code == 400


def test_count_is_scoped(base: Base) -> None:
    body = {"rules": {"conditions": [{"field": "order_count", "op": "gte", "value": 1}]}}
    assert _api(base.world.alice).post("/api/v1/segments/count/", body, format="json").data == {
        "count": 2
    }
    assert _api(base.world.admin).post("/api/v1/segments/count/", body, format="json").data == {
        "count": 3
    }


def test_members_are_keyset_paginated(
    base: Base, settings: Any, django_assert_max_num_queries: Any
) -> None:
    settings.CUSTOMER_PAGE_SIZE = 2
    segment = make_segment(base.world.manager)
    api = _api(base.world.admin)
    first = api.get(f"/api/v1/segments/{segment.pk}/members/")
    assert len(first.data["results"]) == 2
    with django_assert_max_num_queries(6):
        second = api.get(first.data["next"])
    names = [r["name"] for r in first.data["results"] + second.data["results"]]
    assert names == sorted(names)
    assert api.get(f"/api/v1/segments/{segment.pk}/members/?cursor=junk").status_code == 400


def test_customer_list_api_accepts_a_segment(base: Base) -> None:
    segment = make_segment(base.world.manager, rules=SILENT)
    api = _api(base.world.alice)
    names = [c["name"] for c in api.get(f"/api/v1/customers/?segment={segment.pk}").data["results"]]
    assert names == ["Lapsed"]
    assert api.get("/api/v1/customers/?segment=abc").status_code == 400


def test_suggestions_and_save(world: World) -> None:
    cluster = make_cluster(members=(world.customer,))
    listed = _api(world.bob).get("/api/v1/segments/suggested/").data
    assert [c["label"] for c in listed] == [cluster.label]
    url = f"/api/v1/segments/suggested/{cluster.pk}/save/"
    assert _api(world.bob).post(url).status_code == 403
    saved = _api(world.alice).post(url)
    assert saved.status_code == 201
    assert saved.data["rules"]["conditions"][0]["value"] == [cluster.pk]
