"""Reads of automations for one user's screens: seen with campaigns.view_campaign, like
every campaign (campaigns.selectors explains why there is no per-object scoping)."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from campaigns.models import Automation, CampaignSend
from campaigns.selectors import VIEW_CAMPAIGN
from customers.selectors import AnyUser

SENT_STATES = (CampaignSend.State.SENT, CampaignSend.State.BOUNCED)


def _count(**filters: object) -> Coalesce:
    rows = (
        CampaignSend.objects.filter(campaign_id=OuterRef("campaign_id"), **filters)
        .order_by()
        .values("campaign_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows), 0, output_field=IntegerField())


def automation_list_for_user(*, user: AnyUser) -> "QuerySet[Automation]":
    """Automations with their campaign, segment and message, and ``sent_count`` (messages
    sent so far) and ``control_count`` (occasions kept as control): one query."""
    if not isinstance(user, User) or not user.has_perm(VIEW_CAMPAIGN):
        return Automation.objects.none()
    return (
        Automation.objects.select_related(
            "campaign", "campaign__segment", "campaign__template", "campaign__created_by"
        )
        .annotate(
            sent_count=_count(state__in=SENT_STATES),
            control_count=_count(group=CampaignSend.Group.CONTROL),
        )
        .order_by("campaign__name", "pk")
    )


def automation_get_for_user(
    *, user: AnyUser, automation_id: int, perm: str = VIEW_CAMPAIGN
) -> Automation:
    """The automation if ``user`` may see campaigns (else 403) and holds ``perm`` (else
    403); 404 when there is none with this id."""
    if not isinstance(user, User) or not user.has_perm(VIEW_CAMPAIGN) or not user.has_perm(perm):
        raise PermissionDenied
    try:
        return automation_list_for_user(user=user).get(pk=automation_id)
    except (Automation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such automation.") from exc
