from django.urls import path

from interactions import views

app_name = "interactions"

urlpatterns = [
    path("customers/<int:pk>/history/", views.history_panel, name="panel"),
    path("customers/<int:pk>/timeline/", views.timeline, name="timeline"),
    path("customers/<int:pk>/log/", views.interaction_log, name="log"),
    path("customers/<int:pk>/complaints/new/", views.complaint_open, name="complaint-open"),
    path("customers/<int:pk>/history.csv", views.history_export, name="export"),
    path("complaints/", views.complaint_queue, name="complaint-queue"),
    path("complaints/<int:complaint_id>/", views.complaint_detail, name="complaint"),
    path(
        "complaints/<int:complaint_id>/respond/", views.complaint_respond, name="complaint-respond"
    ),
    path("complaints/<int:complaint_id>/status/", views.complaint_status, name="complaint-status"),
    path("complaints/<int:complaint_id>/assign/", views.complaint_assign, name="complaint-assign"),
    path("service-levels/", views.service_levels, name="service-levels"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/<int:pk>/<int:other_pk>/", views.merge, name="merge"),
]
