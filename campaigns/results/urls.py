"""Results pages, under /campaigns/results/ (namespace "campaigns")."""

from django.urls import URLPattern, URLResolver, path

from campaigns.results import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.results_overview, name="overview"),
    path("export.csv", views.results_export, name="results-export"),
    path("<int:campaign_id>/panel/", views.results_panel, name="results-panel"),
]
