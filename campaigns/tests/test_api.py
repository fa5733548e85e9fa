"""Campaign, message-template, coupon and settings API."""

from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from campaigns.models import Campaign, CampaignSend, MessageTemplate
from campaigns.tests.factories import (
    EVERYONE_RULES,
    add_send,
    make_coupon,
    make_draft,
    make_segment,
    make_template,
)
from conftest import World
from interactions.models import Order


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_create_update_and_read_a_campaign(world: World) -> None:
    segment, template = make_segment(), make_template(world.manager)
    api = _api(world.manager)
    body = {
        "name": "API win-back",
        "channel": "email",
        "segment": segment.pk,
        "template": template.pk,
        "coupon_percent": 10,
    }
    created = api.post("/api/v1/campaigns/", body, format="json")
    assert created.status_code == 201, created.json()
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["segment_name"] == segment.name
    changed = api.put(
        f"/api/v1/campaigns/{campaign_id}/", {**body, "control_percent": 95}, format="json"
    )
    assert changed.status_code == 400
    assert "control_percent" in changed.json()
    changed = api.put(
        f"/api/v1/campaigns/{campaign_id}/", {**body, "control_percent": 20}, format="json"
    )
    assert changed.json()["control_percent"] == 20
    assert _api(world.alice).get(f"/api/v1/campaigns/{campaign_id}/").status_code == 200


def test_campaign_list_pages_with_constant_queries(
    world: World, django_assert_max_num_queries
) -> None:
    api = _api(world.alice)
    make_draft(world.manager, name="First")
    with django_assert_max_num_queries(6) as few:
        api.get("/api/v1/campaigns/")
    for n in range(5):
        make_draft(world.manager, name=f"More {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = api.get("/api/v1/campaigns/").json()
    assert len(page["results"]) == 6
    assert page["next_cursor"] is None
    assert api.get("/api/v1/campaigns/?cursor=nonsense").status_code == 400


def test_cancel_duplicate_progress_and_preview(world: World) -> None:
    campaign = make_draft(world.manager, segment=make_segment(rules=EVERYONE_RULES))
    add_send(campaign, world.customer, CampaignSend.State.HELD, held_reason="no consent")
    api = _api(world.manager)
    progress = api.get(f"/api/v1/campaigns/{campaign.pk}/progress/").json()
    assert progress["counts"]["held"] == 1
    assert progress["status"] == "draft"
    preview = api.get(f"/api/v1/campaigns/{campaign.pk}/preview/?customer={world.customer.pk}")
    assert preview.status_code == 200, preview.json()
    assert set(preview.json()) >= {"subject", "body", "missing", "held_reasons", "would_send"}
    assert (
        _api(world.charlie)
        .get(f"/api/v1/campaigns/{campaign.pk}/preview/?customer={world.customer.pk}")
        .status_code
        == 404
    )
    copy = api.post(f"/api/v1/campaigns/{campaign.pk}/duplicate/")
    assert copy.status_code == 201
    assert copy.json()["name"] == "Copy of Spring win-back"
    cancelled = api.post(f"/api/v1/campaigns/{campaign.pk}/cancel/")
    assert cancelled.json()["status"] == Campaign.Status.CANCELLED
    assert api.post(f"/api/v1/campaigns/{campaign.pk}/cancel/").status_code == 400


def test_templates_api_validates_every_language(world: World) -> None:
    api = _api(world.manager)
    body: dict[str, Any] = {
        "name": "API template",
        "channel": "email",
        "variants": {
            "en": {"subject": "Hi {{ first_name }}", "body": "Hello {{ first_name }}"},
            "el": {"subject": "Γεια", "body": "Γεια σας {{ onoma }}"},
        },
    }
    refused = api.post("/api/v1/message-templates/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["el"][0].startswith("Greek: ")
    body["variants"]["el"]["body"] = "Γεια σας, {{ first_name }}"
    created = api.post("/api/v1/message-templates/", body, format="json")
    assert created.status_code == 201
    assert set(created.json()["variants"]) == {"en", "el"}
    template_id = created.json()["id"]
    unknown = {**body, "variants": {"fr": {"subject": "Salut", "body": "Bonjour"}}}
    assert (
        api.put(f"/api/v1/message-templates/{template_id}/", unknown, format="json").status_code
        == 400
    )
    assert MessageTemplate.objects.get(pk=template_id).variants.count() == 2
    listed = api.get("/api/v1/message-templates/?channel=email").json()
    assert [t["name"] for t in listed] == ["API template"]


def test_coupon_order_api_is_one_transaction(world: World) -> None:
    make_coupon(None, world.customer, "GOOD234567", percent=10, value_cents=None)
    api = _api(world.alice)
    orders = Order.objects.count()
    body = {
        "customer": world.customer.pk,
        "code": "BAD2345678",
        "ordered_on": timezone.localdate().isoformat(),
        "amount_cents": 10_000,
    }
    assert api.post("/api/v1/coupons/orders/", body, format="json").status_code == 400
    assert Order.objects.count() == orders
    done = api.post("/api/v1/coupons/orders/", {**body, "code": "GOOD234567"}, format="json")
    assert done.status_code == 201
    assert done.json()["discount_cents"] == 1_000
    assert done.json()["order_amount_cents"] == 10_000
    listed = api.get(f"/api/v1/coupons/?customer={world.customer.pk}").json()
    assert [c["code"] for c in listed["results"]] == ["GOOD234567"]
    assert _api(world.charlie).get("/api/v1/coupons/").json()["results"] == []


def test_settings_api_is_admin_only(world: World) -> None:
    body = {"max_messages": 4, "window_days": 10, "quiet_from_hour": 22, "quiet_until_hour": 7}
    assert (
        _api(world.manager).put("/api/v1/campaign-settings/", body, format="json").status_code
        == 403
    )
    saved = _api(world.admin).put("/api/v1/campaign-settings/", body, format="json")
    assert saved.json() == body
    assert _api(world.admin).get("/api/v1/campaign-settings/").json() == body


def test_schema_lists_the_campaign_api(world: World) -> None:
    response = APIClient()
    response.force_authenticate(world.alice)
    schema = response.get("/api/schema/")
    assert schema.status_code == 200
    for path in (b"/api/v1/campaigns/{campaign_id}/preview/", b"/api/v1/coupons/orders/"):
        assert path in schema.content
