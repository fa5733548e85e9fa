from django.urls import URLPattern, URLResolver, path

from campaigns.delivery import views

urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "<int:campaign_id>/direct-mail.csv",
        views.direct_mail_export,
        name="direct-mail-export",
    ),
]
