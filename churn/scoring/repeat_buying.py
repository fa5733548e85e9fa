"""Repeat-buying ("silence") models: MBG/NBD and BG/NBD.

Both describe a customer by (x, t_x, T): x repeat-purchase days, t_x the time of the last
purchase and T the time since the first, all in days measured from the first purchase.
While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after
each purchase they drop out with probability p ~ Beta(a, b).

* BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): dropout can
  happen only after a *repeat* purchase, so a one-time buyer always has P(alive) = 1.
* MBG/NBD (Batislam, Denizel & Filiztekin 2007): dropout can also happen right after the
  first purchase, so one-time buyers decay with silence like everyone else. This is the
  production model: a one-time buyer who has been quiet for a year must not outrank a
  regular customer who is merely a little late.

The two differ only by a shift `d` in the Beta terms (d = 1 for MBG/NBD, 0 for BG/NBD) and
by which customers get the "dropped out after the last purchase" term; the code shares
everything else. The models are scale-equivariant: alpha carries the time unit (days here).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, special  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

VARIANTS = ("mbgnbd", "bgnbd")
# Optimise log-parameters inside this box: exp(+-12) spans any plausible rate or shape in
# days, and keeps gammaln/exp away from overflow when the optimiser probes wild values.
LOG_PARAM_BOUND = 12.0
# Beta parameter a = 1 makes the conditional expectation's prefactor 1/(a - 1) singular.
A_SINGULARITY_GAP = 1e-6


@dataclass(frozen=True)
class RepeatBuyingParams:
    r: float
    alpha: float
    a: float
    b: float
    variant: str  # "mbgnbd" or "bgnbd"

    def to_dict(self) -> dict[str, float | str]:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b, "variant": self.variant}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> "RepeatBuyingParams":
        variant = str(d.get("variant", "mbgnbd"))
        if variant not in VARIANTS:
            raise ValueError(f"unknown repeat-buying variant {variant!r}")
        values = [_positive_float(d, name) for name in ("r", "alpha", "a", "b")]
        return cls(r=values[0], alpha=values[1], a=values[2], b=values[3], variant=variant)


def _positive_float(d: Mapping[str, object], name: str) -> float:
    raw = d.get(name)
    if not isinstance(raw, int | float | str):
        raise ValueError(f"repeat-buying parameter {name!r} missing or not a number")
    value = float(raw)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"repeat-buying parameter {name!r} must be positive, got {value}")
    return value


def _shift(variant: str) -> float:
    if variant not in VARIANTS:
        raise ValueError(f"unknown repeat-buying variant {variant!r}")
    return 1.0 if variant == "mbgnbd" else 0.0


def _as_float(values: npt.ArrayLike) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def rfm_from_aggregates(agg: pd.DataFrame) -> pd.DataFrame:
    """(frequency, recency, age, monetary_cents) in days for customers with an order.

    Customers without orders are left out: the model describes buyers only. monetary is the
    mean order value over all orders (revenue_cents / order_count).
    """
    buyers = agg.loc[agg["order_days"] >= 1]
    first = buyers["first_order_days_ago"].to_numpy(dtype=np.float64)
    last = buyers["last_order_days_ago"].to_numpy(dtype=np.float64)
    order_count = np.maximum(buyers["order_count"].to_numpy(dtype=np.float64), 1.0)
    return pd.DataFrame(
        {
            "frequency": buyers["order_days"].to_numpy(dtype=np.float64) - 1.0,
            "recency": np.maximum(first - last, 0.0),
            "age": first,
            "monetary_cents": buyers["revenue_cents"].to_numpy(dtype=np.float64) / order_count,
        },
        index=buyers.index,
    )


# --- likelihood ---------------------------------------------------------------------------


class _Design(NamedTuple):
    """Rows of (x, t_x, T), with each column also as its distinct values + an index.

    x takes few distinct values (tens) and t_x, T a few thousand (whole days), so special
    functions and logs are evaluated once per distinct value and gathered, not per row.
    """

    x: FloatArray
    x_unique: FloatArray
    x_index: IntArray
    t_x_unique: FloatArray
    t_x_index: IntArray
    age_unique: FloatArray
    age_index: IntArray


def _design(x: FloatArray, t_x: FloatArray, age: FloatArray) -> _Design:
    x_unique, x_index = np.unique(x, return_inverse=True)
    t_unique, t_index = np.unique(t_x, return_inverse=True)
    age_unique, age_index = np.unique(age, return_inverse=True)
    return _Design(x, x_unique, x_index, t_unique, t_index, age_unique, age_index)


def _log_terms(
    log_params: FloatArray, d: _Design, shift: float
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """Log of the likelihood's two terms: "still alive at T" and "dropped out after t_x".

    Returns (alive, dropped, has_dropped) where has_dropped marks rows that have the second
    term at all (BG/NBD: x > 0 only; MBG/NBD: everyone).
    """
    r, alpha, a, b = np.exp(log_params)
    xu = d.x_unique
    common = special.gammaln(r + xu) - special.gammaln(r) + r * np.log(alpha) - special.betaln(a, b)
    has_dropped_u = (xu + shift) > 0
    # b + x - 1 + shift is <= 0 exactly where has_dropped is False; keep betaln finite there.
    safe_q = np.where(has_dropped_u, b + xu - 1.0 + shift, 1.0)
    alive_u = common + special.betaln(a, b + xu + shift)
    dropped_u = common + special.betaln(a + 1.0, safe_q)
    rx = r + d.x
    alive = alive_u[d.x_index] - rx * np.log(alpha + d.age_unique)[d.age_index]
    dropped = dropped_u[d.x_index] - rx * np.log(alpha + d.t_x_unique)[d.t_x_index]
    return alive, dropped, has_dropped_u[d.x_index]


def _log_likelihood(log_params: FloatArray, d: _Design, shift: float) -> FloatArray:
    alive, dropped, has_dropped = _log_terms(log_params, d, shift)
    return np.where(has_dropped, np.logaddexp(alive, dropped), alive)


def _value_and_gradient(
    log_params: FloatArray, d: _Design, shift: float, weights: FloatArray
) -> tuple[float, FloatArray]:
    """Weighted total log-likelihood and its analytic gradient in the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    alive, dropped, has_dropped = _log_terms(log_params, d, shift)
    total = np.where(has_dropped, np.logaddexp(alive, dropped), alive)
    w_dropped = np.where(has_dropped, np.exp(dropped - total), 0.0)
    w_alive = 1.0 - w_dropped
    psi = special.digamma
    xu, xi = d.x_unique, d.x_index
    end = psi(a + b + xu + shift)[xi]
    safe_q = np.where((xu + shift) > 0, b + xu - 1.0 + shift, 1.0)
    log_age = np.log(alpha + d.age_unique)[d.age_index]
    log_t_x = np.log(alpha + d.t_x_unique)[d.t_x_index]
    inv_age = (1.0 / (alpha + d.age_unique))[d.age_index]
    inv_t_x = (1.0 / (alpha + d.t_x_unique))[d.t_x_index]
    d_r = (psi(r + xu) - psi(r) + np.log(alpha))[xi] - w_alive * log_age - w_dropped * log_t_x
    d_alpha = r / alpha - (r + d.x) * (w_alive * inv_age + w_dropped * inv_t_x)
    d_a = psi(a + b) - psi(a) + w_alive * (psi(a) - end) + w_dropped * (psi(a + 1.0) - end)
    d_b = psi(a + b) - psi(b) - end
    d_b = d_b + w_alive * psi(b + xu + shift)[xi] + w_dropped * psi(safe_q)[xi]
    # Chain rule for log-parameters: d/d(log theta) = theta * d/d(theta).
    gradient = np.vstack([r * d_r, alpha * d_alpha, a * d_a, b * d_b]) @ weights
    return float(total @ weights), gradient


