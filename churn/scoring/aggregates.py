"""The input contract: one row of per-customer aggregates as of a date.

The Django side builds this frame from the database using only data up to and including
`as_of`; everything in `churn.scoring` starts from it. Index = `customer_id` (int64).
Date columns arrive as float "days before as_of" (as_of minus the date, >= 0, NaN when
there is no such date); every other column is a count or a sum (>= 0).
"""

import numpy as np
import pandas as pd

# Columns whose NaN means "no such event" and must stay NaN: filling them with 0 would
# claim the event happened on as_of (day columns) or an answer/score of 0 (averages).
NULLABLE_COLUMNS: tuple[str, ...] = (
    "first_order_days_ago",
    "last_order_days_ago",
    "last_inbound_days_ago",
    "complaint_response_hours_avg",
    "nps_recent_avg",
    "nps_before_avg",
)

AGGREGATE_COLUMNS: tuple[str, ...] = (
    "tenure_days",
    # orders (cancelled ones excluded)
    "order_days",
    "order_count",
    "first_order_days_ago",
    "last_order_days_ago",
    "revenue_cents",
    "orders_last_30",
    "orders_last_90",
    "orders_prev_90",
    "revenue_last_90_cents",
    "revenue_prev_90_cents",
    # refunds and returns of orders
    "refunds_last_90",
    "refund_cents",
    # interactions
    "inbound_last_30",
    "inbound_last_90",
    "inbound_prev_90",
    "last_inbound_days_ago",
    "outbound_last_90",
    # complaints
    "complaints_total",
    "complaints_last_30",
    "complaints_last_90",
    "complaints_unresolved",
    "complaint_response_hours_avg",
    # surveys
    "nps_recent_avg",
    "nps_before_avg",
    # web/app activity
    "active_days_last_30",
    "active_days_prev_60",
    "seconds_last_30",
    "seconds_prev_60",
    # campaigns
    "campaign_responses_last_90",
)

# Counts and sums: NaN here can only mean "nothing to count" (e.g. a LEFT JOIN miss).
COUNT_COLUMNS: tuple[str, ...] = tuple(c for c in AGGREGATE_COLUMNS if c not in NULLABLE_COLUMNS)


def empty_aggregates() -> pd.DataFrame:
    """A zero-row frame with the contract's columns, dtypes and index name."""
    index = pd.Index(np.empty(0, dtype=np.int64), name="customer_id")
    return pd.DataFrame(
        {name: np.empty(0, dtype=np.float64) for name in AGGREGATE_COLUMNS}, index=index
    )


def validate_aggregates(agg: pd.DataFrame) -> pd.DataFrame:
    """Check the contract and return a normalised copy (float64 columns in contract order).

    Raises ValueError naming any missing columns: a silently added column of zeros would
    make a broken query look like a population of quiet customers. Extra columns are
    dropped. NaN counts become 0; NaN day/average columns stay NaN (absence is data).
    """
    missing = [name for name in AGGREGATE_COLUMNS if name not in agg.columns]
    if missing:
        raise ValueError(f"aggregates lack columns: {', '.join(missing)}")
    out = agg.loc[:, list(AGGREGATE_COLUMNS)].astype(np.float64)
    counts = list(COUNT_COLUMNS)
    out[counts] = out[counts].fillna(0.0)
    out.index = pd.Index(agg.index.to_numpy(dtype=np.int64), name="customer_id")
    return out
