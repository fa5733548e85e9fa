from django.urls import path

from crm.privacy import request_views, views

app_name = "privacy"
urlpatterns = [
    path("access-log/", views.access_log_page, name="access-log"),
    path("access-log.csv", views.access_log_export, name="access-log-export"),
    path("requests/", request_views.request_list, name="requests"),
    path("requests/new/", request_views.request_create, name="request-create"),
    path("requests/<int:request_id>/", request_views.request_detail, name="request"),
    path(
        "requests/<int:request_id>/approve/", request_views.request_approve, name="request-approve"
    ),
    path("requests/<int:request_id>/reject/", request_views.request_reject, name="request-reject"),
    path(
        "requests/<int:request_id>/complete/",
        request_views.request_complete,
        name="request-complete",
    ),
    path("packages/<str:token>/", request_views.package_download, name="package"),
    path("data-map/", views.data_map_page, name="data-map"),
    path("retention/", views.retention_page, name="retention"),
    path("retention/preview/", views.retention_preview, name="retention-preview"),
    path("retention/runs/", views.retention_run_start, name="retention-run"),
]
