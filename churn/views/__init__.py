"""Churn pages, split by sub-domain: alerts (inbox, actions, risk panel) and scoring
(models, backtests, runs, settings)."""

from churn.views.alerts import (
    alert_acknowledge,
    alert_badge,
    alert_detail,
    alert_inbox,
    alert_preferences,
    alert_resolve,
    alert_snooze,
    risk_panel,
    task_done,
)
from churn.views.consent import consent_panel
from churn.views.scoring import (
    backtest_create,
    model_page,
    model_promote,
    model_train,
    run_list,
    run_progress,
    run_start,
    scoring_settings,
)

__all__ = [
    "alert_acknowledge",
    "alert_badge",
    "alert_detail",
    "alert_inbox",
    "alert_preferences",
    "alert_resolve",
    "alert_snooze",
    "backtest_create",
    "consent_panel",
    "model_page",
    "model_promote",
    "model_train",
    "risk_panel",
    "run_list",
    "run_progress",
    "run_start",
    "scoring_settings",
    "task_done",
]
