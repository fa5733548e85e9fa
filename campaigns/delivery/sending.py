"""Sending prepared messages: claim, re-check, send, record — at most once per send.

A batch of due QUEUED rows is claimed with SELECT … FOR UPDATE SKIP LOCKED and moved to
SENDING in one short transaction, so workers running side by side never take the same
row. Consent and stage are checked again at claim time: an unsubscribe since the row was
queued holds it back. Each message is then sent and its row marked SENT (or FAILED) on
its own, so a worker killed mid-batch leaves only the rest of its batch in SENDING; the
resume marks those UNCONFIRMED after a timeout and never sends them again.

Email goes through Django's email backend (any: SMTP, django-anymail), one connection per
batch; SMS through ``settings.SMS_BACKEND``; a call list becomes follow-up tasks for the
owners; direct mail becomes rows of a CSV file under MEDIA_ROOT."""

import csv
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campaigns.delivery.recipients import NEVER_TARGETED, PURPOSE_OF_CHANNEL
from campaigns.delivery.sms import SmsDeliveryError, SmsMessage, sms_backend
from campaigns.delivery.tokens import (
    SALT_UNSUBSCRIBE,
    SendKey,
    click_url,
    one_click_unsubscribe_url,
    open_pixel_url,
    token_for,
)
from campaigns.models import Campaign, CampaignSend, Channel
from churn.models import FollowUpTask
from crm.lib.csv_safety import safe_row
from customers.consent import consent_allows
from customers.models import Customer

SEND_ATTEMPTS = 3  # per message, for transient errors (a dropped connection, a 4xx reply)
RETRY_PAUSE_S = 0.5  # times the attempt number
SEND_TASK_BUDGET_S = 60  # then the task queues itself again, letting other tasks run
QUEUE_RESUME_AFTER = timedelta(minutes=10)  # a campaign preparing this long lost its task
TASK_TITLE_CHARS = 200  # FollowUpTask.title
ERROR_CHARS = 300  # CampaignSend.error
LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")
DIRECT_MAIL_DIR = "campaigns/direct-mail"
State = CampaignSend.State


class DeliveryUnavailableError(Exception):
    """The channel cannot be reached (the SMTP server is down): the batch was handed
    back to the queue untouched, and the task retries later."""


@dataclass(frozen=True)
class SendOutcome:
    sent: int
    more: bool  # stopped at the time budget with messages left


# --- claiming -------------------------------------------------------------------------------


def _due(now: datetime) -> Q:
    return Q(not_before__isnull=True) | Q(not_before__lte=now)


def sends_claim(*, campaign: Campaign, size: int) -> list[CampaignSend]:
    """Take up to ``size`` due QUEUED rows (moved to SENDING); rows whose customer
    withdrew consent or entered offboarding since queueing become HELD instead."""
    now = timezone.now()
    if Campaign.objects.filter(pk=campaign.pk, status=Campaign.Status.CANCELLED).exists():
        return []  # cancelled while sending: what is still queued stays unsent
    with transaction.atomic():
        taken = list(
            CampaignSend.objects.select_for_update(skip_locked=True)
            .filter(_due(now), campaign=campaign, state=State.QUEUED)
            .order_by("pk")
            .values_list("pk", "customer_id")[:size]
        )
        if not taken:
            return []
        purpose = PURPOSE_OF_CHANNEL[Channel(campaign.channel)]
        facts = {
            pk: (stage, allowed)
            for pk, stage, allowed in Customer.objects.filter(pk__in=[c for _s, c in taken])
            .annotate(allowed=ExpressionWrapper(consent_allows(purpose), BooleanField()))
            .values_list("pk", "stage", "allowed")
        }
        held: dict[str, list[int]] = {}
        claimed = []
        for send_id, customer_id in taken:
            stage, allowed = facts.get(customer_id, ("", False))
            if stage in NEVER_TARGETED:
                held.setdefault(_("in offboarding"), []).append(send_id)
            elif not allowed:
                held.setdefault(_("unsubscribed before sending"), []).append(send_id)
            else:
                claimed.append(send_id)
        for reason, ids in held.items():
            # claimed_at marks them as held after the random split: results keep them in
            # the treated group (campaigns.results.selectors.RANDOMISED).
            CampaignSend.objects.filter(pk__in=ids).update(
                state=State.HELD, held_reason=reason, claimed_at=now
            )
        CampaignSend.objects.filter(pk__in=claimed).update(state=State.SENDING, claimed_at=now)
        return list(
            CampaignSend.objects.filter(pk__in=claimed)
            .select_related("customer", "coupon")
            .order_by("pk")
        )


