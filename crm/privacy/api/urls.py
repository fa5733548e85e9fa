from django.urls import path

from crm.privacy.api import views

urlpatterns = [
    path(
        "privacy/retention/policies/",
        views.RetentionPoliciesApi.as_view(),
        name="retention-policies",
    ),
    path(
        "privacy/retention/preview/", views.RetentionPreviewApi.as_view(), name="retention-preview"
    ),
    path("privacy/retention/runs/", views.RetentionRunsApi.as_view(), name="retention-runs"),
    path("privacy/requests/", views.DataSubjectRequestListApi.as_view(), name="dsr-list"),
    path(
        "privacy/requests/<int:request_id>/",
        views.DataSubjectRequestDetailApi.as_view(),
        name="dsr-detail",
    ),
    path(
        "privacy/requests/<int:request_id>/approve/",
        views.DataSubjectRequestApproveApi.as_view(),
        name="dsr-approve",
    ),
    path(
        "privacy/requests/<int:request_id>/reject/",
        views.DataSubjectRequestRejectApi.as_view(),
        name="dsr-reject",
    ),
    path(
        "privacy/requests/<int:request_id>/complete/",
        views.DataSubjectRequestCompleteApi.as_view(),
        name="dsr-complete",
    ),
]
