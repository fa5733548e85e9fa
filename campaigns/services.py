"""Writes of campaigns and message templates, and recording an order that used a coupon.

Every function is one transaction and audited with the acting user. Callers pass objects
already authorised (campaigns.selectors, customers.selectors). Launching is the delivery
engine's (campaigns.delivery.launch.campaign_launch); cancelling lives here because it is
a status change any page may offer: the engine sends no row of a cancelled campaign."""

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from campaigns.coupons import coupon_redeem
from campaigns.delivery.rendering import template_check
from campaigns.models import (
    Campaign,
    Channel,
    Coupon,
    MessageTemplate,
    MessageTemplateVariant,
    Segment,
)
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from customers.models import Customer
from interactions.services import order_record

MAX_CONTROL_PERCENT = 90  # above this too few are treated to learn anything (and the DB says so)
MAX_ATTRIBUTION_DAYS = 365  # an order a year later is no longer the campaign's doing
MAX_COUPON_PERCENT = 100
MAX_COUPON_VALID_DAYS = 365
# Channels whose messages have a subject line.
SUBJECT_CHANNELS = frozenset({Channel.EMAIL})


@dataclass(frozen=True)
class CampaignData:
    """A campaign's editable settings, as validated by a form or serializer."""

    name: str
    channel: str
    segment: Segment | None = None
    template: MessageTemplate | None = None
    goal: str = Campaign.Goal.WIN_BACK
    control_percent: int = 10
    attribution_days: int = 30
    coupon_value_cents: int | None = None
    coupon_percent: int | None = None
    coupon_valid_days: int = 30


def campaign_data_errors(data: CampaignData) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if not data.name.strip():
        add("name", _("A campaign needs a name."))
    if data.channel not in Channel.values:
        add("channel", _("Choose a channel."))
    if data.goal not in Campaign.Goal.values:
        add("goal", _("Choose a goal."))
    if not 0 <= data.control_percent <= MAX_CONTROL_PERCENT:
        add("control_percent", _("The control group is 0 to 90 per cent of the recipients."))
    if not 1 <= data.attribution_days <= MAX_ATTRIBUTION_DAYS:
        add("attribution_days", _("The attribution window is 1 to 365 days."))
    if data.template is not None and data.template.channel != data.channel:
        add("template", _("This message is written for another channel than the campaign's."))
    _coupon_errors(data, add)
    return errors


def _coupon_errors(data: CampaignData, add: Callable[[str, str], None]) -> None:
    value, percent = data.coupon_value_cents, data.coupon_percent
    if value is not None and percent is not None:
        add("coupon_percent", _("A coupon is either a value or a percentage, not both."))
    if value is not None and value <= 0:
        add("coupon_value_cents", _("A coupon's value is more than zero."))
    if percent is not None and not 0 < percent <= MAX_COUPON_PERCENT:
        add("coupon_percent", _("A coupon's discount is 1 to 100 %."))
    if not 1 <= data.coupon_valid_days <= MAX_COUPON_VALID_DAYS:
        add("coupon_valid_days", _("A coupon is valid for 1 to 365 days."))


def _campaign_fields(data: CampaignData) -> dict[str, object]:
    fields = {field.name: getattr(data, field.name) for field in dataclass_fields(data)}
    fields["name"] = data.name.strip()
    return fields


def _audit_view(fields: dict[str, object]) -> dict[str, object]:
    """Field values as the audit log keeps them: related rows by primary key."""
    return {
        name: (value.pk if isinstance(value, Segment | MessageTemplate) else value)
        for name, value in fields.items()
    }


def campaign_data_of(campaign: Campaign) -> CampaignData:
    """The editable settings of ``campaign``, to prefill a form or copy it."""
    return CampaignData(
        name=campaign.name,
        channel=campaign.channel,
        segment=campaign.segment,
        template=campaign.template,
        goal=campaign.goal,
        control_percent=campaign.control_percent,
        attribution_days=campaign.attribution_days,
        coupon_value_cents=campaign.coupon_value_cents,
        coupon_percent=campaign.coupon_percent,
        coupon_valid_days=campaign.coupon_valid_days,
    )


