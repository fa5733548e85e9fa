"""Writes of automations: create, change, switch on and off, and the hourly run.

An automation is a campaign of kind AUTOMATION (its channel, segment, message, control
group, attribution window and coupon) plus the rule of ``Automation`` (trigger, delay).
Switching on needs campaigns.launch_campaign and a message that can be sent; it marks the
campaign SENDING and stamps ``launched_at``: only events from that moment on are messaged,
so switching an automation on never writes to a whole history. Off is COMPLETED: no new
occasions, the rows already prepared still go out. Every change is audited."""

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.automations.triggers import DEFAULT_GOALS, due_occasion_chunks
from campaigns.delivery.launch import QueueResult, sends_queue
from campaigns.models import Automation, Campaign, MessageTemplate, Segment
from campaigns.selectors import LAUNCH_CAMPAIGN
from campaigns.services import CampaignData, campaign_data_errors
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields

logger = logging.getLogger(__name__)

MAX_DELAY_DAYS = 365  # a message a year after its occasion no longer answers it
RULE_FIELDS = ("trigger", "delay_days")


def _errors(data: CampaignData, trigger: str, delay_days: int) -> dict[str, list[str]]:
    errors = campaign_data_errors(data)
    if trigger not in Automation.Trigger.values:
        errors.setdefault("trigger", []).append(_("Choose what starts the automation."))
    if not 0 <= delay_days <= MAX_DELAY_DAYS:
        errors.setdefault("delay_days", []).append(_("The delay is 0 to 365 days."))
    return errors


def _default_goal(trigger: str) -> str:
    if trigger not in Automation.Trigger.values:
        return Campaign.Goal.OTHER
    return DEFAULT_GOALS[Automation.Trigger(trigger)]


def _data(
    *,
    name: str,
    trigger: str,
    channel: str,
    template: MessageTemplate | None,
    segment: Segment | None,
    control_percent: int,
    attribution_days: int,
    goal: str | None,
    coupon_value_cents: int | None,
    coupon_percent: int | None,
    coupon_valid_days: int,
) -> CampaignData:
    return CampaignData(
        name=name.strip(),
        channel=channel,
        segment=segment,
        template=template,
        goal=goal or _default_goal(trigger),
        control_percent=control_percent,
        attribution_days=attribution_days,
        coupon_value_cents=coupon_value_cents,
        coupon_percent=coupon_percent,
        coupon_valid_days=coupon_valid_days,
    )


def _audit_view(data: CampaignData, trigger: str, delay_days: int) -> dict[str, Any]:
    view = asdict(data)
    view["segment"] = data.segment.pk if data.segment else None
    view["template"] = data.template.pk if data.template else None
    return {**view, "trigger": trigger, "delay_days": delay_days}


def _current_view(automation: Automation) -> dict[str, Any]:
    c = automation.campaign
    return {
        "name": c.name,
        "channel": c.channel,
        "segment": c.segment_id,
        "template": c.template_id,
        "goal": c.goal,
        "control_percent": c.control_percent,
        "attribution_days": c.attribution_days,
        "coupon_value_cents": c.coupon_value_cents,
        "coupon_percent": c.coupon_percent,
        "coupon_valid_days": c.coupon_valid_days,
        "trigger": automation.trigger,
        "delay_days": automation.delay_days,
    }


@transaction.atomic
def automation_create(
    *,
    acting_user: User,
    name: str,
    trigger: str,
    channel: str,
    template: MessageTemplate | None,
    segment: Segment | None = None,
    delay_days: int = 0,
    control_percent: int = 10,
    attribution_days: int = 30,
    goal: str | None = None,
    coupon_value_cents: int | None = None,
    coupon_percent: int | None = None,
    coupon_valid_days: int = 30,
) -> Automation:
    """A new automation, off. Without a segment it reaches every customer the creator may
    see (its runs read members as the creator). ``goal`` defaults from the trigger."""
    data = _data(
        name=name,
        trigger=trigger,
        channel=channel,
        template=template,
        segment=segment,
        control_percent=control_percent,
        attribution_days=attribution_days,
        goal=goal,
        coupon_value_cents=coupon_value_cents,
        coupon_percent=coupon_percent,
        coupon_valid_days=coupon_valid_days,
    )
    errors = _errors(data, trigger, delay_days)
    if errors:
        raise ValidationError(errors)
    campaign = Campaign.objects.create(
        kind=Campaign.Kind.AUTOMATION, created_by=acting_user, **asdict(data)
    )
    automation = Automation.objects.create(
        campaign=campaign, trigger=trigger, delay_days=delay_days, is_active=False
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=automation,
        changes=diff_fields({}, _audit_view(data, trigger, delay_days)),
    )
    return automation


def _locked(automation: Automation) -> Automation:
    return (
        Automation.objects.select_for_update(of=("self", "campaign"))
        .select_related("campaign", "campaign__template", "campaign__segment")
        .get(pk=automation.pk)
    )


