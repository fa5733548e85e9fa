"""Automation pages, under /campaigns/automations/ (namespace "campaigns")."""

from django.urls import URLPattern, URLResolver, path

from campaigns.automations import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.automation_list, name="automation-list"),
    path("new/", views.automation_create, name="automation-create"),
    path("<int:automation_id>/", views.automation_edit, name="automation-edit"),
    path(
        "<int:automation_id>/switch/",
        views.automation_set_active,
        name="automation-set-active",
    ),
]
