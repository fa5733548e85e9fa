"""Campaign pages: the list, the form, and the detail page with its progress, held-back
recipients, preview for one recipient, launch, cancel and duplicate.

Seen with campaigns.view_campaign; created and changed with add_/change_campaign;
launched with launch_campaign. Customers (preview, held-back names) go through the
customer door, so a Sales user previews only customers they may see."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns import services
from campaigns.delivery.launch import campaign_launch as delivery_campaign_launch
from campaigns.delivery.rendering import message_preview
from campaigns.delivery.selectors import campaign_held_list
from campaigns.delivery.selectors import campaign_progress as delivery_campaign_progress
from campaigns.forms import CAMPAIGN_ALIASES, CampaignForm, errors_onto
from campaigns.models import Campaign, CampaignSend, Channel
from campaigns.segments.rules import segment_members
from campaigns.segments.selectors import segment_list_for_user
from campaigns.selectors import (
    ADD_CAMPAIGN,
    CHANGE_CAMPAIGN,
    LAUNCH_CAMPAIGN,
    PROGRESS_EVENTS,
    PROGRESS_STATES,
    VIEW_CAMPAIGN,
    VIEW_RESULTS,
    campaign_get_for_user,
    campaign_page_for_user,
    campaign_progress_counts,
)
from crm.lib.keyset import InvalidCursorError
from customers.selectors import customer_get_for_user, customer_list_for_user

HELD_PAGE_SIZE = 25
PREVIEW_MATCHES = 10  # customers offered by the preview's name search
ACTIVE = (Campaign.Status.QUEUEING, Campaign.Status.SENDING)
# Names of other parts' routes this page links to when they exist.
RESULTS_PANEL = "campaigns:results-panel"
DIRECT_MAIL_EXPORT = "campaigns:direct-mail-export"


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _url_or_none(name: str, **kwargs: Any) -> str | None:
    """A route of another part of campaigns, or None while that part is not there."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def _progress_rows(counts: dict[str, int]) -> list[tuple[str, str, int]]:
    labels = dict(CampaignSend.State.choices)
    events = {"opened": _("Opened"), "clicked": _("Clicked"), "unsubscribed": _("Unsubscribed")}
    rows = [(str(state), str(labels[state]), counts.get(state, 0)) for state in PROGRESS_STATES]
    rows += [(name, str(events[name]), counts.get(name, 0)) for name in PROGRESS_EVENTS]
    return rows


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    status = request.GET.get("status", "")
    status = status if status in Campaign.Status.values else ""
    try:
        page = campaign_page_for_user(
            user=user, cursor=request.GET.get("cursor") or None, status=status
        )
    except InvalidCursorError:
        return redirect("campaigns:list")
    counts = campaign_progress_counts(campaign_ids=[c.pk for c in page.rows])
    context = {
        "rows": [(c, counts[c.pk]) for c in page.rows],
        "next_cursor": page.next_cursor,
        "status": status,
        "statuses": Campaign.Status.choices,
        "may_add": user.has_perm(ADD_CAMPAIGN),
    }
    return render(request, "campaigns/campaign_list.html", context)


def _campaign_form(request: HttpRequest, data: Any, initial: dict[str, Any]) -> CampaignForm:
    form = CampaignForm(data, initial=initial)
    segment_field = form.fields["segment"]
    assert hasattr(segment_field, "queryset")  # noqa: S101 -- a ModelChoiceField
    segment_field.queryset = segment_list_for_user(user=request.user).order_by("name", "id")
    return form