def _release(sends: list[CampaignSend]) -> None:
    CampaignSend.objects.filter(pk__in=[s.pk for s in sends], state=State.SENDING).update(
        state=State.QUEUED, claimed_at=None
    )


def _mark_sent(done: list[tuple[CampaignSend, str]]) -> int:
    """Mark a batch's sent messages, in one commit (a commit per message would cost more
    than the message). Only rows still SENDING, not marked UNCONFIRMED by the resume
    meanwhile. A worker killed before this leaves them SENDING: UNCONFIRMED, never resent."""
    now = timezone.now()
    marked = 0
    with transaction.atomic():
        for send, message_id in done:
            marked += CampaignSend.objects.filter(pk=send.pk, state=State.SENDING).update(
                state=State.SENT, sent_at=now, message_id=message_id[:255]
            )
    return marked


def _mark_failed(send: CampaignSend, error: object) -> None:
    CampaignSend.objects.filter(pk=send.pk, state=State.SENDING).update(
        state=State.FAILED, error=str(error)[:ERROR_CHARS] or type(error).__name__
    )


# --- email ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A piece of a line of the HTML email: text, or a link."""

    text: str
    href: str = ""


def _key(send: CampaignSend) -> SendKey:
    return SendKey(send.campaign_id, send.customer_id, send.occasion)


def _line_segments(line: str, key: SendKey) -> list[Segment]:
    own_links = settings.CAMPAIGN_LINK_BASE_URL.rstrip("/") + "/m/"
    segments: list[Segment] = []
    position = 0
    for match in LINK.finditer(line):
        if match.start() > position:
            segments.append(Segment(line[position : match.start()]))
        url = match.group(0)
        href = url if url.startswith(own_links) else click_url(key=key, url=url)
        segments.append(Segment(url, href))
        position = match.end()
    if position < len(line):
        segments.append(Segment(line[position:]))
    return segments


def email_paragraphs(body: str, key: SendKey) -> list[list[list[Segment]]]:
    """Paragraphs (blank-line separated) of lines of segments, links made trackable."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    return [[_line_segments(line, key) for line in p.splitlines()] for p in paragraphs]


def _unsubscribe_mailbox() -> str:
    return settings.CAMPAIGN_UNSUBSCRIBE_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _domain() -> str:
    return _unsubscribe_mailbox().rpartition("@")[2] or "localhost"


def email_message_build(
    send: CampaignSend, *, connection: BaseEmailBackend | None = None
) -> EmailMultiAlternatives:
    """The email of one send: the stored text, an HTML part made from it by a template,
    RFC 8058 one-click unsubscribe headers and a Message-ID kept for bounce reports."""
    key = _key(send)
    token = token_for(
        SALT_UNSUBSCRIBE, campaign_id=key.campaign_id, customer_id=key.customer_id,
        occasion=key.occasion,
    )  # fmt: skip
    mailto = f"mailto:{_unsubscribe_mailbox()}?subject={quote('unsubscribe ' + token)}"
    headers = {
        "Message-ID": make_msgid(domain=_domain()),
        "List-Unsubscribe": f"<{one_click_unsubscribe_url(key=key)}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    with translation.override(send.language or None):
        html = render_to_string(
            "campaigns/email/message.html",
            {
                "subject": send.subject,
                "paragraphs": email_paragraphs(send.body, key),
                "pixel_url": open_pixel_url(key=key),
                "language": send.language,
            },
        )
    message = EmailMultiAlternatives(
        subject=send.subject,
        body=send.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[send.address],
        headers=headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def _is_transient(exc: Exception) -> bool:
    """A 4xx reply or a lost connection is worth another try; a 5xx reply or a bad
    message is not. Duck-typed, so that other backends' errors work too."""
    code = getattr(exc, "smtp_code", None)
    if isinstance(code, int):
        return code < 500
    refused = getattr(exc, "recipients", None)
    if isinstance(refused, dict) and refused:
        return all(int(reply[0]) < 500 for reply in refused.values())
    return isinstance(exc, OSError)


