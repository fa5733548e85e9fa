"""Staff pages of delivery: the direct-mail CSV of a campaign."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from campaigns.delivery.sending import direct_mail_path
from campaigns.models import Campaign, Channel

VIEW_CAMPAIGN = "campaigns.view_campaign"
LAUNCH_CAMPAIGN = "campaigns.launch_campaign"


# The file holds every recipient's postal address, also of customers the reader may not
# see otherwise: those who may launch campaigns (Managers, Admins) download it.
@login_required
@permission_required((VIEW_CAMPAIGN, LAUNCH_CAMPAIGN), raise_exception=True)
@require_GET
def direct_mail_export(request: HttpRequest, campaign_id: int) -> FileResponse:
    """The letters written so far (the file grows while the campaign sends)."""
    campaign = get_object_or_404(Campaign, pk=campaign_id, channel=Channel.DIRECT_MAIL)
    path = direct_mail_path(campaign.pk)
    if not path.exists():
        raise Http404("No letters yet.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"campaign-{campaign.pk}-direct-mail.csv",
        content_type="text/csv; charset=utf-8",
    )
