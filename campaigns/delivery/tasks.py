"""Celery entry points of delivery (imported by campaigns.tasks): ids in, one service
call, the retry policy. All on the ``default`` queue."""

from collections.abc import Callable
from typing import ParamSpec, TypeVar

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError

from campaigns.delivery.launch import campaign_queue
from campaigns.delivery.sending import (
    DeliveryUnavailableError,
    campaign_send,
    campaign_sends_resume,
)

# A lost database connection rolled its transaction back, and an unreachable mail server
# handed its batch back to the queue: both worth retrying. Bad data is not.
RETRYABLE = (OperationalError, InterfaceError, DeliveryUnavailableError)
P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["campaign_queue_task", "campaign_send_task", "campaign_sends_resume_task"]


def _retrying_task(function: Callable[P, R]) -> "Task[P, R]":
    task: Task[P, R] = shared_task(
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=RETRYABLE,
        retry_backoff=True,
        retry_backoff_max=600,
        max_retries=8,
    )(function)
    return task


@_retrying_task
def campaign_queue_task(campaign_id: int) -> bool:
    should_send = campaign_queue(campaign_id=campaign_id)
    if should_send:
        campaign_send_task.delay(campaign_id=campaign_id)
    return should_send


@_retrying_task
def campaign_send_task(campaign_id: int) -> int:
    outcome = campaign_send(campaign_id=campaign_id)
    if outcome.more:  # the time budget ran out: let other tasks have the worker
        campaign_send_task.delay(campaign_id=campaign_id)
    return outcome.sent


@_retrying_task
def campaign_sends_resume_task() -> int:
    result = campaign_sends_resume()
    for campaign_id in result.queue_campaign_ids:
        campaign_queue_task.delay(campaign_id=campaign_id)
    for campaign_id in result.send_campaign_ids:
        campaign_send_task.delay(campaign_id=campaign_id)
    return result.unconfirmed
