"""The rules across all campaigns (frequency cap, quiet hours): one row, defaults until an
admin saves it; saving is audited."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.models import CampaignSettings
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields

SETTINGS_FIELDS = ("max_messages", "window_days", "quiet_from_hour", "quiet_until_hour")


def campaign_settings_get() -> CampaignSettings:
    """The saved settings, or the model's defaults (unsaved) when none were saved."""
    return CampaignSettings.objects.filter(pk=1).first() or CampaignSettings(pk=1)


@transaction.atomic
def campaign_settings_set(
    *,
    acting_user: User,
    max_messages: int,
    window_days: int,
    quiet_from_hour: int,
    quiet_until_hour: int,
) -> CampaignSettings:
    if not 0 <= quiet_from_hour <= 23 or not 0 <= quiet_until_hour <= 23:
        raise ValidationError(_("Hours run from 0 to 23."))
    if window_days < 1:
        raise ValidationError({"window_days": _("The window is at least one day.")})
    current = campaign_settings_get()
    before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    after = {
        "max_messages": max_messages,
        "window_days": window_days,
        "quiet_from_hour": quiet_from_hour,
        "quiet_until_hour": quiet_until_hour,
    }
    saved, _created = CampaignSettings.objects.update_or_create(pk=1, defaults=after)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=saved,
        changes=diff_fields(before, after),
    )
    return saved
