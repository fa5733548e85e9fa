from django.urls import path

from customers.api import views

urlpatterns = [
    path("customers/", views.CustomerListApi.as_view(), name="customer-list"),
    path("customers/export/", views.CustomerExportApi.as_view(), name="customer-export"),
    path("customers/<int:pk>/", views.CustomerDetailApi.as_view(), name="customer-detail"),
    path(
        "customers/<int:pk>/reassign/",
        views.CustomerReassignApi.as_view(),
        name="customer-reassign",
    ),
    path("customers/<int:pk>/stage/", views.CustomerStageApi.as_view(), name="customer-stage"),
    path(
        "customers/<int:pk>/contacts/",
        views.ContactPersonListApi.as_view(),
        name="customer-contacts",
    ),
    path(
        "customers/<int:pk>/contacts/<int:contact_id>/",
        views.ContactPersonDetailApi.as_view(),
        name="customer-contact-detail",
    ),
    path(
        "customers/<int:pk>/history/", views.CustomerHistoryApi.as_view(), name="customer-history"
    ),
]
