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
    # Training, scoring and backtests read the whole customer base: their own queue, so
    # they never hold back user-triggered work on "default". Add workers per queue.
    task_routes={
        "churn.tasks.model_train_task": {"queue": "scoring"},
        "churn.tasks.scoring_*": {"queue": "scoring"},
        "churn.tasks.backtest_run_task": {"queue": "scoring"},
        "campaigns.segments.tasks.behaviour_clusters_compute_task": {"queue": "scoring"},
    },
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
    # Every night at 02:00: score every customer (scoring queue). Expires before the next
    # night's run would overlap with it.
    "churn-full-run": {
        "task": "churn.tasks.scoring_full_run_task",
        "schedule": crontab(hour=2, minute=0),
        "options": {"expires": 20 * 60 * 60, "queue": "scoring"},
    },
    # Every hour at :20 from 06:00 to 23:00: rescore customers whose history changed.
    "churn-changed-run": {
        "task": "churn.tasks.scoring_changed_run_task",
        "schedule": crontab(hour="6-23", minute=20),
        "options": {"expires": 50 * 60, "queue": "scoring"},
    },
    # Sundays at 01:00: retrain; the new version replaces the current one only if it beats
    # it on the holdout.
    "churn-retrain": {
        "task": "churn.tasks.model_train_task",
        "schedule": crontab(hour=1, minute=0, day_of_week="sun"),
        "options": {"expires": 6 * 60 * 60, "queue": "scoring"},
    },
    # Every night at 03:50: enforce the retention policies (after scoring's extraction
    # started, before the morning's work). Expires before the next night's run.
    "privacy-retention": {
        "task": "crm.privacy.tasks.retention_run_task",
        "schedule": crontab(hour=3, minute=50),
        "options": {"expires": 20 * 60 * 60},
    },
    # Every night at 04:30, after the 02:00 full scoring run: recompute the suggested
    # behavioural segments from the fresh scores (scoring queue).
    "segments-behaviour-clusters": {
        "task": "campaigns.segments.tasks.behaviour_clusters_compute_task",
        "schedule": crontab(hour=4, minute=30),
        "options": {"expires": 6 * 60 * 60, "queue": "scoring"},
    },
    # Every 10 minutes: re-queue chunks of running runs whose messages were lost.
    "churn-runs-resume": {
        "task": "churn.tasks.scoring_runs_resume_task",
        "schedule": crontab(minute="*/10"),
        "options": {"expires": 9 * 60},
    },
    # Every day at 07:00: the daily alert digest for those who chose it.
    "churn-alert-digest": {
        "task": "churn.tasks.alert_digests_send_task",
        "schedule": crontab(hour=7, minute=0),
        "options": {"expires": 3 * 60 * 60},
    },
    # Every day at 08:00: escalate alerts unacknowledged for N business days.
    "churn-alerts-escalate": {
        "task": "churn.tasks.alerts_escalate_task",
        "schedule": crontab(hour=8, minute=0),
        "options": {"expires": 3 * 60 * 60},
    },
    # Every 5 minutes: campaign messages a dead worker left in flight become "delivery
    # unknown" (never resent), lost preparing/sending tasks are queued again, and messages
    # held for quiet hours are sent once the hours are over.
    "campaigns-sends-resume": {
        "task": "campaigns.delivery.tasks.campaign_sends_resume_task",
        "schedule": crontab(minute="*/5"),
        "options": {"expires": 4 * 60},
    },
    # Every hour at :15: switched-on automations queue their due occasions (birthdays,
    # alerts, resolved complaints...); once per occasion, so an overlap is harmless.
    "campaigns-automations-run": {
        "task": "campaigns.automations.tasks.automations_run_task",
        "schedule": crontab(minute=15),
        "options": {"expires": 50 * 60},
    },
    # Every day at 06:00: snoozed alerts whose day has come open again.
    "churn-alerts-wake": {
        "task": "churn.tasks.alerts_wake_task",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 3 * 60 * 60},
    },
}

app.autodiscover_tasks()