@transaction.atomic
def campaign_create(*, acting_user: User, data: CampaignData) -> Campaign:
    errors = campaign_data_errors(data)
    if errors:
        raise ValidationError(errors)
    fields = _campaign_fields(data)
    campaign = Campaign.objects.create(kind=Campaign.Kind.ONE_OFF, created_by=acting_user, **fields)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=campaign,
        changes=diff_fields({}, _audit_view(fields)),
    )
    return campaign


def _locked(campaign: Campaign) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign.pk)


@transaction.atomic
def campaign_update(*, campaign: Campaign, acting_user: User, data: CampaignData) -> Campaign:
    """Change a draft; once launched, a campaign's settings are its history."""
    campaign = _locked(campaign)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError(_("Only a draft campaign can be changed."))
    errors = campaign_data_errors(data)
    if errors:
        raise ValidationError(errors)
    before = _audit_view(_campaign_fields(campaign_data_of(campaign)))
    fields = _campaign_fields(data)
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save(update_fields=list(fields))
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=campaign,
        changes=diff_fields(before, _audit_view(fields)),
    )
    return campaign


CANCELLABLE = (Campaign.Status.DRAFT, Campaign.Status.QUEUEING, Campaign.Status.SENDING)


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, acting_user: User) -> Campaign:
    """Cancel a draft, or stop a campaign that is being sent.

    Rows still queued stay QUEUED and unsent: the delivery engine claims only rows of
    campaigns that are QUEUEING or SENDING, so the status change is the whole stop (and
    what was sent stays on record for the results)."""
    campaign = _locked(campaign)
    if campaign.status not in CANCELLABLE:
        raise ValidationError(_("A completed or cancelled campaign cannot be cancelled."))
    before = campaign.status
    campaign.status = Campaign.Status.CANCELLED
    campaign.save(update_fields=["status"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=campaign,
        changes={"status": {"before": before, "after": campaign.status}},
    )
    return campaign


@transaction.atomic
def campaign_duplicate(*, campaign: Campaign, acting_user: User) -> Campaign:
    """A new draft with the same settings, whatever the original's status."""
    if campaign.kind != Campaign.Kind.ONE_OFF:
        raise ValidationError(_("Automations are copied on the automations page."))
    data = campaign_data_of(campaign)
    name = _("Copy of %(name)s") % {"name": campaign.name}
    max_length = Campaign._meta.get_field("name").max_length or 120
    fields = {**_campaign_fields(data), "name": name[:max_length]}
    copy = Campaign.objects.create(kind=Campaign.Kind.ONE_OFF, created_by=acting_user, **fields)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=copy,
        changes={"copied_from": {"before": None, "after": campaign.pk}},
    )
    return copy


# --- message templates -----------------------------------------------------------------------


@dataclass(frozen=True)
class VariantData:
    subject: str = ""
    body: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.subject.strip() and not self.body.strip()


def _language_names() -> dict[str, str]:
    return {code: str(name) for code, name in settings.LANGUAGES}  # lazy: in today's language


def _variant_errors(channel: str, language: str, variant: VariantData) -> list[str]:
    """Problems of one language's text, each naming the language."""
    names = _language_names()
    if language not in names:
        return [_("%(code)s is not a language of this CRM.") % {"code": language}]
    problems: list[str] = []
    if not variant.body.strip():
        problems.append(_("the message has no text"))
    if channel in SUBJECT_CHANNELS and not variant.subject.strip():
        problems.append(_("an email needs a subject"))
    subject_length = MessageTemplateVariant._meta.get_field("subject").max_length or 200
    if len(variant.subject) > subject_length:
        problems.append(_("the subject is longer than %(n)s characters") % {"n": subject_length})
    problems.extend(template_check(subject=variant.subject, body=variant.body))
    return [f"{names[language]}: {problem}" for problem in problems]


def _template_errors(
    *, name: str, channel: str, variants: dict[str, VariantData]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("A message template needs a name.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose a channel.")]
    written = {code: v for code, v in variants.items() if not v.is_empty}
    if not written:
        errors["variants"] = [_("Write the message in at least one language.")]
    for language, variant in written.items():
        problems = _variant_errors(channel, language, variant)
        if problems:
            errors[language] = problems
    return errors


