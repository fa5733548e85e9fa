"""Reads for the campaign page: delivery progress and the recipients held back. The
caller passes a campaign the user may already see (the campaign door decides)."""

from django.db.models import Count, Q

from campaigns.models import Campaign, CampaignSend
from crm.lib.keyset import Page, keyset_page

HELD_PAGE_SIZE = 50


def campaign_progress(*, campaign: Campaign) -> dict[str, int]:
    """Sends per state, plus opened, clicked and unsubscribed, and the total: one query."""
    aggregates = {state: Count("id", filter=Q(state=state)) for state in CampaignSend.State.values}
    aggregates["opened"] = Count("id", filter=Q(opened_at__isnull=False))
    aggregates["clicked"] = Count("id", filter=Q(clicked_at__isnull=False))
    aggregates["unsubscribed"] = Count("id", filter=Q(unsubscribed_at__isnull=False))
    aggregates["total"] = Count("id")
    counts = CampaignSend.objects.filter(campaign=campaign).aggregate(**aggregates)
    return {name: int(value or 0) for name, value in counts.items()}


def campaign_held_list(
    *, campaign: Campaign, cursor: str | None, size: int = HELD_PAGE_SIZE
) -> Page[CampaignSend]:
    """A keyset page of the held-back recipients with their reasons, customer loaded.
    Raises crm.lib.keyset.InvalidCursorError for a bad cursor."""
    held = CampaignSend.objects.filter(
        campaign=campaign, state=CampaignSend.State.HELD
    ).select_related("customer")
    return keyset_page(held, key="id", descending=False, cursor=cursor, size=size)
