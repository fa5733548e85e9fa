"""Reads of customer history, shaped for the 360° page, the timeline and the queues.
Callers pass a customer that already came through the customer door."""

import base64
import binascii
import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import Case, Count, F, Max, Q, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from crm.lib.keyset import InvalidCursorError
from customers.models import Customer
from customers.selectors import AnyUser, customer_list_for_user
from interactions.models import Complaint, Interaction, Order, Refund, SurveyResponse

TIMELINE_KINDS = ("interaction", "order", "refund", "complaint", "survey")
# Equal timestamps are ordered by kind rank, then id, all descending.
KIND_RANK = {kind: rank for rank, kind in enumerate(TIMELINE_KINDS)}


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: str
    obj: Any


@dataclass(frozen=True)
class TimelinePage:
    items: list[TimelineItem]
    next_cursor: str | None


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _encode(item: TimelineItem) -> str:
    raw = json.dumps([item.at.isoformat(), KIND_RANK[item.kind], item.obj.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int, int]:
    try:
        at, rank, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(at), int(rank), int(pk)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursorError("Invalid timeline cursor.") from exc


def _before_datetime(field: str, at: datetime, same_ts_rule: Q) -> Q:
    return Q(**{f"{field}__lt": at}) | (Q(**{field: at}) & same_ts_rule)


def _before_date(field: str, at: datetime, same_ts_rule: Q) -> Q:
    """Rows of a date field sort at local midnight of that date."""
    day = timezone.localtime(at).date()
    if _midnight(day) == at:
        return Q(**{f"{field}__lt": day}) | (Q(**{field: day}) & same_ts_rule)
    return Q(**{f"{field}__lte": day})


@dataclass(frozen=True)
class _Source:
    kind: str
    qs: Callable[[Customer], "models.QuerySet[Any]"]
    field: str
    is_date: bool

    def at(self, obj: Any) -> datetime:
        value = getattr(obj, self.field)
        return _midnight(value) if self.is_date else value


SOURCES = [
    _Source(
        "interaction",
        lambda c: c.interactions.select_related("staff", "complaint"),
        "occurred_at",
        False,
    ),
    _Source("order", lambda c: c.orders.prefetch_related("lines"), "ordered_on", True),
    _Source("refund", lambda c: c.refunds.select_related("order"), "refunded_on", True),
    _Source("complaint", lambda c: c.complaints.select_related("assignee"), "opened_at", False),
    _Source("survey", lambda c: c.surveys.all(), "responded_at", False),
]


def timeline_page(
    *, customer: Customer, kinds: set[str], cursor: str | None, size: int
) -> TimelinePage:
    """One page of the unified timeline, newest first. One indexed query per kind (at most
    five, whatever the page), merged in Python: each kind returns at most ``size + 1`` rows."""
    position = _decode(cursor) if cursor else None
    items: list[TimelineItem] = []
    for source in SOURCES:
        if source.kind not in kinds:
            continue
        qs = source.qs(customer)
        if position is not None:
            at, rank, pk = position
            own_rank = KIND_RANK[source.kind]
            same_ts = Q() if own_rank < rank else Q(pk__lt=pk) if own_rank == rank else Q(pk__in=[])
            before = _before_date if source.is_date else _before_datetime
            qs = qs.filter(before(source.field, at, same_ts))
        rows = qs.order_by(f"-{source.field}", "-pk")[: size + 1]
        items += [TimelineItem(at=source.at(obj), kind=source.kind, obj=obj) for obj in rows]
    items.sort(key=lambda i: (i.at, KIND_RANK[i.kind], i.obj.pk), reverse=True)
    page, more = items[:size], len(items) > size
    return TimelinePage(items=page, next_cursor=_encode(page[-1]) if more and page else None)


@dataclass(frozen=True)
class KeyFigures:
    last_contact_at: datetime | None
    last_order_on: date | None
    orders_12m: int
    revenue_12m_cents: int
    currency: str
    open_complaints: int
    median_response_hours: float | None
    latest_nps: int | None
    monthly_activity: list[tuple[date, int]]


def _monthly_activity(customer: Customer, since: date) -> list[tuple[date, int]]:
    counts: dict[date, int] = {}
    contact = (
        customer.interactions.filter(occurred_at__gte=_midnight(since))
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(n=Count("id"))
    )
    orders = (
        customer.orders.filter(ordered_on__gte=since)
        .annotate(month=TruncMonth("ordered_on"))
        .values("month")
        .annotate(n=Count("id"))
    )
    for row in [*contact, *orders]:
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        counts[month] = counts.get(month, 0) + row["n"]
    months, cursor = [], since.replace(day=1)
    today = timezone.localdate()
    while cursor <= today:
        months.append((cursor, counts.get(cursor, 0)))
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def customer_key_figures(*, customer: Customer) -> KeyFigures:
    """The 360° header: a fixed handful of aggregate queries."""
    today = timezone.localdate()
    year_ago = today - timedelta(days=365)
    orders = customer.orders.exclude(status=Order.Status.CANCELLED)
    recent = orders.filter(ordered_on__gt=year_ago).aggregate(
        n=Count("id"), total=Sum("amount_cents")
    )
    # The newest order's currency, read along the (customer, -ordered_on, -id) index; a bare
    # .first() would order by id and could walk the whole orders table.
    latest = orders.order_by("-ordered_on", "-id").values_list("currency", flat=True)[:1]
    currency = next(iter(latest), "EUR")
    response_times = [
        (first - opened).total_seconds() / 3600
        for opened, first in customer.complaints.filter(first_response_at__isnull=False)
        .order_by("-opened_at")
        .values_list("opened_at", "first_response_at")[:200]
        if first is not None
    ]
    nps = customer.surveys.filter(kind=SurveyResponse.Kind.NPS).order_by("-responded_at").first()
    return KeyFigures(
        last_contact_at=customer.interactions.aggregate(m=Max("occurred_at"))["m"],
        last_order_on=orders.aggregate(m=Max("ordered_on"))["m"],
        orders_12m=recent["n"],
        revenue_12m_cents=recent["total"] or 0,
        currency=currency,
        open_complaints=customer.complaints.filter(status__in=Complaint.OPEN_STATUSES).count(),
        median_response_hours=round(statistics.median(response_times), 1)
        if response_times
        else None,
        latest_nps=nps.score if nps else None,
        monthly_activity=_monthly_activity(customer, (today - timedelta(days=335)).replace(day=1)),
    )


def complaint_queue_for_user(*, user: AnyUser) -> "models.QuerySet[Complaint]":
    """Open complaints of the customers ``user`` may see, soonest breach first."""
    visible = customer_list_for_user(user=user)
    deadline = Case(
        When(first_response_at__isnull=True, then=F("respond_by")), default=F("resolve_by")
    )
    return (
        Complaint.objects.filter(
            status__in=Complaint.OPEN_STATUSES, customer__in=visible.values("pk")
        )
        .select_related("customer", "assignee")
        .annotate(deadline=deadline)
        .order_by("deadline", "id")
    )


def complaint_get_for_user(*, user: AnyUser, complaint_id: int) -> Complaint:
    """404 unless the complaint's customer is visible to ``user``."""
    from django.http import Http404

    visible = customer_list_for_user(user=user)
    complaint = (
        Complaint.objects.filter(pk=complaint_id, customer__in=visible.values("pk"))
        .select_related("customer", "assignee", "created_by")
        .first()
    )
    if complaint is None:
        raise Http404("No such complaint.")
    return complaint


def refund_total_for(order: Order) -> int:
    return int(Refund.objects.filter(order=order).aggregate(s=Sum("amount_cents"))["s"] or 0)


def interactions_for_export(*, customer: Customer) -> "models.QuerySet[Interaction]":
    return customer.interactions.select_related("staff").order_by("-occurred_at", "-id")
