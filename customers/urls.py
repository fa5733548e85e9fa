from django.urls import path

from customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("export.csv", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/reassign/", views.customer_reassign, name="reassign"),
    path("<int:pk>/stage/", views.customer_stage, name="stage"),
    path("<int:pk>/contacts/", views.contact_person_add, name="contact-add"),
    path(
        "<int:pk>/contacts/<int:contact_id>/remove/",
        views.contact_person_remove,
        name="contact-remove",
    ),
]
