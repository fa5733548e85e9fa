"""Reads for ingestion and for the integrations page (whose callers hold
``ingest.manage_integrations``)."""

import json
from collections.abc import Collection

from django.db import connection
from django.db.models.expressions import RawSQL
from django.shortcuts import get_object_or_404

from customers.models import Customer
from interactions.ingest.models import WebhookDelivery, WebhookRejection, WebhookSource

RECENT_ROWS = 50  # the page shows the latest deliveries and rejections, newest first


def customer_ids_by_ref(*, refs: Collection[str]) -> dict[str, int]:
    """{external_ref: id} of the customers with these references, in one query. On
    PostgreSQL the references travel as one JSON array: 5,000 placeholders would cost the
    driver more than the query costs the server."""
    customers = Customer.objects.all()
    if connection.vendor == "postgresql":
        wanted = RawSQL("SELECT json_array_elements_text(%s::json)", [json.dumps(sorted(refs))])
        customers = customers.filter(external_ref__in=wanted)
    else:
        customers = customers.filter(external_ref__in=refs)
    return dict(customers.values_list("external_ref", "id"))


def webhook_source_list() -> list[WebhookSource]:
    return list(WebhookSource.objects.defer("secret").order_by("name", "id"))


def webhook_source_get(*, source_id: int) -> WebhookSource:
    return get_object_or_404(WebhookSource, pk=source_id)


def webhook_delivery_get(*, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("source"), pk=delivery_id)


def webhook_delivery_recent(*, limit: int = RECENT_ROWS) -> list[WebhookDelivery]:
    return list(
        WebhookDelivery.objects.select_related("source")
        .defer("body", "source__secret")  # bodies can be large; the page shows none
        .order_by("-received_at", "-id")[:limit]
    )


def webhook_rejection_recent(*, limit: int = RECENT_ROWS) -> list[WebhookRejection]:
    return list(
        WebhookRejection.objects.select_related("source")
        .defer("source__secret")
        .order_by("-received_at", "-id")[:limit]
    )
