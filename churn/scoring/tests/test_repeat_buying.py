"""Repeat-buying models against published values on the CDNOW sample.

data/cdnow_summary.csv is the public CDNOW sample of 2,357 customers (Fader & Hardie,
https://www.brucehardie.com/datasets/), in weeks: frequency = x, recency = t_x, T, and
monetary_value = mean repeat-transaction value in dollars (0 for x = 0). It was taken from
the data files bundled with the `lifetimes` 0.11.3 package; no code from it is used.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special  # type: ignore[import-untyped]

from churn.scoring.repeat_buying import (
    RepeatBuyingParams,
    _design,
    _log_likelihood,
    _value_and_gradient,
    expected_days_to_next,
    expected_purchases,
    p_alive,
    repeat_buying_fit,
    repeat_buying_log_likelihood,
    rfm_from_aggregates,
)

CDNOW = Path(__file__).parent / "data" / "cdnow_summary.csv"
# Fader, Hardie & Lee (2005), "Counting your customers the easy way", section 5.
PUBLISHED_BGNBD = RepeatBuyingParams(r=0.243, alpha=4.414, a=0.793, b=2.426, variant="bgnbd")


@pytest.fixture(scope="module")
def cdnow():
    return pd.read_csv(CDNOW)


@pytest.fixture(scope="module")
def cdnow_mbgnbd(cdnow):
    return repeat_buying_fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_bgnbd_fit_on_cdnow_matches_the_paper(cdnow):
    fitted = repeat_buying_fit(cdnow["frequency"], cdnow["recency"], cdnow["T"], variant="bgnbd")
    assert fitted.variant == "bgnbd"
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fitted, name) == pytest.approx(getattr(PUBLISHED_BGNBD, name), rel=0.01)


def test_bgnbd_log_likelihood_matches_the_paper(cdnow):
    # The paper reports LL = -9582.4 at its estimates.
    ll = repeat_buying_log_likelihood(
        PUBLISHED_BGNBD, cdnow["frequency"], cdnow["recency"], cdnow["T"]
    )
    assert ll == pytest.approx(-9582.4, abs=0.5)


def test_bgnbd_conditional_expectation_matches_the_paper():
    # Paper: customer with x=2, t_x=30.43, T=38.86 expects 1.226 purchases in 39 weeks.
    value = expected_purchases(PUBLISHED_BGNBD, 39.0, [2.0], [30.43], [38.86])
    assert value[0] == pytest.approx(1.226, abs=0.001)


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
def test_expectation_via_euler_transform_equals_the_textbook_formula(variant):
    params = RepeatBuyingParams(r=0.6, alpha=5.0, a=0.8, b=2.5, variant=variant)
    x, t_x, age, t = np.array([0.0, 1, 4, 10]), np.array([0.0, 5, 20, 30]), 35.0, 26.0
    d = 1.0 if variant == "mbgnbd" else 0.0
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    c = a + b + x - 1 + d
    z = t / (alpha + age + t)
    bracket = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * special.hyp2f1(
        r + x, b + x + d, c, z
    )
    odds = np.where(x + d > 0, a / np.maximum(b + x - 1 + d, 1e-12), 0.0) * (
        (alpha + age) / (alpha + t_x)
    ) ** (r + x)
    textbook = c / (a - 1) * bracket / (1 + odds)
    np.testing.assert_allclose(expected_purchases(params, t, x, t_x, age), textbook, rtol=1e-9)


def test_expectation_is_finite_for_frequent_long_silent_buyers():
    params = RepeatBuyingParams(r=0.5, alpha=30.0, a=0.9, b=1.6, variant="mbgnbd")
    value = expected_purchases(params, 365.0, [400.0], [100.0], [3000.0])
    assert np.isfinite(value).all()
    assert 0 <= value[0] < 1e-3  # 400 orders then 2,900 silent days: gone


@pytest.mark.parametrize("shift", [0.0, 1.0])
def test_analytic_gradient_matches_finite_differences(cdnow, shift):
    x, t_x, age = (cdnow[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    design, weights = _design(x, t_x, age), np.ones(x.size)
    theta = np.log([0.3, 5.0, 0.8, 2.0])
    assert _value_and_gradient(theta, design, shift, weights)[0] == pytest.approx(
        _log_likelihood(theta, design, shift).sum()
    )
    error = optimize.check_grad(
        lambda th: _log_likelihood(th, design, shift).sum(),
        lambda th: _value_and_gradient(th, design, shift, weights)[1],
        theta,
    )
    assert error < 1e-2  # against gradient entries of order 100


def test_mbgnbd_fits_cdnow_and_is_at_least_as_likely_as_bgnbd(cdnow, cdnow_mbgnbd):
    params = cdnow_mbgnbd
    assert params.variant == "mbgnbd"
    assert all(np.isfinite(v) and v > 0 for v in (params.r, params.alpha, params.a, params.b))
    data = (cdnow["frequency"], cdnow["recency"], cdnow["T"])
    assert repeat_buying_log_likelihood(params, *data) >= repeat_buying_log_likelihood(
        PUBLISHED_BGNBD, *data
    )


def test_mbgnbd_one_time_buyer_decays_with_silence(cdnow_mbgnbd):
    ages = np.array([1.0, 10.0, 30.0, 60.0])
    alive = p_alive(cdnow_mbgnbd, np.zeros(4), np.zeros(4), ages)
    assert (alive < 1).all()
    assert (np.diff(alive) < 0).all()


def test_bgnbd_one_time_buyer_is_always_alive_the_classic_trap():
    alive = p_alive(PUBLISHED_BGNBD, [0.0, 0.0], [0.0, 0.0], [1.0, 500.0])
    np.testing.assert_array_equal(alive, [1.0, 1.0])


def test_regular_repeat_buyer_ranks_above_one_time_buyer_with_same_silence(cdnow_mbgnbd):
    # Both last bought 4 weeks ago: one has bought every 4 weeks for a year, one only once.
    regular = p_alive(cdnow_mbgnbd, [12.0], [48.0], [52.0])[0]
    one_time = p_alive(cdnow_mbgnbd, [0.0], [0.0], [4.0])[0]
    assert regular > one_time
    assert regular > 0.8


@pytest.mark.parametrize("variant", ["bgnbd", "mbgnbd"])
def test_p_alive_decreases_with_age_for_fixed_history(variant):
    params = RepeatBuyingParams(r=0.5, alpha=6.0, a=0.9, b=1.6, variant=variant)
    ages = np.linspace(20.0, 200.0, 10)
    alive = p_alive(params, np.full(10, 3.0), np.full(10, 15.0), ages)
    assert (np.diff(alive) < 0).all()
    assert ((alive > 0) & (alive < 1)).all()


def test_expected_days_to_next_is_inverse_posterior_rate():
    params = RepeatBuyingParams(r=0.5, alpha=6.0, a=0.9, b=1.6, variant="mbgnbd")
    days = expected_days_to_next(params, [0.0, 3.0], [0.0, 15.0], [10.0, 40.0])
    np.testing.assert_allclose(days, [16.0 / 0.5, 46.0 / 3.5])


def _simulate_mbgnbd(rng, params, ages):
    """Customers drop out right after any purchase (the first included) with prob p."""
    n, max_purchases = ages.size, 400
    rate = rng.gamma(params.r, 1.0 / params.alpha, n)
    dropout = rng.beta(params.a, params.b, n)
    n_alive_purchases = rng.geometric(dropout)  # purchases made before dropping out
    gaps = rng.exponential(1.0, (n, max_purchases - 1)) / rate[:, None]
    times = np.hstack([np.zeros((n, 1)), np.cumsum(gaps, axis=1)])
    k = np.arange(1, max_purchases + 1)
    observed = (times <= ages[:, None]) & (k[None, :] <= n_alive_purchases[:, None])
    count = observed.sum(axis=1)
    assert (count < max_purchases).all()
    recency = times[np.arange(n), count - 1]
    return count - 1.0, recency, ages


def test_mbgnbd_fit_recovers_simulated_parameters():
    truth = RepeatBuyingParams(r=0.8, alpha=40.0, a=0.9, b=3.0, variant="mbgnbd")
    rng = np.random.default_rng(7)
    ages = np.round(rng.uniform(100.0, 700.0, 30_000))
    x, t_x, age = _simulate_mbgnbd(rng, truth, ages)
    fitted = repeat_buying_fit(x, t_x, age)
    assert fitted.r == pytest.approx(truth.r, rel=0.1)
    assert fitted.alpha == pytest.approx(truth.alpha, rel=0.1)
    assert fitted.a == pytest.approx(truth.a, rel=0.2)
    assert fitted.b == pytest.approx(truth.b, rel=0.2)


def test_fit_is_scale_equivariant_weeks_to_days(cdnow, cdnow_mbgnbd):
    days = repeat_buying_fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    assert days.alpha == pytest.approx(cdnow_mbgnbd.alpha * 7, rel=1e-3)
    assert days.r == pytest.approx(cdnow_mbgnbd.r, rel=1e-3)
    assert days.b == pytest.approx(cdnow_mbgnbd.b, rel=1e-3)


def test_fit_rejects_empty_input_and_unknown_variant():
    with pytest.raises(ValueError, match="at least one"):
        repeat_buying_fit([], [], [])
    with pytest.raises(ValueError, match="variant"):
        repeat_buying_fit([1.0], [1.0], [2.0], variant="pareto")


def test_params_round_trip_through_dict():
    params = RepeatBuyingParams(r=0.5, alpha=6.0, a=0.9, b=1.6, variant="mbgnbd")
    assert RepeatBuyingParams.from_dict(params.to_dict()) == params
    with pytest.raises(ValueError, match="alpha"):
        RepeatBuyingParams.from_dict({"r": 1, "alpha": -1, "a": 1, "b": 1, "variant": "bgnbd"})


def test_rfm_from_aggregates_keeps_buyers_only_in_days():
    agg = pd.DataFrame(
        {
            "order_days": [0.0, 1.0, 3.0],
            "order_count": [0.0, 2.0, 4.0],
            "first_order_days_ago": [np.nan, 50.0, 100.0],
            "last_order_days_ago": [np.nan, 50.0, 10.0],
            "revenue_cents": [0.0, 3000.0, 10000.0],
        },
        index=pd.Index([1, 2, 3], name="customer_id"),
    )
    rfm = rfm_from_aggregates(agg)
    assert list(rfm.index) == [2, 3]
    np.testing.assert_allclose(rfm["frequency"], [0.0, 2.0])
    np.testing.assert_allclose(rfm["recency"], [0.0, 90.0])
    np.testing.assert_allclose(rfm["age"], [50.0, 100.0])
    np.testing.assert_allclose(rfm["monetary_cents"], [1500.0, 2500.0])
