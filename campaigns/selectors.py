"""Reads of campaigns, message templates and coupons for one user's screens.

Who sees what, kept simple on purpose: campaigns and message templates are shared work of
the marketing roles, not anybody's records, so a role permission decides and there is no
per-object scoping — whoever holds ``campaigns.view_campaign`` (Sales, Manager, Admin)
sees every campaign, whoever created it; ``view_messagetemplate`` likewise for templates.
What a campaign *reaches* is scoped elsewhere: launch and preview go through the customer
door. Coupons name customers, so a coupon is visible when its customer is."""

from collections import defaultdict
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from campaigns.models import Campaign, CampaignSend, Coupon, MessageTemplate, MessageTemplateVariant
from crm.lib.keyset import Page, keyset_page
from customers.selectors import AnyUser, customer_list_for_user

VIEW_CAMPAIGN = "campaigns.view_campaign"
ADD_CAMPAIGN = "campaigns.add_campaign"
CHANGE_CAMPAIGN = "campaigns.change_campaign"
LAUNCH_CAMPAIGN = "campaigns.launch_campaign"
VIEW_RESULTS = "campaigns.view_campaign_results"
VIEW_TEMPLATE = "campaigns.view_messagetemplate"
ADD_TEMPLATE = "campaigns.add_messagetemplate"
CHANGE_TEMPLATE = "campaigns.change_messagetemplate"
VIEW_COUPON = "campaigns.view_coupon"
REDEEM_COUPON = "campaigns.change_coupon"
CHANGE_SETTINGS = "campaigns.change_campaignsettings"
CAMPAIGN_PAGE_SIZE = 50
COUPON_PAGE_SIZE = 50
SEND = CampaignSend.State
# Counted per campaign on the list and the detail page, in this order.
PROGRESS_STATES = (SEND.QUEUED, SEND.SENT, SEND.BOUNCED, SEND.HELD, SEND.CONTROL, SEND.FAILED)
PROGRESS_EVENTS = ("opened", "clicked", "unsubscribed")  # CampaignSend.<event>_at is set


def _require(user: AnyUser, perm: str) -> None:
    if not isinstance(user, User) or not user.has_perm(perm):
        raise PermissionDenied


def campaign_list_for_user(*, user: AnyUser) -> "QuerySet[Campaign]":
    """One-off campaigns (automations have their own page), newest first."""
    if not isinstance(user, User) or not user.has_perm(VIEW_CAMPAIGN):
        return Campaign.objects.none()
    return Campaign.objects.filter(kind=Campaign.Kind.ONE_OFF).select_related(
        "segment", "template", "created_by", "launched_by"
    )


def campaign_page_for_user(
    *, user: AnyUser, cursor: str | None, size: int = CAMPAIGN_PAGE_SIZE, status: str = ""
) -> Page[Campaign]:
    qs = campaign_list_for_user(user=user)
    if status:
        qs = qs.filter(status=status)
    return keyset_page(qs, key="created_at", descending=True, cursor=cursor, size=size)


def campaign_get_for_user(
    *, user: AnyUser, campaign_id: int, perm: str = VIEW_CAMPAIGN
) -> Campaign:
    """The campaign (any kind) if ``user`` may see campaigns (else 403) and it exists (else
    404); a ``perm`` other than view must be held too (else 403)."""
    _require(user, VIEW_CAMPAIGN)
    _require(user, perm)
    qs = Campaign.objects.select_related("segment", "template", "created_by", "launched_by")
    try:
        return qs.get(pk=campaign_id)
    except (Campaign.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such campaign.") from exc


def campaign_progress_counts(*, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """Sends per state and opens, clicks and unsubscribes, for many campaigns in one grouped
    query (the list page); every key is present, zero when nothing happened."""
    measures = {
        **{state.value: Count("id", filter=Q(state=state)) for state in PROGRESS_STATES},
        **{
            event: Count("id", filter=Q(**{f"{event}_at__isnull": False}))
            for event in PROGRESS_EVENTS
        },
        "total": Count("id"),
    }
    empty = dict.fromkeys(measures, 0)
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict(empty))
    if not campaign_ids:
        return counts
    rows = (
        CampaignSend.objects.filter(campaign_id__in=campaign_ids)
        .order_by()
        .values("campaign_id")
        .annotate(**measures)
    )
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts[int(values["campaign_id"])] = {name: int(values[name]) for name in measures}
    return counts


# --- message templates -----------------------------------------------------------------------


def message_template_list_for_user(
    *, user: AnyUser, channel: str = ""
) -> "QuerySet[MessageTemplate]":
    """Templates with their variants (one more query) and how many campaigns use each."""
    if not isinstance(user, User) or not user.has_perm(VIEW_TEMPLATE):
        return MessageTemplate.objects.none()
    qs = (
        MessageTemplate.objects.select_related("created_by")
        .annotate(campaign_count=Count("campaigns"))
        .prefetch_related(
            Prefetch("variants", queryset=MessageTemplateVariant.objects.order_by("language"))
        )
    )
    return qs.filter(channel=channel) if channel else qs


def message_template_get_for_user(
    *, user: AnyUser, template_id: int, perm: str = VIEW_TEMPLATE
) -> MessageTemplate:
    _require(user, VIEW_TEMPLATE)
    _require(user, perm)
    try:
        return message_template_list_for_user(user=user).get(pk=template_id)
    except (MessageTemplate.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such message template.") from exc


# --- coupons ---------------------------------------------------------------------------------


def coupon_list_for_user(
    *, user: AnyUser, campaign_id: int | None = None, customer_id: int | None = None
) -> "QuerySet[Coupon]":
    """Coupons of the customers ``user`` may see (and customer-less ones, which name
    nobody), with what the list shows."""
    if not isinstance(user, User) or not user.has_perm(VIEW_COUPON):
        return Coupon.objects.none()
    visible = customer_list_for_user(user=user).values("pk")
    qs = Coupon.objects.filter(Q(customer__in=visible) | Q(customer__isnull=True))
    if campaign_id is not None:
        qs = qs.filter(campaign_id=campaign_id)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    return qs.select_related("campaign", "customer", "order")


def coupon_page_for_user(
    *,
    user: AnyUser,
    cursor: str | None,
    size: int = COUPON_PAGE_SIZE,
    campaign_id: int | None = None,
    customer_id: int | None = None,
) -> Page[Coupon]:
    qs = coupon_list_for_user(user=user, campaign_id=campaign_id, customer_id=customer_id)
    return keyset_page(qs, key="created_at", descending=True, cursor=cursor, size=size)


def campaign_choices_for_coupons(*, user: AnyUser) -> "QuerySet[Campaign]":
    """Campaigns that give coupons, for the coupon list's filter."""
    if not isinstance(user, User) or not user.has_perm(VIEW_COUPON):
        return Campaign.objects.none()
    with_coupons = Q(coupon_value_cents__isnull=False) | Q(coupon_percent__isnull=False)
    return Campaign.objects.filter(with_coupons).only("id", "name").order_by("name", "id")
