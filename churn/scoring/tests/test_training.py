import json
from dataclasses import replace

import pytest

from churn.scoring.features import FEATURE_COLUMNS
from churn.scoring.tests.synthetic import synthetic_training_data
from churn.scoring.training import MIN_CHURNERS, beats, churn_train


@pytest.fixture(scope="module")
def result():
    return churn_train(synthetic_training_data(8_000, seed=21), seed=0)


def test_training_on_synthetic_data_beats_both_baselines_on_holdout(result):
    assert not result.is_cold_start
    assert result.model is not None
    assert result.model.feature_columns == FEATURE_COLUMNS
    model_auc = result.metrics["roc_auc"]
    for name in ("recency", "silence"):
        assert model_auc > result.baselines[name]["roc_auc"] + 0.05
        assert result.metrics["pr_auc"] > result.baselines[name]["pr_auc"]
        assert beats(result.metrics, result.baselines[name])
    assert result.n_train == result.n_holdout == 8_000
    json.dumps({"metrics": result.metrics, "baselines": result.baselines}, allow_nan=False)


def test_model_is_calibrated_on_holdout(result):
    assert result.metrics["brier"] < 0.2
    base_rate = result.metrics["base_rate"]
    for row in result.metrics["calibration"]:
        if row["count"] >= 200:
            assert row["observed_rate"] == pytest.approx(row["mean_predicted"], abs=0.08)
    assert 0.2 < base_rate < 0.6


def test_cold_start_with_few_churners_falls_back_to_silence():
    data = synthetic_training_data(400, seed=3, churn_shift=-5.0)
    assert data.train_labels.sum() < MIN_CHURNERS
    result = churn_train(data)
    assert result.is_cold_start
    assert result.model is None
    assert "churners" in result.cold_start_reason
    assert result.metrics == result.baselines["silence"]
    assert result.n_train_churners == int(data.train_labels.sum())


def test_cold_start_with_few_non_churners():
    data = synthetic_training_data(400, seed=3, churn_shift=8.0)
    result = churn_train(data)
    assert result.is_cold_start
    assert "non-churners" in result.cold_start_reason


def test_misaligned_labels_are_rejected():
    data = synthetic_training_data(300, seed=4)
    broken = replace(data, train_labels=data.train_labels.iloc[1:])
    with pytest.raises(ValueError, match="same customers"):
        churn_train(broken)


def test_beats_compares_auc_then_pr_auc():
    assert beats({"roc_auc": 0.6, "pr_auc": 0.1}, None)
    assert beats({"roc_auc": 0.71, "pr_auc": 0.1}, {"roc_auc": 0.70, "pr_auc": 0.9})
    assert not beats({"roc_auc": 0.69, "pr_auc": 0.9}, {"roc_auc": 0.70, "pr_auc": 0.1})
    assert beats({"roc_auc": 0.7, "pr_auc": 0.5}, {"roc_auc": 0.7, "pr_auc": 0.4})
    assert not beats({"roc_auc": 0.7, "pr_auc": 0.4}, {"roc_auc": 0.7, "pr_auc": 0.4})
    assert not beats({"roc_auc": None, "pr_auc": None}, {"roc_auc": 0.5, "pr_auc": 0.1})
    assert beats({"roc_auc": 0.55, "pr_auc": 0.2}, {"roc_auc": None, "pr_auc": None})
