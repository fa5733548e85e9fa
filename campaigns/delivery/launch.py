"""Launching a campaign and preparing its messages.

``sends_queue`` is the one place sends are written, for one-off campaigns and for
automations alike. Per batch of customers, in one transaction that first locks the
campaign's row (so two callers for the same campaign take turns instead of racing for
the unique key): skip those who have a row for (campaign, customer, occasion) already,
read everything the rules need in one query, hold back the ineligible with their
reasons, split the rest at random into control and treated, issue coupons to the treated
and render their messages, then insert all rows with one ``bulk_create``. Re-running it
therefore creates nothing new, and a worker killed mid-batch rolls the batch back.

Memory stays bounded: the queue task reads a segment's members as ids, a few thousand at
a time in id order, and each batch's rows are dropped once written."""

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from jinja2 import TemplateError
from jinja2.exceptions import SecurityError

from campaigns.configuration import campaign_settings_get
from campaigns.coupons import coupons_issue
from campaigns.delivery import recipients as rules
from campaigns.delivery.rendering import (
    COUPON_VARIABLES,
    CompiledMessage,
    CouponFacts,
    coupon_variables,
    message_compile,
    message_context,
    missing_variables,
    template_check,
)
from campaigns.delivery.tokens import unsubscribe_url
from campaigns.models import Campaign, CampaignSend, CampaignSettings, Coupon
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

LAUNCH_PERMISSION = "campaigns.launch_campaign"
QUEUE_BATCH_SIZE = 2_000  # customers per transaction: ~4 MB of rendered rows at most
MEMBER_CHUNK_SIZE = 10_000  # segment member ids read per query by the queue task
ALWAYS_FILLED = frozenset({"unsubscribe_url"})
RENDER_ERRORS = (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError)


@dataclass(frozen=True, kw_only=True)
class Occasion:
    """One reason to message one customer: "" for a one-off campaign, else e.g.
    "birthday:2026" — a customer gets a campaign's message once per occasion."""

    customer_id: int
    occasion: str = ""
    reference_at: datetime  # start of the attribution window, for both groups
    not_before: datetime | None = None  # a delay; quiet hours may push it later


@dataclass
class QueueResult:
    queued: int = 0
    control: int = 0
    held: int = 0
    existing: int = 0  # had a row already: nothing written

    def add(self, other: "QueueResult") -> None:
        self.queued += other.queued
        self.control += other.control
        self.held += other.held
        self.existing += other.existing


@dataclass(frozen=True)
class _Plan:
    campaign: Campaign
    messages: dict[str, CompiledMessage]  # by language
    config: CampaignSettings
    now: datetime


def _compiled_messages(campaign: Campaign) -> dict[str, CompiledMessage]:
    variants = list(campaign.template.variants.all()) if campaign.template else []
    if not variants:
        raise ValidationError(_("The campaign's message has no text in any language."))
    return {
        v.language: message_compile(subject=v.subject, body=v.body, language=v.language)
        for v in variants
    }


def _batches(occasions: Sequence[Occasion]) -> Iterator[list[Occasion]]:
    """Batches in which each customer appears once (coupons are issued per customer)."""
    pending = list(occasions)
    while pending:
        batch: list[Occasion] = []
        later: list[Occasion] = []
        seen: set[int] = set()
        for occasion in pending:
            if occasion.customer_id in seen or len(batch) >= QUEUE_BATCH_SIZE:
                later.append(occasion)
            else:
                seen.add(occasion.customer_id)
                batch.append(occasion)
        yield batch
        pending = later


def sends_queue(*, campaign: Campaign, occasions: Sequence[Occasion]) -> QueueResult:
    """Write the sends for these occasions (see the module's docstring); returns counts.
    Sends of an automation are then sent by the send task, queued here on commit."""
    plan = _Plan(
        campaign=campaign,
        messages=_compiled_messages(campaign),
        config=campaign_settings_get(),
        now=timezone.now(),
    )
    result = QueueResult()
    for batch in _batches(occasions):
        result.add(_queue_batch(plan, batch))
    if result.queued and campaign.kind == Campaign.Kind.AUTOMATION:
        from campaigns.delivery.tasks import campaign_send_task  # tasks import services

        transaction.on_commit(lambda: campaign_send_task.delay(campaign_id=campaign.pk))
    return result


