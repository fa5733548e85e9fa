"""Results API routes (under /api/v1/, names in the "api" namespace)."""

from django.urls import URLPattern, URLResolver, path

from campaigns.results import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaign-results/", api.ResultsOverviewApi.as_view(), name="campaign-results-overview"),
    path(
        "campaigns/<int:campaign_id>/results/",
        api.CampaignResultsApi.as_view(),
        name="campaign-results",
    ),
]
