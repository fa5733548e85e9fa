"""REST API of campaigns, one module per sub-domain (names under the "api" namespace)."""

from django.urls import include, path

urlpatterns = [
    path("", include("campaigns.api.campaign_urls")),
    path("", include("campaigns.segments.api_urls")),
    path("", include("campaigns.automations.api_urls")),
    path("", include("campaigns.results.api_urls")),
    path("", include("campaigns.delivery.api_urls")),
]
