"""Campaign API views, split by sub-domain; campaign_urls imports them from here."""

from campaigns.api.views.campaigns import (
    CampaignCancelApi,
    CampaignDetailApi,
    CampaignDuplicateApi,
    CampaignLaunchApi,
    CampaignListApi,
    CampaignPreviewApi,
    CampaignProgressApi,
)
from campaigns.api.views.coupons import CampaignSettingsApi, CouponListApi, CouponOrderApi
from campaigns.api.views.message_templates import MessageTemplateDetailApi, MessageTemplateListApi

__all__ = [
    "CampaignCancelApi",
    "CampaignDetailApi",
    "CampaignDuplicateApi",
    "CampaignLaunchApi",
    "CampaignListApi",
    "CampaignPreviewApi",
    "CampaignProgressApi",
    "CampaignSettingsApi",
    "CouponListApi",
    "CouponOrderApi",
    "MessageTemplateDetailApi",
    "MessageTemplateListApi",
]
