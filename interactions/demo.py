"""A believable year of history for the demo customers, deterministic for a seed and a day.

Behaviour follows each customer's lifecycle stage, so the demo shows what the CRM is for:
- active: orders at a personal cadence (a week to four months), follow-up calls and emails,
  a good NPS; one in ten is seasonal (June and November-December only);
- at risk: the same cadence, stretched two to three times over the last four months, a
  complaint, a lukewarm NPS;
- silent: regular until two to six months ago, then nothing;
- offboarding: repeated complaints, some unanswered past their deadline, a detractor NPS;
- former: orders ending six months to a year ago;
- lead: a few calls and emails, no order yet.
Written with bulk inserts; meant for demo sizes (thousands of customers). The benchmarks
make their millions of events in SQL instead.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from interactions.models import (
    ActivityDaily,
    Channel,
    Complaint,
    Interaction,
    Order,
    OrderLine,
    Refund,
    Source,
    SurveyResponse,
)
from interactions.services import service_level_hours

BATCH = 5_000
PRODUCTS = ("Coffee beans 1 kg", "Green tea 250 g", "Espresso machine service", "Filter papers",
            "Gift box", "Cold brew 6-pack", "Grinder")  # fmt: skip
FOLLOW_UPS = ("Order follow-up", "Delivery question", "Asked about new products",
              "Invoice copy requested", "Thank-you call")  # fmt: skip
COMPLAINTS = (("Order arrived late", "delivery"), ("Damaged package", "product"),
              ("Charged twice", "billing"), ("Rude courier", "service"),
              ("Wrong item delivered", "delivery"))  # fmt: skip


@dataclass
class HistoryResult:
    skipped: bool = False
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Rows:
    interactions: list[Interaction] = field(default_factory=list)
    orders: list[tuple[Order, str, int]] = field(default_factory=list)  # order, product, quantity
    complaints: list[tuple[Complaint, datetime | None]] = field(default_factory=list)  # + answer
    surveys: list[SurveyResponse] = field(default_factory=list)
    activity: list[ActivityDaily] = field(default_factory=list)


class _Customer:
    """One customer's behaviour, drawn from the generator in a fixed order."""

    def __init__(
        self, rng: np.random.Generator, customer: tuple[int, str, datetime, int | None], today: date
    ) -> None:
        self.rng, self.today = rng, today
        self.pk, self.stage, created_at, self.owner_id = customer
        self.start = max(timezone.localdate(created_at), today - timedelta(days=365))
        self.cadence = float(np.clip(rng.lognormal(np.log(30), 0.5), 7, 120))
        self.basket_cents = int(np.clip(rng.lognormal(np.log(6000), 0.6), 900, 60000))
        self.seasonal = self.stage == Customer.Stage.ACTIVE and rng.random() < 0.1

    def order_days(self) -> list[date]:
        stop = self.today
        if self.stage == Customer.Stage.SILENT:
            stop = self.today - timedelta(days=int(self.rng.integers(60, 200)))
        elif self.stage == Customer.Stage.FORMER:
            stop = self.today - timedelta(days=int(self.rng.integers(180, 365)))
        elif self.stage == Customer.Stage.LEAD:
            return []
        days, day = [], self.start + timedelta(days=float(self.rng.uniform(0, self.cadence)))
        while day <= stop:
            if not self.seasonal or day.month in (6, 11, 12):
                days.append(day)
            stretch = 1.0
            if (
                self.stage in (Customer.Stage.AT_RISK, Customer.Stage.OFFBOARDING)
                and (self.today - day).days < 120
            ):
                stretch = float(self.rng.uniform(2.0, 3.0))
            day += timedelta(
                days=max(1.0, float(self.rng.gamma(4.0, self.cadence / 4.0)) * stretch)
            )
        return days

    def at(self, day: date, hour_low: int = 8, hour_high: int = 18) -> datetime:
        moment = time(int(self.rng.integers(hour_low, hour_high)), int(self.rng.integers(0, 60)))
        return timezone.make_aware(datetime.combine(day, moment))


