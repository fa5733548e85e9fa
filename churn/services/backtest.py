"""Backtests: score every customer as of a past (or today's) date with models fitted only
on data up to that date, then, where the data goes on past it, measure how the scores
did against the two baselines. The same computation serves ``manage.py churn_score`` and
the model page."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from churn.configuration import scoring_settings_get
from churn.extract import aggregates_as_of, churned_after, former_by
from churn.models import Backtest
from churn.pipeline import ScoringInputs, score_aggregates, tier_cuts_for, value_tiers
from churn.scoring.metrics import quality_report
from churn.scoring.training import churn_train
from churn.services.training import (
    MIN_HORIZON_DAYS,
    SEED,
    _training_data,
    final_model,
    repeat_fit,
    spend_fit_or_none,
)
from customers.models import Customer
from interactions.models import Order

MAX_BACKTEST_HORIZON_DAYS = 730  # two years: longer horizons leave no history to learn from


@dataclass(frozen=True)
class BacktestResult:
    scores: pd.DataFrame  # SCORE_COLUMNS plus external_ref and recency_days
    results: dict[str, Any]  # empty when no data after as_of exists
    is_cold_start: bool
    cold_start_reason: str


def _inputs(as_of: date, horizon_days: int) -> tuple[ScoringInputs, pd.DataFrame, Any]:
    config = scoring_settings_get()
    data, _holdout = _training_data(as_of, horizon_days)
    trained = churn_train(data, seed=SEED % 2**31)
    agg = aggregates_as_of(as_of=as_of, include_former=True)
    agg = agg[~agg.index.isin(list(former_by(as_of=as_of)))]
    buyers = agg[agg["order_days"] >= 1]
    inputs = ScoringInputs(
        model=final_model(trained, data),
        repeat=repeat_fit(buyers),
        spend=spend_fit_or_none(buyers),
        tier_cuts={},
        silence_threshold=config.silence_threshold,
        horizon_days=horizon_days,
        value_horizon_days=config.value_horizon_days,
    )
    return inputs, agg, trained


def _outcomes(
    scores: pd.DataFrame, agg: pd.DataFrame, as_of: date, horizon_days: int
) -> dict[str, Any]:
    last_order = Order.objects.aggregate(last=Max("ordered_on"))["last"]
    if last_order is None or last_order <= as_of:
        return {}
    buyers = scores.index[agg["order_days"] >= 1]
    labels = churned_after(as_of=as_of, horizon_days=horizon_days, customer_ids=buyers)
    scored = scores.loc[buyers]
    return {
        "model": quality_report(labels, scored["churn_probability"].fillna(0.5)),
        "recency": quality_report(labels, agg.loc[buyers, "last_order_days_ago"]),
        "silence": quality_report(labels, 1 - scored["p_alive"].fillna(0.5)),
        "customers": len(buyers),
        "churned": int(labels.sum()),
        "data_until": last_order.isoformat(),
        "window_complete": last_order >= as_of + timedelta(days=horizon_days),
    }


def backtest_compute(*, as_of: date, horizon_days: int) -> BacktestResult:
    inputs, agg, trained = _inputs(as_of, horizon_days)
    scores = score_aggregates(inputs, agg)
    cuts = tier_cuts_for(
        scores["expected_value_cents"],
        most_valuable_share=scoring_settings_get().most_valuable_share,
    )
    scores["value_tier"] = value_tiers(scores["expected_value_cents"], cuts)
    scores["is_most_valuable"] = scores["value_tier"] == "top"
    refs = dict(
        Customer.objects.filter(pk__in=list(map(int, agg.index))).values_list("pk", "external_ref")
    )
    scores["external_ref"] = [refs.get(int(pk), "") for pk in scores.index]
    scores["recency_days"] = agg["last_order_days_ago"]
    return BacktestResult(
        scores=scores,
        results=_outcomes(scores, agg, as_of, horizon_days),
        is_cold_start=trained.is_cold_start,
        cold_start_reason=trained.cold_start_reason,
    )


@transaction.atomic
def backtest_create(*, as_of: date, horizon_days: int, acting_user: User) -> Backtest:
    if as_of > timezone.localdate():
        raise ValidationError({"as_of": _("A backtest looks at the past: pick today or earlier.")})
    if not MIN_HORIZON_DAYS <= horizon_days <= MAX_BACKTEST_HORIZON_DAYS:
        raise ValidationError({"horizon_days": _("Enter a horizon between 7 and 730 days.")})
    backtest = Backtest.objects.create(
        as_of=as_of, horizon_days=horizon_days, created_by=acting_user
    )
    from churn.tasks import backtest_run_task  # tasks import services

    transaction.on_commit(lambda: backtest_run_task.delay(backtest_id=backtest.pk))
    return backtest


def backtest_run(*, backtest_id: int) -> str:
    """Compute a queued backtest (idempotent: a finished one is left as it is)."""
    backtest = Backtest.objects.filter(pk=backtest_id, status=Backtest.Status.QUEUED).first()
    if backtest is None:
        return "skipped"
    result = backtest_compute(as_of=backtest.as_of, horizon_days=backtest.horizon_days)
    Backtest.objects.filter(pk=backtest.pk, status=Backtest.Status.QUEUED).update(
        status=Backtest.Status.DONE,
        finished_at=timezone.now(),
        customers=len(result.scores),
        is_cold_start=result.is_cold_start,
        results=result.results,
    )
    return "done"
