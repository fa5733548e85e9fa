from django.urls import path

from churn.api import views

urlpatterns = [
    path("alerts/", views.AlertListApi.as_view(), name="alert-list"),
    path("alerts/preferences/", views.AlertPreferenceApi.as_view(), name="alert-preferences"),
    path("alerts/<int:alert_id>/", views.AlertDetailApi.as_view(), name="alert-detail"),
    path(
        "alerts/<int:alert_id>/acknowledge/",
        views.AlertAcknowledgeApi.as_view(),
        name="alert-acknowledge",
    ),
    path("alerts/<int:alert_id>/snooze/", views.AlertSnoozeApi.as_view(), name="alert-snooze"),
    path("alerts/<int:alert_id>/resolve/", views.AlertResolveApi.as_view(), name="alert-resolve"),
    path("customers/<int:pk>/score/", views.CustomerScoreApi.as_view(), name="customer-score"),
    path(
        "customers/<int:pk>/consents/",
        views.CustomerConsentApi.as_view(),
        name="customer-consents",
    ),
    path("churn/models/", views.ModelListApi.as_view(), name="churn-model-list"),
    path("churn/models/train/", views.ModelTrainApi.as_view(), name="churn-model-train"),
    path(
        "churn/models/<int:version_id>/promote/",
        views.ModelPromoteApi.as_view(),
        name="churn-model-promote",
    ),
    path("churn/runs/", views.RunListApi.as_view(), name="churn-run-list"),
    path("churn/runs/<int:run_id>/", views.RunDetailApi.as_view(), name="churn-run-detail"),
    path("churn/backtests/", views.BacktestListApi.as_view(), name="churn-backtest-list"),
    path("churn/settings/", views.ScoringSettingsApi.as_view(), name="churn-settings"),
]
