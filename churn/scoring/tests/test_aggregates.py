import numpy as np
import pandas as pd
import pytest

from churn.scoring.aggregates import AGGREGATE_COLUMNS, empty_aggregates, validate_aggregates
from churn.scoring.tests.synthetic import synthetic_aggregates


def test_empty_aggregates_has_the_contract_columns_and_validates():
    empty = empty_aggregates()
    assert tuple(empty.columns) == AGGREGATE_COLUMNS
    assert empty.index.name == "customer_id"
    assert len(validate_aggregates(empty)) == 0


def test_validate_names_every_missing_column():
    agg, _ = synthetic_aggregates(5)
    with pytest.raises(ValueError, match="nps_recent_avg, nps_before_avg"):
        validate_aggregates(agg.drop(columns=["nps_recent_avg", "nps_before_avg"]))


def test_validate_fills_counts_but_keeps_absent_dates_nan():
    agg, _ = synthetic_aggregates(3)
    agg = agg.astype(object)
    first = agg.index[0]
    agg.loc[first, "orders_last_90"] = None
    agg.loc[first, "last_inbound_days_ago"] = None
    agg["extra"] = 1
    clean = validate_aggregates(agg.iloc[:, ::-1])
    assert tuple(clean.columns) == AGGREGATE_COLUMNS
    assert (clean.dtypes == np.float64).all()
    assert clean["orders_last_90"].iloc[0] == 0.0
    assert np.isnan(clean["last_inbound_days_ago"].iloc[0])
    assert clean.index.dtype == np.int64


def test_validate_coerces_integer_counts_to_float():
    agg, _ = synthetic_aggregates(4)
    agg["order_days"] = agg["order_days"].astype(np.int64)
    clean = validate_aggregates(agg)
    assert clean["order_days"].dtype == np.float64
    pd.testing.assert_series_equal(clean["order_days"], agg["order_days"].astype(np.float64))
