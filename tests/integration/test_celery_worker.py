"""Tasks through a real Celery worker on Redis, against the real PostgreSQL test database.
No result backend is configured, so the tests watch the database and the worker's log."""

from datetime import timedelta

import pytest
import redis
from django.contrib.sessions.models import Session
from django.utils import timezone

from crm.accounts.tasks import session_cleanup_task
from tests.integration.worker import REDIS_URL, CeleryWorker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _session(key: str, *, expires_in: timedelta) -> Session:
    return Session.objects.create(
        session_key=key, session_data="", expire_date=timezone.now() + expires_in
    )


def _gone(session: Session) -> bool:
    return not Session.objects.filter(pk=session.pk).exists()


def test_session_cleanup_on_worker_deletes_expired_and_keeps_live_sessions(
    celery_worker: CeleryWorker,
):
    expired = _session("expired-session", expires_in=-timedelta(minutes=1))
    live = _session("live-session", expires_in=timedelta(hours=1))

    result = session_cleanup_task.delay()

    wait_until(lambda: _gone(expired), what="expired session deleted by the worker")
    assert not _gone(live)
    wait_until(
        lambda: f"session_cleanup_task[{result.id}] succeeded" in celery_worker.current_log(),
        what="the worker logs the task as done",
        timeout=5,
    )


def test_task_sent_while_worker_is_dead_is_run_by_its_replacement(
    celery_worker: CeleryWorker,
):
    celery_worker.kill()
    expired = _session("expired-session", expires_in=-timedelta(minutes=1))

    result = session_cleanup_task.delay()

    assert redis.Redis.from_url(REDIS_URL).llen("default") == 1  # waiting in the broker
    assert not _gone(expired)
    celery_worker.start()
    wait_until(lambda: _gone(expired), what="expired session deleted by the new worker")
    assert f"session_cleanup_task[{result.id}] succeeded" in celery_worker.current_log()
