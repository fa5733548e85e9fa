"""API routes of campaigns, message templates, coupons and the campaign settings (under
/api/v1/, names in the "api" namespace)."""

from django.urls import path

from campaigns.api import views

urlpatterns = [
    path("campaigns/", views.CampaignListApi.as_view(), name="campaign-list"),
    path("campaigns/<int:campaign_id>/", views.CampaignDetailApi.as_view(), name="campaign-detail"),
    path(
        "campaigns/<int:campaign_id>/launch/",
        views.CampaignLaunchApi.as_view(),
        name="campaign-launch",
    ),
    path(
        "campaigns/<int:campaign_id>/cancel/",
        views.CampaignCancelApi.as_view(),
        name="campaign-cancel",
    ),
    path(
        "campaigns/<int:campaign_id>/duplicate/",
        views.CampaignDuplicateApi.as_view(),
        name="campaign-duplicate",
    ),
    path(
        "campaigns/<int:campaign_id>/preview/",
        views.CampaignPreviewApi.as_view(),
        name="campaign-preview",
    ),
    path(
        "campaigns/<int:campaign_id>/progress/",
        views.CampaignProgressApi.as_view(),
        name="campaign-progress",
    ),
    path(
        "message-templates/",
        views.MessageTemplateListApi.as_view(),
        name="message-template-list",
    ),
    path(
        "message-templates/<int:template_id>/",
        views.MessageTemplateDetailApi.as_view(),
        name="message-template-detail",
    ),
    path("coupons/", views.CouponListApi.as_view(), name="coupon-list"),
    path("coupons/orders/", views.CouponOrderApi.as_view(), name="coupon-order"),
    path("campaign-settings/", views.CampaignSettingsApi.as_view(), name="campaign-settings"),
]
