from django.urls import path

from interactions.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list, name="list"),
    path("new/", views.import_upload, name="upload"),
    path("<int:job_id>/", views.import_job, name="job"),
    path("<int:job_id>/mapping/", views.import_mapping, name="mapping"),
    path("<int:job_id>/progress/", views.import_progress, name="progress"),
    path("<int:job_id>/commit/", views.import_commit, name="commit"),
]
