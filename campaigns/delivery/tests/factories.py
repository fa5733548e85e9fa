"""Templates, campaigns and sends for delivery tests, and the rows the permission walk
needs (a send with its link tokens, a direct-mail campaign with a CSV)."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.delivery.tokens import (
    SALT_OPEN,
    SALT_UNSUBSCRIBE,
    SendKey,
    click_token,
    token_for,
)
from campaigns.models import (
    Campaign,
    CampaignSend,
    Channel,
    MessageTemplate,
    MessageTemplateVariant,
    Segment,
)
from customers.consent import consent_bulk_grant
from customers.models import Consent, Customer

EVERYONE = {"match": "all", "conditions": []}
PURPOSES = [p.value for p in Consent.Purpose if p != Consent.Purpose.PROFILING]


def make_template(
    *, channel: str = Channel.EMAIL, variants: dict[str, tuple[str, str]] | None = None
) -> MessageTemplate:
    template = MessageTemplate.objects.create(name="Win-back", channel=channel)
    for language, (subject, body) in (
        variants or {"en": ("We miss you, {{ first_name }}", "Hello {{ first_name }}!")}
    ).items():
        MessageTemplateVariant.objects.create(
            template=template, language=language, subject=subject, body=body
        )
    return template


def make_campaign(
    *,
    channel: str = Channel.EMAIL,
    template: MessageTemplate | None = None,
    control_percent: int = 0,
    created_by: User | None = None,
    **fields: Any,
) -> Campaign:
    segment = Segment.objects.create(name="Everyone", rules=EVERYONE)
    return Campaign.objects.create(
        name=fields.pop("name", "Come back"),
        channel=channel,
        segment=segment,
        template=template or make_template(channel=channel),
        control_percent=control_percent,
        created_by=created_by,
        **fields,
    )


def grant(*customers: Customer, purposes: list[str] | None = None) -> None:
    consent_bulk_grant(
        customer_ids=[c.pk for c in customers], purposes=purposes or PURPOSES, source="form"
    )


def make_send(
    campaign: Campaign,
    customer: Customer,
    *,
    state: str = CampaignSend.State.SENT,
    at: datetime | None = None,
    **fields: Any,
) -> CampaignSend:
    now = at or timezone.now()
    return CampaignSend.objects.create(
        campaign=campaign,
        customer=customer,
        state=state,
        reference_at=now,
        sent_at=now if state == CampaignSend.State.SENT else None,
        address=fields.pop("address", customer.primary_email),
        **fields,
    )


def public_tokens_for_walk(customer: Customer) -> dict[str, str]:
    """A sent email to ``customer``, and its unsubscribe, open and click tokens."""
    send = make_send(make_campaign(), customer, subject="Hi", body="Hello")
    key = SendKey(send.campaign_id, send.customer_id, send.occasion)
    ids = {"campaign_id": key.campaign_id, "customer_id": key.customer_id, "occasion": ""}
    return {
        "unsubscribe": token_for(SALT_UNSUBSCRIBE, **ids),  # type: ignore[arg-type]
        "open": token_for(SALT_OPEN, **ids),  # type: ignore[arg-type]
        "click": click_token(key=key, url="https://shop.example.com/offer"),
    }


def direct_mail_campaign_for_walk() -> Campaign:
    """A direct-mail campaign whose CSV has been written."""
    from campaigns.delivery.sending import direct_mail_header, direct_mail_path

    campaign = make_campaign(channel=Channel.DIRECT_MAIL)
    path = direct_mail_path(campaign.pk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(direct_mail_header()) + "\n", encoding="utf-8")
    return campaign
