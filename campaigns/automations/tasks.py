"""Celery entry points of automations (imported by campaigns.tasks)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from campaigns.automations.services import automations_run

__all__ = ["automations_run_task"]


# Hourly from beat. A lost database connection rolled its batch back: retry. Re-running
# is safe (once per occasion), so a redelivered message after a killed worker is too.
@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def automations_run_task() -> dict[str, int]:
    return automations_run()
