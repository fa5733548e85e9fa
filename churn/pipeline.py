"""From per-customer aggregates to stored scores: silence, churn risk, value, reasons.

Pure pandas over whole columns (no Django): the run services feed it one chunk of
aggregates at a time, the backtest the whole base. Customers who never ordered get no
churn probability: the repeat-buying and churn models describe buyers."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from churn.scoring.explain import reasons_payload
from churn.scoring.features import features_from_aggregates
from churn.scoring.model import ChurnModel, churn_score, top_reasons
from churn.scoring.repeat_buying import (
    RepeatBuyingParams,
    expected_days_to_next,
    expected_purchases,
    p_alive,
    rfm_from_aggregates,
)
from churn.scoring.spend import SpendParams, expected_spend, lifetime_value

TIERS_HIGH_TO_LOW = ("top", "high", "medium")  # "low" below the last cut
BISECTION_STEPS = 30  # halves the interval 30 times: day-exact on any realistic age
SCORE_COLUMNS = (
    "churn_probability",
    "p_alive",
    "expected_orders",
    "expected_next_days",
    "expected_value_cents",
    "value_tier",
    "is_most_valuable",
    "reasons",
    "is_silent",
    "silent_began_days_ago",
)


@dataclass(frozen=True)
class ScoringInputs:
    model: ChurnModel | None  # None: cold start, churn risk is 1 − P(alive)
    repeat: RepeatBuyingParams | None  # None: too few buyers to fit the silence model
    spend: SpendParams | None
    tier_cuts: dict[str, float]  # minimum expected value (cents) per tier
    silence_threshold: float
    horizon_days: int
    value_horizon_days: int


def _silence_began(
    params: RepeatBuyingParams, rfm: pd.DataFrame, threshold: float, silent: np.ndarray
) -> np.ndarray:
    """Days before as_of when P(alive) fell below the threshold, for the silent rows: the
    age at which the customer's own history first made the gap unlikely, found by
    bisection on all rows at once (P(alive) only falls as the gap grows)."""
    x = rfm["frequency"].to_numpy()[silent]
    t_x = rfm["recency"].to_numpy()[silent]
    age = rfm["age"].to_numpy()[silent]
    low, high = t_x.copy(), age.copy()  # alive enough at the last order, silent now
    for _step in range(BISECTION_STEPS):
        middle = (low + high) / 2
        below = p_alive(params, x, t_x, middle) < threshold
        high = np.where(below, middle, high)
        low = np.where(below, low, middle)
    began = np.full(len(rfm), np.nan)
    began[silent] = np.floor(age - high)
    return began


def _tiers(value: pd.Series, cuts: dict[str, float]) -> pd.Series:
    tier = pd.Series("low", index=value.index, dtype=object)
    for name in reversed(TIERS_HIGH_TO_LOW):  # later (higher) tiers overwrite
        if name in cuts:
            tier[value >= cuts[name]] = name
    return tier


def _repeat_buying(inputs: ScoringInputs, rfm: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(index=rfm.index)
    if inputs.repeat is None or rfm.empty:
        for column in ("p_alive", "expected_orders", "expected_next_days", "value_orders"):
            out[column] = np.nan
        out["silent_began_days_ago"] = np.nan
        return out
    args = (rfm["frequency"], rfm["recency"], rfm["age"])
    params = inputs.repeat
    out["p_alive"] = p_alive(params, *args)
    out["expected_orders"] = expected_purchases(params, inputs.horizon_days, *args)
    out["expected_next_days"] = expected_days_to_next(params, *args)
    out["value_orders"] = expected_purchases(params, inputs.value_horizon_days, *args)
    silent = (out["p_alive"] < inputs.silence_threshold).to_numpy()
    out["silent_began_days_ago"] = _silence_began(params, rfm, inputs.silence_threshold, silent)
    return out


def _cold_start_reasons(rb: pd.DataFrame, features: pd.DataFrame) -> pd.Series:
    """The silence model's own inputs, for the rows it scores while no churn model exists."""
    recency = features["recency_days"].reindex(rb.index)
    cadence = features["cadence_days"].reindex(rb.index)
    records: list[list[dict[str, Any]]] = [
        [
            {
                "code": "silence_model",
                "weight": round(float(1 - alive), 3),
                "values": {
                    "recency_days": int(r),
                    "cadence_days": int(c),
                    "p_alive": round(float(alive), 3),
                },
            }
        ]
        if np.isfinite(alive)
        else []
        for alive, r, c in zip(rb["p_alive"], recency, cadence, strict=True)
    ]
    return pd.Series(records, index=rb.index, dtype=object)


