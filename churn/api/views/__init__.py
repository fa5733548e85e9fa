"""Churn API views, split by sub-domain; urls import them from here."""

from churn.api.views.alerts import (
    AlertAcknowledgeApi,
    AlertDetailApi,
    AlertListApi,
    AlertPreferenceApi,
    AlertResolveApi,
    AlertSnoozeApi,
    CustomerScoreApi,
)
from churn.api.views.consent import CustomerConsentApi
from churn.api.views.scoring import (
    BacktestListApi,
    ModelListApi,
    ModelPromoteApi,
    ModelTrainApi,
    RunDetailApi,
    RunListApi,
    ScoringSettingsApi,
)

__all__ = [
    "AlertAcknowledgeApi",
    "AlertDetailApi",
    "AlertListApi",
    "AlertPreferenceApi",
    "AlertResolveApi",
    "AlertSnoozeApi",
    "BacktestListApi",
    "CustomerConsentApi",
    "CustomerScoreApi",
    "ModelListApi",
    "ModelPromoteApi",
    "ModelTrainApi",
    "RunDetailApi",
    "RunListApi",
    "ScoringSettingsApi",
]
