from django.urls import path

from interactions.api import views

urlpatterns = [
    path(
        "customers/<int:pk>/interactions/",
        views.CustomerInteractionsApi.as_view(),
        name="customer-interactions",
    ),
    path(
        "customers/<int:pk>/timeline/",
        views.CustomerTimelineApi.as_view(),
        name="customer-timeline",
    ),
    path(
        "customers/<int:pk>/summary/", views.CustomerSummaryApi.as_view(), name="customer-summary"
    ),
    path("customers/<int:pk>/orders/", views.CustomerOrdersApi.as_view(), name="customer-orders"),
    path(
        "customers/<int:pk>/complaints/",
        views.CustomerComplaintsApi.as_view(),
        name="customer-complaints",
    ),
    path(
        "customers/<int:pk>/surveys/", views.CustomerSurveysApi.as_view(), name="customer-surveys"
    ),
    path("orders/<int:order_id>/refunds/", views.OrderRefundApi.as_view(), name="order-refunds"),
    path("complaints/", views.ComplaintQueueApi.as_view(), name="complaint-queue"),
    path(
        "complaints/<int:complaint_id>/",
        views.ComplaintDetailApi.as_view(),
        name="complaint-detail",
    ),
    path(
        "complaints/<int:complaint_id>/respond/",
        views.ComplaintRespondApi.as_view(),
        name="complaint-respond",
    ),
    path(
        "complaints/<int:complaint_id>/status/",
        views.ComplaintStatusApi.as_view(),
        name="complaint-status",
    ),
]