def _orders(person: _Customer, rows: _Rows) -> list[date]:
    days = person.order_days()
    for day in days:
        amount = int(person.basket_cents * person.rng.uniform(0.6, 1.5))
        quantity = int(person.rng.integers(1, 4))
        product = PRODUCTS[int(person.rng.integers(0, len(PRODUCTS)))]
        order = Order(
            customer_id=person.pk,
            ordered_on=day,
            amount_cents=amount,
            currency="EUR",
            status=Order.Status.DELIVERED,
            source=Source.DEMO,
        )
        rows.orders.append((order, product, quantity))
        if person.rng.random() < 0.4:
            rows.interactions.append(
                _contact(person, day + timedelta(days=int(person.rng.integers(1, 6))))
            )
    return days


def _contact(person: _Customer, day: date) -> Interaction:
    channel = (Channel.CALL, Channel.EMAIL, Channel.EMAIL, Channel.MEETING, Channel.CHAT)[
        int(person.rng.integers(0, 5))
    ]
    day = min(day, person.today)
    return Interaction(
        customer_id=person.pk,
        channel=channel,
        direction=Interaction.Direction.OUTBOUND
        if person.rng.random() < 0.6
        else Interaction.Direction.INBOUND,
        occurred_at=min(person.at(day), timezone.now()),
        staff_id=person.owner_id,
        subject=FOLLOW_UPS[int(person.rng.integers(0, len(FOLLOW_UPS)))],
        duration_seconds=int(person.rng.integers(120, 1200)) if channel == Channel.CALL else None,
        source=Source.DEMO,
    )


def _complaints(person: _Customer, rows: _Rows) -> None:
    counts: dict[str, int] = {
        Customer.Stage.AT_RISK: 1,
        Customer.Stage.OFFBOARDING: int(person.rng.integers(2, 5)),
    }
    count = counts.get(person.stage, 1 if person.rng.random() < 0.08 else 0)
    for _ in range(count):
        opened = person.at(person.today - timedelta(days=int(person.rng.integers(2, 120))))
        subject, category = COMPLAINTS[int(person.rng.integers(0, len(COMPLAINTS)))]
        severity = ("low", "medium", "high", "critical")[int(person.rng.integers(0, 4))]
        respond_hours, resolve_hours = service_level_hours(severity)
        answered = person.rng.random() < (
            0.6 if person.stage == Customer.Stage.OFFBOARDING else 0.95
        )
        answer_at = (
            opened + timedelta(hours=float(person.rng.gamma(2.0, respond_hours / 2.5)))
            if answered
            else None
        )
        if answer_at is not None and answer_at > timezone.now():
            answer_at = None
        resolved = answer_at is not None and person.rng.random() < 0.75
        resolved_at = (
            answer_at + timedelta(hours=float(person.rng.uniform(2, resolve_hours)))
            if resolved and answer_at
            else None
        )
        if resolved_at is not None and resolved_at > timezone.now():
            resolved_at = None
        status = (
            Complaint.Status.RESOLVED
            if resolved_at
            else Complaint.Status.IN_PROGRESS
            if answer_at
            else Complaint.Status.OPEN
        )
        complaint = Complaint(
            customer_id=person.pk,
            subject=subject,
            category=category,
            severity=severity,
            channel=Channel.CALL,
            status=status,
            opened_at=opened,
            first_response_at=answer_at,
            resolved_at=resolved_at,
            respond_by=opened + timedelta(hours=respond_hours),
            resolve_by=opened + timedelta(hours=resolve_hours),
            source=Source.DEMO,
        )
        rows.complaints.append((complaint, answer_at))


def _survey(person: _Customer, rows: _Rows) -> None:
    if person.stage == Customer.Stage.LEAD or person.rng.random() < 0.4:
        return
    ranges: dict[str, tuple[int, int]] = {
        Customer.Stage.AT_RISK: (5, 8),
        Customer.Stage.OFFBOARDING: (0, 5),
        Customer.Stage.SILENT: (6, 9),
    }
    low, high = ranges.get(person.stage, (7, 11))
    rows.surveys.append(
        SurveyResponse(
            customer_id=person.pk,
            kind=SurveyResponse.Kind.NPS,
            score=int(person.rng.integers(low, high)),
            responded_at=person.at(person.today - timedelta(days=int(person.rng.integers(5, 200)))),
            source=Source.DEMO,
        )
    )


