"""`manage.py bench campaigns --recipients N`: preparing and sending campaign messages at
scale, and segment counts over the whole base, each next to its floor measured in the
same run.

1. Customers through the demo generator (COPY); one order for most of them, scores (value
   tier, revenue) and silence for some, marketing-email consent for 90 % — by SQL.
2. Segment counts: p50/p95 of ``segment_members(...).count()`` for a few typical segments,
   against a hand-written COUNT with the same WHERE.
3. Render and queue: ``sends_queue`` for N recipients (consent, caps, profile, control
   split, coupons, rendering, bulk insert) in the queue task's chunks, against a bare COPY
   of N send rows. Memory is bounded by the chunking (10,000 ids, 2,000 rows per
   transaction): peak RSS is printed.
4. Send: the first ``SEND_SAMPLE`` queued messages through the real send path (claim,
   consent re-check, Django's SMTP backend, mark sent) to a local aiosmtpd server started
   here, against raw smtplib sends of the same messages on one connection.
"""

import resource
import smtplib
import socket
import statistics
import time
from typing import Any

from aiosmtpd.controller import Controller
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count
from django.test import override_settings
from django.utils import timezone

from campaigns.delivery.launch import MEMBER_CHUNK_SIZE, Occasion, sends_queue
from campaigns.delivery.sending import DELIVER, email_message_build, sends_claim
from campaigns.models import (
    Campaign,
    CampaignSend,
    CampaignSettings,
    Channel,
    MessageTemplate,
    MessageTemplateVariant,
    Segment,
)
from campaigns.segments.rules import segment_members
from customers import demo
from customers.bench import BenchOptions, Write, percentile

QUEUE_RATE_TARGET = 2_000  # messages/s rendered and queued
SEGMENT_P95_TARGET_MS = 500
SEND_SAMPLE = 5_000  # messages sent over SMTP (the rest of the campaign stays queued)
SEND_BATCH = 50
SEGMENTS: dict[str, tuple[dict[str, Any], str]] = {
    # name: (rules, the floor's WHERE on customers_customer c / churn_customerscore s)
    "silent high-value": (
        {
            "match": "all",
            "conditions": [
                {"field": "is_silent", "op": "is", "value": True},
                {"field": "value_tier", "op": "in", "value": ["high"]},
            ],
        },
        "c.silent_since IS NOT NULL AND s.value_tier = 'high'",
    ),
    "active Lithuanian speakers": (
        {
            "match": "all",
            "conditions": [
                {"field": "stage", "op": "in", "value": ["active", "at_risk"]},
                {"field": "language", "op": "in", "value": ["lt"]},
            ],
        },
        "c.stage IN ('active', 'at_risk') AND c.language = 'lt'",
    ),
    "email consent, 5+ orders": (
        {
            "match": "all",
            "conditions": [
                {"field": "consent", "op": "allowed", "value": "marketing_email"},
                {"field": "order_count", "op": "gte", "value": 5},
            ],
        },
        "s.order_count >= 5 AND EXISTS (SELECT 1 FROM customers_consent k WHERE "
        "k.customer_id = c.id AND k.purpose = 'marketing_email' AND k.is_granted)",
    ),
}
FLOOR_COUNT = (
    "SELECT count(*) FROM customers_customer c "
    "LEFT JOIN churn_customerscore s ON s.customer_id = c.id WHERE "
)
BODY = (
    "Hello {{ first_name }},\n\nwe have not seen you since {{ last_order_on }}; your last "
    "order was {{ last_order_amount }}. Here is {{ coupon_value }} off with the code "
    "{{ coupon_code }}, valid until {{ coupon_expires_on }}.\n\n{{ owner_name }}\n"
    "Unsubscribe: {{ unsubscribe_url }}"
)


