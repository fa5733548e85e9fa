"""Celery entry points of scoring and alerts: ids in, one service call, the retry policy.
Training, scoring and backtests read the whole base: crm.celery routes them to the
``scoring`` queue, so a long run never holds back user-triggered work on ``default``."""

from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

from celery import Task, shared_task
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError

from churn import services

# A lost database connection is worth retrying (the chunk's transaction rolled back with
# it); bad data is not.
RETRYABLE = (OperationalError, InterfaceError)
P = ParamSpec("P")
R = TypeVar("R")


def retrying_task(function: Callable[P, R]) -> "Task[P, R]":
    """A Celery task that a killed worker hands back (acks late, rejected on worker lost)
    and that retries lost connections with backoff."""
    task: Task[P, R] = shared_task(
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=RETRYABLE,
        retry_backoff=True,
        retry_backoff_max=600,
        max_retries=8,
    )(function)
    return task


@retrying_task
def model_train_task(user_id: int | None = None, as_of: str | None = None) -> int:
    user = User.objects.filter(pk=user_id).first() if user_id else None
    version = services.model_train(
        as_of=date.fromisoformat(as_of) if as_of else None, acting_user=user
    )
    return version.pk


@retrying_task
def scoring_run_plan_task(run_id: int) -> int:
    pending = services.scoring_run_plan(run_id=run_id)
    for chunk_id in pending:
        scoring_chunk_task.delay(chunk_id=chunk_id)
    return len(pending)


@retrying_task
def scoring_chunk_task(chunk_id: int) -> int:
    alert_ids = services.scoring_chunk_process(chunk_id=chunk_id)
    if alert_ids:
        alert_emails_send_task.delay(alert_ids=alert_ids)
    return len(alert_ids)


@retrying_task
def scoring_full_run_task() -> int:
    return services.scoring_run_start(kind="full", acting_user=None).pk


@retrying_task
def scoring_changed_run_task() -> int:
    return services.scoring_run_start(kind="changed", acting_user=None).pk


@retrying_task
def scoring_runs_resume_task() -> int:
    pending = services.scoring_runs_resume()
    for chunk_id in pending:
        scoring_chunk_task.delay(chunk_id=chunk_id)
    return len(pending)


@retrying_task
def backtest_run_task(backtest_id: int) -> str:
    return services.backtest_run(backtest_id=backtest_id)


@retrying_task
def alert_emails_send_task(alert_ids: list[int]) -> int:
    return services.alert_emails_send(alert_ids=alert_ids)


@retrying_task
def alert_digests_send_task() -> int:
    return services.alert_digests_send()


@retrying_task
def alerts_escalate_task() -> int:
    return services.alerts_escalate()


@retrying_task
def alerts_wake_task() -> int:
    return services.alerts_wake()