def _value(inputs: ScoringInputs, rfm: pd.DataFrame, value_orders: pd.Series) -> pd.Series:
    """Expected revenue (cents) over the value horizon: expected orders × expected spend."""
    value = pd.Series(np.nan, index=value_orders.index)
    if inputs.spend is not None and not rfm.empty:
        spend = expected_spend(inputs.spend, rfm["frequency"], rfm["monetary_cents"])
        orders = value_orders.reindex(rfm.index).to_numpy()
        value.loc[rfm.index] = lifetime_value(orders, spend)
    return value.where(np.isfinite(value))


def expected_value(inputs: ScoringInputs, agg: pd.DataFrame) -> pd.Series:
    """Only the value column of score_aggregates, for tier cut points over a whole base."""
    rfm = rfm_from_aggregates(agg)
    orders = pd.Series(np.nan, index=agg.index)
    if inputs.repeat is not None and not rfm.empty:
        args = (rfm["frequency"], rfm["recency"], rfm["age"])
        orders.loc[rfm.index] = expected_purchases(inputs.repeat, inputs.value_horizon_days, *args)
    return _value(inputs, rfm, orders)


def value_tiers(value: pd.Series, cuts: dict[str, float]) -> pd.Series:
    return _tiers(value.fillna(0), cuts)


def score_aggregates(inputs: ScoringInputs, agg: pd.DataFrame) -> pd.DataFrame:
    """One row per customer of ``agg`` with SCORE_COLUMNS."""
    rfm = rfm_from_aggregates(agg)
    rb = _repeat_buying(inputs, rfm).reindex(agg.index)
    features = features_from_aggregates(agg)
    buyers = agg["order_days"] >= 1
    out = pd.DataFrame(index=agg.index)
    if inputs.model is not None:
        churn, contributions = churn_score(inputs.model, features)
        reasons = reasons_payload(top_reasons(contributions), features, aggregates=agg)
    else:
        churn = 1 - rb["p_alive"]
        reasons = _cold_start_reasons(rb, features)
    out["churn_probability"] = churn.where(buyers)
    out["p_alive"] = rb["p_alive"]
    out["expected_orders"] = rb["expected_orders"]
    out["expected_next_days"] = rb["expected_next_days"]
    value = _value(inputs, rfm, rb["value_orders"])
    out["expected_value_cents"] = value.round()
    out["value_tier"] = value_tiers(value, inputs.tier_cuts)
    out["is_most_valuable"] = out["value_tier"] == "top"
    out["reasons"] = [
        found if is_buyer and isinstance(found, list) else []
        for found, is_buyer in zip(reasons.reindex(agg.index), buyers, strict=True)
    ]
    out["is_silent"] = (rb["p_alive"] < inputs.silence_threshold).fillna(False)
    out["silent_began_days_ago"] = rb["silent_began_days_ago"]
    numeric = [c for c in SCORE_COLUMNS if out[c].dtype.kind == "f"]
    # A closed-form expectation can overflow at extreme fitted parameters: unknown, not ∞.
    out[numeric] = out[numeric].where(np.isfinite(out[numeric]))
    return out


def tier_cuts_for(value: pd.Series, *, most_valuable_share: float) -> dict[str, float]:
    """Expected-value cut points: the top share, then the next quarter, then the middle."""
    value = value.dropna()
    if value.empty:
        return {}
    return {
        "top": float(value.quantile(1 - most_valuable_share)),
        "high": float(value.quantile(0.75)),
        "medium": float(value.quantile(0.40)),
    }