def _sql(statement: str, params: dict[str, Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or {})


def _data(options: BenchOptions, write: Write) -> None:
    staff = demo.demo_staff_ensure()
    result = demo.demo_customers_create(count=options.customers, seed=options.seed, staff=staff)
    write(f"Customers: {options.customers:,} in {result.seconds:.1f} s ({result.rate:,.0f}/s)")
    started = time.perf_counter()
    _sql(
        "UPDATE customers_customer SET first_name = split_part(name, ' ', 1) WHERE first_name = ''"
    )
    _sql(
        "INSERT INTO interactions_order (customer_id, external_ref, ordered_on, amount_cents, "
        "currency, status, source, idempotency_key, created_at) SELECT id, '', current_date - "
        "(random() * 700)::int, (1000 + random() * 20000)::int, 'EUR', 'delivered', 'demo', '', "
        "now() FROM customers_customer WHERE random() < 0.9"
    )
    _sql(
        "INSERT INTO churn_customerscore (customer_id, as_of, scored_at, is_cold_start, "
        "value_tier, is_most_valuable, reasons, order_count, revenue_cents) SELECT id, "
        "current_date, now(), false, (ARRAY['high','medium','low'])[1 + floor(random() * 3)::int], "
        "false, '[]', floor(random() * 12)::int, (random() * 100000)::int FROM customers_customer"
    )
    _sql(
        "UPDATE customers_customer SET silent_since = current_date - (random() * 200)::int "
        "WHERE random() < 0.2"
    )
    _sql(
        "INSERT INTO customers_consent (customer_id, purpose, is_granted, source, "
        "wording_version, recorded_at) SELECT id, 'marketing_email', true, 'import', '', now() "
        "FROM customers_customer WHERE random() < 0.9 ON CONFLICT DO NOTHING"
    )
    _sql("VACUUM ANALYZE")
    write(f"Orders, scores, silence, consent by SQL in {time.perf_counter() - started:.1f} s")


def _timed(function: Any, repeat: int) -> list[float]:
    times = []
    for _run in range(repeat):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _segments(options: BenchOptions, user: User, write: Write) -> None:
    write(f"\nSegment counts over {options.customers:,} customers ({options.repeat} runs each)")
    write(
        f"{'segment':<28} {'members':>9} {'p50 ms':>8} {'p95 ms':>8} {'floor p50':>10} {'ratio':>6}"
    )
    for name, (rules, where) in SEGMENTS.items():
        members = segment_members(user=user, rules=rules)
        count = members.count()
        times = _timed(lambda m=members: m.count(), options.repeat)

        def floor(w: str = where) -> None:
            _sql(FLOOR_COUNT + w)

        floor_times = _timed(floor, options.repeat)
        p50, p95, floor_p50 = (
            statistics.median(times),
            percentile(times, 0.95),
            statistics.median(floor_times),
        )
        flag = (
            ""
            if p95 < SEGMENT_P95_TARGET_MS
            else f"  over the {SEGMENT_P95_TARGET_MS} ms p95 target"
        )
        write(f"{name:<28} {count:>9,} {p50:>8.1f} {p95:>8.1f} {floor_p50:>10.1f} "
              f"{p50 / floor_p50 if floor_p50 else float('nan'):>6.2f}{flag}")  # fmt: skip


def _campaign(user: User) -> Campaign:
    template = MessageTemplate.objects.create(name="Bench win-back", channel=Channel.EMAIL)
    MessageTemplateVariant.objects.create(
        template=template, language="en", subject="We miss you, {{ first_name }}", body=BODY
    )
    MessageTemplateVariant.objects.create(
        template=template, language="lt", subject="Pasiilgome, {{ first_name }}", body=BODY
    )
    return Campaign.objects.create(
        name="Bench",
        channel=Channel.EMAIL,
        status=Campaign.Status.SENDING,
        segment=Segment.objects.create(name="Everyone", rules={"match": "all", "conditions": []}),
        template=template,
        control_percent=10,
        coupon_value_cents=500,
        launched_by=user,
        launched_at=timezone.now(),
    )


def _queue(campaign: Campaign, recipients: int, write: Write) -> float:
    ids = list(
        segment_members(user=campaign.launched_by, segment=campaign.segment)  # type: ignore[arg-type]
        .order_by("pk")
        .values_list("pk", flat=True)[:recipients]
    )
    now = timezone.now()
    started = time.perf_counter()
    totals = {"queued": 0, "control": 0, "held": 0}
    for first in range(0, len(ids), MEMBER_CHUNK_SIZE):
        chunk = ids[first : first + MEMBER_CHUNK_SIZE]
        result = sends_queue(
            campaign=campaign, occasions=[Occasion(customer_id=i, reference_at=now) for i in chunk]
        )
        totals["queued"] += result.queued
        totals["control"] += result.control
        totals["held"] += result.held
    seconds = time.perf_counter() - started
    rate = len(ids) / seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    flag = "" if rate >= QUEUE_RATE_TARGET else f"  under the {QUEUE_RATE_TARGET:,}/s target"
    write(f"\nRender and queue: {len(ids):,} recipients in {seconds:.1f} s = {rate:,.0f} "
          f"messages/s{flag} ({totals['queued']:,} queued with coupons, {totals['control']:,} "
          f"control, {totals['held']:,} held); peak memory {peak_mb:,.0f} MB")  # fmt: skip
    reasons = (
        CampaignSend.objects.filter(campaign=campaign, state=CampaignSend.State.HELD)
        .values_list("held_reason")
        .annotate(n=Count("id"))
        .order_by("-n")[:3]
    )
    for reason, n in reasons:
        write(f"  held {n:,}: {reason}")
    return rate


def _queue_floor(campaign: Campaign, recipients: int) -> float:
    """A bare COPY of as many send rows, with a body of the same length, into the table."""
    body = "x" * len(BODY)
    floor_campaign = Campaign.objects.create(name="Floor", channel=Channel.EMAIL)
    ids = list(CampaignSend.objects.filter(campaign=campaign).values_list("customer_id", flat=True))
    now = timezone.now().isoformat()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        columns = (
            'campaign_id, customer_id, occasion, "group", state, held_reason, address, '
            "language, subject, body, reference_at, error, message_id"
        )
        with cursor.connection.cursor().copy(
            f"COPY campaigns_campaignsend ({columns}) FROM STDIN"
        ) as copy:
            for customer_id in ids[:recipients]:
                copy.write_row(
                    (floor_campaign.pk, customer_id, "", "treated", "queued", "",
                     "someone@example.com", "en", "We miss you", body, now, "", "")
                )  # fmt: skip
    seconds = time.perf_counter() - started
    CampaignSend.objects.filter(campaign=floor_campaign).delete()
    return min(len(ids), recipients) / seconds


class _Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _send(campaign: Campaign, write: Write) -> None:
    sink = _Sink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": port, "EMAIL_USE_TLS": False,
                "EMAIL_HOST_USER": "", "EMAIL_HOST_PASSWORD": ""}  # fmt: skip
        with override_settings(**smtp):
            sent, started = 0, time.perf_counter()
            while sent < SEND_SAMPLE and (batch := sends_claim(campaign=campaign, size=SEND_BATCH)):
                sent += DELIVER[Channel.EMAIL](batch)
            seconds = time.perf_counter() - started
            rate = sent / seconds
            sample = list(
                CampaignSend.objects.filter(
                    campaign=campaign, state=CampaignSend.State.SENT
                ).select_related("customer", "coupon")[:sent]
            )
            # Django's message class takes linesep, as its SMTP backend passes it.
            raw = [
                (s.address, email_message_build(s).message().as_bytes(linesep="\r\n"))  # type: ignore[call-arg]
                for s in sample
            ]
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as client:
            for address, payload in raw:
                client.sendmail("crm@localhost", [address], payload)
        floor_rate = len(raw) / (time.perf_counter() - started)
    finally:
        controller.stop()
    write(f"Send: {sent:,} emails in {seconds:.1f} s = {rate:,.0f}/s through claim, consent "
          f"re-check, Django's SMTP backend and mark-sent; floor (raw smtplib, one "
          f"connection, same messages): {floor_rate:,.0f}/s; ratio "
          f"{floor_rate / rate if rate else float('nan'):.2f}x; "
          f"server received {sink.count:,}")  # fmt: skip


def run(options: BenchOptions, write: Write) -> None:
    _data(options, write)
    CampaignSettings.objects.update_or_create(
        pk=1, defaults={"quiet_from_hour": 0, "quiet_until_hour": 0, "max_messages": 3}
    )
    user = User.objects.create(username="bench-admin", is_superuser=True)
    _segments(options, user, write)
    campaign = _campaign(user)
    rate = _queue(campaign, options.recipients, write)
    floor = _queue_floor(campaign, options.recipients)
    write(f"Floor (bare COPY of as many send rows): {floor:,.0f} rows/s; "
          f"ratio {floor / rate:.1f}x")  # fmt: skip
    _send(campaign, write)
    write(f"(as of {timezone.localdate().isoformat()}; memory bounded by chunks of "
          f"{MEMBER_CHUNK_SIZE:,} ids and transactions of 2,000 rows)")  # fmt: skip
