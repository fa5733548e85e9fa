"""Ingestion from external systems: the event batch (``batch``), signed webhooks
(``webhooks``), and the sources and users behind them (``sources``)."""

from interactions.ingest.services.batch import events_ingest
from interactions.ingest.services.sources import (
    integration_user_ensure,
    webhook_source_create,
    webhook_source_rotate_secret,
    webhook_source_set_active,
)
from interactions.ingest.services.webhooks import (
    WebhookOutcome,
    ingest_records_prune,
    webhook_delivery_process,
    webhook_delivery_retry,
    webhook_receive,
)

__all__ = [
    "WebhookOutcome",
    "events_ingest",
    "ingest_records_prune",
    "integration_user_ensure",
    "webhook_delivery_process",
    "webhook_delivery_retry",
    "webhook_receive",
    "webhook_source_create",
    "webhook_source_rotate_secret",
    "webhook_source_set_active",
]
