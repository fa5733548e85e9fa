"""Per-customer aggregates of the history as of a date, set-based: one GROUP BY per source
table (conditional counts for the time windows), read into pandas, joined on customer id.
Nothing after ``as_of`` is read, so the same code serves today's scores, training
windows and backtests. The columns are churn.scoring.aggregates' input contract.

On PostgreSQL each query's rows come through ``COPY (query) TO STDOUT`` straight into
``pandas.read_csv`` (PERFORMANCE.md: 1 s per million rows, against 1.5 s by fetchall);
elsewhere through the cursor."""

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
import psycopg
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.utils import timezone

from churn.scoring.aggregates import AGGREGATE_COLUMNS, validate_aggregates
from customers.consent import consent_allows
from customers.models import Consent, Customer, StageChange
from interactions.models import (
    ActivityDaily,
    Complaint,
    Interaction,
    Order,
    Refund,
    SurveyResponse,
)

NPS_RECENT_DAYS = 180  # "recent" NPS: the last half year, against everything before
DETRACTOR_MAX_SCORE = 6  # NPS 0–6 is a detractor (the NPS definition)


@dataclass(frozen=True)
class Scope:
    """Which customers: an id range (inclusive) or an explicit list; neither means all."""

    first_id: int | None = None
    last_id: int | None = None
    ids: Sequence[int] | None = None

    def q(self, field: str = "customer_id") -> Q:
        if self.ids is not None:
            return Q(**{f"{field}__in": list(self.ids)})
        q = Q()
        if self.first_id is not None:
            q &= Q(**{f"{field}__gte": self.first_id})
        if self.last_id is not None:
            q &= Q(**{f"{field}__lte": self.last_id})
        return q