@transaction.atomic
def _queue_batch(plan: _Plan, batch: list[Occasion]) -> QueueResult:
    campaign = plan.campaign
    status = (
        Campaign.objects.select_for_update().filter(pk=campaign.pk).values_list("status", flat=True)
    )
    if list(status) in ([], [Campaign.Status.CANCELLED]):
        return QueueResult()
    existing = set(
        CampaignSend.objects.filter(
            campaign=campaign, customer_id__in=[o.customer_id for o in batch]
        ).values_list("customer_id", "occasion")
    )
    fresh = [o for o in batch if (o.customer_id, o.occasion) not in existing]
    result = QueueResult(existing=len(batch) - len(fresh))
    found = rules.recipients_load(
        channel=campaign.channel, customer_ids=[o.customer_id for o in fresh], config=plan.config
    )
    rows, treated = _decide(
        plan, [(o, found[o.customer_id]) for o in fresh if o.customer_id in found]
    )
    coupons = coupons_issue(campaign=campaign, customer_ids=[r.customer_id for r, _c in treated])
    for row, context in treated:
        _render_into(plan, row, context, coupons.get(row.customer_id))
    CampaignSend.objects.bulk_create(rows, batch_size=QUEUE_BATCH_SIZE)
    for row in rows:
        if row.state == CampaignSend.State.QUEUED:
            result.queued += 1
        elif row.state == CampaignSend.State.CONTROL:
            result.control += 1
        else:
            result.held += 1
    return result


Treated = list[tuple[CampaignSend, dict[str, object]]]  # rows to render, with their context


def _decide(
    plan: _Plan, pairs: list[tuple[Occasion, rules.Recipient]]
) -> tuple[list[CampaignSend], Treated]:
    """A row per occasion: HELD with reasons, CONTROL, or (to be rendered) QUEUED. The
    recipient's time zone goes on the row's ``not_before`` (quiet hours) right here."""
    campaign = plan.campaign
    chance = secrets.SystemRandom()
    # Filled in when rendering: a coupon (if the campaign has one), the unsubscribe link.
    ignore = ALWAYS_FILLED | (COUPON_VARIABLES if campaign.has_coupon else frozenset())
    rows: list[CampaignSend] = []
    treated: Treated = []
    for occasion, recipient in pairs:
        message = _message_for(plan, recipient.language)
        row = CampaignSend(
            campaign=campaign,
            customer_id=occasion.customer_id,
            occasion=occasion.occasion,
            address=recipient.address,
            language=message.language,
            reference_at=occasion.reference_at,
            not_before=occasion.not_before,
        )
        reasons = rules.held_reasons(recipient, channel=campaign.channel, config=plan.config)
        with translation.override(message.language):
            facts = message_context(facts=recipient.facts, language=message.language)
        missing = missing_variables(message.variables, facts, ignore=ignore)
        if missing:
            reasons.append(rules.missing_reason(missing))
        if reasons:
            row.state, row.held_reason = CampaignSend.State.HELD, rules.reason_text(reasons)
        elif chance.random() * 100 < campaign.control_percent:
            row.state, row.group = CampaignSend.State.CONTROL, CampaignSend.Group.CONTROL
        else:
            row.state = CampaignSend.State.QUEUED
            row.not_before = _send_time(plan, recipient, row)
            treated.append((row, facts))
        rows.append(row)
    return rows, treated


def _message_for(plan: _Plan, language: str) -> CompiledMessage:
    messages = plan.messages
    return messages.get(language) or messages.get("en") or messages[min(messages)]


def _coupon_facts(coupon: Coupon) -> CouponFacts:
    return CouponFacts(
        code=coupon.code,
        value_cents=coupon.value_cents,
        percent=coupon.percent,
        currency=coupon.currency,
        expires_on=coupon.expires_on,
    )


def _render_into(
    plan: _Plan, row: CampaignSend, context: dict[str, object], coupon: Coupon | None
) -> None:
    """Fill a treated row's message; hold it if it cannot be rendered."""
    message = plan.messages[row.language]
    if "unsubscribe_url" in message.variables:
        context["unsubscribe_url"] = unsubscribe_url(
            campaign_id=plan.campaign.pk, customer_id=row.customer_id, occasion=row.occasion
        )
    with translation.override(row.language):
        if coupon is not None:
            context.update(coupon_variables(_coupon_facts(coupon), language=row.language))
        try:
            row.subject, row.body = message.render(context)
        except RENDER_ERRORS as exc:
            row.state = CampaignSend.State.HELD
            row.not_before = None
            row.held_reason = rules.reason_text(
                [_("the template cannot be rendered: %(error)s") % {"error": exc}]
            )
            return
    row.coupon = coupon


