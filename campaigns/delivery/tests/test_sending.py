import csv
import smtplib
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from campaigns.delivery.launch import Occasion, sends_queue
from campaigns.delivery.sending import (
    campaign_send,
    campaign_sends_resume,
    email_message_build,
    sends_claim,
)
from campaigns.delivery.sms import LocmemSmsBackend
from campaigns.delivery.tests.factories import grant, make_campaign, make_template
from campaigns.delivery.tracking import send_unsubscribe
from campaigns.models import Campaign, CampaignSend, CampaignSettings, Channel
from churn.models import FollowUpTask
from conftest import World
from customers.models import Customer
from tests.factories import make_customer

State = CampaignSend.State


@pytest.fixture(autouse=True)
def _no_quiet_hours(db: None) -> None:
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": 0, "quiet_until_hour": 0}
    )


def _crowd(world: World, count: int, **fields: Any) -> list[Customer]:
    made = [
        make_customer(owner=world.alice, team=world.north, first_name=f"N{i}", **fields)
        for i in range(count)
    ]
    grant(*made)
    return made


def _queued(channel: str, customers: Sequence[Customer], **fields: Any) -> Campaign:
    campaign = make_campaign(channel=channel, status=Campaign.Status.SENDING, **fields)
    now = timezone.now()
    sends_queue(
        campaign=campaign,
        occasions=[Occasion(customer_id=c.pk, reference_at=now) for c in customers],
    )
    return campaign


def _states(campaign: Campaign) -> list[str]:
    return sorted(CampaignSend.objects.filter(campaign=campaign).values_list("state", flat=True))


def test_email_sent_once_with_unsubscribe_headers_and_message_id(world: World) -> None:
    people = _crowd(world, 3)
    campaign = _queued(Channel.EMAIL, people)
    outcome = campaign_send(campaign_id=campaign.pk)
    assert outcome.sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.primary_email for p in people)
    message = mail.outbox[0]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http")
    assert "/m/u/" in unsubscribe
    assert "mailto:" in unsubscribe
    sent = CampaignSend.objects.get(campaign=campaign, address=message.to[0])
    assert sent.state == State.SENT
    assert sent.sent_at is not None
    assert sent.message_id == message.extra_headers["Message-ID"]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED
    assert campaign_send(campaign_id=campaign.pk).sent == 0  # nothing is sent twice
    assert len(mail.outbox) == 3


def test_html_part_escapes_and_tracks_links(world: World) -> None:
    people = _crowd(world, 1)
    template = make_template(
        variants={"en": ("Hi", "<b>{{ first_name }}</b>\n\nSee https://shop.example.com/x.\n")}
    )
    campaign = _queued(Channel.EMAIL, people, template=template)
    send = CampaignSend.objects.get(campaign=campaign)
    html = str(email_message_build(send).alternatives[0][0])
    assert "&lt;b&gt;N0&lt;/b&gt;" in html
    assert "/m/c/" in html
    assert 'href="https://shop' not in html
    assert "/m/o/" in html


def test_unsubscribe_since_queueing_is_honoured_by_the_next_send(world: World) -> None:
    people = _crowd(world, 2)
    campaign = _queued(Channel.EMAIL, people)
    send_unsubscribe(send=CampaignSend.objects.get(campaign=campaign, customer=people[0]))
    campaign_send(campaign_id=campaign.pk)
    held = CampaignSend.objects.get(campaign=campaign, customer=people[0])
    assert (held.state, held.held_reason) == (State.HELD, "unsubscribed before sending")
    assert [m.to for m in mail.outbox] == [[people[1].primary_email]]


def test_deferred_rows_wait_until_due(world: World) -> None:
    people = _crowd(world, 2)
    campaign = _queued(Channel.EMAIL, people)
    CampaignSend.objects.filter(customer=people[0]).update(
        not_before=timezone.now() + timedelta(hours=1)
    )
    campaign_send(campaign_id=campaign.pk)
    assert len(mail.outbox) == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SENDING  # one still to go
    CampaignSend.objects.filter(customer=people[0]).update(
        not_before=timezone.now() - timedelta(minutes=1)
    )
    assert campaign_sends_resume().send_campaign_ids == [campaign.pk]
    campaign_send(campaign_id=campaign.pk)
    assert len(mail.outbox) == 2


def test_a_row_left_sending_is_never_resent(world: World, settings: SettingsWrapper) -> None:
    people = _crowd(world, 3)
    campaign = _queued(Channel.EMAIL, people)
    claimed = sends_claim(campaign=campaign, size=2)  # ... and the worker dies
    assert len(claimed) == 2
    campaign_send(campaign_id=campaign.pk)
    assert len(mail.outbox) == 1
    settings.CAMPAIGN_SENDING_TIMEOUT_S = 0
    result = campaign_sends_resume()
    assert result.unconfirmed == 2
    assert result.send_campaign_ids == []
    campaign_send(campaign_id=campaign.pk)
    assert len(mail.outbox) == 1
    assert _states(campaign) == [State.SENT, State.UNCONFIRMED, State.UNCONFIRMED]
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED


