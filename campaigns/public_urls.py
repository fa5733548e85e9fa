"""Links in sent messages, reached by customers without logging in: unsubscribe, the open
pixel and tracked clicks. Every link carries a signed token; nothing else identifies."""

from django.urls import URLPattern, URLResolver

app_name = "public"
urlpatterns: list[URLPattern | URLResolver] = []
