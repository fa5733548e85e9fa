"""Model quality measures for the holdout report, all returning plain Python numbers.

Degenerate inputs (empty, or one class only) do not raise: AUCs and lifts that are
undefined come back as NaN from the single functions and as None in quality_report, so the
report can be stored as JSON and shown as "n/a".
"""

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.metrics import average_precision_score, roc_auc_score

FloatArray = npt.NDArray[np.float64]

PSI_EPS = 1e-6  # an empty bin would make log(actual / expected) infinite
DECILES = 10


def _arrays(y: npt.ArrayLike, score: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    y_arr = np.asarray(y, dtype=np.float64).ravel()
    s_arr = np.asarray(score, dtype=np.float64).ravel()
    if y_arr.shape != s_arr.shape:
        raise ValueError("labels and scores must have the same length")
    return y_arr, s_arr


def _both_classes(y: FloatArray) -> bool:
    return bool(y.size) and 0 < float(y.sum()) < y.size


def roc_auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    y_arr, s_arr = _arrays(y, score)
    if not _both_classes(y_arr):
        return math.nan
    return float(roc_auc_score(y_arr, s_arr))


def pr_auc(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    """Average precision (the step-wise area under the precision-recall curve)."""
    y_arr, s_arr = _arrays(y, score)
    if not _both_classes(y_arr):
        return math.nan
    return float(average_precision_score(y_arr, s_arr))


def brier(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    y_arr, p_arr = _arrays(y, p)
    if y_arr.size == 0:
        return math.nan
    return float(np.mean((p_arr - y_arr) ** 2))


def calibration_curve(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10) -> list[dict[str, float]]:
    """Equal-width probability bins; empty bins are left out."""
    y_arr, p_arr = _arrays(y, p)
    index = np.clip((p_arr * bins).astype(np.int64), 0, bins - 1)
    counts = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=p_arr, minlength=bins)
    observed = np.bincount(index, weights=y_arr, minlength=bins)
    return [
        {
            "mean_predicted": float(predicted[b] / counts[b]),
            "observed_rate": float(observed[b] / counts[b]),
            "count": float(counts[b]),
        }
        for b in range(bins)
        if counts[b] > 0
    ]


def lift_by_decile(y: npt.ArrayLike, score: npt.ArrayLike) -> list[dict[str, float]]:
    """Decile 1 = highest scores. Ties are split by a stable sort, i.e. by input order."""
    y_arr, s_arr = _arrays(y, score)
    if y_arr.size == 0:
        return []
    base_rate = float(y_arr.mean())
    ordered = y_arr[np.argsort(-s_arr, kind="stable")]
    groups = np.array_split(ordered, DECILES)
    rows = []
    for decile, group in enumerate(groups, start=1):
        if group.size == 0:
            continue
        rate = float(group.mean())
        lift = rate / base_rate if base_rate > 0 else math.nan
        rows.append(
            {"decile": float(decile), "rate": rate, "lift": lift, "count": float(group.size)}
        )
    return rows


def top_decile_lift(y: npt.ArrayLike, score: npt.ArrayLike) -> float:
    deciles = lift_by_decile(y, score)
    return deciles[0]["lift"] if deciles else math.nan


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike, bins: int = 10) -> float:
    """Population stability index of actual against expected, on expected's quantile bins.

    Rules of thumb: < 0.1 stable, 0.1-0.25 drifting, > 0.25 shifted.
    """
    e_arr = np.asarray(expected, dtype=np.float64).ravel()
    a_arr = np.asarray(actual, dtype=np.float64).ravel()
    if e_arr.size == 0 or a_arr.size == 0:
        return math.nan
    edges = np.unique(np.quantile(e_arr, np.linspace(0.0, 1.0, bins + 1))[1:-1])
    # Inner edges only: values outside expected's range fall into the end bins.
    e_share = np.bincount(np.searchsorted(edges, e_arr, side="right"), minlength=edges.size + 1)
    a_share = np.bincount(np.searchsorted(edges, a_arr, side="right"), minlength=edges.size + 1)
    e_frac = np.maximum(e_share / e_arr.size, PSI_EPS)
    a_frac = np.maximum(a_share / a_arr.size, PSI_EPS)
    return float(np.sum((a_frac - e_frac) * np.log(a_frac / e_frac)))


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else value


def _json_rows(rows: list[dict[str, float]]) -> list[dict[str, float | None]]:
    return [{key: _json_number(v) for key, v in row.items()} for row in rows]


def quality_report(y: npt.ArrayLike, score: npt.ArrayLike) -> dict[str, Any]:
    """Everything above, JSON-serialisable (NaN -> None).

    Brier score and calibration need probabilities; for scores outside [0, 1] (e.g. the
    recency baseline, in days) they are None and [] rather than a meaningless number.
    """
    y_arr, s_arr = _arrays(y, score)
    is_probability = bool(s_arr.size) and float(s_arr.min()) >= 0 and float(s_arr.max()) <= 1
    return {
        "n": int(y_arr.size),
        "base_rate": _json_number(float(y_arr.mean()) if y_arr.size else math.nan),
        "roc_auc": _json_number(roc_auc(y_arr, s_arr)),
        "pr_auc": _json_number(pr_auc(y_arr, s_arr)),
        "brier": _json_number(brier(y_arr, s_arr)) if is_probability else None,
        "calibration": _json_rows(calibration_curve(y_arr, s_arr)) if is_probability else [],
        "lift_by_decile": _json_rows(lift_by_decile(y_arr, s_arr)),
        "top_decile_lift": _json_number(top_decile_lift(y_arr, s_arr)),
    }
