"""Which occasions of an automation are due now: one set-based query per trigger.

An occasion is an event that happened to a customer (a birthday, an alert, a resolved
complaint...) with a key naming it ("birthday:2026", "alert:81"); a customer gets an
automation's message once per key. It is due ``delay_days`` after its event. A run takes
the occasions that

- happened since the automation was switched on (``Campaign.launched_at``; for events
  that are dates, from that day on), so switching one on does not message a history;
- fell due within the last ``LOOKBACK_DAYS`` (a beat outage is caught up, not a month
  of it), and not after ``now``;
- belong to a customer of the automation's segment as its creator sees it (without a
  segment: every customer the creator sees). Membership is read at run time, so a
  customer who joins the segment is picked up by the next run if the occasion is still
  within the look-back;
- have no send row yet (those are done: left out in SQL, not in Python).

Each query returns (customer id, key) pairs; Python only turns rows into ``Occasion``s,
``OCCASION_CHUNK`` at a time. Every occasion's attribution window starts at the run
(``now``), when its message goes out, for treated and control alike."""

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import CharField, Exists, F, Min, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from campaigns.delivery.launch import Occasion
from campaigns.models import Automation, Campaign, CampaignSend
from campaigns.segments.rules import segment_members
from churn.models import Alert
from customers.models import Customer
from customers.selectors import customer_list_for_user
from interactions.models import Complaint, Order, SurveyResponse

LOOKBACK_DAYS = 3  # how far back a run still sends occasions that fell due (beat outages)
OCCASION_CHUNK = 5_000  # occasions handed to sends_queue at a time (it batches by 2,000)
NPS_DETRACTOR_MAX = 6  # NPS 0-6 is a detractor
CHURN_ALERT_KINDS = (Alert.Kind.CHURN_RISK, Alert.Kind.MVC_AT_RISK)
T = Automation.Trigger
DEFAULT_GOALS = {
    T.BIRTHDAY: Campaign.Goal.LOYALTY,
    T.PURCHASE_ANNIVERSARY: Campaign.Goal.LOYALTY,
    T.CHURN_RISK: Campaign.Goal.WIN_BACK,
    T.SILENCE: Campaign.Goal.WIN_BACK,
    T.COMPLAINT_RESOLVED: Campaign.Goal.SERVICE,
    T.NPS_DETRACTOR: Campaign.Goal.SERVICE,
    T.WELCOME: Campaign.Goal.WELCOME,
}
# Each trigger's rows carry ``customer_ref`` (the customer's id) and ``key`` (the occasion).
Rows = QuerySet[Any, Any]


@dataclass(frozen=True)
class Window:
    """Events at or after ``since`` whose due moment (event + delay) lies in
    [``due_from``, ``due_until``]."""

    since: datetime
    due_from: datetime
    due_until: datetime
    delay: timedelta

    @property
    def events_from(self) -> datetime:
        return max(self.since, self.due_from - self.delay)

    @property
    def events_until(self) -> datetime:
        return self.due_until - self.delay

    def event_days(self) -> list[date]:
        """The calendar days (local) whose events fall due in the window, from ``since``'s
        day on: a date event counts from the start of its day."""
        first = max(timezone.localdate(self.since), timezone.localdate(self.due_from - self.delay))
        last = timezone.localdate(self.events_until)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _key(prefix: str, field: str) -> Concat:
    return Concat(Value(prefix), Cast(field, CharField()), output_field=CharField())


def _constant(key: str) -> Value:
    return Value(key, output_field=CharField())


def _same_day_of_year(lookup: str, day: date) -> dict[str, int]:
    return {f"{lookup}__month": day.month, f"{lookup}__day": day.day}


def _birthdays(window: Window) -> Iterator[Rows]:
    for day in window.event_days():
        people = Customer.objects.filter(**_same_day_of_year("birthday", day))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            people = people | Customer.objects.filter(birthday__month=2, birthday__day=29)
        yield people.annotate(customer_ref=F("pk"), key=_constant(f"birthday:{day.year}"))


