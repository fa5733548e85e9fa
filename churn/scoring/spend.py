"""Gamma-Gamma spend model and customer lifetime value.

Fader, Hardie & Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis"; parameter notation of Fader & Hardie (2013), "The Gamma-Gamma model of
monetary value". Each order's value is Gamma(p, nu) with nu ~ Gamma(q, v) across
customers, so a customer's mean order value m over x orders is shrunk towards the
population mean p*v/(q-1) - strongly for customers with few orders.

Our monetary input is revenue / order_count over all orders (the first included) while x
counts repeat purchase days; the paper averages repeat transactions only. The difference is
small next to the shrinkage, and the first order is real information about spend.
"""

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import optimize, special  # type: ignore[import-untyped]

FloatArray = npt.NDArray[np.float64]

# Below this many repeat buyers the three parameters are not identified well enough to
# shrink anyone's spend; the caller should fall back to plain averages.
MIN_SPEND_CUSTOMERS = 10
LOG_PARAM_BOUND = 20.0  # v carries the money unit (cents), so it can be large


@dataclass(frozen=True)
class SpendParams:
    p: float
    q: float
    v: float

    def to_dict(self) -> dict[str, float]:
        return {"p": self.p, "q": self.q, "v": self.v}

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> "SpendParams":
        values = []
        for name in ("p", "q", "v"):
            raw = d.get(name)
            if not isinstance(raw, int | float | str):
                raise ValueError(f"spend parameter {name!r} missing or not a number")
            values.append(float(raw))
        p, q, v = values
        if not (p > 0 and q > 1 and v > 0):
            raise ValueError(f"spend parameters out of range: p={p}, q={q}, v={v}")
        return cls(p=p, q=q, v=v)


def _unpack(theta: FloatArray) -> tuple[float, float, float]:
    # q = 1 + exp(.) keeps the population mean p*v/(q-1) finite, which expected_spend needs.
    return float(np.exp(theta[0])), 1.0 + float(np.exp(theta[1])), float(np.exp(theta[2]))


def _negative_log_likelihood(theta: FloatArray, x: FloatArray, m: FloatArray) -> float:
    p, q, v = _unpack(theta)
    px = p * x
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + m * x)
    )
    return -float(np.mean(ll))


def spend_fit(frequency: npt.ArrayLike, monetary: npt.ArrayLike) -> SpendParams:
    """MLE on customers with frequency > 0 and positive spend.

    Raises ValueError when fewer than MIN_SPEND_CUSTOMERS qualify or the fit fails.
    """
    x_all = np.asarray(frequency, dtype=np.float64)
    m_all = np.asarray(monetary, dtype=np.float64)
    keep = (x_all > 0) & (m_all > 0) & np.isfinite(m_all)
    x, m = x_all[keep], m_all[keep]
    if x.size < MIN_SPEND_CUSTOMERS:
        raise ValueError(
            f"spend_fit needs at least {MIN_SPEND_CUSTOMERS} repeat buyers, got {x.size}"
        )
    # Start from the method of moments on the customer means: p ~ a few, q ~ a few, and v so
    # that p*v/(q-1) equals the observed mean spend.
    mean_spend = float(np.mean(m))
    start = np.log(np.array([2.0, 2.0, mean_spend * 3.0 / 2.0]))
    bounds = [(-LOG_PARAM_BOUND, LOG_PARAM_BOUND)] * 3
    result = optimize.minimize(
        _negative_log_likelihood, start, args=(x, m), method="L-BFGS-B", bounds=bounds
    )
    if not np.isfinite(result.fun):
        raise ValueError("spend fit did not converge")
    p, q, v = _unpack(result.x)
    return SpendParams(p=p, q=q, v=v)


def expected_spend(
    params: SpendParams, frequency: npt.ArrayLike, monetary: npt.ArrayLike
) -> FloatArray:
    """E[mean order value | x, m]: a weighted average of the population mean and m.

    Weight on m is p*x / (p*x + q - 1), so frequency 0 (or missing spend) gives the
    population mean p*v/(q-1).
    """
    x = np.maximum(np.asarray(frequency, dtype=np.float64), 0.0)
    m = np.asarray(monetary, dtype=np.float64)
    x = np.where(np.isfinite(m), x, 0.0)
    m = np.where(np.isfinite(m), m, 0.0)
    p, q, v = params.p, params.q, params.v
    population_mean = p * v / (q - 1.0)
    weight = p * x / (p * x + q - 1.0)
    result: FloatArray = (1.0 - weight) * population_mean + weight * m
    return result


def lifetime_value(expected_orders: npt.ArrayLike, expected_spend: npt.ArrayLike) -> FloatArray:
    """Expected revenue (cents) over the horizon the orders were computed for.

    Undiscounted on purpose: horizons are a year or so, where a discount rate moves every
    customer by about the same factor and does not change anyone's rank or tier.
    """
    result: FloatArray = np.asarray(expected_orders, dtype=np.float64) * np.asarray(
        expected_spend, dtype=np.float64
    )
    return result
