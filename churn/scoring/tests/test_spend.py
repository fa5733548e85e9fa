from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from churn.scoring.spend import SpendParams, expected_spend, lifetime_value, spend_fit

# The public CDNOW sample; see test_repeat_buying.py for its origin.
CDNOW = Path(__file__).parent / "data" / "cdnow_summary.csv"


def test_gamma_gamma_fit_on_cdnow_matches_fader_hardie_2013():
    cdnow = pd.read_csv(CDNOW)
    assert int((cdnow["frequency"] > 0).sum()) == 946  # the note's sample of repeat buyers
    fitted = spend_fit(cdnow["frequency"], cdnow["monetary_value"])
    assert fitted.p == pytest.approx(6.25, rel=0.01)
    assert fitted.q == pytest.approx(3.74, rel=0.01)
    assert fitted.v == pytest.approx(15.44, rel=0.01)


def test_spend_fit_is_equivariant_in_the_money_unit():
    cdnow = pd.read_csv(CDNOW)
    dollars = spend_fit(cdnow["frequency"], cdnow["monetary_value"])
    cents = spend_fit(cdnow["frequency"], cdnow["monetary_value"] * 100)
    assert cents.v == pytest.approx(dollars.v * 100, rel=1e-3)
    assert cents.p == pytest.approx(dollars.p, rel=1e-3)


def test_expected_spend_shrinks_towards_population_mean():
    params = SpendParams(p=6.25, q=3.74, v=15.44)
    population = 6.25 * 15.44 / 2.74
    spend = expected_spend(params, [0.0, 1.0, 50.0, 2.0], [0.0, 100.0, 100.0, np.nan])
    assert spend[0] == pytest.approx(population)
    assert population < spend[1] < spend[2] < 100.0
    # weight on the customer's own mean: p*x / (p*x + q - 1)
    assert spend[1] == pytest.approx((2.74 * population + 6.25 * 100.0) / (6.25 + 2.74))
    assert spend[3] == pytest.approx(population)  # no usable spend: population mean


def test_spend_fit_needs_enough_repeat_buyers():
    with pytest.raises(ValueError, match="at least 10"):
        spend_fit([0, 0, 1, 2, 3], [0, 0, 10.0, 12.0, 9.0])


def test_lifetime_value_is_orders_times_spend():
    np.testing.assert_allclose(lifetime_value([0.0, 2.5], [1000.0, 2000.0]), [0.0, 5000.0])


def test_spend_params_round_trip_and_reject_infinite_mean():
    params = SpendParams(p=6.25, q=3.74, v=15.44)
    assert SpendParams.from_dict(params.to_dict()) == params
    with pytest.raises(ValueError, match="out of range"):
        SpendParams.from_dict({"p": 1.0, "q": 0.9, "v": 2.0})
