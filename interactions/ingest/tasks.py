"""Celery entry points of the integrations: ids in, one service call, the retry policy."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from interactions.ingest import services

# A lost database connection is worth retrying (the claim rolled back with it); bad data
# is not, and the service records it on the delivery instead of raising.
RETRYABLE = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def webhook_process_task(delivery_id: int) -> str:
    return services.webhook_delivery_process(delivery_id=delivery_id)


@shared_task(acks_late=True)
def ingest_records_prune_task() -> dict[str, int]:
    return services.ingest_records_prune()
