"""What recipients do with a message: unsubscribe, open, click; and bounces.

Each is recorded once, by a conditional UPDATE (``… WHERE opened_at IS NULL``), so a
mail client fetching the pixel ten times or a customer clicking twice changes nothing
the second time. The first open and the first click go on the customer's timeline."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.delivery.recipients import PURPOSE_OF_CHANNEL
from campaigns.delivery.tokens import SendKey
from campaigns.models import CampaignSend, Channel
from customers.consent import consent_record
from customers.models import Consent
from interactions.models import Channel as InteractionChannel
from interactions.models import Interaction
from interactions.models import Source as InteractionSource
from interactions.services import interaction_log


def send_by_key(key: SendKey) -> CampaignSend | None:
    return (
        CampaignSend.objects.select_related("campaign", "customer")
        .filter(campaign_id=key.campaign_id, customer_id=key.customer_id, occasion=key.occasion)
        .first()
    )


@transaction.atomic
def send_unsubscribe(*, send: CampaignSend) -> CampaignSend:
    """The customer withdraws consent for the purpose of the send's channel, at once:
    every queued message on that channel is held back when claimed. Idempotent: a
    second request records no second withdrawal."""
    purpose = PURPOSE_OF_CHANNEL[Channel(send.campaign.channel)]
    already = Consent.objects.filter(
        customer_id=send.customer_id, purpose=purpose, is_granted=False
    ).exists()
    if not already:
        consent_record(
            customer=send.customer,
            purpose=purpose,
            is_granted=False,
            source=Consent.Source.UNSUBSCRIBE,
            acting_user=None,
        )
    now = timezone.now()
    CampaignSend.objects.filter(pk=send.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now
    )
    send.refresh_from_db(fields=["unsubscribed_at"])
    return send


def _timeline(send: CampaignSend, subject: str, at: datetime) -> None:
    interaction = interaction_log(
        customer=send.customer,
        acting_user=None,
        channel=InteractionChannel.EMAIL,
        direction=Interaction.Direction.INBOUND,
        occurred_at=at,
        subject=subject[:200],
        source=InteractionSource.WEBHOOK,
    )
    # interaction_log takes no campaign; the column is ours to fill.
    Interaction.objects.filter(pk=interaction.pk).update(campaign_id=send.campaign_id)


@transaction.atomic
def send_mark_opened(*, send: CampaignSend) -> bool:
    """Record the first open; returns whether this was it."""
    now = timezone.now()
    first = CampaignSend.objects.filter(pk=send.pk, opened_at__isnull=True).update(opened_at=now)
    if first:
        _timeline(send, _("Opened: %(campaign)s") % {"campaign": send.campaign.name}, now)
    return bool(first)


@transaction.atomic
def send_mark_clicked(*, send: CampaignSend) -> bool:
    """Record the first click (and the open it implies); returns whether this was it."""
    now = timezone.now()
    had_open = CampaignSend.objects.filter(pk=send.pk, opened_at__isnull=False).exists()
    first = CampaignSend.objects.filter(pk=send.pk, clicked_at__isnull=True).update(
        clicked_at=now, opened_at=Coalesce(F("opened_at"), now)
    )
    if first:
        if not had_open:
            _timeline(send, _("Opened: %(campaign)s") % {"campaign": send.campaign.name}, now)
        _timeline(send, _("Clicked: %(campaign)s") % {"campaign": send.campaign.name}, now)
    return bool(first)


def send_mark_bounced(*, message_id: str) -> CampaignSend | None:
    """A delivery report said the message to this Message-ID bounced. Returns the send,
    or None when no sent message has this id. Idempotent."""
    message_id = message_id.strip()
    if not message_id:
        return None
    send = CampaignSend.objects.filter(message_id=message_id).first()
    if send is None:
        return None
    CampaignSend.objects.filter(
        pk=send.pk,
        state__in=[CampaignSend.State.SENT, CampaignSend.State.UNCONFIRMED],
    ).update(state=CampaignSend.State.BOUNCED, bounced_at=timezone.now())
    send.refresh_from_db()
    return send
