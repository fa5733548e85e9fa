"""Uplift statistics: pure functions over counts and moments, no Django.

Treated minus control, each with a 95 % confidence interval:

- a difference of two proportions (reactivation, retention) with Newcombe's hybrid score
  interval (his method 10, Statistics in Medicine 17:873, 1998): the Wilson interval of
  each proportion combined by the square-and-add rule. Unlike the Wald interval it keeps
  inside [-1, 1], behaves at 0 % and 100 %, and covers close to 95 % at the small groups
  a control group often is;
- a difference of two means (orders, revenue per customer) with Welch's interval: each
  group's own variance, degrees of freedom by Welch–Satterthwaite, the t quantile from
  scipy.stats.

Groups below ``MIN_GROUP_FOR_VERDICT`` get their interval but no verdict: "too few
customers to tell"."""

import math
from dataclasses import dataclass

from scipy import stats  # type: ignore[import-untyped]

Z_95 = 1.959963984540054  # two-sided 95 % normal quantile
CONFIDENCE = 0.95
MIN_GROUP_FOR_VERDICT = 30  # below this in either group the interval is too wide to read


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ProportionDifference:
    """p_treated - p_control with its interval; ``None`` figures when a group is empty."""

    treated: float | None
    control: float | None
    difference: float | None
    interval: Interval | None
    treated_interval: Interval | None
    control_interval: Interval | None


@dataclass(frozen=True)
class MeanDifference:
    """mean_treated - mean_control with Welch's interval (``None`` when undefined: an empty
    group, or fewer than two in a group so no variance)."""

    treated: float | None
    control: float | None
    difference: float | None
    interval: Interval | None
    degrees_of_freedom: float | None


@dataclass(frozen=True)
class Moments:
    """What SQL can sum for a group: count, sum and sum of squares of a per-customer value."""

    n: int
    total: float
    total_squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1); never negative despite float cancellation."""
        if self.n < 2:
            return None
        return max(0.0, (self.total_squares - self.total * self.total / self.n) / (self.n - 1))


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval:
    """Wilson's score interval for one proportion (n > 0)."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must lie in [0, n]")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


def proportion_difference(
    treated_successes: int, treated_n: int, control_successes: int, control_n: int
) -> ProportionDifference:
    """Newcombe's hybrid score interval for p_treated - p_control."""
    p1 = treated_successes / treated_n if treated_n else None
    p2 = control_successes / control_n if control_n else None
    i1 = wilson_interval(treated_successes, treated_n) if treated_n else None
    i2 = wilson_interval(control_successes, control_n) if control_n else None
    if p1 is None or p2 is None or i1 is None or i2 is None:
        return ProportionDifference(p1, p2, None, None, i1, i2)
    d = p1 - p2
    low = d - math.sqrt((p1 - i1.low) ** 2 + (i2.high - p2) ** 2)
    high = d + math.sqrt((i1.high - p1) ** 2 + (p2 - i2.low) ** 2)
    return ProportionDifference(p1, p2, d, Interval(low, high), i1, i2)


def mean_difference(treated: Moments, control: Moments) -> MeanDifference:
    """Welch's interval for mean_treated - mean_control."""
    m1, m2 = treated.mean, control.mean
    if m1 is None or m2 is None:
        return MeanDifference(m1, m2, None, None, None)
    d = m1 - m2
    v1, v2 = treated.variance, control.variance
    if v1 is None or v2 is None:
        return MeanDifference(m1, m2, d, None, None)
    s1, s2 = v1 / treated.n, v2 / control.n
    se2 = s1 + s2
    if se2 == 0:  # both groups constant: the difference is exact
        return MeanDifference(m1, m2, d, Interval(d, d), None)
    df = se2 * se2 / (s1 * s1 / (treated.n - 1) + s2 * s2 / (control.n - 1))
    half = float(stats.t.ppf((1 + CONFIDENCE) / 2, df)) * math.sqrt(se2)
    return MeanDifference(m1, m2, d, Interval(d - half, d + half), df)


def too_few_to_tell(treated_n: int, control_n: int) -> bool:
    return min(treated_n, control_n) < MIN_GROUP_FOR_VERDICT
