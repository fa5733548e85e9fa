"""Reads for the integrations page. Callers hold ``ingest.manage_integrations``."""

from django.shortcuts import get_object_or_404

from interactions.ingest.models import WebhookDelivery, WebhookRejection, WebhookSource

RECENT_ROWS = 50  # the page shows the latest deliveries and rejections, newest first


def webhook_source_list() -> list[WebhookSource]:
    return list(WebhookSource.objects.order_by("name", "id"))


def webhook_source_get(*, source_id: int) -> WebhookSource:
    return get_object_or_404(WebhookSource, pk=source_id)


def webhook_delivery_get(*, delivery_id: int) -> WebhookDelivery:
    return get_object_or_404(WebhookDelivery.objects.select_related("source"), pk=delivery_id)


def webhook_delivery_recent(*, limit: int = RECENT_ROWS) -> list[WebhookDelivery]:
    return list(
        WebhookDelivery.objects.select_related("source").order_by("-received_at", "-id")[:limit]
    )


def webhook_rejection_recent(*, limit: int = RECENT_ROWS) -> list[WebhookRejection]:
    return list(
        WebhookRejection.objects.select_related("source").order_by("-received_at", "-id")[:limit]
    )
