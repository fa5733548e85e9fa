import json
import math

import numpy as np
import pytest

from churn.scoring.metrics import (
    brier,
    calibration_curve,
    lift_by_decile,
    pr_auc,
    psi,
    quality_report,
    roc_auc,
    top_decile_lift,
)

Y = [0, 0, 1, 1]
SCORE = [0.1, 0.4, 0.35, 0.8]


def test_auc_average_precision_and_brier_on_a_hand_computed_case():
    # Pairs (pos, neg): (0.35>0.1) (0.35<0.4) (0.8>0.1) (0.8>0.4): 3 of 4 ordered right.
    assert roc_auc(Y, SCORE) == pytest.approx(0.75)
    # Ranked: 1, 0, 1, 0 -> precision 1 at recall 1/2, 2/3 at recall 1.
    assert pr_auc(Y, SCORE) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert brier(Y, SCORE) == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)


def test_ties_count_half():
    assert roc_auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) == pytest.approx(0.875)


def test_one_class_gives_nan_not_an_exception():
    assert math.isnan(roc_auc([1, 1, 1], [0.1, 0.2, 0.3]))
    assert math.isnan(pr_auc([0, 0], [0.1, 0.2]))
    assert math.isnan(roc_auc([], []))
    report = quality_report([0, 0, 0], [0.1, 0.2, 0.3])
    assert report["roc_auc"] is None
    assert report["pr_auc"] is None
    assert report["top_decile_lift"] is None  # base rate 0: lift undefined
    json.dumps(report, allow_nan=False)


def test_lift_by_decile_ranks_highest_scores_first():
    y = np.array([1, 1] + [0] * 18)
    score = np.arange(20, 0, -1, dtype=float)  # the two churners score highest
    deciles = lift_by_decile(y, score)
    assert len(deciles) == 10
    assert [d["count"] for d in deciles] == [2.0] * 10
    assert deciles[0]["rate"] == 1.0
    assert deciles[0]["lift"] == pytest.approx(10.0)  # base rate 0.1
    assert all(d["rate"] == 0 for d in deciles[1:])
    assert top_decile_lift(y, score) == pytest.approx(10.0)
    assert top_decile_lift(y, -score) == 0.0


def test_calibration_curve_bins_by_predicted_probability():
    p = [0.05, 0.05, 0.95, 0.95, 0.91]
    y = [0, 1, 1, 1, 0]
    curve = calibration_curve(y, p, bins=10)
    assert len(curve) == 2  # empty bins left out
    assert curve[0] == {"mean_predicted": 0.05, "observed_rate": 0.5, "count": 2.0}
    assert curve[1]["count"] == 3.0
    assert curve[1]["observed_rate"] == pytest.approx(2 / 3)
    assert curve[1]["mean_predicted"] == pytest.approx((0.95 + 0.95 + 0.91) / 3)


def test_psi_is_zero_for_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    base = rng.normal(size=50_000)
    assert psi(base, base) == pytest.approx(0.0, abs=1e-12)
    assert psi(base, rng.normal(size=50_000)) < 0.01
    assert psi(base, rng.normal(loc=1.0, size=50_000)) > 0.25


def test_psi_survives_empty_bins_and_ties():
    expected = np.zeros(1000)
    expected[:100] = 1.0
    value = psi(expected, np.ones(1000))
    assert np.isfinite(value)
    assert value > 1.0


def test_quality_report_is_json_ready_and_skips_brier_for_non_probabilities():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    report = quality_report(y, rng.random(500))
    assert set(report) >= {"roc_auc", "pr_auc", "brier", "calibration", "lift_by_decile"}
    assert isinstance(report["brier"], float)
    json.dumps(report, allow_nan=False)
    days = quality_report(y, rng.uniform(0, 400, 500))
    assert days["brier"] is None
    assert days["calibration"] == []
    assert isinstance(days["roc_auc"], float)
