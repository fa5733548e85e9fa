"""Writes and workflows of churn scoring and alerts, split by sub-domain; the public
names are re-exported here."""

from churn.services.alert_actions import (
    alert_acknowledge,
    alert_preference_set,
    alert_resolve,
    alert_snooze,
    alerts_mark_read,
    task_complete,
)
from churn.services.alerts import (
    alert_digests_send,
    alert_emails_send,
    alerts_escalate,
    alerts_raise,
    alerts_wake,
)
from churn.services.backtest import backtest_compute, backtest_create, backtest_run
from churn.services.consent import customer_consent_record, profiling_objections_apply
from churn.services.runs import (
    drift_check,
    scoring_chunk_process,
    scoring_run_finish,
    scoring_run_plan,
    scoring_run_start,
    scoring_runs_resume,
)
from churn.services.training import model_promote, model_train, model_train_request

__all__ = [
    "alert_acknowledge",
    "alert_digests_send",
    "alert_emails_send",
    "alert_preference_set",
    "alert_resolve",
    "alert_snooze",
    "alerts_escalate",
    "alerts_mark_read",
    "alerts_raise",
    "alerts_wake",
    "backtest_compute",
    "backtest_create",
    "backtest_run",
    "customer_consent_record",
    "drift_check",
    "model_promote",
    "model_train",
    "model_train_request",
    "profiling_objections_apply",
    "scoring_chunk_process",
    "scoring_run_finish",
    "scoring_run_plan",
    "scoring_run_start",
    "scoring_runs_resume",
    "task_complete",
]
