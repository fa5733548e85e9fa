"""Rows for page, API and browser tests: scores, score history, alerts with their task,
model versions, runs and backtests, with realistic reasons."""

from datetime import date, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from churn.models import (
    Alert,
    Backtest,
    CustomerScore,
    FollowUpTask,
    ModelVersion,
    ScoreHistory,
    ScoringRun,
    ValueTier,
)
from churn.scoring.features import FEATURE_COLUMNS
from customers.models import Customer

GAP_REASONS: list[dict[str, Any]] = [
    {"code": "gap_ratio", "weight": 1.42, "values": {"recency_days": 94, "cadence_days": 21}},
    {
        "code": "complaints_last_90",
        "weight": 0.61,
        "values": {"complaints_last_90": 3, "complaints_unresolved": 1},
    },
    {"code": "order_trend", "weight": 0.2, "values": {"orders_last_90": 1, "orders_prev_90": 5}},
]


def _report(auc: float, lift: float) -> dict[str, Any]:
    return {
        "n": 1200,
        "base_rate": 0.27,
        "roc_auc": auc,
        "pr_auc": round(auc - 0.2, 3),
        "brier": 0.16,
        "calibration": [
            {"mean_predicted": (b + 0.5) / 10, "observed_rate": (b + 0.3) / 10, "count": 120.0}
            for b in range(10)
        ],
        "lift_by_decile": [
            {"decile": float(d), "rate": 0.27, "lift": round(lift / d**0.6, 2), "count": 120.0}
            for d in range(1, 11)
        ],
        "top_decile_lift": lift,
    }


def make_model_version(**fields: Any) -> ModelVersion:
    as_of = fields.pop("as_of", timezone.localdate())
    defaults: dict[str, Any] = {
        "status": ModelVersion.Status.CURRENT,
        "as_of": as_of,
        "horizon_days": 90,
        "train_cutoff_on": as_of - timedelta(days=180),
        "holdout_cutoff_on": as_of - timedelta(days=90),
        "feature_columns": list(FEATURE_COLUMNS),
        "metrics": _report(0.81, 2.9),
        "baselines": {"recency": _report(0.72, 2.1), "silence": _report(0.75, 2.3)},
        "drift": {"recency_days": 0.04, "nps_recent": 0.31},
        "is_cold_start": True,  # promotable without a stored artefact
        "n_train": 4800,
        "n_holdout": 1200,
        "n_train_churners": 1300,
    }
    defaults.update(fields)
    return ModelVersion.objects.create(**defaults)


def make_run(**fields: Any) -> ScoringRun:
    defaults: dict[str, Any] = {
        "kind": ScoringRun.Kind.FULL,
        "as_of": timezone.localdate(),
        "changes_until": timezone.now(),
        "chunks_total": 10,
        "chunks_done": 4,
        "customers_total": 5000,
        "customers_scored": 2000,
    }
    defaults.update(fields)
    return ScoringRun.objects.create(**defaults)


def make_score(customer: Customer, **fields: Any) -> CustomerScore:
    defaults: dict[str, Any] = {
        "as_of": timezone.localdate(),
        "scored_at": timezone.now(),
        "churn_probability": 0.72,
        "p_alive": 0.31,
        "expected_orders": 0.4,
        "expected_next_on": timezone.localdate() + timedelta(days=30),
        "expected_value_cents": 84_000,
        "value_tier": ValueTier.HIGH,
        "reasons": GAP_REASONS,
    }
    defaults.update(fields)
    score, _created = CustomerScore.objects.update_or_create(customer=customer, defaults=defaults)
    return score


def make_history(customer: Customer, *, weeks: int = 12, end: date | None = None) -> list[int]:
    """Weekly scores of one customer drifting from safe to at risk, one run each."""
    end = end or timezone.localdate()
    ids = []
    for week in range(weeks):
        as_of = end - timedelta(days=7 * (weeks - 1 - week))
        run = make_run(as_of=as_of, status=ScoringRun.Status.DONE, chunks_done=10)
        point = ScoreHistory.objects.create(
            run=run,
            customer=customer,
            as_of=as_of,
            churn_probability=round(0.15 + 0.6 * week / max(weeks - 1, 1), 3),
            p_alive=round(0.9 - 0.6 * week / max(weeks - 1, 1), 3),
            expected_value_cents=84_000,
        )
        ids.append(point.pk)
    return ids


def make_alert(
    customer: Customer,
    assignee: User | None,
    *,
    kind: str = Alert.Kind.CHURN_RISK,
    reasons: list[dict[str, Any]] | None = None,
    with_task: bool = True,
    **fields: Any,
) -> Alert:
    churn = fields.pop("churn_probability", 0.72)
    value = fields.pop("expected_value_cents", 84_000)
    defaults: dict[str, Any] = {
        "raised_at": timezone.now(),
        "reaction": "call",
        "instructions": "Call to ask how things are going.",
        "due_on": timezone.localdate() + timedelta(days=3),
    }
    defaults.update(fields)
    alert = Alert.objects.create(
        customer=customer,
        kind=kind,
        assignee=assignee,
        reasons=GAP_REASONS if reasons is None else reasons,
        churn_probability=churn,
        expected_value_cents=value,
        expected_loss_cents=round(value * churn),
        **defaults,
    )
    if with_task:
        FollowUpTask.objects.create(
            customer=customer,
            alert=alert,
            assignee=assignee,
            title=alert.instructions,
            due_on=alert.due_on,
        )
    return alert


def make_backtest(**fields: Any) -> Backtest:
    defaults: dict[str, Any] = {
        "as_of": timezone.localdate() - timedelta(days=180),
        "horizon_days": 90,
        "status": Backtest.Status.DONE,
        "customers": 5400,
        "results": {
            "model": _report(0.79, 2.7),
            "recency": _report(0.71, 2.0),
            "silence": _report(0.74, 2.2),
        },
    }
    defaults.update(fields)
    return Backtest.objects.create(**defaults)
