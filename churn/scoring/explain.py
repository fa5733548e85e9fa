"""Structured reasons: feature code + weight + the numbers its sentence needs.

The wording ("no order for 84 days, usually every 21") lives on the Django side in five
languages; this module only decides which numbers go with which reason.
"""

import math

import numpy as np
import pandas as pd

from churn.scoring.features import FEATURE_COLUMNS

# For each feature, the values its wording needs, in the order a sentence uses them. Names
# are feature columns, aggregate columns (present only when `aggregates` is passed to
# reasons_payload) or the derived values in DERIVED_VALUES.
REASON_FEATURES: dict[str, tuple[str, ...]] = {
    "recency_days": ("recency_days", "cadence_days"),
    "frequency": ("frequency", "recency_days"),
    "log_monetary_avg": ("monetary_avg_euros",),
    "tenure_days": ("tenure_days",),
    "cadence_days": ("cadence_days", "recency_days"),
    "gap_ratio": ("recency_days", "cadence_days"),
    "order_trend": ("orders_last_90", "orders_prev_90"),
    "revenue_trend": ("revenue_last_90_cents", "revenue_prev_90_cents"),
    "contact_recency_days": ("contact_recency_days",),
    "inbound_trend": ("inbound_last_90", "inbound_prev_90"),
    "complaints_last_90": ("complaints_last_90", "complaints_unresolved"),
    "complaints_unresolved": ("complaints_unresolved", "complaints_last_90"),
    "complaints_recurring": ("complaints_last_90",),
    "complaint_response_hours": ("complaint_response_hours",),
    "has_complaint_response": ("complaints_last_90",),
    "returns_last_90": ("returns_last_90",),
    "nps_recent": ("nps_recent",),
    "has_nps": (),
    "nps_change": ("nps_recent", "nps_change"),
    "activity_drop": ("active_days_last_30", "active_days_prev_60"),
    "campaign_responses_last_90": ("campaign_responses_last_90",),
    "has_orders": ("tenure_days",),
}

DERIVED_VALUES = ("monetary_avg_euros",)
WEIGHT_DIGITS = 3
VALUE_DIGITS: dict[str, int] = {}  # per value name; everything else: 2 decimals
DEFAULT_VALUE_DIGITS = 2


def _value_frame(features: pd.DataFrame, aggregates: pd.DataFrame | None) -> pd.DataFrame:
    derived = pd.DataFrame(
        {
            "monetary_avg_euros": np.expm1(features["log_monetary_avg"].to_numpy()),
        },
        index=features.index,
    )
    parts = [features, derived]
    if aggregates is not None:
        # Feature columns win on a name clash: they are what the model actually saw.
        extra = [c for c in aggregates.columns if c not in features.columns]
        parts.append(aggregates.loc[:, extra].reindex(features.index))
    return pd.concat(parts, axis=1)


def _json_value(value: float) -> int | float:
    # Whole numbers as int, so counts read "3", not "3.0", in every language's formatting.
    return int(value) if value.is_integer() else value


def reasons_payload(
    reasons: pd.Series, features: pd.DataFrame, *, aggregates: pd.DataFrame | None = None
) -> pd.Series:
    """Per row [{"code", "weight", "values"}, ...] from top_reasons output; JSON-ready.

    Values that are unavailable (an aggregate column without `aggregates`, or NaN) are left
    out of "values" rather than sent as null, so the wording can fall back to a short form.
    """
    table = _value_frame(features, aggregates).reindex(reasons.index)
    needed = sorted({n for names in REASON_FEATURES.values() for n in names} & set(table.columns))
    position = {name: i for i, name in enumerate(needed)}
    digits = np.array([VALUE_DIGITS.get(n, DEFAULT_VALUE_DIGITS) for n in needed])
    raw = table.loc[:, needed].to_numpy(dtype=np.float64)
    # Round all columns at once; each column to its own number of digits.
    matrix = (np.round(raw * 10.0**digits) / 10.0**digits).tolist()
    # Which values each code needs, resolved to matrix positions once, not per row.
    wanted = {
        code: [(n, position[n]) for n in names if n in position]
        for code, names in REASON_FEATURES.items()
    }
    payloads = []
    for row_reasons, row_values in zip(reasons.tolist(), matrix, strict=True):
        payloads.append(
            [
                {
                    "code": str(code),
                    "weight": round(float(weight), WEIGHT_DIGITS),
                    "values": {
                        n: _json_value(row_values[i])
                        for n, i in wanted.get(code, [])
                        if not math.isnan(row_values[i])
                    },
                }
                for code, weight in row_reasons
            ]
        )
    return pd.Series(payloads, index=reasons.index, name="reasons", dtype=object)


def _check_reason_features() -> None:
    # Import-time guard: a feature added to FEATURE_COLUMNS must get its wording values.
    if set(REASON_FEATURES) != set(FEATURE_COLUMNS):
        raise RuntimeError("REASON_FEATURES must have exactly the keys of FEATURE_COLUMNS")


_check_reason_features()