@login_required
@permission_required(ADD_CAMPAIGN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = _campaign_form(request, data, {"channel": Channel.EMAIL})
    if data is not None and form.is_valid():
        try:
            campaign = services.campaign_create(
                acting_user=_acting_user(request), data=form.campaign_data()
            )
        except ValidationError as exc:
            errors_onto(form, exc, CAMPAIGN_ALIASES)
        else:
            messages.success(request, _("Campaign saved as a draft."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": None})


@login_required
@permission_required(CHANGE_CAMPAIGN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=CHANGE_CAMPAIGN)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(request, _("Only a draft campaign can be changed."))
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    data = request.POST if request.method == "POST" else None
    form = _campaign_form(request, data, CampaignForm.initial_of(campaign))
    if data is not None and form.is_valid():
        try:
            services.campaign_update(campaign=campaign, acting_user=user, data=form.campaign_data())
        except ValidationError as exc:
            errors_onto(form, exc, CAMPAIGN_ALIASES)
        else:
            messages.success(request, _("Campaign saved."))
            return redirect("campaigns:detail", campaign_id=campaign.pk)
    return render(request, "campaigns/campaign_form.html", {"form": form, "campaign": campaign})


def _progress_context(campaign: Campaign) -> dict[str, Any]:
    counts = delivery_campaign_progress(campaign=campaign)
    return {
        "campaign": campaign,
        "progress": _progress_rows(counts),
        "is_active": campaign.status in ACTIVE,
    }


def _held_context(user: User, campaign: Campaign, cursor: str | None) -> dict[str, Any]:
    page = campaign_held_list(campaign=campaign, cursor=cursor, size=HELD_PAGE_SIZE)
    ids = {row.customer_id for row in page.rows}
    visible = set(customer_list_for_user(user=user).filter(pk__in=ids).values_list("pk", flat=True))
    return {
        "campaign": campaign,
        "held": [(row, row.customer_id in visible) for row in page.rows],
        "held_next": page.next_cursor,
    }


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id)
    is_draft = campaign.status == Campaign.Status.DRAFT
    context: dict[str, Any] = {
        **_progress_context(campaign),
        **_held_context(user, campaign, None),
        "may_change": is_draft and user.has_perm(CHANGE_CAMPAIGN),
        "may_launch": is_draft and user.has_perm(LAUNCH_CAMPAIGN),
        "may_cancel": campaign.status in services.CANCELLABLE and user.has_perm(CHANGE_CAMPAIGN),
        "may_duplicate": campaign.kind == Campaign.Kind.ONE_OFF and user.has_perm(ADD_CAMPAIGN),
        "reach": _reach(user, campaign) if is_draft and campaign.segment_id else None,
        "results_url": _results_url(user, campaign),
        "direct_mail_url": _direct_mail_url(campaign),
    }
    preview_id = request.GET.get("preview")
    if preview_id:
        context.update(_preview_context(user, campaign, preview_id))
    return render(request, "campaigns/campaign_detail.html", context)


def _reach(user: User, campaign: Campaign) -> int:
    """Members of the segment this user would launch to (before consent and caps)."""
    return segment_members(user=user, segment=campaign.segment).count()


def _results_url(user: User, campaign: Campaign) -> str | None:
    if campaign.launched_at is None or not user.has_perm(VIEW_RESULTS):
        return None
    return _url_or_none(RESULTS_PANEL, campaign_id=campaign.pk)


def _direct_mail_url(campaign: Campaign) -> str | None:
    if campaign.channel != Channel.DIRECT_MAIL or campaign.launched_at is None:
        return None
    return _url_or_none(DIRECT_MAIL_EXPORT, campaign_id=campaign.pk)


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_progress(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = campaign_get_for_user(user=request.user, campaign_id=campaign_id)
    return render(request, "campaigns/_progress.html", _progress_context(campaign))


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_held(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id)
    try:
        context = _held_context(user, campaign, request.GET.get("cursor") or None)
    except InvalidCursorError:
        context = _held_context(user, campaign, None)
    return render(request, "campaigns/_held.html", context)


def _preview_context(user: User, campaign: Campaign, customer_id: Any) -> dict[str, Any]:
    """The message as ``customer_id`` would get it; the customer comes through the door."""
    try:
        pk = int(customer_id)
    except (TypeError, ValueError):
        return {"preview_error": _("Choose a customer to preview the message for.")}
    customer = customer_get_for_user(user=user, customer_id=pk)
    if campaign.template_id is None:
        return {"preview_customer": customer, "preview_error": _("Choose a message first.")}
    in_segment = (
        campaign.segment is not None
        and segment_members(user=user, segment=campaign.segment).filter(pk=pk).exists()
    )
    return {
        "preview_customer": customer,
        "preview": message_preview(campaign=campaign, customer=customer),
        "preview_in_segment": in_segment,
    }


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_preview(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The preview box alone (htmx), for ``?customer=<id>``."""
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id)
    context = {
        "campaign": campaign,
        **_preview_context(user, campaign, request.GET.get("customer")),
    }
    return render(request, "campaigns/_preview.html", context)


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def campaign_preview_search(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Members of the campaign's segment whose name contains ``q`` (the preview picker)."""
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id)
    text = request.GET.get("q", "").strip()
    matches = []
    if text and campaign.segment is not None:
        members = segment_members(user=user, segment=campaign.segment)
        matches = list(
            members.filter(name__icontains=text).order_by("name", "id")[:PREVIEW_MATCHES]
        )
    context = {"campaign": campaign, "matches": matches, "q": text}
    return render(request, "campaigns/_preview_matches.html", context)


def _service_action(request: HttpRequest, campaign: Campaign, action: Any, done: str) -> None:
    try:
        action(campaign=campaign, acting_user=_acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, done)


@login_required
@permission_required(LAUNCH_CAMPAIGN, raise_exception=True)
@require_POST
def campaign_launch(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=LAUNCH_CAMPAIGN)
    done = _("Launched: the messages are being prepared.")
    _service_action(request, campaign, delivery_campaign_launch, done)
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@permission_required(CHANGE_CAMPAIGN, raise_exception=True)
@require_POST
def campaign_cancel(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=CHANGE_CAMPAIGN)
    _service_action(request, campaign, services.campaign_cancel, _("Campaign cancelled."))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@login_required
@permission_required(ADD_CAMPAIGN, raise_exception=True)
@require_POST
def campaign_duplicate(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = _acting_user(request)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=ADD_CAMPAIGN)
    try:
        copy = services.campaign_duplicate(campaign=campaign, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaigns:detail", campaign_id=campaign.pk)
    messages.success(request, _("A copy was saved as a draft."))
    return redirect("campaigns:edit", campaign_id=copy.pk)
