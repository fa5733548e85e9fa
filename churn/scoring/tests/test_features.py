import numpy as np
import pandas as pd
import pytest

from churn.scoring.aggregates import AGGREGATE_COLUMNS, NULLABLE_COLUMNS
from churn.scoring.features import FEATURE_COLUMNS, NEUTRAL_NPS, features_from_aggregates
from churn.scoring.tests.synthetic import synthetic_aggregates


def _one_customer(**values):
    row = {name: (np.nan if name in NULLABLE_COLUMNS else 0.0) for name in AGGREGATE_COLUMNS}
    row.update(values)
    return pd.DataFrame([row], index=pd.Index([42], name="customer_id"))


def test_features_have_exactly_the_model_columns_and_are_finite():
    agg, _ = synthetic_aggregates(2_000, seed=3)
    features = features_from_aggregates(agg)
    assert tuple(features.columns) == FEATURE_COLUMNS
    assert features.index.equals(agg.index)
    assert np.isfinite(features.to_numpy()).all()


def test_customer_without_orders_or_answers_gets_neutral_values_and_flags():
    features = features_from_aggregates(_one_customer(tenure_days=200.0)).iloc[0]
    assert features["has_orders"] == 0
    assert features["recency_days"] == 200.0  # silent since they joined
    assert features["cadence_days"] == 200.0
    assert features["gap_ratio"] == pytest.approx(np.log1p(1.0))
    assert features["contact_recency_days"] == 200.0
    assert features["nps_recent"] == NEUTRAL_NPS
    assert features["has_nps"] == 0
    assert features["nps_change"] == 0
    assert features["has_complaint_response"] == 0
    assert features["complaint_response_hours"] == 0


def test_repeat_buyer_cadence_gap_and_trends():
    agg = _one_customer(
        tenure_days=400.0,
        order_days=5.0,
        order_count=5.0,
        first_order_days_ago=300.0,
        last_order_days_ago=100.0,
        revenue_cents=25_000.0,
        orders_last_90=0.0,
        orders_prev_90=3.0,
        active_days_last_30=0.0,
        active_days_prev_60=20.0,
        complaints_last_90=2.0,
        nps_recent_avg=4.0,
        nps_before_avg=9.0,
    )
    features = features_from_aggregates(agg).iloc[0]
    assert features["frequency"] == 4.0
    assert features["cadence_days"] == 50.0  # 200 days over 4 gaps
    assert features["gap_ratio"] == pytest.approx(np.log1p(2.0))
    assert features["log_monetary_avg"] == pytest.approx(np.log1p(50.0))  # 50 euros an order
    assert features["order_trend"] == pytest.approx(-np.log(4.0))
    assert features["activity_drop"] == pytest.approx(np.log1p(10.0))  # 10 days/30 -> 0
    assert features["complaints_recurring"] == 1
    assert features["nps_recent"] == 4.0
    assert features["has_nps"] == 1
    assert features["nps_change"] == -5.0


def test_features_reject_incomplete_aggregates():
    agg, _ = synthetic_aggregates(3)
    with pytest.raises(ValueError, match="tenure_days"):
        features_from_aggregates(agg.drop(columns=["tenure_days"]))
