"""Segments, message templates and draft campaigns made through the services, as the
pages make them, plus rows the delivery engine would write (sends, coupons)."""

from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, CampaignSend, Channel, Coupon, MessageTemplate, Segment
from customers.models import Customer

SILENT_RULES = {"match": "all", "conditions": [{"field": "is_silent", "op": "is", "value": True}]}
EVERYONE_RULES: dict[str, object] = {"match": "all", "conditions": []}


def make_segment(name: str = "Silent customers", rules: object = None) -> Segment:
    return Segment.objects.create(name=name, rules=rules if rules is not None else SILENT_RULES)


def make_template(
    user: User | None, name: str = "Win-back", channel: str = Channel.EMAIL, **texts: str
) -> MessageTemplate:
    variants = {
        "en": services.VariantData(
            subject=texts.get("subject", "We miss you, {{ first_name }}"),
            body=texts.get("body", "Hello {{ first_name }}, here is {{ coupon_code }}."),
        )
    }
    template = MessageTemplate.objects.create(name=name, channel=channel, created_by=user)
    for language, variant in variants.items():
        template.variants.create(language=language, subject=variant.subject, body=variant.body)
    return template


def make_draft(user: User, **fields: object) -> Campaign:
    """A draft email campaign with a segment, a template and a 5 EUR coupon."""
    defaults: dict[str, object] = {
        "name": "Spring win-back",
        "channel": Channel.EMAIL,
        "segment": fields.pop("segment", None) or make_segment(),
        "template": fields.pop("template", None) or make_template(user),
        "coupon_value_cents": 500,
    }
    data = services.CampaignData(**{**defaults, **fields})  # type: ignore[arg-type]
    return services.campaign_create(acting_user=user, data=data)


def add_send(campaign: Campaign, customer: Customer, state: str, **fields: object) -> CampaignSend:
    group = CampaignSend.Group.CONTROL if state == CampaignSend.State.CONTROL else "treated"
    return CampaignSend.objects.create(
        campaign=campaign,
        customer=customer,
        state=state,
        group=group,
        reference_at=timezone.now(),
        **fields,
    )


def make_coupon(
    campaign: Campaign | None, customer: Customer | None, code: str, **fields: object
) -> Coupon:
    defaults: dict[str, object] = {
        "value_cents": 500,
        "expires_on": timezone.localdate() + timedelta(days=30),
    }
    return Coupon.objects.create(
        campaign=campaign, customer=customer, code=code, **{**defaults, **fields}
    )


def campaign_for_walk(manager: User) -> Campaign:
    return make_draft(manager)


def template_for_walk(manager: User) -> MessageTemplate:
    return make_template(manager, name="Walk template")
