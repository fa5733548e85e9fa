"""Automation pages: the list (trigger, segment, channel, on/off, sends so far), the
create and edit form, and the on/off switch. Seen with campaigns.view_campaign, created
with add_campaign, changed with change_campaign, switched with launch_campaign."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.automations import services
from campaigns.automations.forms import AutomationForm
from campaigns.automations.selectors import automation_get_for_user, automation_list_for_user
from campaigns.forms import CAMPAIGN_ALIASES, errors_onto
from campaigns.models import Channel
from campaigns.segments.selectors import segment_list_for_user
from campaigns.selectors import (
    ADD_CAMPAIGN,
    CHANGE_CAMPAIGN,
    LAUNCH_CAMPAIGN,
    VIEW_CAMPAIGN,
    VIEW_RESULTS,
)


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _form(request: HttpRequest, data: Any, initial: dict[str, Any]) -> AutomationForm:
    form = AutomationForm(data, initial=initial)
    segment = form.fields["segment"]
    assert hasattr(segment, "queryset")  # noqa: S101 -- a ModelChoiceField
    segment.queryset = segment_list_for_user(user=request.user).order_by("name", "id")
    return form


@login_required
@permission_required(VIEW_CAMPAIGN, raise_exception=True)
@require_GET
def automation_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    context = {
        "automations": automation_list_for_user(user=user),
        "may_add": user.has_perm(ADD_CAMPAIGN),
        "may_change": user.has_perm(CHANGE_CAMPAIGN),
        "may_switch": user.has_perm(LAUNCH_CAMPAIGN),
        "may_see_results": user.has_perm(VIEW_RESULTS),
    }
    return render(request, "campaigns/automations/list.html", context)


@login_required
@permission_required(ADD_CAMPAIGN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def automation_create(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = _form(request, data, {"channel": Channel.EMAIL, "control_percent": 10})
    if data is not None and form.is_valid():
        try:
            services.automation_create(
                acting_user=_acting_user(request), **form.automation_fields()
            )
        except ValidationError as exc:
            errors_onto(form, exc, CAMPAIGN_ALIASES)
        else:
            messages.success(request, _("Automation saved; it is off until you switch it on."))
            return redirect("campaigns:automation-list")
    return render(request, "campaigns/automations/form.html", {"form": form, "automation": None})


@login_required
@permission_required(CHANGE_CAMPAIGN, raise_exception=True)
@require_http_methods(["GET", "POST"])
def automation_edit(request: HttpRequest, automation_id: int) -> HttpResponse:
    user = _acting_user(request)
    automation = automation_get_for_user(
        user=user, automation_id=automation_id, perm=CHANGE_CAMPAIGN
    )
    data = request.POST if request.method == "POST" else None
    form = _form(request, data, AutomationForm.initial_of_automation(automation))
    if data is not None and form.is_valid():
        try:
            services.automation_update(
                automation=automation, acting_user=user, **form.automation_fields()
            )
        except ValidationError as exc:
            errors_onto(form, exc, CAMPAIGN_ALIASES)
        else:
            messages.success(request, _("Automation saved."))
            return redirect("campaigns:automation-list")
    return render(
        request, "campaigns/automations/form.html", {"form": form, "automation": automation}
    )


@login_required
@permission_required(LAUNCH_CAMPAIGN, raise_exception=True)
@require_POST
def automation_set_active(request: HttpRequest, automation_id: int) -> HttpResponse:
    user = _acting_user(request)
    automation = automation_get_for_user(
        user=user, automation_id=automation_id, perm=LAUNCH_CAMPAIGN
    )
    is_active = request.POST.get("is_active") == "1"
    try:
        services.automation_set_active(automation=automation, is_active=is_active, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        done = _("%(name)s is on.") if is_active else _("%(name)s is off.")
        messages.success(request, done % {"name": automation.campaign.name})
    return redirect("campaigns:automation-list")
