"""The rules across all campaigns: frequency cap and quiet hours (Admin only,
campaigns.change_campaignsettings)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from campaigns.configuration import campaign_settings_get, campaign_settings_set
from campaigns.forms import CampaignSettingsForm, errors_onto
from campaigns.selectors import CHANGE_SETTINGS


@login_required
@permission_required(CHANGE_SETTINGS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def campaign_settings(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    data = request.POST if request.method == "POST" else None
    form = CampaignSettingsForm(data, instance=campaign_settings_get())
    if data is not None and form.is_valid():
        try:
            campaign_settings_set(acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            errors_onto(form, exc, {})
        else:
            messages.success(request, _("Campaign settings saved."))
            return redirect("campaigns:settings")
    return render(request, "campaigns/settings.html", {"form": form})
