from django.urls import URLPattern, URLResolver, path

from campaigns.segments import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("segments/", api.SegmentListApi.as_view(), name="segment-list"),
    path("segments/count/", api.SegmentCountApi.as_view(), name="segment-count"),
    path("segments/suggested/", api.BehaviourClusterListApi.as_view(), name="segment-clusters"),
    path(
        "segments/suggested/<int:cluster_id>/save/",
        api.BehaviourClusterSaveApi.as_view(),
        name="segment-cluster-save",
    ),
    path("segments/<int:segment_id>/", api.SegmentDetailApi.as_view(), name="segment-detail"),
    path(
        "segments/<int:segment_id>/members/",
        api.SegmentMembersApi.as_view(),
        name="segment-members",
    ),
]