@transaction.atomic
def automation_update(
    *,
    automation: Automation,
    acting_user: User,
    name: str,
    trigger: str,
    channel: str,
    template: MessageTemplate | None,
    segment: Segment | None = None,
    delay_days: int = 0,
    control_percent: int = 10,
    attribution_days: int = 30,
    goal: str | None = None,
    coupon_value_cents: int | None = None,
    coupon_percent: int | None = None,
    coupon_valid_days: int = 30,
) -> Automation:
    """Change the rule and its campaign, on or off. Occasions already prepared keep what
    they were prepared with; a change of trigger starts new occasions, never repeats old
    ones (occasion keys differ per trigger). A switched-on automation must stay sendable."""
    automation = _locked(automation)
    data = _data(
        name=name,
        trigger=trigger,
        channel=channel,
        template=template,
        segment=segment,
        control_percent=control_percent,
        attribution_days=attribution_days,
        goal=goal,
        coupon_value_cents=coupon_value_cents,
        coupon_percent=coupon_percent,
        coupon_valid_days=coupon_valid_days,
    )
    errors = _errors(data, trigger, delay_days)
    if automation.is_active and not errors:
        problems = _sendable_problems(template, channel)
        if problems:
            errors["template"] = problems
    if errors:
        raise ValidationError(errors)
    before = _current_view(automation)
    campaign = automation.campaign
    fields = asdict(data)
    for field, value in fields.items():
        setattr(campaign, field, value)
    campaign.save(update_fields=list(fields))
    automation.trigger, automation.delay_days = trigger, delay_days
    automation.save(update_fields=list(RULE_FIELDS))
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=automation,
        changes=diff_fields(before, _audit_view(data, trigger, delay_days)),
    )
    return automation


def _sendable_problems(template: MessageTemplate | None, channel: str) -> list[str]:
    if template is None:
        return [_("Choose the automation's message before switching it on.")]
    if template.channel != channel:
        return [_("The message is written for another channel than the automation's.")]
    if not template.variants.exists():
        return [_("The message has no text in any language.")]
    return []


@transaction.atomic
def automation_set_active(
    *, automation: Automation, is_active: bool, acting_user: User
) -> Automation:
    """Switch on (campaigns.launch_campaign; a message with text for the channel) or off.
    Switching on again starts from now: events while it was off are not caught up."""
    if not acting_user.has_perm(LAUNCH_CAMPAIGN):
        raise PermissionDenied(_("You may not switch automations on or off."))
    automation = _locked(automation)
    campaign = automation.campaign
    if automation.is_active == is_active:
        return automation
    if is_active:
        problems = _sendable_problems(campaign.template, campaign.channel)
        if problems:
            raise ValidationError({"template": problems})
        campaign.status = Campaign.Status.SENDING
        campaign.launched_at, campaign.launched_by = timezone.now(), acting_user
        campaign.completed_at = None
    else:
        campaign.status = Campaign.Status.COMPLETED
        campaign.completed_at = timezone.now()
    campaign.save(update_fields=["status", "launched_at", "launched_by", "completed_at"])
    automation.is_active = is_active
    automation.save(update_fields=["is_active"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=automation,
        changes={"is_active": {"before": not is_active, "after": is_active}},
    )
    return automation


# --- the hourly run --------------------------------------------------------------------------


def automation_run(*, automation: Automation, now: datetime) -> QueueResult:
    """Queue the due occasions of one switched-on automation (see triggers)."""
    total = QueueResult()
    for occasions in due_occasion_chunks(automation=automation, now=now):
        total.add(sends_queue(campaign=automation.campaign, occasions=occasions))
    Automation.objects.filter(pk=automation.pk).update(last_run_at=now)
    return total


def automations_run(*, now: datetime | None = None) -> dict[str, int]:
    """Run every switched-on automation once; safe to repeat and to overlap.

    A customer gets an automation's message once per occasion: the triggers leave out
    occasions that have a send row, and the unique (campaign, customer, occasion) key
    under ``sends_queue`` settles a race. The delivery engine sends what was queued (it
    queues its send task itself). An automation whose message cannot be prepared is
    logged and skipped; the others still run."""
    now = now or timezone.now()
    totals = {"automations": 0, "failed": 0, "queued": 0, "control": 0, "held": 0, "existing": 0}
    active = Automation.objects.filter(
        is_active=True, campaign__launched_at__isnull=False
    ).select_related("campaign", "campaign__segment", "campaign__template", "campaign__created_by")
    for automation in active.order_by("pk"):
        try:
            result = automation_run(automation=automation, now=now)
        except ValidationError as exc:
            logger.warning("automation %s not run: %s", automation.pk, exc.messages)
            totals["failed"] += 1
            continue
        totals["automations"] += 1
        for name in ("queued", "control", "held", "existing"):
            totals[name] += getattr(result, name)
    return totals
