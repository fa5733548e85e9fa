from django.urls import URLPattern, URLResolver, path

from campaigns.segments import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.segment_list, name="segment-list"),
    path("new/", views.segment_create, name="segment-create"),
    path("preview/", views.segment_preview, name="segment-preview"),
    path("condition/", views.segment_condition, name="segment-condition"),
    path("suggested/", views.cluster_list, name="segment-clusters"),
    path("suggested/<int:cluster_id>/save/", views.cluster_save, name="segment-cluster-save"),
    path("<int:segment_id>/", views.segment_edit, name="segment-edit"),
    path("<int:segment_id>/count/", views.segment_count, name="segment-count"),
    path("<int:segment_id>/delete/", views.segment_delete, name="segment-delete"),
]
