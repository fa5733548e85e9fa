"""Pages of campaigns, message templates, coupons and the campaign settings (namespace
"campaigns", mounted at /campaigns/)."""

from django.urls import path

from campaigns import views

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/launch/", views.campaign_launch, name="launch"),
    path("<int:campaign_id>/cancel/", views.campaign_cancel, name="cancel"),
    path("<int:campaign_id>/duplicate/", views.campaign_duplicate, name="duplicate"),
    path("<int:campaign_id>/progress/", views.campaign_progress, name="progress"),
    path("<int:campaign_id>/held/", views.campaign_held, name="held"),
    path("<int:campaign_id>/preview/", views.campaign_preview, name="preview"),
    path(
        "<int:campaign_id>/preview/customers/",
        views.campaign_preview_search,
        name="preview-search",
    ),
    path("templates/", views.message_template_list, name="template-list"),
    path("templates/new/", views.message_template_create, name="template-create"),
    path("templates/<int:template_id>/", views.message_template_edit, name="template-edit"),
    path(
        "templates/<int:template_id>/delete/",
        views.message_template_delete,
        name="template-delete",
    ),
    path("coupons/", views.coupon_list, name="coupon-list"),
    path("coupons/order/", views.coupon_order, name="coupon-order"),
    path("settings/", views.campaign_settings, name="settings"),
]
