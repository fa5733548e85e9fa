"""Events, sources and signed webhook calls for the ingestion tests."""

import json
import time
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from conftest import World
from customers.models import Customer
from interactions.ingest import services, signing
from interactions.ingest.models import WebhookSource
from tests.factories import make_customer

ALICES_REF = "C-100"  # world.customer, alice's
CHARLIES_REF = "C-200"  # a customer of team South


def give_refs(world: World) -> Customer:
    """world.customer gets ALICES_REF; a customer of charlie's gets CHARLIES_REF."""
    Customer.objects.filter(pk=world.customer.pk).update(external_ref=ALICES_REF)
    return make_customer(
        owner=world.charlie, team=world.south, name="Dalia", external_ref=CHARLIES_REF
    )


def integration_client() -> APIClient:
    """An API client authenticated as an integration user, by token as in production."""
    _user, key = services.integration_user_ensure(username="shop-sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def _base(kind: str, key: str, ref: str, source: str) -> dict[str, Any]:
    return {"type": kind, "source": source, "idempotency_key": key, "customer_ref": ref}


def interaction(
    key: str, ref: str = ALICES_REF, source: str = "shop", **extra: Any
) -> dict[str, Any]:
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    return {
        **_base("interaction", key, ref, source),
        "channel": "email",
        "direction": "in",
        "occurred_at": when,
        "subject": f"Message {key}",
        **extra,
    }


def order(key: str, ref: str = ALICES_REF, source: str = "shop", **extra: Any) -> dict[str, Any]:
    return {
        **_base("order", key, ref, source),
        "ordered_on": timezone.localdate().isoformat(),
        "amount_cents": 4_990,
        "external_ref": f"SO-{key}",
        "lines": [{"product": "Tea", "quantity": 2, "unit_price_cents": 2_495}],
        **extra,
    }


def activity(key: str, ref: str = ALICES_REF, source: str = "app", **extra: Any) -> dict[str, Any]:
    return {
        **_base("activity", key, ref, source),
        "occurred_at": (timezone.now() - timedelta(minutes=10)).isoformat(),
        "logins": 1,
        "page_views": 3,
        "seconds_active": 120,
        **extra,
    }


def survey(
    key: str, ref: str = ALICES_REF, source: str = "survey-tool", **extra: Any
) -> dict[str, Any]:
    return {
        **_base("survey", key, ref, source),
        "kind": "nps",
        "score": 9,
        "responded_at": (timezone.now() - timedelta(days=1)).isoformat(),
        **extra,
    }


def mixed_batch(size: int, prefix: str = "k") -> list[dict[str, Any]]:
    """``size`` events, the four types in turn."""
    makers = (interaction, order, activity, survey)
    return [makers[i % 4](f"{prefix}{i}") for i in range(size)]


def make_source(kind: str = WebhookSource.Kind.SHOP_ORDERS, slug: str = "shop") -> WebhookSource:
    return WebhookSource.objects.create(
        name=slug.title(), slug=slug, kind=kind, secret=signing.secret_generate()
    )


def signed_post(
    source: WebhookSource,
    payload: Any,
    *,
    timestamp: int | None = None,
    body: bytes | None = None,
    secret: str | None = None,
    client: Client | None = None,
    slug: str | None = None,
) -> Any:
    """POST ``payload`` to the source's webhook, signed as a sender would."""
    body = json.dumps(payload).encode() if body is None else body
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signature = signing.signature_for(secret=secret or source.secret, timestamp=stamp, body=body)
    return (client or Client()).post(
        f"/webhooks/{slug or source.slug}/",
        data=body,
        content_type="application/json",
        headers={signing.TIMESTAMP_HEADER: stamp, signing.SIGNATURE_HEADER: signature},
    )


def shop_payload(number: str = "1001", ref: str = ALICES_REF, **extra: Any) -> dict[str, Any]:
    return {
        "delivery_id": f"evt-{number}",
        "order": {
            "number": number,
            "customer_ref": ref,
            "ordered_on": timezone.localdate().isoformat(),
            "amount_cents": 12_000,
            "currency": "eur",
            "status": "paid",
            "lines": [{"product": "Kettle", "quantity": 1, "unit_price_cents": 12_000}],
            **extra,
        },
    }


def email_payload(ref: str = ALICES_REF) -> dict[str, Any]:
    when = (timezone.now() - timedelta(minutes=30)).isoformat()
    events = [
        {"id": "m-1", "type": "open", "customer_ref": ref, "campaign": "Spring sale"},
        {
            "id": "m-2",
            "type": "click",
            "customer_ref": ref,
            "campaign": "Spring sale",
            "url": "https://shop.example.com/tea",
        },
        {"id": "m-3", "type": "bounce", "customer_ref": ref, "campaign": "Winter news"},
        {"id": "m-4", "type": "unsubscribe", "customer_ref": ref, "campaign": "Winter news"},
    ]
    return {"events": [{**e, "occurred_at": when} for e in events]}


def ticket_payload(ticket_id: str = "T-42", ref: str = ALICES_REF, **extra: Any) -> dict[str, Any]:
    return {
        "ticket": {
            "id": ticket_id,
            "customer_ref": ref,
            "subject": "Parcel arrived broken",
            "description": "The kettle's lid is cracked.",
            "priority": "urgent",
            "category": "delivery",
            "created_at": (timezone.now() - timedelta(hours=2)).isoformat(),
            **extra,
        }
    }
