import json

import pandas as pd
import pytest

from churn.scoring.explain import REASON_FEATURES, reasons_payload
from churn.scoring.features import FEATURE_COLUMNS, features_from_aggregates
from churn.scoring.tests.synthetic import synthetic_aggregates


def test_every_feature_has_reason_values():
    assert set(REASON_FEATURES) == set(FEATURE_COLUMNS)


def test_payload_carries_code_weight_and_the_wording_values():
    agg, _ = synthetic_aggregates(3, seed=2)
    features = features_from_aggregates(agg)
    ids = features.index
    reasons = pd.Series(
        [[("gap_ratio", 1.23456), ("activity_drop", 0.5)], [], [("log_monetary_avg", 0.2)]],
        index=ids,
    )
    payload = reasons_payload(reasons, features, aggregates=agg)
    first = payload[ids[0]]
    assert first[0]["code"] == "gap_ratio"
    assert first[0]["weight"] == 1.235
    assert first[0]["values"]["recency_days"] == pytest.approx(features.loc[ids[0], "recency_days"])
    assert set(first[0]["values"]) == {"recency_days", "cadence_days"}
    assert first[1]["values"]["active_days_last_30"] == agg.loc[ids[0], "active_days_last_30"]
    assert payload[ids[1]] == []
    monetary = payload[ids[2]][0]["values"]["monetary_avg_euros"]
    assert monetary == pytest.approx(
        agg.loc[ids[2], "revenue_cents"] / agg.loc[ids[2], "order_count"] / 100, abs=0.01
    )
    json.dumps(payload.tolist(), allow_nan=False)
    values = [v for row in payload for reason in row for v in reason["values"].values()]
    assert values
    assert all(type(v) in (int, float) for v in values)  # plain Python, not numpy scalars
    assert all(type(reason["weight"]) is float for row in payload for reason in row)


def test_payload_without_aggregates_leaves_their_values_out():
    agg, _ = synthetic_aggregates(1, seed=2)
    features = features_from_aggregates(agg)
    payload = reasons_payload(pd.Series([[("order_trend", 0.4)]], index=features.index), features)
    assert payload.iloc[0] == [{"code": "order_trend", "weight": 0.4, "values": {}}]
