"""Silence and "history changed" bookkeeping on the customer row, set-based.

Scoring (churn) decides who is silent and since when; any sign of life clears it at once,
from whichever path the sign arrives by (staff entry, API, webhook, import), without
waiting for the next scoring run. Those paths live below churn, so the bookkeeping lives
here, in the app they all depend on. Stage follows silence: an active or at-risk customer
who goes silent moves to the silent stage, and back to active when silence ends; both moves
are written to the stage history like any other."""

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from crm.lib.ids import id_list
from customers.models import Customer, StageChange

# Stages that silence may move a customer out of (and back to active from silent).
SILENCEABLE_STAGES = (Customer.Stage.ACTIVE, Customer.Stage.AT_RISK)
SILENCE_BEGAN_REASON = gettext_noop("Silence detected by scoring")
SILENCE_ENDED_REASON = gettext_noop("New activity ended the silence")


def _stage_changes(
    ids: Collection[int],
    *,
    from_stages: Mapping[int, str],
    to_stage: str,
    reason: str,
    at: datetime,
) -> None:
    StageChange.objects.bulk_create(
        StageChange(
            customer_id=pk,
            from_stage=from_stages[pk],
            to_stage=to_stage,
            reason=reason,
            changed_at=at,
        )
        for pk in ids
    )


def _end_silence(silent: Mapping[int, str], at: datetime) -> None:
    """Clear silence for these {customer id: stage}; silent-stage ones go back to active."""
    Customer.objects.filter(pk__in=list(silent)).update(silent_since=None)
    back = [pk for pk, stage in silent.items() if stage == Customer.Stage.SILENT]
    Customer.objects.filter(pk__in=back).update(stage=Customer.Stage.ACTIVE, stage_changed_at=at)
    _stage_changes(
        back, from_stages=silent, to_stage=Customer.Stage.ACTIVE, reason=SILENCE_ENDED_REASON,
        at=at,
    )  # fmt: skip


def customer_activity_touch(
    *,
    customer_ids: Collection[int],
    is_sign_of_life: bool,
    alive_ids: Collection[int] = (),
    at: datetime | None = None,
) -> int:
    """Note that these customers' history changed (for the hourly rescoring) and end the
    silence of those who showed life: all of them when ``is_sign_of_life`` (the change is
    the customer's own doing: an order, an inbound contact, a survey answer, web or app
    activity), else those in ``alive_ids``. Returns how many silences ended.

    Call inside the transaction that stores the new records, so both land or neither: two
    or three statements, whatever the number of customers."""
    if not customer_ids:
        return 0
    at = at or timezone.now()
    ids = list(set(customer_ids))
    alive = ids if is_sign_of_life else list(set(alive_ids))
    with transaction.atomic(savepoint=False):
        Customer.objects.filter(pk__in=ids).update(history_changed_at=at)
        if not alive:
            return 0
        silent = dict(
            Customer.objects.select_for_update()
            .filter(pk__in=alive, silent_since__isnull=False)
            .values_list("pk", "stage")
        )
        if silent:
            _end_silence(silent, at)
    return len(silent)


@transaction.atomic
def customer_silence_set(
    *, began_on: Mapping[int, date], cleared: Collection[int], at: datetime | None = None
) -> tuple[int, int]:
    """Record scoring's verdict for a batch: customers in ``began_on`` are silent since that
    day (one already silent keeps the day it began), those in ``cleared`` are not. Returns
    (newly silent, no longer silent)."""
    at = at or timezone.now()
    newly = dict(
        Customer.objects.select_for_update()
        .filter(pk__in=id_list(began_on), silent_since__isnull=True)
        .values_list("pk", "stage")
    )
    by_day: dict[date, list[int]] = defaultdict(list)
    for pk in newly:
        by_day[began_on[pk]].append(pk)
    for day, pks in by_day.items():  # one UPDATE per distinct day, not per customer
        Customer.objects.filter(pk__in=pks).update(silent_since=day)
    moving = [pk for pk, stage in newly.items() if stage in SILENCEABLE_STAGES]
    Customer.objects.filter(pk__in=moving).update(stage=Customer.Stage.SILENT, stage_changed_at=at)
    _stage_changes(
        moving,
        from_stages=newly,
        to_stage=Customer.Stage.SILENT,
        reason=SILENCE_BEGAN_REASON,
        at=at,
    )
    ended = dict(
        Customer.objects.select_for_update()
        .filter(pk__in=id_list(cleared), silent_since__isnull=False)
        .values_list("pk", "stage")
    )
    _end_silence(ended, at)
    return len(newly), len(ended)
