from django.urls import path

from churn import views

app_name = "churn"

urlpatterns = [
    path("alerts/", views.alert_inbox, name="alerts"),
    path("alerts/badge/", views.alert_badge, name="alert-badge"),
    path("alerts/preferences/", views.alert_preferences, name="alert-preferences"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert-acknowledge"),
    path("alerts/<int:alert_id>/snooze/", views.alert_snooze, name="alert-snooze"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert-resolve"),
    path("alerts/tasks/<int:task_id>/done/", views.task_done, name="task-done"),
    path("churn/customers/<int:pk>/panel/", views.risk_panel, name="risk-panel"),
    path("customers/<int:pk>/consent/", views.consent_panel, name="consent-panel"),
    path("churn/models/", views.model_page, name="models"),
    path("churn/models/train/", views.model_train, name="model-train"),
    path("churn/models/<int:version_id>/promote/", views.model_promote, name="model-promote"),
    path("churn/backtests/", views.backtest_create, name="backtest-create"),
    path("churn/runs/", views.run_list, name="runs"),
    path("churn/runs/start/", views.run_start, name="run-start"),
    path("churn/runs/<int:run_id>/progress/", views.run_progress, name="run-progress"),
    path("churn/settings/", views.scoring_settings, name="settings"),
]
