from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.authtoken.views import obtain_auth_token

from crm.accounts import views as account_views
from interactions.ingest.views import webhook_receive

api_v1: list[URLPattern | URLResolver] = [
    path("", include("customers.api.urls")),
    path("", include("interactions.api.urls")),
    path("", include("interactions.imports.api")),
    path("", include("interactions.ingest.api")),
    path("", include("crm.accounts.api.urls")),
    path("", include("churn.api.urls")),
    path("", include("campaigns.api.urls")),
    path("", include("crm.privacy.api.urls")),
    path("auth/token/", obtain_auth_token, name="token"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="customers:list", permanent=False), name="home"),
    path("customers/", include("customers.urls")),
    path("history/", include("interactions.urls")),
    path("", include("churn.urls")),  # alerts/... and churn/...
    path("campaigns/", include("campaigns.urls")),
    path("m/", include("campaigns.public_urls")),
    path("privacy/", include("crm.privacy.urls")),
    path("imports/", include("interactions.imports.urls")),
    path("integrations/", include("interactions.ingest.urls")),
    path("webhooks/<slug:slug>/", webhook_receive, name="webhook"),
    path("admin/", include("crm.accounts.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/two-factor/", account_views.two_factor, name="two-factor"),
    path("accounts/api-token/", account_views.api_token_own, name="api-token"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("django-admin/", admin.site.urls),
]