def _send_time(plan: _Plan, recipient: rules.Recipient, row: CampaignSend) -> datetime | None:
    occasion_time = plan.now if row.not_before is None else max(plan.now, row.not_before)
    quiet_end = rules.quiet_hours_end(at=occasion_time, zone=recipient.zone, config=plan.config)
    return quiet_end or row.not_before


def campaign_launch_problems(campaign: Campaign) -> list[str]:
    """Why this campaign cannot be launched (empty: it can)."""
    problems = []
    if campaign.status != Campaign.Status.DRAFT:
        problems.append(_("Only a draft campaign can be launched."))
    if campaign.kind != Campaign.Kind.ONE_OFF:
        problems.append(_("An automation is turned on, not launched."))
    if campaign.segment_id is None:
        problems.append(_("Choose the segment the campaign goes to."))
    if campaign.template is None:
        problems.append(_("Choose the campaign's message."))
        return problems
    if campaign.template.channel != campaign.channel:
        problems.append(_("The message is written for another channel."))
    variants = list(campaign.template.variants.all())
    if not variants:
        problems.append(_("The message has no text in any language."))
    for variant in variants:
        problems += [
            f"[{variant.language}] {error}"
            for error in template_check(subject=variant.subject, body=variant.body)
        ]
    return problems


def campaign_launch(*, campaign: Campaign, acting_user: User) -> Campaign:
    """Start preparing the campaign's messages on a worker; returns at once. Refused,
    changing nothing, when the user may not launch or the campaign is not ready."""
    if not acting_user.has_perm(LAUNCH_PERMISSION):
        raise PermissionDenied(_("You may not launch campaigns."))
    with transaction.atomic():
        locked = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("template")
            .get(pk=campaign.pk)
        )
        problems = campaign_launch_problems(locked)
        if problems:
            raise ValidationError(problems)
        locked.status = Campaign.Status.QUEUEING
        locked.launched_by = acting_user
        locked.launched_at = timezone.now()
        locked.save(update_fields=["status", "launched_by", "launched_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            changes={"status": {"before": Campaign.Status.DRAFT, "after": locked.status}},
        )
        from campaigns.delivery.tasks import campaign_queue_task  # tasks import services

        transaction.on_commit(lambda: campaign_queue_task.delay(campaign_id=locked.pk))
    return locked


def campaign_queue(*, campaign_id: int) -> bool:
    """Prepare every message of a launched one-off campaign, then mark it SENDING.
    Returns whether sending should start. Safe to run again (sends_queue skips done
    customers), and to run twice at once (batches take turns on the campaign's row)."""
    from campaigns.segments.rules import segment_members  # a sibling sub-domain

    campaign = (
        Campaign.objects.select_related("segment", "template", "launched_by")
        .filter(pk=campaign_id, kind=Campaign.Kind.ONE_OFF)
        .first()
    )
    if campaign is None or campaign.status not in (
        Campaign.Status.QUEUEING,
        Campaign.Status.SENDING,
    ):
        return False
    if campaign.status == Campaign.Status.QUEUEING:
        if campaign.segment is not None and campaign.launched_by is not None:
            members = segment_members(user=campaign.launched_by, segment=campaign.segment)
            reference_at = campaign.launched_at or timezone.now()
            last_id = 0
            while ids := list(
                members.filter(pk__gt=last_id)
                .order_by("pk")
                .values_list("pk", flat=True)[:MEMBER_CHUNK_SIZE]
            ):
                occasions = [Occasion(customer_id=i, reference_at=reference_at) for i in ids]
                sends_queue(campaign=campaign, occasions=occasions)
                last_id = ids[-1]
        Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.QUEUEING).update(
            status=Campaign.Status.SENDING
        )
    from campaigns.delivery.sending import campaign_complete_if_done

    return not campaign_complete_if_done(campaign_id=campaign.pk)