class FlakyBackend(EmailBackend):
    """Refuses the first message with 451 (try again), the next with 550 (never)."""

    calls = 0

    def send_messages(self, messages: Sequence[EmailMessage]) -> int:
        FlakyBackend.calls += 1
        if FlakyBackend.calls == 1:
            raise smtplib.SMTPDataError(451, b"try again later")
        if messages[0].to == ["bad@example.com"]:
            raise smtplib.SMTPDataError(550, b"no such user")
        return super().send_messages(messages)


def test_transient_errors_are_retried_permanent_ones_fail(
    world: World, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("campaigns.delivery.sending.RETRY_PAUSE_S", 0)
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    good = _crowd(world, 1)[0]
    bad = make_customer(
        owner=world.alice, team=world.north, first_name="B", emails=["bad@example.com"]
    )
    grant(bad)
    campaign = _queued(Channel.EMAIL, [good, bad])
    campaign_send(campaign_id=campaign.pk)
    assert [m.to for m in mail.outbox] == [[good.primary_email]]
    failed = CampaignSend.objects.get(customer=bad)
    assert failed.state == State.FAILED
    assert "no such user" in failed.error


def test_sms_through_the_configured_backend(world: World) -> None:
    LocmemSmsBackend.outbox.clear()
    people = [
        make_customer(
            owner=world.alice, team=world.north, first_name="S", phones=[f"+3706123456{i}"]
        )
        for i in range(2)
    ]
    grant(*people)
    template = make_template(channel=Channel.SMS, variants={"en": ("", "Hi {{ first_name }}")})
    campaign = _queued(Channel.SMS, people, template=template)
    assert campaign_send(campaign_id=campaign.pk).sent == 2
    assert sorted(m.to for m in LocmemSmsBackend.outbox) == ["+37061234560", "+37061234561"]
    assert {m.body for m in LocmemSmsBackend.outbox} == {"Hi S"}
    assert _states(campaign) == [State.SENT, State.SENT]


def test_call_list_makes_one_task_per_recipient_for_the_owner(world: World) -> None:
    people = [
        make_customer(owner=world.alice, team=world.north, first_name="C", phones=["+37061234999"])
    ]
    grant(*people)
    template = make_template(
        channel=Channel.CALL_LIST, variants={"en": ("Call {{ first_name }} about the offer", "")}
    )
    campaign = _queued(Channel.CALL_LIST, people, template=template)
    campaign_send(campaign_id=campaign.pk)
    campaign_send(campaign_id=campaign.pk)
    task = FollowUpTask.objects.get(customer=people[0])
    assert (task.assignee, task.title) == (world.alice, "Call C about the offer")
    assert mail.outbox == []


def test_direct_mail_csv_neutralises_formulas(
    world: World, settings: SettingsWrapper, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    people = [
        make_customer(
            owner=world.alice, team=world.north, first_name="=HYPERLINK(1)", name="=cmd|x",
            street="Gedimino 1", city="Vilnius", postal_code="01103", country="LT",
        )
    ]  # fmt: skip
    grant(*people)
    template = make_template(
        channel=Channel.DIRECT_MAIL, variants={"en": ("", "Dear {{ first_name }}")}
    )
    campaign = _queued(Channel.DIRECT_MAIL, people, template=template)
    campaign_send(campaign_id=campaign.pk)
    path = tmp_path / "campaigns" / "direct-mail" / f"campaign-{campaign.pk}.csv"
    rows = list(csv.reader(path.open(encoding="utf-8")))
    assert rows[0][0] == "name"
    assert rows[1][:5] == ["'=cmd|x", "Gedimino 1", "01103", "Vilnius", "LT"]
    assert rows[1][5] == "Dear =HYPERLINK(1)"
    assert _states(campaign) == [State.SENT]


def test_cancelled_campaign_sends_nothing(world: World) -> None:
    campaign = _queued(Channel.EMAIL, _crowd(world, 1))
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CANCELLED)
    assert campaign_send(campaign_id=campaign.pk).sent == 0
    assert mail.outbox == []


def test_cancelling_stops_a_send_already_under_way(world: World) -> None:
    """The check is per batch of claims, not only when the send task starts."""
    campaign = _queued(Channel.EMAIL, _crowd(world, 2))
    assert len(sends_claim(campaign=campaign, size=1)) == 1
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.CANCELLED)
    assert sends_claim(campaign=campaign, size=1) == []
    assert CampaignSend.objects.filter(campaign=campaign, state=State.QUEUED).count() == 1