def _variants_save(template: MessageTemplate, variants: dict[str, VariantData]) -> list[str]:
    """Make the template's variants exactly the written ones; returns their languages."""
    written = {code: v for code, v in variants.items() if not v.is_empty}
    template.variants.exclude(language__in=list(written)).delete()
    for language, variant in written.items():
        MessageTemplateVariant.objects.update_or_create(
            template=template,
            language=language,
            defaults={"subject": variant.subject.strip(), "body": variant.body.strip()},
        )
    return sorted(written)


@transaction.atomic
def message_template_create(
    *, acting_user: User, name: str, channel: str, variants: dict[str, VariantData]
) -> MessageTemplate:
    """``variants`` maps a language code to its text; empty languages are left out."""
    errors = _template_errors(name=name, channel=channel, variants=variants)
    if errors:
        raise ValidationError(errors)
    template = MessageTemplate.objects.create(
        name=name.strip(), channel=channel, created_by=acting_user
    )
    languages = _variants_save(template, variants)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=template,
        changes=diff_fields(
            {}, {"name": template.name, "channel": channel, "languages": languages}
        ),
    )
    return template


@transaction.atomic
def message_template_update(
    *,
    template: MessageTemplate,
    acting_user: User,
    name: str,
    channel: str,
    variants: dict[str, VariantData],
) -> MessageTemplate:
    """Replace the name, channel and texts. Messages already prepared keep the text they
    were rendered with; campaigns launched later use the new one."""
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    errors = _template_errors(name=name, channel=channel, variants=variants)
    if channel != template.channel and template.campaigns.exists():
        errors.setdefault("channel", []).append(
            _("Campaigns use this message: its channel cannot change.")
        )
    if errors:
        raise ValidationError(errors)
    before = {
        "name": template.name,
        "channel": template.channel,
        "languages": sorted(template.variants.values_list("language", flat=True)),
        "texts": {v.language: [v.subject, v.body] for v in template.variants.all()},
    }
    template.name, template.channel = name.strip(), channel
    template.save(update_fields=["name", "channel", "updated_at"])
    languages = _variants_save(template, variants)
    after = {
        "name": template.name,
        "channel": channel,
        "languages": languages,
        "texts": {v.language: [v.subject, v.body] for v in template.variants.all()},
    }
    changes = diff_fields(before, after)
    if "texts" in changes:
        changes["texts"] = {"before": None, "after": _("texts changed")}  # full texts: too long
    audit_record(actor=acting_user, action=AuditEntry.Action.UPDATE, obj=template, changes=changes)
    return template


@transaction.atomic
def message_template_delete(*, template: MessageTemplate, acting_user: User) -> None:
    """Refused while any campaign (even a finished one) uses the template: its results
    would lose the message they measured."""
    template = MessageTemplate.objects.select_for_update().get(pk=template.pk)
    used = template.campaigns.count()
    if used:
        raise ValidationError(
            _("%(n)s campaigns use this message; it cannot be deleted.") % {"n": used}
        )
    audit_record(actor=acting_user, action=AuditEntry.Action.DELETE, obj=template)
    template.delete()


# --- coupons ---------------------------------------------------------------------------------


@transaction.atomic
def coupon_order_record(
    *,
    customer: Customer,
    acting_user: User,
    code: str,
    ordered_on: date,
    amount_cents: int,
    currency: str = "EUR",
) -> Coupon:
    """Record the customer's order and redeem the coupon it used, together: a bad code
    leaves no order behind. ``customer`` came through the history-write door."""
    fixed = Coupon.objects.filter(code=code.strip().upper(), value_cents__isnull=False).first()
    if fixed is not None and fixed.currency != currency.upper():
        raise ValidationError(
            {"currency": _("This coupon is in %(currency)s.") % {"currency": fixed.currency}}
        )
    order = order_record(
        customer=customer,
        acting_user=acting_user,
        ordered_on=ordered_on,
        amount_cents=amount_cents,
        currency=currency,
    )
    return coupon_redeem(code=code, order=order, acting_user=acting_user)
