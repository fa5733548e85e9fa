"""The Celery app and THE beat schedule: every periodic task is declared here, once."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")

# A killed worker must lose nothing: acknowledge a message only after its task finished,
# and put it back on the queue when the worker process dies. Tasks are idempotent, so a
# redelivered message is safe. One prefetched message per process keeps long scoring
# runs from holding back short user-triggered tasks.
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue="default",
    task_track_started=True,
    broker_connection_retry_on_startup=True,
    timezone="UTC",
)


app.conf.beat_schedule = {
    # Every night at 03:10: drop expired sessions so logged-out devices stay logged out.
    "accounts-session-cleanup": {
        "task": "crm.accounts.tasks.session_cleanup_task",
        "schedule": crontab(hour=3, minute=10),
        "options": {"expires": 60 * 60},
    },
    # Every night at 03:30: forget webhook rejections (30 days), processed deliveries and
    # activity idempotency keys (90 days).
    "ingest-prune": {
        "task": "interactions.ingest.tasks.ingest_records_prune_task",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 60 * 60},
    },
    # Every night at 03:40: delete uploaded import files older than 7 days.
    "imports-files-purge": {
        "task": "interactions.imports.tasks.import_files_purge_task",
        "schedule": crontab(hour=3, minute=40),
        "options": {"expires": 60 * 60},
    },
}

app.autodiscover_tasks()
