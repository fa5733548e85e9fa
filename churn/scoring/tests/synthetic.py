"""Synthetic customer populations with a known churn signal, for tests and timing checks.

A hidden "disengaged" trait drives most signals (long gaps, complaints, low NPS, falling
activity) and the churn label mixes observable features in a known logistic formula. Part
of the signal (complaints, NPS, activity) is invisible to both baselines, so a working
model must beat them on a holdout.
"""

import numpy as np
import pandas as pd
from scipy import special  # type: ignore[import-untyped]

from churn.scoring.aggregates import AGGREGATE_COLUMNS
from churn.scoring.features import features_from_aggregates
from churn.scoring.repeat_buying import p_alive, repeat_buying_fit, rfm_from_aggregates
from churn.scoring.training import TrainingData


def _orders(rng, n, disengaged):
    tenure = np.round(rng.uniform(30, 1500, n))
    has_orders = rng.random(n) < 0.9
    rate = rng.gamma(2.0, 1 / 60, n)  # about one order a month on average
    first = np.where(has_orders, np.floor(tenure * rng.uniform(0.5, 1.0, n)), np.nan)
    gap = rng.exponential(1.0 / rate) * np.where(disengaged, 4.0, 1.0)
    last = np.where(has_orders, np.minimum(first, np.round(gap)), np.nan)
    span = np.nan_to_num(first - last)
    repeat = np.minimum(rng.poisson(rate * span), span)
    order_days = np.where(has_orders, 1 + repeat, 0).astype(np.int64)
    order_count = order_days + rng.binomial(order_days, 0.1)
    avg_cents = rng.gamma(5.0, 1000.0, n)
    recent_window = np.clip(90 - np.nan_to_num(last, nan=1e9), 0, 90)
    orders_90 = np.where(last <= 90, 1 + rng.poisson(rate * recent_window), 0)
    orders_90 = np.minimum(orders_90, order_count)
    orders_prev = np.minimum(np.where(first > 90, rng.poisson(rate * 90), 0), order_count)
    return {
        "tenure_days": tenure,
        "order_days": order_days,
        "order_count": order_count,
        "first_order_days_ago": first,
        "last_order_days_ago": last,
        "revenue_cents": np.round(order_count * avg_cents),
        "orders_last_30": np.where(
            last <= 30, np.minimum(orders_90, 1 + rng.poisson(rate * 30)), 0
        ),
        "orders_last_90": orders_90,
        "orders_prev_90": orders_prev,
        "revenue_last_90_cents": np.round(orders_90 * avg_cents),
        "revenue_prev_90_cents": np.round(orders_prev * avg_cents),
        "refunds_last_90": rng.poisson(0.05 + 0.2 * disengaged),
        "refund_cents": np.zeros(n),
    }


def _contacts(rng, n, disengaged, tenure):
    inbound_30 = rng.poisson(0.3, n)
    inbound_90 = inbound_30 + rng.poisson(0.6, n)
    older = np.where(rng.random(n) < 0.5, rng.uniform(90, 1500, n), np.nan)
    last_inbound = np.where(inbound_90 > 0, rng.uniform(0, 90, n), older)
    complaints_90 = rng.poisson(0.1 + 0.6 * disengaged)
    complaints_total = complaints_90 + rng.poisson(0.3, n)
    return {
        "inbound_last_30": inbound_30,
        "inbound_last_90": inbound_90,
        "inbound_prev_90": rng.poisson(0.9, n),
        "last_inbound_days_ago": np.minimum(last_inbound, tenure),
        "outbound_last_90": rng.poisson(1.0, n),
        "complaints_total": complaints_total,
        "complaints_last_30": rng.binomial(complaints_90, 0.4),
        "complaints_last_90": complaints_90,
        "complaints_unresolved": rng.binomial(complaints_90, 0.3 + 0.3 * disengaged),
        "complaint_response_hours_avg": np.where(
            complaints_total > 0, rng.gamma(2.0, 12.0, n), np.nan
        ),
    }


