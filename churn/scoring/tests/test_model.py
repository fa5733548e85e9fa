from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special  # type: ignore[import-untyped]

from churn.scoring.features import FEATURE_COLUMNS
from churn.scoring.model import (
    churn_contributions,
    churn_logit,
    churn_model_fit,
    churn_predict,
    churn_score,
    model_dump,
    model_load,
    top_reasons,
)
from churn.scoring.tests.synthetic import synthetic_training_data

# Regenerate after changing FEATURE_COLUMNS: .venv/bin/python -m churn.scoring.tests.golden
GOLDEN_MODEL = Path(__file__).parent / "data" / "golden_model.joblib"


@pytest.fixture(scope="module")
def data():
    return synthetic_training_data(6_000, seed=11)


@pytest.fixture(scope="module")
def model(data):
    return churn_model_fit(data.train_features, data.train_labels, seed=0)


def test_contributions_sum_exactly_to_the_logit(model, data):
    features = data.holdout_features
    contributions = churn_contributions(model, features)
    assert tuple(contributions.columns) == FEATURE_COLUMNS
    total = model.base_logit + contributions.sum(axis=1)
    np.testing.assert_allclose(total, churn_logit(model, features), atol=1e-8, rtol=0)
    np.testing.assert_allclose(
        special.expit(total), churn_predict(model, features), atol=1e-10, rtol=0
    )


def test_churn_score_equals_predict_and_contributions(model, data):
    features = data.holdout_features.iloc[:500]
    probability, contributions = churn_score(model, features)
    pd.testing.assert_series_equal(probability, churn_predict(model, features))
    pd.testing.assert_frame_equal(contributions, churn_contributions(model, features))


def test_contributions_average_zero_on_training_rows(model, data):
    # Centred on the regression's own rows (80 % of train); the rest differ only by noise.
    mean = churn_contributions(model, data.train_features).mean()
    assert (mean.abs() < 0.05).all()


def test_predict_preserves_index_and_order_and_learns_the_signal(model, data):
    shuffled = data.holdout_features.sample(frac=1.0, random_state=1)
    predicted = churn_predict(model, shuffled)
    assert predicted.index.equals(shuffled.index)
    assert ((predicted > 0) & (predicted < 1)).all()
    # Planted signal: unresolved complaints raise risk.
    contributions = churn_contributions(model, data.holdout_features)
    unresolved = data.holdout_features["complaints_unresolved"]
    assert contributions["complaints_unresolved"][unresolved >= 2].mean() > 0.5
    assert contributions["complaints_unresolved"][unresolved == 0].mean() < 0


def test_top_reasons_picks_largest_positive_contributions():
    contributions = pd.DataFrame(
        {
            "a": [0.9, -1.0, 0.01],
            "b": [0.2, -0.5, 0.02],
            "c": [1.5, -0.1, 0.04],
            "d": [0.3, 0.6, 0.0],
        },
        index=pd.Index([7, 8, 9], name="customer_id"),
    )
    reasons = top_reasons(contributions, k=3, min_contribution=0.05)
    assert list(reasons.index) == [7, 8, 9]
    assert reasons[7] == [("c", 1.5), ("a", 0.9), ("d", 0.3)]
    assert reasons[8] == [("d", 0.6)]  # negatives never count as reasons
    assert reasons[9] == []  # all below the threshold
    assert top_reasons(contributions, k=1)[7] == [("c", 1.5)]


def test_model_round_trips_through_bytes(model, data):
    loaded = model_load(model_dump(model))
    assert loaded.feature_columns == FEATURE_COLUMNS
    pd.testing.assert_series_equal(
        churn_predict(loaded, data.holdout_features), churn_predict(model, data.holdout_features)
    )


def test_model_load_rejects_other_feature_columns(model):
    from dataclasses import replace

    stale = replace(model, feature_columns=(*FEATURE_COLUMNS[:-1], "old_feature"))
    with pytest.raises(ValueError, match="different feature columns"):
        model_load(model_dump(stale))
    with pytest.raises(ValueError, match="not a ChurnModel"):
        model_load(model_dump({"not": "a model"}))  # type: ignore[arg-type]


def test_golden_saved_model_matches_feature_columns():
    model = model_load(GOLDEN_MODEL.read_bytes())
    assert model.feature_columns == FEATURE_COLUMNS


def test_top_reasons_on_many_rows_matches_a_plain_per_row_selection():
    rng = np.random.default_rng(3)
    contributions = pd.DataFrame(
        rng.normal(scale=0.3, size=(500, 6)), columns=list("abcdef"), index=np.arange(500) * 3
    )
    reasons = top_reasons(contributions, k=2, min_contribution=0.1)
    assert reasons.index.equals(contributions.index)
    for position, (_, row) in enumerate(contributions.iterrows()):
        expected = [(n, v) for n, v in row.sort_values(ascending=False).items() if v >= 0.1][:2]
        assert reasons.iloc[position] == expected