def _message_id(message: EmailMultiAlternatives) -> str:
    status = getattr(message, "anymail_status", None)  # django-anymail: the ESP's id
    provider_id = getattr(status, "message_id", None)
    return str(provider_id) if provider_id else str(message.extra_headers["Message-ID"])


def _email_batch(sends: list[CampaignSend]) -> int:
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except OSError as exc:
        _release(sends)
        raise DeliveryUnavailableError(str(exc)) from exc
    done: list[tuple[CampaignSend, str]] = []
    try:
        for index, send in enumerate(sends):
            message = email_message_build(send, connection=connection)
            for attempt in range(1, SEND_ATTEMPTS + 1):
                try:
                    connection.send_messages([message])
                except (OSError, ValueError) as exc:
                    if not _is_transient(exc) or attempt == SEND_ATTEMPTS:
                        _mark_failed(send, exc)
                        break
                    _reconnect(connection, attempt, sends[index:], done)
                    continue
                done.append((send, _message_id(message)))
                break
    finally:  # also when an unexpected error stops the batch: what went out is SENT
        connection.close()
        marked = _mark_sent(done)
    return marked


def _reconnect(
    connection: BaseEmailBackend,
    attempt: int,
    rest: list[CampaignSend],
    done: list[tuple[CampaignSend, str]],
) -> None:
    time.sleep(RETRY_PAUSE_S * attempt)
    connection.close()
    try:
        connection.open()
    except OSError as exc:
        _mark_sent(done)
        _release(rest)
        raise DeliveryUnavailableError(str(exc)) from exc


# --- SMS, call list, direct mail -----------------------------------------------------------


def _sms_batch(sends: list[CampaignSend]) -> int:
    backend = sms_backend()
    try:
        backend.open()
    except SmsDeliveryError as exc:
        _release(sends)
        raise DeliveryUnavailableError(str(exc)) from exc
    done: list[tuple[CampaignSend, str]] = []
    try:
        for send in sends:
            message = SmsMessage(to=send.address, body=send.body, reference=str(send.pk))
            for attempt in range(1, SEND_ATTEMPTS + 1):
                try:
                    provider_id = backend.send(message)
                except SmsDeliveryError as exc:
                    if not exc.is_transient or attempt == SEND_ATTEMPTS:
                        _mark_failed(send, exc)
                        break
                    time.sleep(RETRY_PAUSE_S * attempt)
                    continue
                done.append((send, provider_id))
                break
    finally:  # also when an unexpected error stops the batch: what went out is SENT
        backend.close()
        marked = _mark_sent(done)
    return marked


def _task_title(send: CampaignSend) -> str:
    return " ".join((send.subject or send.body).split())[:TASK_TITLE_CHARS]


@transaction.atomic
def _call_list_batch(sends: list[CampaignSend]) -> int:
    """One follow-up task per recipient for the customer's owner, in the transaction
    that marks the rows SENT: exactly once."""
    mine = set(
        CampaignSend.objects.select_for_update()
        .filter(pk__in=[s.pk for s in sends], state=State.SENDING)
        .values_list("pk", flat=True)
    )
    today = timezone.localdate()
    FollowUpTask.objects.bulk_create(
        [
            FollowUpTask(
                customer_id=s.customer_id,
                assignee_id=s.customer.owner_id,
                title=_task_title(s),
                due_on=today,
            )
            for s in sends
            if s.pk in mine
        ]
    )
    return CampaignSend.objects.filter(pk__in=mine).update(state=State.SENT, sent_at=timezone.now())