def _grouped(
    x: FloatArray, t_x: FloatArray, age: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Collapse identical (x, t_x, T) rows into one row with a weight."""
    frame = pd.DataFrame({"x": x, "t_x": t_x, "age": age})
    counts = frame.groupby(["x", "t_x", "age"], sort=False).size()
    keys = counts.index
    return (
        keys.get_level_values("x").to_numpy(dtype=np.float64),
        keys.get_level_values("t_x").to_numpy(dtype=np.float64),
        keys.get_level_values("age").to_numpy(dtype=np.float64),
        np.asarray(counts, dtype=np.float64),
    )


def _starting_points(x: FloatArray, age: FloatArray, weights: FloatArray) -> list[FloatArray]:
    """A few starting points on the data's own time scale (alpha carries the unit)."""
    mean_age = max(float(np.average(age, weights=weights)), 1e-3)
    mean_x = float(np.average(x, weights=weights))
    rate = (mean_x + 1.0) / (mean_age + 1.0)  # purchases per unit time, +1 avoids 0/0
    starts = []
    for r0, a0, b0 in ((1.0, 1.0, 2.0), (0.3, 0.5, 1.5), (3.0, 2.0, 5.0)):
        starts.append(np.log(np.array([r0, r0 / rate, a0, b0], dtype=np.float64)))
    return starts


def repeat_buying_fit(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    age: npt.ArrayLike,
    *,
    variant: str = "mbgnbd",
) -> RepeatBuyingParams:
    """Maximum-likelihood fit; raises ValueError on empty input or if no start converges.

    Several starting points guard against the flat ridges of this likelihood (a and b can
    trade off when few customers drop out); the best finite optimum wins.
    """
    shift = _shift(variant)
    x_raw, t_raw, age_raw = _as_float(frequency), _as_float(recency), _as_float(age)
    if x_raw.size == 0:
        raise ValueError("repeat_buying_fit needs at least one customer")
    if not (x_raw.shape == t_raw.shape == age_raw.shape):
        raise ValueError("frequency, recency and age must have the same length")
    x, t_x, age_g, weights = _grouped(x_raw, t_raw, age_raw)
    design = _design(x, t_x, age_g)
    total = float(weights.sum())

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        # Mean negative log-likelihood: tolerances then mean the same at any sample size.
        value, gradient = _value_and_gradient(theta, design, shift, weights)
        return -value / total, -gradient / total

    best: optimize.OptimizeResult | None = None
    bounds = [(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * 4
    for start in _starting_points(x, age_g, weights):
        result = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
        if np.isfinite(result.fun) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        raise ValueError("repeat-buying fit did not converge")
    r, alpha, a, b = (float(v) for v in np.exp(best.x))
    return RepeatBuyingParams(r=r, alpha=alpha, a=a, b=b, variant=variant)


def repeat_buying_log_likelihood(
    params: RepeatBuyingParams, frequency: npt.ArrayLike, recency: npt.ArrayLike, age: npt.ArrayLike
) -> float:
    """Total log-likelihood of the data under params (for comparing fits)."""
    theta = np.log(np.array([params.r, params.alpha, params.a, params.b], dtype=np.float64))
    design = _design(_as_float(frequency), _as_float(recency), _as_float(age))
    ll = _log_likelihood(theta, design, _shift(params.variant))
    return float(ll.sum())


# --- per-customer quantities --------------------------------------------------------------


def _log_dropout_odds(
    params: RepeatBuyingParams, x: FloatArray, t_x: FloatArray, age: FloatArray
) -> FloatArray:
    """log[P(dropped out, data) / P(alive, data)]; P(alive) = expit(-log odds).

    Kept in logs: ((alpha+T)/(alpha+t_x))^(r+x) overflows for frequent buyers who have been
    silent a long time. -inf where dropout is impossible (BG/NBD, x = 0).
    """
    shift = _shift(params.variant)
    has_dropped = (x + shift) > 0
    denominator = np.where(has_dropped, params.b + x - 1.0 + shift, 1.0)
    log_ratio = (params.r + x) * (np.log(params.alpha + age) - np.log(params.alpha + t_x))
    return np.where(has_dropped, np.log(params.a / denominator) + log_ratio, -np.inf)


def p_alive(
    params: RepeatBuyingParams, frequency: npt.ArrayLike, recency: npt.ArrayLike, age: npt.ArrayLike
) -> FloatArray:
    """P(still alive at as_of | x, t_x, T)."""
    log_odds = _log_dropout_odds(params, _as_float(frequency), _as_float(recency), _as_float(age))
    result: FloatArray = special.expit(-log_odds)
    return result


def expected_purchases(
    params: RepeatBuyingParams,
    horizon_days: float,
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    age: npt.ArrayLike,
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected purchase days in the next `horizon_days`.

    Published form: (a+b+x-1+d)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) *
    2F1(r+x, b+x+d; c; z)] * P(alive), c = a+b+x-1+d, z = t/(alpha+T+t).
    """
    x, t_x, age_arr = _as_float(frequency), _as_float(recency), _as_float(age)
    shift = _shift(params.variant)
    a = params.a
    if abs(a - 1.0) < A_SINGULARITY_GAP:
        a = 1.0 + A_SINGULARITY_GAP  # the limit is finite; step off the removable singularity
    c = a + params.b + x - 1.0 + shift
    z = float(horizon_days) / (params.alpha + age_arr + float(horizon_days))
    bracket = 1.0 - _power_times_hyp2f1(params.r, a, params.b + shift, x, c, z)
    alive = special.expit(-_log_dropout_odds(params, x, t_x, age_arr))
    result: FloatArray = (c / (a - 1.0)) * bracket * alive
    return result


def _power_times_hyp2f1(
    r: float, a: float, b_shifted: float, x: FloatArray, c: FloatArray, z: FloatArray
) -> FloatArray:
    """(1-z)^(r+x) * 2F1(r+x, b'+x; c; z), evaluated where it cannot overflow.

    The series diverges at z -> 1 like (1-z)^(a-1-r-x) when a-1-r-x < 0, and a frequent
    buyer's factors then overflow. Euler's transformation rewrites the product as
    (1-z)^(a-1) * 2F1(c-r-x, a-1; c; z), whose own exponent r+x+1-a is the first one's
    negative: so one of the two forms always converges at z = 1, and we use that one.
    """
    x, c, z = np.broadcast_arrays(x, c, z)
    euler = (r + x + 1.0 - a) >= 0
    result = np.empty(x.shape, dtype=np.float64)
    # Boolean indexing, not np.where: the unused form may overflow and warn where unused.
    xd, cd, zd = x[~euler], c[~euler], z[~euler]
    result[~euler] = (1.0 - zd) ** (r + xd) * special.hyp2f1(r + xd, b_shifted + xd, cd, zd)
    xe, ce, ze = x[euler], c[euler], z[euler]
    # c - r - x = a + b' - 1 - r: bounded, unlike the direct form's r + x and b' + x.
    result[euler] = (1.0 - ze) ** (a - 1.0) * special.hyp2f1(ce - r - xe, a - 1.0, ce, ze)
    return result


def expected_days_to_next(
    params: RepeatBuyingParams, frequency: npt.ArrayLike, recency: npt.ArrayLike, age: npt.ArrayLike
) -> FloatArray:
    """Days from as_of to the next purchase of a customer *who is still alive*.

    Uses 1 / E[lambda | alive, data] = (alpha + T) / (r + x): the posterior of lambda given
    alive is Gamma(r + x, alpha + T). This is the inverse of the expected rate, not the
    expected waiting time (which, E[1/lambda], is (alpha+T)/(r+x-1) and infinite for
    r + x <= 1 - one-time buyers with r < 1). It reads as "their usual pace" and is finite
    for everyone. Whether they are alive at all is P(alive)'s job, not this number's.
    """
    # recency is accepted for a uniform signature; the posterior of lambda needs only x, T.
    x, age_arr = _as_float(frequency), _as_float(age)
    result: FloatArray = (params.alpha + age_arr) / (params.r + x)
    return result
