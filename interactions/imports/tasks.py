"""Celery entry points of imports: ids in, one service call, the retry policy."""

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from interactions.imports import services

# A lost database connection is worth retrying (the write transaction rolled back with
# it); bad data is not, and the run records it on the job instead of raising.
RETRYABLE = (OperationalError, InterfaceError)
BUSY_RETRY_SECONDS = 60  # another runner holds the job: look again after this
BUSY_MAX_RETRIES = 30  # beyond the SQLite runner lease, so a dead runner's job is taken


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def import_run_task(self: Any, job_id: int) -> str:
    """On the default queue (user-triggered work, crm.celery's task_default_queue)."""
    outcome = services.import_job_run(job_id=job_id)
    if outcome == services.RunOutcome.BUSY:
        raise self.retry(countdown=BUSY_RETRY_SECONDS, max_retries=BUSY_MAX_RETRIES)
    return outcome.value


@shared_task(acks_late=True)
def import_files_purge_task() -> int:
    return services.import_files_purge()