def direct_mail_path(campaign_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / DIRECT_MAIL_DIR / f"campaign-{campaign_id}.csv"


def direct_mail_header() -> list[str]:
    return [
        _("name"), _("street"), _("postal code"), _("city"), _("country"), _("letter"),
        _("coupon code"),
    ]  # fmt: skip


def _direct_mail_batch(sends: list[CampaignSend]) -> int:
    """Append the batch's letters to the campaign's CSV (safe to open in a spreadsheet),
    flushed to disk before the rows are marked SENT."""
    path = direct_mail_path(sends[0].campaign_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    is_new = not path.exists()
    with path.open("a", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        if is_new:
            writer.writerow(direct_mail_header())
        for s in sends:
            c = s.customer
            code = s.coupon.code if s.coupon else ""
            writer.writerow(
                safe_row([c.name, c.street, c.postal_code, c.city, c.country, s.body, code])
            )
        out.flush()
        os.fsync(out.fileno())
    return CampaignSend.objects.filter(pk__in=[s.pk for s in sends], state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now()
    )


DELIVER: dict[str, Callable[[list[CampaignSend]], int]] = {
    Channel.EMAIL: _email_batch,
    Channel.SMS: _sms_batch,
    Channel.CALL_LIST: _call_list_batch,
    Channel.DIRECT_MAIL: _direct_mail_batch,
}


# --- the campaign -------------------------------------------------------------------------


def campaign_send(*, campaign_id: int, budget_s: float = SEND_TASK_BUDGET_S) -> SendOutcome:
    """Send the campaign's due messages, batch after batch, for at most ``budget_s``."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None or campaign.status == Campaign.Status.CANCELLED:
        return SendOutcome(sent=0, more=False)
    deliver = DELIVER[campaign.channel]
    deadline = time.monotonic() + budget_s
    sent = 0
    while batch := sends_claim(campaign=campaign, size=settings.CAMPAIGN_SEND_BATCH_SIZE):
        sent += deliver(batch)
        if time.monotonic() > deadline:
            return SendOutcome(sent=sent, more=True)
    campaign_complete_if_done(campaign_id=campaign_id)
    return SendOutcome(sent=sent, more=False)


def campaign_complete_if_done(*, campaign_id: int) -> bool:
    """A sending one-off campaign with nothing queued or in flight is COMPLETED (a
    conditional UPDATE: exactly one caller wins)."""
    pending = CampaignSend.objects.filter(
        campaign=OuterRef("pk"), state__in=[State.QUEUED, State.SENDING]
    )
    return bool(
        Campaign.objects.filter(
            pk=campaign_id, status=Campaign.Status.SENDING, kind=Campaign.Kind.ONE_OFF
        )
        .exclude(Exists(pending))
        .update(status=Campaign.Status.COMPLETED, completed_at=timezone.now())
    )


@dataclass(frozen=True)
class ResumeResult:
    unconfirmed: int  # rows a dead worker left in SENDING
    queue_campaign_ids: list[int]  # preparing for too long: their queue task again
    send_campaign_ids: list[int]  # with due messages (lost tasks, quiet hours over)


def campaign_sends_resume() -> ResumeResult:
    """For beat: rows stuck in SENDING become UNCONFIRMED (never resent: at most once),
    and the campaigns whose work was lost or has come due are named for their tasks."""
    now = timezone.now()
    stuck_since = now - timedelta(seconds=settings.CAMPAIGN_SENDING_TIMEOUT_S)
    unconfirmed = CampaignSend.objects.filter(
        state=State.SENDING, claimed_at__lt=stuck_since
    ).update(
        state=State.UNCONFIRMED,
        error=_("The worker stopped while sending; delivery unknown, not sent again."),
    )
    queueing = list(
        Campaign.objects.filter(
            status=Campaign.Status.QUEUEING, launched_at__lt=now - QUEUE_RESUME_AFTER
        ).values_list("pk", flat=True)
    )
    due = CampaignSend.objects.filter(_due(now), campaign=OuterRef("pk"), state=State.QUEUED)
    sending = list(
        Campaign.objects.exclude(status__in=[Campaign.Status.QUEUEING, Campaign.Status.CANCELLED])
        .filter(Exists(due))
        .values_list("pk", flat=True)
    )
    for campaign_id in Campaign.objects.filter(status=Campaign.Status.SENDING).values_list(
        "pk", flat=True
    ):
        campaign_complete_if_done(campaign_id=campaign_id)
    return ResumeResult(unconfirmed, queueing, sending)
