"""Staff pages of campaigns, one module per sub-domain, all under the "campaigns" namespace."""

from django.urls import include, path

app_name = "campaigns"
urlpatterns = [
    path("", include("campaigns.campaign_urls")),
    path("segments/", include("campaigns.segments.urls")),
    path("automations/", include("campaigns.automations.urls")),
    path("results/", include("campaigns.results.urls")),
    path("delivery/", include("campaigns.delivery.urls")),
]