def _anniversaries(window: Window) -> Iterator[Rows]:
    """The day of the first non-cancelled order, a year or more later."""
    for day in window.event_days():
        firsts = (
            Order.objects.exclude(status=Order.Status.CANCELLED)
            .order_by()
            .values("customer_id")
            .annotate(first_on=Min("ordered_on"))
            .filter(**_same_day_of_year("first_on", day), first_on__lt=date(day.year, 1, 1))
        )
        yield firsts.annotate(
            customer_ref=F("customer_id"), key=_constant(f"anniversary:{day.year}")
        )


def _silences(window: Window) -> Iterator[Rows]:
    days = window.event_days()
    if days:
        yield (
            Customer.objects.filter(silent_since__gte=days[0], silent_since__lte=days[-1]).annotate(
                customer_ref=F("pk"), key=_key("silence:", "silent_since")
            )
        )


def _between(window: Window, field: str) -> dict[str, datetime]:
    return {f"{field}__gte": window.events_from, f"{field}__lte": window.events_until}


def _churn_alerts(window: Window) -> Iterator[Rows]:
    yield (
        Alert.objects.filter(kind__in=CHURN_ALERT_KINDS, **_between(window, "raised_at")).annotate(
            customer_ref=F("customer_id"), key=_key("alert:", "pk")
        )
    )


def _resolved_complaints(window: Window) -> Iterator[Rows]:
    yield (
        Complaint.objects.filter(**_between(window, "resolved_at")).annotate(
            customer_ref=F("customer_id"), key=_key("complaint:", "pk")
        )
    )


def _detractors(window: Window) -> Iterator[Rows]:
    yield (
        SurveyResponse.objects.filter(
            kind=SurveyResponse.Kind.NPS,
            score__lte=NPS_DETRACTOR_MAX,
            **_between(window, "responded_at"),
        ).annotate(customer_ref=F("customer_id"), key=_key("survey:", "pk"))
    )


def _welcomes(window: Window) -> Iterator[Rows]:
    yield (
        Customer.objects.filter(**_between(window, "created_at")).annotate(
            customer_ref=F("pk"), key=_constant("welcome")
        )
    )


TRIGGERS = {
    T.BIRTHDAY: _birthdays,
    T.PURCHASE_ANNIVERSARY: _anniversaries,
    T.CHURN_RISK: _churn_alerts,
    T.SILENCE: _silences,
    T.COMPLAINT_RESOLVED: _resolved_complaints,
    T.NPS_DETRACTOR: _detractors,
    T.WELCOME: _welcomes,
}


def _audience(automation: Automation) -> "QuerySet[Customer]":
    campaign = automation.campaign
    creator = campaign.created_by
    if creator is None:  # nobody to read the segment as: reach nobody
        return Customer.objects.none()
    if campaign.segment is not None:
        return segment_members(user=creator, segment=campaign.segment)
    return customer_list_for_user(user=creator)


def due_occasion_rows(*, automation: Automation, now: datetime) -> Iterator[Rows]:
    """The trigger's queries, narrowed to the audience and to occasions not yet sent."""
    since = automation.campaign.launched_at
    if since is None:
        return
    window = Window(
        since=since,
        due_from=now - timedelta(days=LOOKBACK_DAYS),
        due_until=now,
        delay=timedelta(days=automation.delay_days),
    )
    sent = CampaignSend.objects.filter(
        campaign_id=automation.campaign_id,
        customer_id=OuterRef("customer_ref"),
        occasion=OuterRef("key"),
    )
    audience = _audience(automation).values("pk")
    for rows in TRIGGERS[Automation.Trigger(automation.trigger)](window):
        yield (
            rows.filter(customer_ref__in=audience)
            .exclude(Exists(sent))
            .order_by()
            .values_list("customer_ref", "key")
        )


def due_occasion_chunks(*, automation: Automation, now: datetime) -> Iterator[list[Occasion]]:
    """Due occasions as ``Occasion`` lists of at most ``OCCASION_CHUNK``."""
    chunk: list[Occasion] = []
    for rows in due_occasion_rows(automation=automation, now=now):
        for customer_id, key in rows.iterator(chunk_size=OCCASION_CHUNK):
            chunk.append(Occasion(customer_id=customer_id, occasion=key, reference_at=now))
            if len(chunk) >= OCCASION_CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk
