"""Campaign delivery through a real Celery worker on Redis, against the real PostgreSQL
test database, sending real mail to a local SMTP server (aiosmtpd): a launch whose worker
is SIGKILLed mid-send and resumed by a new one mails every recipient at most once, and an
unsubscribe through the public link is honoured by the next send."""

import asyncio
import os
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from campaigns.delivery.launch import Occasion, campaign_launch, sends_queue
from campaigns.delivery.tasks import campaign_send_task, campaign_sends_resume_task
from campaigns.delivery.tests.factories import grant, make_campaign
from campaigns.delivery.tokens import SALT_UNSUBSCRIBE, token_for
from campaigns.models import Campaign, CampaignSend, CampaignSettings
from conftest import World
from customers.models import Customer
from tests.factories import make_customer
from tests.integration.worker import CeleryWorker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BATCH = 10
RECIPIENTS = 300
# Read by the worker subprocess, which this module's fixture starts after these lines ran:
# small claim batches, and a claim stuck for 2 s counts as lost (the test waits that long).
os.environ["CAMPAIGN_SEND_BATCH_SIZE"] = str(BATCH)
os.environ["CAMPAIGN_SENDING_TIMEOUT_S"] = "2"
State = CampaignSend.State


class Collector:
    """An SMTP handler that keeps (recipient, Message-ID) of every accepted message and
    takes its time, so that a worker can be killed mid-batch."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        await asyncio.sleep(0.01)
        message = message_from_bytes(envelope.original_content or envelope.content)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((recipient, str(message["Message-ID"])))
        return "250 OK"

    def recipients(self) -> Counter[str]:
        with self.lock:
            return Counter(to for to, _id in self.received)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[Collector]:
    collector = Collector()
    port = _free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    saved = os.environ.get("CRM_TEST_EMAIL_URL")
    os.environ["CRM_TEST_EMAIL_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield collector
    finally:
        controller.stop()
        if saved is None:
            os.environ.pop("CRM_TEST_EMAIL_URL", None)
        else:
            os.environ["CRM_TEST_EMAIL_URL"] = saved


@pytest.fixture(scope="module")
def celery_worker(smtp_server: Collector, celery_worker: CeleryWorker) -> CeleryWorker:
    """The integration suite's worker, started once the SMTP server's URL is in the
    environment it copies."""
    return celery_worker


def _recipients(world: World, count: int) -> list[Customer]:
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": 0, "quiet_until_hour": 0}
    )
    made = [
        make_customer(owner=world.alice, team=world.north, first_name=f"R{i}") for i in range(count)
    ]
    grant(*made)
    return made


def _count(campaign: Campaign, *states: str) -> int:
    return CampaignSend.objects.filter(campaign=campaign, state__in=states).count()


def _idle(worker: CeleryWorker) -> None:
    wait_until(
        lambda: (
            worker.current_log().count("] received") == worker.current_log().count("] succeeded in")
        ),
        what="the worker idle",
        timeout=60,
    )


def test_worker_killed_mid_send_mails_everyone_at_most_once(
    celery_worker: CeleryWorker, smtp_server: Collector, world: World
) -> None:
    smtp_server.received.clear()
    customers = _recipients(world, RECIPIENTS - 1)  # and world.customer, alice's too
    grant(world.customer)
    Customer.objects.filter(pk=world.customer.pk).update(first_name="Aldona")
    campaign = make_campaign(name="Winter win-back")
    campaign_launch(campaign=campaign, acting_user=world.manager)
    wait_until(lambda: _count(campaign, State.SENT) >= 60, what="sending started", timeout=120)

    celery_worker.kill()

    sent_before = _count(campaign, State.SENT)
    assert sent_before < RECIPIENTS, "killed mid-send"
    in_flight = _count(campaign, State.SENDING)
    assert in_flight <= BATCH
    # Let the dead worker's claims grow older than CAMPAIGN_SENDING_TIMEOUT_S.
    time.sleep(2.5)
    celery_worker.start()
    # The broker would redeliver the dead worker's message only after its visibility
    # timeout; the periodic resume re-queues the campaign now. Queue one send twice more.
    campaign_sends_resume_task.delay()
    campaign_send_task.delay(campaign_id=campaign.pk)

    wait_until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED,
        what="the campaign completed",
        timeout=180,
    )
    _idle(celery_worker)
    per_address = smtp_server.recipients()
    assert max(per_address.values()) == 1, "nobody mailed twice"
    sent = _count(campaign, State.SENT)
    unconfirmed = _count(campaign, State.UNCONFIRMED)
    assert sent + unconfirmed == RECIPIENTS
    assert unconfirmed <= in_flight <= BATCH
    assert len(per_address) >= sent
    ids = set(
        CampaignSend.objects.filter(campaign=campaign, state=State.SENT).values_list(
            "message_id", flat=True
        )
    )
    assert ids <= {message_id for _to, message_id in smtp_server.received}
    assert set(per_address) <= {c.primary_email for c in customers} | {"aldona@example.lt"}


def test_unsubscribe_through_the_public_link_is_honoured_by_the_next_send(
    celery_worker: CeleryWorker, smtp_server: Collector, world: World
) -> None:
    smtp_server.received.clear()
    leaving, staying = _recipients(world, 2)
    campaign = make_campaign(name="Spring news", status=Campaign.Status.SENDING)
    now = timezone.now()
    sends_queue(
        campaign=campaign,
        occasions=[Occasion(customer_id=c.pk, reference_at=now) for c in (leaving, staying)],
    )
    token = token_for(
        SALT_UNSUBSCRIBE, campaign_id=campaign.pk, customer_id=leaving.pk, occasion=""
    )
    url = reverse("public:unsubscribe-one-click", kwargs={"token": token})
    assert Client().post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200

    campaign_send_task.delay(campaign_id=campaign.pk)

    wait_until(
        lambda: Campaign.objects.get(pk=campaign.pk).status == Campaign.Status.COMPLETED,
        what="the campaign completed",
        timeout=60,
    )
    _idle(celery_worker)
    assert list(smtp_server.recipients()) == [staying.primary_email]
    held = CampaignSend.objects.get(campaign=campaign, customer=leaving)
    assert (held.state, held.held_reason) == (State.HELD, "unsubscribed before sending")
