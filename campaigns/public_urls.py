"""Links in sent messages, reached by customers without logging in: unsubscribe, the open
pixel and tracked clicks. Every link carries a signed token; nothing else identifies."""

from django.urls import URLPattern, URLResolver, path

from campaigns.delivery import public_views

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = [
    path("u/<str:token>/", public_views.unsubscribe, name="unsubscribe"),
    path(
        "u/<str:token>/one-click/",
        public_views.unsubscribe_one_click,
        name="unsubscribe-one-click",
    ),
    path("o/<str:token>/", public_views.open_pixel, name="open"),
    path("c/<str:token>/", public_views.click, name="click"),
]
