"""Writes data/golden_model.joblib: a small model on the current FEATURE_COLUMNS.

Run `.venv/bin/python -m churn.scoring.tests.golden` after changing FEATURE_COLUMNS (the
golden test then tells everyone that stored models must be retrained).
"""

from pathlib import Path

from churn.scoring.model import churn_model_fit, model_dump
from churn.scoring.tests.synthetic import synthetic_training_data

GOLDEN_MODEL = Path(__file__).parent / "data" / "golden_model.joblib"


def write_golden_model() -> None:
    data = synthetic_training_data(2_000, seed=5)
    model = churn_model_fit(data.train_features, data.train_labels, seed=0)
    GOLDEN_MODEL.write_bytes(model_dump(model))


if __name__ == "__main__":
    write_golden_model()
