"""Model features derived from the aggregates, one finite float per customer and column.

Every NaN is imputed here, explicitly, with a value chosen to mean "nothing unusual";
where absence itself says something (no survey answered, no complaint answered, no order)
an indicator column carries it, so the imputed value never has to.
"""

import numpy as np
import numpy.typing as npt
import pandas as pd

from churn.scoring.aggregates import validate_aggregates

FloatArray = npt.NDArray[np.float64]

FEATURE_COLUMNS: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "log_monetary_avg",
    "tenure_days",
    "cadence_days",
    "gap_ratio",
    "order_trend",
    "revenue_trend",
    "contact_recency_days",
    "inbound_trend",
    "complaints_last_90",
    "complaints_unresolved",
    "complaints_recurring",
    "complaint_response_hours",
    "has_complaint_response",
    "returns_last_90",
    "nps_recent",
    "has_nps",
    "nps_change",
    "activity_drop",
    "campaign_responses_last_90",
    "has_orders",
)
# Not a feature: the repeat-buying model's P(alive). On real data (CDNOW backtests) it made
# the churn model worse: its fitted parameters move between the training window and the
# scoring date, so the same logit means different things at the two dates. It stays the
# silence signal and the "silence" baseline the model is compared with.

NEUTRAL_NPS = 7.0  # between detractor (<= 6) and promoter (>= 9): "passive"
GAP_RATIO_MAX = 50.0  # a gap 50x the usual cadence is as bad as it gets; beyond is noise
RECURRING_COMPLAINTS = 2  # two or more complaints within 90 days is a pattern
CENTS_PER_EURO = 100.0


def _log_ratio(recent: pd.Series, before: pd.Series) -> FloatArray:
    """log((1 + recent) / (1 + before)): 0 for no change, symmetric in rise and fall."""
    result: FloatArray = np.log1p(recent.to_numpy()) - np.log1p(before.to_numpy())
    return result


def _order_features(agg: pd.DataFrame) -> dict[str, FloatArray]:
    tenure = agg["tenure_days"].to_numpy()
    has_orders = agg["order_days"].to_numpy() >= 1
    first = agg["first_order_days_ago"].to_numpy()
    last = agg["last_order_days_ago"].to_numpy()
    repeat_days = np.maximum(agg["order_days"].to_numpy() - 1.0, 0.0)
    # No order yet: the whole tenure has been silent, so recency is the tenure.
    recency = np.where(has_orders & np.isfinite(last), last, tenure)
    span = np.where(has_orders, np.nan_to_num(first - last, nan=0.0), 0.0)
    # One order gives no gap to average; the tenure is the only pace we know of.
    cadence = np.where(repeat_days > 0, span / np.maximum(repeat_days, 1.0), tenure)
    cadence = np.maximum(cadence, 1.0)  # whole days: avoids 0/0 for brand-new customers
    gap_ratio = np.log1p(np.clip(recency / cadence, 0.0, GAP_RATIO_MAX))
    order_count = np.maximum(agg["order_count"].to_numpy(), 1.0)
    monetary_euros = agg["revenue_cents"].to_numpy() / order_count / CENTS_PER_EURO
    return {
        "recency_days": recency,
        "frequency": repeat_days,
        "log_monetary_avg": np.where(has_orders, np.log1p(np.maximum(monetary_euros, 0.0)), 0.0),
        "tenure_days": tenure,
        "cadence_days": cadence,
        "gap_ratio": gap_ratio,
        "order_trend": _log_ratio(agg["orders_last_90"], agg["orders_prev_90"]),
        "revenue_trend": _log_ratio(
            agg["revenue_last_90_cents"].clip(lower=0) / CENTS_PER_EURO,
            agg["revenue_prev_90_cents"].clip(lower=0) / CENTS_PER_EURO,
        ),
        "has_orders": has_orders.astype(np.float64),
    }


def _contact_features(agg: pd.DataFrame) -> dict[str, FloatArray]:
    tenure = agg["tenure_days"].to_numpy()
    last_inbound = agg["last_inbound_days_ago"].to_numpy()
    response = agg["complaint_response_hours_avg"].to_numpy()
    has_response = np.isfinite(response)
    complaints_90 = agg["complaints_last_90"].to_numpy()
    return {
        # Never got in touch: as long ago as the customer has existed.
        "contact_recency_days": np.where(np.isfinite(last_inbound), last_inbound, tenure),
        "inbound_trend": _log_ratio(agg["inbound_last_90"], agg["inbound_prev_90"]),
        "complaints_last_90": complaints_90,
        "complaints_unresolved": agg["complaints_unresolved"].to_numpy(),
        "complaints_recurring": (complaints_90 >= RECURRING_COMPLAINTS).astype(np.float64),
        "complaint_response_hours": np.where(has_response, response, 0.0),
        "has_complaint_response": has_response.astype(np.float64),
        "returns_last_90": agg["refunds_last_90"].to_numpy(),
    }


def _sentiment_and_activity(agg: pd.DataFrame) -> dict[str, FloatArray]:
    recent = agg["nps_recent_avg"].to_numpy()
    before = agg["nps_before_avg"].to_numpy()
    has_nps = np.isfinite(recent)
    change = np.where(has_nps & np.isfinite(before), recent - before, 0.0)
    # Both windows as active days per 30 days; positive = less active than before.
    # log1p on both sides keeps it symmetric and finite when either window is empty.
    previous_per_30 = agg["active_days_prev_60"].to_numpy() / 2.0
    activity_drop = np.log1p(previous_per_30) - np.log1p(agg["active_days_last_30"].to_numpy())
    return {
        "nps_recent": np.where(has_nps, recent, NEUTRAL_NPS),
        "has_nps": has_nps.astype(np.float64),
        "nps_change": change,
        "activity_drop": activity_drop,
        "campaign_responses_last_90": agg["campaign_responses_last_90"].to_numpy(),
    }


def features_from_aggregates(agg: pd.DataFrame) -> pd.DataFrame:
    """FEATURE_COLUMNS for every customer in agg (validated first); index preserved."""
    clean = validate_aggregates(agg)
    columns = {
        **_order_features(clean),
        **_contact_features(clean),
        **_sentiment_and_activity(clean),
    }
    frame = pd.DataFrame(columns, index=clean.index).loc[:, list(FEATURE_COLUMNS)]
    # Guard the "all finite" promise against odd inputs (negative days, inf sums).
    values = frame.to_numpy(dtype=np.float64)
    return pd.DataFrame(
        np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0),
        index=clean.index,
        columns=list(FEATURE_COLUMNS),
    )
