"""Automation API routes (under /api/v1/, names in the "api" namespace)."""

from django.urls import URLPattern, URLResolver, path

from campaigns.automations import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("automations/", api.AutomationListApi.as_view(), name="automation-list"),
    path(
        "automations/<int:automation_id>/",
        api.AutomationDetailApi.as_view(),
        name="automation-detail",
    ),
    path(
        "automations/<int:automation_id>/switch/",
        api.AutomationSetActiveApi.as_view(),
        name="automation-set-active",
    ),
]
