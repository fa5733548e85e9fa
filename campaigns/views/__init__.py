"""Campaign pages, split by sub-domain: campaigns (list, form, detail and its actions),
message templates, coupons and the settings across campaigns."""

from campaigns.views.campaigns import (
    campaign_cancel,
    campaign_create,
    campaign_detail,
    campaign_duplicate,
    campaign_edit,
    campaign_held,
    campaign_launch,
    campaign_list,
    campaign_preview,
    campaign_preview_search,
    campaign_progress,
)
from campaigns.views.coupons import coupon_list, coupon_order
from campaigns.views.message_templates import (
    message_template_create,
    message_template_delete,
    message_template_edit,
    message_template_list,
)
from campaigns.views.settings import campaign_settings

__all__ = [
    "campaign_cancel",
    "campaign_create",
    "campaign_detail",
    "campaign_duplicate",
    "campaign_edit",
    "campaign_held",
    "campaign_launch",
    "campaign_list",
    "campaign_preview",
    "campaign_preview_search",
    "campaign_progress",
    "campaign_settings",
    "coupon_list",
    "coupon_order",
    "message_template_create",
    "message_template_delete",
    "message_template_edit",
    "message_template_list",
]
