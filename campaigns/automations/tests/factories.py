"""Automations made through the service, switched on as a manager would."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from campaigns.automations.services import automation_create, automation_set_active
from campaigns.delivery.tests.factories import make_template
from campaigns.models import Automation, Campaign, CampaignSettings, Channel


def no_quiet_hours() -> None:
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": 0, "quiet_until_hour": 0}
    )


def make_automation(
    user: User,
    *,
    trigger: str = Automation.Trigger.BIRTHDAY,
    on_at: datetime | None = None,
    switched_on_by: User | None = None,
    **fields: Any,
) -> Automation:
    """An email automation by ``user``; with ``on_at`` switched on, as if at that moment."""
    fields.setdefault("name", f"{trigger} greeting")
    fields.setdefault("channel", Channel.EMAIL)
    fields.setdefault("control_percent", 0)
    if "template" not in fields:
        fields["template"] = make_template(channel=fields["channel"])
    automation = automation_create(acting_user=user, trigger=trigger, **fields)
    if on_at is not None:
        automation = automation_set_active(
            automation=automation, is_active=True, acting_user=switched_on_by or user
        )
        Campaign.objects.filter(pk=automation.campaign_id).update(launched_at=on_at)
        automation.refresh_from_db()
        automation.campaign.refresh_from_db()
    return automation


def automation_for_walk(user: User) -> Automation:
    """An automation by ``user`` that is off, for the permission walk."""
    return make_automation(user, name="Walk birthday greeting")