@contextmanager
def bulk_reads() -> Iterator[None]:
    """Session settings for the whole-table GROUP BYs (PERFORMANCE.md): enough work_mem not
    to spill, one parallel worker and no JIT. Seen here: with the defaults, a parallel hash
    aggregate that spills took minutes on a query that answers in under a second."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '256MB'")
                cursor.execute("SET LOCAL max_parallel_workers_per_gather = 1")
                cursor.execute("SET LOCAL jit = off")
        yield


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def frame_from_queryset(qs: QuerySet[Any, Any], columns: Sequence[str]) -> pd.DataFrame:
    """The rows of ``qs.values_list(*columns)`` as a DataFrame (strings for dates)."""
    qs = qs.values_list(*columns)
    if connection.vendor != "postgresql":
        return pd.DataFrame.from_records(list(qs), columns=list(columns))
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        raw = cursor.connection
        bound = psycopg.ClientCursor(raw).mogrify(sql, params)
        buffer = io.BytesIO()
        with raw.cursor().copy(f"COPY ({bound}) TO STDOUT WITH (FORMAT csv)") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    if not buffer.getbuffer().nbytes:
        return pd.DataFrame(columns=list(columns))
    return pd.read_csv(buffer, names=list(columns), header=None)


def _days_before(as_of: date, values: pd.Series) -> pd.Series:
    """as_of minus each date (or datetime, taken in the current time zone) in days."""
    if values.empty:
        return values.astype("float64")
    parsed = pd.to_datetime(values, utc=True, format="mixed")
    local = parsed.dt.tz_convert(timezone.get_current_timezone_name()).dt.tz_localize(None)
    days = (pd.Timestamp(as_of) - local.dt.normalize()).dt.days
    return days.astype("float64")


def _customers(as_of: date, scope: Scope, *, include_former: bool) -> pd.DataFrame:
    # Customers who object to profiling are never read: not scored, not trained or
    # backtested on, no alerts (one NOT EXISTS on the consent table's unique index).
    qs = Customer.objects.filter(scope.q("pk")).filter(consent_allows(Consent.Purpose.PROFILING))
    if not include_former:
        qs = qs.exclude(stage=Customer.Stage.FORMER)
    frame = frame_from_queryset(qs, ["id", "created_at"]).set_index("id")
    frame["created_days_ago"] = _days_before(as_of, frame.pop("created_at"))
    return frame


def _orders(as_of: date, scope: Scope) -> pd.DataFrame:
    qs = (
        Order.objects.filter(scope.q(), ordered_on__lte=as_of)
        .exclude(status=Order.Status.CANCELLED)
        .values("customer_id")
        .annotate(
            order_days=Count("ordered_on", distinct=True),
            order_count=Count("id"),
            first_order_on=Min("ordered_on"),
            last_order_on=Max("ordered_on"),
            revenue_cents=Sum("amount_cents"),
            orders_last_30=Count("id", filter=Q(ordered_on__gt=as_of - timedelta(days=30))),
            orders_last_90=Count("id", filter=Q(ordered_on__gt=as_of - timedelta(days=90))),
            orders_prev_90=Count(
                "id",
                filter=Q(
                    ordered_on__gt=as_of - timedelta(days=180),
                    ordered_on__lte=as_of - timedelta(days=90),
                ),
            ),
            revenue_last_90_cents=Sum(
                "amount_cents", filter=Q(ordered_on__gt=as_of - timedelta(days=90))
            ),
            revenue_prev_90_cents=Sum(
                "amount_cents",
                filter=Q(
                    ordered_on__gt=as_of - timedelta(days=180),
                    ordered_on__lte=as_of - timedelta(days=90),
                ),
            ),
        )
        .order_by()
    )
    columns = [
        "customer_id", "order_days", "order_count", "first_order_on", "last_order_on",
        "revenue_cents", "orders_last_30", "orders_last_90", "orders_prev_90",
        "revenue_last_90_cents", "revenue_prev_90_cents",
    ]  # fmt: skip
    frame = frame_from_queryset(qs, columns).set_index("customer_id")
    frame["first_order_days_ago"] = _days_before(as_of, frame.pop("first_order_on"))
    frame["last_order_days_ago"] = _days_before(as_of, frame.pop("last_order_on"))
    return frame


def _refunds(as_of: date, scope: Scope) -> pd.DataFrame:
    since_90 = as_of - timedelta(days=90)
    since_14 = as_of - timedelta(days=14)
    qs = (
        Refund.objects.filter(scope.q(), refunded_on__lte=as_of)
        .values("customer_id")
        .annotate(
            refunds_last_90=Count("id", filter=Q(refunded_on__gt=since_90)),
            refunds_last_14=Count("id", filter=Q(refunded_on__gt=since_14)),
            refund_cents=Sum("amount_cents"),
        )
        .order_by()
    )
    columns = ["customer_id", "refunds_last_90", "refunds_last_14", "refund_cents"]
    return frame_from_queryset(qs, columns).set_index("customer_id")


def _interactions(as_of: date, scope: Scope) -> pd.DataFrame:
    end = _day_start(as_of + timedelta(days=1))
    start_30, start_90 = (_day_start(as_of - timedelta(days=n - 1)) for n in (30, 90))
    start_180 = _day_start(as_of - timedelta(days=179))
    inbound = Q(direction=Interaction.Direction.INBOUND)
    qs = (
        Interaction.objects.filter(scope.q(), occurred_at__lt=end)
        .values("customer_id")
        .annotate(
            inbound_last_30=Count("id", filter=inbound & Q(occurred_at__gte=start_30)),
            inbound_last_90=Count("id", filter=inbound & Q(occurred_at__gte=start_90)),
            inbound_prev_90=Count(
                "id", filter=inbound & Q(occurred_at__gte=start_180, occurred_at__lt=start_90)
            ),
            last_inbound_at=Max("occurred_at", filter=inbound),
            outbound_last_90=Count("id", filter=~inbound & Q(occurred_at__gte=start_90)),
            campaign_responses_last_90=Count(
                "id",
                filter=inbound & Q(campaign_id__isnull=False, occurred_at__gte=start_90),
            ),
        )
        .order_by()
    )
    columns = [
        "customer_id", "inbound_last_30", "inbound_last_90", "inbound_prev_90",
        "last_inbound_at", "outbound_last_90", "campaign_responses_last_90",
    ]  # fmt: skip
    frame = frame_from_queryset(qs, columns).set_index("customer_id")
    frame["last_inbound_days_ago"] = _days_before(as_of, frame.pop("last_inbound_at"))
    return frame


def _complaints(as_of: date, scope: Scope) -> pd.DataFrame:
    """Complaints are few (a few per hundred customers): their rows are read whole and
    aggregated in pandas, which also gives response times without dialect-specific
    interval arithmetic."""
    end = _day_start(as_of + timedelta(days=1))
    qs = Complaint.objects.filter(scope.q(), opened_at__lt=end).order_by()
    columns = ["customer_id", "opened_at", "first_response_at", "resolved_at", "status"]
    rows = frame_from_queryset(qs, columns)
    if rows.empty:
        return pd.DataFrame(index=pd.Index([], name="customer_id"))
    opened = pd.to_datetime(rows["opened_at"], utc=True, format="mixed")
    answered = pd.to_datetime(rows["first_response_at"], utc=True, format="mixed")
    resolved = pd.to_datetime(rows["resolved_at"], utc=True, format="mixed")
    end_ts = pd.Timestamp(end)
    opened_days_ago = _days_before(as_of, rows["opened_at"])
    # Open as of as_of: not resolved by then (a complaint closed without a resolution
    # time is taken as settled).
    settled_now = rows["status"].isin([Complaint.Status.CLOSED, Complaint.Status.RESOLVED])
    open_then = (resolved.isna() & ~settled_now) | (resolved >= end_ts)
    hours = (answered - opened).dt.total_seconds() / 3600
    rows = rows.assign(
        complaints_total=1,
        complaints_last_30=(opened_days_ago < 30).astype(int),
        complaints_last_90=(opened_days_ago < 90).astype(int),
        complaints_unresolved=open_then.astype(int),
        complaint_response_hours=hours.where(answered < end_ts),
    )
    grouped = rows.groupby("customer_id")
    frame = grouped[
        ["complaints_total", "complaints_last_30", "complaints_last_90", "complaints_unresolved"]
    ].sum()
    frame["complaint_response_hours_avg"] = grouped["complaint_response_hours"].mean()
    return frame


def _surveys(as_of: date, scope: Scope) -> pd.DataFrame:
    end = _day_start(as_of + timedelta(days=1))
    qs = SurveyResponse.objects.filter(
        scope.q(), kind=SurveyResponse.Kind.NPS, responded_at__lt=end
    ).order_by()
    rows = frame_from_queryset(qs, ["customer_id", "responded_at", "score"])
    if rows.empty:
        return pd.DataFrame(index=pd.Index([], name="customer_id"))
    days_ago = _days_before(as_of, rows["responded_at"])
    recent = days_ago < NPS_RECENT_DAYS
    score = rows["score"].astype("float64")
    rows = rows.assign(
        recent=score.where(recent),
        before=score.where(~recent),
        detractor_last_30=((days_ago < 30) & (score <= DETRACTOR_MAX_SCORE)).astype(int),
    )
    grouped = rows.groupby("customer_id")
    return pd.DataFrame(
        {
            "nps_recent_avg": grouped["recent"].mean(),
            "nps_before_avg": grouped["before"].mean(),
            "detractor_last_30": grouped["detractor_last_30"].sum(),
        }
    )


def _activity(as_of: date, scope: Scope) -> pd.DataFrame:
    last_30 = Q(day__gt=as_of - timedelta(days=30))
    prev_60 = Q(day__lte=as_of - timedelta(days=30))
    qs = (
        ActivityDaily.objects.filter(scope.q(), day__lte=as_of, day__gt=as_of - timedelta(days=90))
        .values("customer_id")
        .annotate(
            active_days_last_30=Count("id", filter=last_30),
            active_days_prev_60=Count("id", filter=prev_60),
            seconds_last_30=Sum("seconds_active", filter=last_30),
            seconds_prev_60=Sum("seconds_active", filter=prev_60),
        )
        .order_by()
    )
    columns = [
        "customer_id", "active_days_last_30", "active_days_prev_60", "seconds_last_30",
        "seconds_prev_60",
    ]  # fmt: skip
    return frame_from_queryset(qs, columns).set_index("customer_id")


# Extra columns beyond the scoring contract, used for event alerts (returns, detractors).
EXTRA_COLUMNS = ("refunds_last_14", "detractor_last_30")
SOURCES = (_orders, _refunds, _interactions, _complaints, _surveys, _activity)


def aggregates_as_of(
    *, as_of: date, scope: Scope = Scope(), include_former: bool = False
) -> pd.DataFrame:
    """One row per customer in ``scope`` known by ``as_of`` (created by then, or with an
    order by then: imported customers are created long after their first order) who does
    not object to profiling (their objection as it stands now, whatever ``as_of``). Former
    customers are left out unless ``include_former`` (training and backtests look at the
    past, when today's former customers were still customers)."""
    with bulk_reads():
        frame = _customers(as_of, scope, include_former=include_former)
        for source in SOURCES:
            part = source(as_of, scope)
            part.index = part.index.astype("int64")
            frame = frame.join(part, how="left")
    frame["tenure_days"] = np.fmax(frame.pop("created_days_ago"), frame["first_order_days_ago"])
    frame = frame[frame["tenure_days"] >= 0]
    for column in (*AGGREGATE_COLUMNS, *EXTRA_COLUMNS):
        if column not in frame:
            frame[column] = np.nan
    frame.index.name = "customer_id"
    extra = frame[list(EXTRA_COLUMNS)].fillna(0)
    return validate_aggregates(frame[list(AGGREGATE_COLUMNS)]).join(extra)


def churned_after(*, as_of: date, horizon_days: int, customer_ids: pd.Index) -> pd.Series:
    """1 for each customer with no order within (as_of, as_of + horizon] or who became a
    former customer in it (an explicit loss), else 0."""
    end = as_of + timedelta(days=horizon_days)
    # Over the whole table, not IN (ids): the window is small, the id list may not be.
    with bulk_reads():
        buyers = (
            Order.objects.filter(ordered_on__gt=as_of, ordered_on__lte=end)
            .exclude(status=Order.Status.CANCELLED)
            .values("customer_id")
            .distinct()
        )
        bought = frame_from_queryset(buyers, ["customer_id"])["customer_id"].to_numpy()
    lost = set(
        StageChange.objects.filter(
            to_stage=Customer.Stage.FORMER,
            changed_at__gte=_day_start(as_of + timedelta(days=1)),
            changed_at__lt=_day_start(end + timedelta(days=1)),
        ).values_list("customer_id", flat=True)
    )
    labels = pd.Series(1, index=customer_ids, dtype="int64", name="churned")
    kept = customer_ids.isin(bought) & ~customer_ids.isin(list(lost))
    labels[kept] = 0
    return labels


def former_by(*, as_of: date) -> set[int]:
    """Customers who had become former by the end of ``as_of`` (stage history)."""
    return set(
        StageChange.objects.filter(
            to_stage=Customer.Stage.FORMER, changed_at__lt=_day_start(as_of + timedelta(days=1))
        ).values_list("customer_id", flat=True)
    )
