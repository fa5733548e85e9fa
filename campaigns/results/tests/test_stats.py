"""Uplift statistics against published and hand-computed values (no database)."""

import math

import numpy as np
import pytest
from scipy import stats as scipy_stats  # type: ignore[import-untyped]

from campaigns.results.stats import (
    Interval,
    Moments,
    mean_difference,
    proportion_difference,
    too_few_to_tell,
    wilson_interval,
)

# Newcombe (1998), "Interval estimation for the difference between independent
# proportions", Table II, method 10 (score interval, hybrid): examples (a), (b), (d)-(h).
NEWCOMBE_METHOD_10 = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "expected"), NEWCOMBE_METHOD_10)
def test_proportion_difference_matches_newcombe_table(counts, expected) -> None:
    result = proportion_difference(*counts)
    assert result.interval is not None
    assert round(result.interval.low, 4) == pytest.approx(expected[0], abs=1e-4)
    assert round(result.interval.high, 4) == pytest.approx(expected[1], abs=1e-4)
    assert result.difference == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])


def test_wilson_interval_by_hand() -> None:
    # 8 of 10, z = 1.96: centre (0.8 + 0.19208) / 1.38416, half 1.96 * sqrt(0.016 + 0.009604)
    # / 1.38416 -> 0.4902 .. 0.9433 (Wilson 1927; also Newcombe's method 3 for 8/10).
    interval = wilson_interval(8, 10)
    assert interval.low == pytest.approx(0.4902, abs=1e-4)
    assert interval.high == pytest.approx(0.9433, abs=1e-4)


def test_proportion_difference_with_an_empty_group_has_no_interval() -> None:
    result = proportion_difference(3, 10, 0, 0)
    assert result.treated == pytest.approx(0.3)
    assert result.control is None
    assert result.difference is None
    assert result.interval is None


def test_moments_give_mean_and_sample_variance() -> None:
    values = [1.0, 2.0, 3.0, 4.0, 5.0]
    moments = Moments(5, sum(values), sum(v * v for v in values))
    assert moments.mean == 3.0
    assert moments.variance == pytest.approx(2.5)
    assert Moments(1, 4.0, 16.0).variance is None
    assert Moments(0, 0.0, 0.0).mean is None


def test_mean_difference_by_hand() -> None:
    # treated 1..5: mean 3, s² 2.5; control 2, 4, 6: mean 4, s² 4.
    # se² = 2.5/5 + 4/3 = 1.8333; df = 1.8333² / (0.5²/4 + 1.3333²/2) = 3.5328.
    treated = Moments(5, 15.0, 55.0)
    control = Moments(3, 12.0, 56.0)
    result = mean_difference(treated, control)
    assert result.difference == pytest.approx(-1.0)
    assert result.degrees_of_freedom == pytest.approx(3.5328, abs=1e-4)
    half = scipy_stats.t.ppf(0.975, 3.532846) * math.sqrt(1.833333)
    assert result.interval is not None
    assert result.interval.low == pytest.approx(-1 - half, abs=1e-4)
    assert result.interval.high == pytest.approx(-1 + half, abs=1e-4)


def test_mean_difference_agrees_with_scipy_welch_test() -> None:
    x = np.array([19.1, 21.3, 20.0, 24.2, 22.8, 18.5])
    y = np.array([17.0, 16.2, 19.9, 15.5, 18.1, 16.6, 17.7, 14.9])
    reference = scipy_stats.ttest_ind(x, y, equal_var=False)
    ci = reference.confidence_interval(0.95)
    result = mean_difference(
        Moments(len(x), float(x.sum()), float((x * x).sum())),
        Moments(len(y), float(y.sum()), float((y * y).sum())),
    )
    assert result.interval is not None
    assert result.interval.low == pytest.approx(ci.low, rel=1e-9)
    assert result.interval.high == pytest.approx(ci.high, rel=1e-9)
    assert result.degrees_of_freedom == pytest.approx(reference.df, rel=1e-9)


def test_mean_difference_of_constant_groups_is_exact() -> None:
    result = mean_difference(Moments(3, 0.0, 0.0), Moments(4, 0.0, 0.0))
    assert result.difference == 0.0
    assert result.interval == Interval(0.0, 0.0)


def test_mean_difference_needs_two_per_group_for_an_interval() -> None:
    result = mean_difference(Moments(1, 5.0, 25.0), Moments(4, 8.0, 20.0))
    assert result.difference == pytest.approx(3.0)
    assert result.interval is None


def test_too_few_to_tell_below_thirty_in_either_group() -> None:
    assert too_few_to_tell(500, 29)
    assert too_few_to_tell(29, 500)
    assert not too_few_to_tell(30, 30)