def _activity(person: _Customer, rows: _Rows, order_days: list[date]) -> None:
    if person.stage in (Customer.Stage.LEAD, Customer.Stage.FORMER) or person.rng.random() < 0.6:
        return
    last = max(order_days, default=person.today)
    for back in sorted({int(d) for d in person.rng.integers(0, 90, size=12)}):
        day = person.today - timedelta(days=back)
        if person.stage == Customer.Stage.SILENT and day > last:
            continue
        rows.activity.append(
            ActivityDaily(
                customer_id=person.pk,
                day=day,
                logins=1,
                page_views=int(person.rng.integers(2, 30)),
                seconds_active=int(person.rng.integers(60, 1800)),
            )
        )


def _write(rows: _Rows) -> dict[str, int]:
    orders = Order.objects.bulk_create([o for o, _p, _q in rows.orders], batch_size=BATCH)
    OrderLine.objects.bulk_create(
        [
            OrderLine(order=o, product=p, quantity=q, unit_price_cents=o.amount_cents // q)
            for o, (_o, p, q) in zip(orders, rows.orders, strict=True)
        ],
        batch_size=BATCH,
    )
    refunds = [
        Refund(
            order=o,
            customer_id=o.customer_id,
            refunded_on=o.ordered_on + timedelta(days=7),
            amount_cents=o.amount_cents // 2,
            reason="Damaged in transit",
        )
        for i, o in enumerate(orders)
        if i % 37 == 0 and o.ordered_on + timedelta(days=7) <= timezone.localdate()
    ]
    Refund.objects.bulk_create(refunds, batch_size=BATCH)
    complaints = Complaint.objects.bulk_create([c for c, _a in rows.complaints], batch_size=BATCH)
    answers = [
        Interaction(
            customer_id=c.customer_id,
            channel=Channel.EMAIL,
            direction=Interaction.Direction.OUTBOUND,
            occurred_at=answer_at,
            subject=c.subject,
            body="We are sorry. We are looking into it.",
            complaint=c,
            source=Source.DEMO,
        )
        for c, (_c, answer_at) in zip(complaints, rows.complaints, strict=True)
        if answer_at is not None
    ]
    Interaction.objects.bulk_create(rows.interactions + answers, batch_size=BATCH)
    SurveyResponse.objects.bulk_create(rows.surveys, batch_size=BATCH)
    ActivityDaily.objects.bulk_create(rows.activity, batch_size=BATCH, ignore_conflicts=True)
    return {
        "orders": len(orders),
        "refunds": len(refunds),
        "complaints": len(complaints),
        "interactions": len(rows.interactions) + len(answers),
        "surveys": len(rows.surveys),
        "activity days": len(rows.activity),
    }


@transaction.atomic
def demo_history_create(*, seed: int, today: date | None = None) -> HistoryResult:
    """History for every customer, unless demo history exists already (then nothing)."""
    if (
        Interaction.objects.filter(source=Source.DEMO).exists()
        or Order.objects.filter(source=Source.DEMO).exists()
    ):
        return HistoryResult(skipped=True)
    today = today or timezone.localdate()
    rng = np.random.default_rng(seed)
    rows = _Rows()
    customers = Customer.objects.order_by("pk").values_list("pk", "stage", "created_at", "owner_id")
    for customer in customers.iterator(chunk_size=BATCH):
        person = _Customer(rng, customer, today)
        order_days = _orders(person, rows)
        if person.stage == Customer.Stage.LEAD:
            for _ in range(int(rng.integers(1, 4))):
                rows.interactions.append(
                    _contact(person, today - timedelta(days=int(rng.integers(0, 60))))
                )
        _complaints(person, rows)
        _survey(person, rows)
        _activity(person, rows, order_days)
    return HistoryResult(rows=_write(rows))
