from django.urls import path

from interactions.ingest import views

app_name = "ingest"

urlpatterns = [
    path("", views.integrations, name="integrations"),
    path("sources/new/", views.source_create, name="source-create"),
    path("sources/<int:pk>/rotate/", views.source_rotate, name="source-rotate"),
    path("sources/<int:pk>/active/", views.source_set_active, name="source-set-active"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery-retry"),
]