def _sentiment_activity(rng, n, disengaged):
    has_nps = rng.random(n) < 0.4
    recent = np.clip(np.round(rng.normal(8 - 3 * disengaged, 1.5)), 0, 10)
    before = np.clip(np.round(rng.normal(8, 1.5, n)), 0, 10)
    activity = rng.beta(2, 5, n)
    prev_60 = rng.binomial(60, activity)
    last_30 = rng.binomial(30, activity * np.where(disengaged, 0.3, 1.0))
    return {
        "nps_recent_avg": np.where(has_nps, recent, np.nan),
        "nps_before_avg": np.where(rng.random(n) < 0.3, before, np.nan),
        "active_days_last_30": last_30,
        "active_days_prev_60": prev_60,
        "seconds_last_30": last_30 * rng.gamma(2.0, 300.0, n),
        "seconds_prev_60": prev_60 * rng.gamma(2.0, 300.0, n),
        "campaign_responses_last_90": rng.poisson(0.2 * (1 - disengaged)),
    }


def churn_logit_truth(agg: pd.DataFrame) -> np.ndarray:
    """The known churn signal, in log-odds, from observable aggregates."""
    last = agg["last_order_days_ago"].fillna(agg["tenure_days"])
    repeat = (agg["order_days"] - 1).clip(lower=1)
    cadence = ((agg["first_order_days_ago"] - agg["last_order_days_ago"]) / repeat).fillna(0)
    cadence = cadence.where(agg["order_days"] > 1, agg["tenure_days"]).clip(lower=1)
    nps = agg["nps_recent_avg"]
    drop = np.log1p(agg["active_days_prev_60"] / 2) - np.log1p(agg["active_days_last_30"])
    logit = (
        -2.0
        + 1.2 * np.log1p((last / cadence).clip(upper=50))
        + 0.7 * agg["complaints_unresolved"]
        + 0.35 * (7 - nps).where(nps.notna(), 0)
        + 1.0 * drop
    )
    return np.asarray(logit, dtype=np.float64)


def synthetic_aggregates(
    n: int, *, seed: int = 0, churn_shift: float = 0.0
) -> tuple[pd.DataFrame, pd.Series]:
    """(aggregates, labels) for n customers; churn_shift moves the churn rate's log-odds."""
    rng = np.random.default_rng(seed)
    disengaged = (rng.random(n) < 0.35).astype(np.float64)
    columns = _orders(rng, n, disengaged)
    columns |= _contacts(rng, n, disengaged, columns["tenure_days"])
    columns |= _sentiment_activity(rng, n, disengaged)
    index = pd.Index(np.arange(1, n + 1, dtype=np.int64) + seed * 10_000_000, name="customer_id")
    agg = pd.DataFrame(columns, index=index).loc[:, list(AGGREGATE_COLUMNS)].astype(np.float64)
    probability = special.expit(churn_logit_truth(agg) + churn_shift)
    labels = pd.Series((rng.random(n) < probability).astype(np.int64), index=index, name="churned")
    return agg, labels


def synthetic_p_alive(fit_agg: pd.DataFrame, score_agg: pd.DataFrame) -> pd.Series:
    """P(alive) for score_agg's buyers from an MBG/NBD fitted on fit_agg's buyers."""
    fit_rfm = rfm_from_aggregates(fit_agg)
    params = repeat_buying_fit(fit_rfm["frequency"], fit_rfm["recency"], fit_rfm["age"])
    rfm = rfm_from_aggregates(score_agg)
    return pd.Series(p_alive(params, rfm["frequency"], rfm["recency"], rfm["age"]), index=rfm.index)


def synthetic_training_data(n: int, *, seed: int = 0, churn_shift: float = 0.0) -> TrainingData:
    """Train and holdout windows as two independent draws of the same population."""
    train_agg, train_y = synthetic_aggregates(n, seed=seed, churn_shift=churn_shift)
    hold_agg, hold_y = synthetic_aggregates(n, seed=seed + 1, churn_shift=churn_shift)
    hold_alive = synthetic_p_alive(train_agg, hold_agg)
    hold_features = features_from_aggregates(hold_agg)
    return TrainingData(
        train_features=features_from_aggregates(train_agg),
        train_labels=train_y,
        holdout_features=hold_features,
        holdout_labels=hold_y,
        holdout_recency_days=hold_features["recency_days"],
        holdout_p_alive=hold_alive.reindex(hold_y.index),
    )
