"""POST /webhooks/<slug>/: signatures, the replay window, refusals kept for admins, and
redeliveries that change nothing."""

import json
import time

import pytest
from django.test import Client

from conftest import World
from interactions.ingest import signing
from interactions.ingest.models import WebhookDelivery, WebhookRejection, WebhookSource
from interactions.ingest.tests import factories as f
from interactions.models import Order


@pytest.fixture
def shop(world: World) -> WebhookSource:
    f.give_refs(world)
    return f.make_source(WebhookSource.Kind.SHOP_ORDERS, slug="shop")


def _rejection() -> WebhookRejection:
    return WebhookRejection.objects.get()


def test_valid_signature_is_accepted_stored_and_processed(
    shop: WebhookSource, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = f.signed_post(shop, f.shop_payload("1001"))

    assert response.status_code == 202
    assert response.json() == {"status": "accepted", "delivery_id": "evt-1001", "duplicate": False}
    assert len(callbacks) == 1  # the processing task, enqueued once committed
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.PROCESSED
    assert delivery.result["order"] == {"created": 1, "duplicate": 0}
    assert Order.objects.filter(external_ref="1001", source="webhook").exists()
    assert not WebhookRejection.objects.exists()


def test_tampered_body_is_refused_with_401(shop: WebhookSource) -> None:
    body = json.dumps(f.shop_payload("1001")).encode()
    stamp = str(int(time.time()))
    signature = signing.signature_for(secret=shop.secret, timestamp=stamp, body=body)
    tampered = body.replace(b"12000", b"1")

    response = Client().post(
        "/webhooks/shop/",
        data=tampered,
        content_type="application/json",
        headers={signing.TIMESTAMP_HEADER: stamp, signing.SIGNATURE_HEADER: signature},
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 401
    assert response.json()["error"] == "bad_signature"
    assert not WebhookDelivery.objects.exists()
    rejection = _rejection()
    assert (rejection.source, rejection.reason, rejection.remote_addr) == (
        shop,
        "bad_signature",
        "203.0.113.9",
    )
    assert rejection.body_excerpt == tampered.decode()
    assert shop.secret not in rejection.detail + rejection.body_excerpt
    assert signature not in rejection.detail + rejection.body_excerpt


def test_wrong_secret_is_refused_with_401(shop: WebhookSource) -> None:
    response = f.signed_post(shop, f.shop_payload(), secret="not-the-secret")

    assert response.status_code == 401
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("age_seconds", [signing.REPLAY_WINDOW_SECONDS + 5, -400])
def test_timestamp_outside_the_replay_window_is_refused_with_401(
    shop: WebhookSource, age_seconds: int
) -> None:
    response = f.signed_post(shop, f.shop_payload(), timestamp=int(time.time()) - age_seconds)

    assert response.status_code == 401
    assert response.json()["error"] == "stale_timestamp"
    assert _rejection().reason == "stale_timestamp"
    assert not WebhookDelivery.objects.exists()


def test_unknown_slug_is_refused_with_404_and_kept(shop: WebhookSource) -> None:
    response = f.signed_post(shop, f.shop_payload(), slug="nobody")

    assert response.status_code == 404
    rejection = _rejection()
    assert (rejection.source, rejection.slug, rejection.reason) == (
        None,
        "nobody",
        "unknown_source",
    )


def test_inactive_source_is_refused_with_404(shop: WebhookSource) -> None:
    WebhookSource.objects.filter(pk=shop.pk).update(is_active=False)

    assert f.signed_post(shop, f.shop_payload()).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {signing.TIMESTAMP_HEADER: "yesterday", signing.SIGNATURE_HEADER: "sha256=" + "0" * 64},
        {signing.TIMESTAMP_HEADER: "1700000000", signing.SIGNATURE_HEADER: "md5=abc"},
        {signing.TIMESTAMP_HEADER: "1700000000"},
    ],
)
def test_missing_or_malformed_headers_are_refused_with_400(
    shop: WebhookSource, headers: dict[str, str]
) -> None:
    response = Client().post(
        "/webhooks/shop/", data=b"{}", content_type="application/json", headers=headers
    )

    assert response.status_code == 400
    assert response.json()["error"] == "bad_headers"
    assert _rejection().reason == "bad_headers"


def test_body_that_is_not_json_is_refused_with_422_and_kept(shop: WebhookSource) -> None:
    response = f.signed_post(shop, None, body=b"order=1001&paid=yes")

    assert response.status_code == 422
    assert response.json()["error"] == "not_json"
    rejection = _rejection()
    assert (rejection.source, rejection.reason, rejection.body_excerpt) == (
        shop,
        "not_json",
        "order=1001&paid=yes",
    )
    assert not WebhookDelivery.objects.exists()


def test_payload_not_matching_the_kind_is_refused_with_422_naming_the_fields(
    shop: WebhookSource,
) -> None:
    payload = f.shop_payload()
    del payload["order"]["amount_cents"]

    response = f.signed_post(shop, payload)

    assert response.status_code == 422
    assert response.json()["detail"] == {"order": {"amount_cents": ["This field is required."]}}
    assert "amount_cents" in _rejection().detail


def test_body_excerpt_is_cut_at_10_kb_and_holds_no_nul(shop: WebhookSource) -> None:
    f.signed_post(shop, None, body=b"\x00" + b"x" * 20_000)

    excerpt = _rejection().body_excerpt
    assert len(excerpt.encode()) <= 10 * 1024 + 2
    assert "\x00" not in excerpt


def test_redelivery_is_accepted_but_stores_and_processes_nothing(
    shop: WebhookSource, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        f.signed_post(shop, f.shop_payload("1001"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = f.signed_post(shop, f.shop_payload("1001"))

    assert response.status_code == 202
    assert response.json()["duplicate"] is True
    assert callbacks == []
    assert WebhookDelivery.objects.count() == 1
    assert Order.objects.filter(external_ref="1001").count() == 1


def test_payload_without_delivery_id_is_known_by_its_body_hash(shop: WebhookSource) -> None:
    payload = f.shop_payload("1002")
    del payload["delivery_id"]

    first = f.signed_post(shop, payload)
    second = f.signed_post(shop, payload)

    assert first.json()["delivery_id"] == second.json()["delivery_id"]
    assert len(first.json()["delivery_id"]) == 64
    assert second.json()["duplicate"] is True


def test_get_is_not_allowed(shop: WebhookSource) -> None:
    assert Client().get("/webhooks/shop/").status_code == 405


def test_logged_in_session_gives_no_access(shop: WebhookSource, world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)

    response = client.post("/webhooks/shop/", data=b"{}", content_type="application/json")

    assert response.status_code == 400  # not 403 for CSRF, and no pass for the session
    assert not WebhookDelivery.objects.exists()
