"""Time-split training: fit on the past, judge on the more recent past, against baselines.

With T the training date and H the churn horizon, the caller builds features as of T-2H
labelled by churn within (T-2H, T-H] for training, and features as of T-H labelled by churn
within (T-H, T] as the holdout. The holdout is strictly later than everything the model
saw, so its numbers are what the model would have achieved had it been deployed at T-H.
The model is *not* refitted on the holdout: the reported metrics are then exactly the
returned model's.
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from churn.scoring.metrics import quality_report
from churn.scoring.model import ChurnModel, churn_model_fit, churn_predict

# Below ~50 events per class, a model with ~100 spline coefficients fits noise and its
# holdout AUC swings by +-0.05 between runs; until then the silence model (which needs no
# labels) is the better judge of risk.
MIN_CHURNERS = 50
NEUTRAL_P_ALIVE = 0.5  # holdout customers the repeat-buying model does not cover


@dataclass(frozen=True)
class TrainingData:
    train_features: pd.DataFrame  # features as of T-2H
    train_labels: pd.Series  # churned within (T-2H, T-H]
    holdout_features: pd.DataFrame  # features as of T-H
    holdout_labels: pd.Series  # churned within (T-H, T]
    holdout_recency_days: pd.Series  # baseline "longest silence first"
    holdout_p_alive: pd.Series  # baseline "least likely alive first"


@dataclass(frozen=True)
class TrainingResult:
    model: ChurnModel | None  # None on cold start
    is_cold_start: bool
    cold_start_reason: str
    metrics: dict[str, Any]  # quality_report of the model (cold start: of silence) on holdout
    baselines: dict[str, dict[str, Any]]  # "recency" and "silence" quality reports
    n_train: int
    n_holdout: int
    n_train_churners: int


def _baselines(data: TrainingData) -> dict[str, dict[str, Any]]:
    index = data.holdout_labels.index
    y = data.holdout_labels.to_numpy(dtype=np.float64)
    recency = data.holdout_recency_days.reindex(index).fillna(0.0).to_numpy(dtype=np.float64)
    alive = data.holdout_p_alive.reindex(index).fillna(NEUTRAL_P_ALIVE)
    return {
        "recency": quality_report(y, recency),
        "silence": quality_report(y, 1.0 - alive.to_numpy(dtype=np.float64)),
    }


def _cold_start_reason(n_churners: int, n_stayers: int) -> str:
    if n_churners < MIN_CHURNERS:
        return f"only {n_churners} churners in the training window (need {MIN_CHURNERS})"
    if n_stayers < MIN_CHURNERS:
        return f"only {n_stayers} non-churners in the training window (need {MIN_CHURNERS})"
    return ""


def _check_aligned(data: TrainingData) -> None:
    # Misaligned frames would pair one customer's features with another's label.
    if not data.train_features.index.sort_values().equals(data.train_labels.index.sort_values()):
        raise ValueError("train_features and train_labels must cover the same customers")
    if not data.holdout_features.index.sort_values().equals(
        data.holdout_labels.index.sort_values()
    ):
        raise ValueError("holdout_features and holdout_labels must cover the same customers")


def churn_train(data: TrainingData, *, seed: int = 0) -> TrainingResult:
    """Fit on the training window and report on the holdout, next to both baselines.

    Raises ValueError when features and labels cover different customers.
    """
    _check_aligned(data)
    train_y = data.train_labels.reindex(data.train_features.index)
    n_churners = int((train_y == 1).sum())
    n_stayers = int((train_y == 0).sum())
    baselines = _baselines(data)
    reason = _cold_start_reason(n_churners, n_stayers)
    model = None
    metrics = baselines["silence"]
    if not reason:
        model = churn_model_fit(data.train_features, train_y, seed=seed)
        holdout_p = churn_predict(model, data.holdout_features)
        holdout_y = data.holdout_labels.to_numpy(dtype=np.float64)
        metrics = quality_report(holdout_y, holdout_p.reindex(data.holdout_labels.index))
    return TrainingResult(
        model=model,
        is_cold_start=bool(reason),
        cold_start_reason=reason,
        metrics=metrics,
        baselines=baselines,
        n_train=len(data.train_features),
        n_holdout=len(data.holdout_features),
        n_train_churners=n_churners,
    )


def _metric(report: dict[str, Any] | None, name: str) -> float:
    value = None if report is None else report.get(name)
    return float(value) if isinstance(value, int | float) else math.nan


def beats(candidate: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """Should the candidate's model replace the current one? Holdout ROC AUC, then PR AUC.

    A candidate without a defined AUC never wins; a current model without one always loses.
    """
    if current is None:
        return True
    cand_auc, curr_auc = _metric(candidate, "roc_auc"), _metric(current, "roc_auc")
    if math.isnan(cand_auc):
        return False
    if math.isnan(curr_auc):
        return True
    if cand_auc != curr_auc:
        return cand_auc > curr_auc
    cand_pr, curr_pr = _metric(candidate, "pr_auc"), _metric(current, "pr_auc")
    return not math.isnan(cand_pr) and (math.isnan(curr_pr) or cand_pr > curr_pr)
