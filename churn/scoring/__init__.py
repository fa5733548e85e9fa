"""Churn, silence and value scoring: pure maths on per-customer aggregate frames.

Only numpy, pandas, scipy, scikit-learn and joblib may be imported here (an import-linter
contract forbids Django, DRF, Celery and the project's apps).
"""

from churn.scoring.aggregates import AGGREGATE_COLUMNS, empty_aggregates, validate_aggregates
from churn.scoring.explain import REASON_FEATURES, reasons_payload
from churn.scoring.features import FEATURE_COLUMNS, features_from_aggregates
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
from churn.scoring.model import (
    ChurnModel,
    churn_contributions,
    churn_logit,
    churn_model_fit,
    churn_predict,
    churn_score,
    model_dump,
    model_load,
    top_reasons,
)
from churn.scoring.repeat_buying import (
    RepeatBuyingParams,
    expected_days_to_next,
    expected_purchases,
    p_alive,
    repeat_buying_fit,
    repeat_buying_log_likelihood,
    rfm_from_aggregates,
)
from churn.scoring.spend import SpendParams, expected_spend, lifetime_value, spend_fit
from churn.scoring.training import (
    MIN_CHURNERS,
    TrainingData,
    TrainingResult,
    beats,
    churn_train,
)

__all__ = [
    "AGGREGATE_COLUMNS",
    "FEATURE_COLUMNS",
    "MIN_CHURNERS",
    "REASON_FEATURES",
    "ChurnModel",
    "RepeatBuyingParams",
    "SpendParams",
    "TrainingData",
    "TrainingResult",
    "beats",
    "brier",
    "calibration_curve",
    "churn_contributions",
    "churn_logit",
    "churn_model_fit",
    "churn_predict",
    "churn_score",
    "churn_train",
    "empty_aggregates",
    "expected_days_to_next",
    "expected_purchases",
    "expected_spend",
    "features_from_aggregates",
    "lifetime_value",
    "lift_by_decile",
    "model_dump",
    "model_load",
    "p_alive",
    "pr_auc",
    "psi",
    "quality_report",
    "reasons_payload",
    "repeat_buying_fit",
    "repeat_buying_log_likelihood",
    "rfm_from_aggregates",
    "roc_auc",
    "spend_fit",
    "top_decile_lift",
    "top_reasons",
    "validate_aggregates",
]
