from django.urls import URLPattern, URLResolver, path

from campaigns.delivery import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("campaigns/delivery/bounces/", api.SendBounceApi.as_view(), name="campaign-send-bounce"),
]
