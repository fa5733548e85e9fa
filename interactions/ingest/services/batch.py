"""The event batch: ``events_ingest``, shared by the bulk API and the webhooks.

Idempotency: an event's ``source`` and ``idempotency_key`` are stored as
``idempotency_key = "<source>:<key>"`` next to ``source = "api"`` or ``"webhook"`` (how
it arrived), under the history tables' unique (source, idempotency_key) constraints; a
retried event hits the constraint and is counted as a duplicate. Activity adds up, so
its keys go to ``ProcessedEvent`` first and only new ones are added.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.lib.errors import ApplicationError
from customers.models import Customer
from customers.silence import customer_activity_touch
from interactions.ingest import bulk_sql
from interactions.ingest.events import (
    EVENT_TYPES,
    MAX_EVENTS_PER_BATCH,
    ActivityEvent,
    ComplaintEvent,
    Event,
    EventsInvalidError,
    IngestResult,
    InteractionEvent,
    ItemErrors,
    OrderEvent,
    SurveyEvent,
    TypeCounts,
    event_type_name,
)
from interactions.ingest.models import ProcessedEvent
from interactions.ingest.selectors import customer_ids_by_ref
from interactions.models import Complaint, Interaction, Order, OrderLine, Source, SurveyResponse
from interactions.services import complaint_open

# Other systems' clocks run a little ahead of ours; beyond this, a time is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
SURVEY_SCORES: dict[str, tuple[int, int]] = {
    SurveyResponse.Kind.NPS: (0, 10),
    SurveyResponse.Kind.CSAT: (1, 5),
}

E = TypeVar("E", bound=Event)


def _stored_key(event: Event) -> str:
    return f"{event.source}:{event.idempotency_key}"


def _first_per_key(events: Iterable[E]) -> list[E]:
    """A key repeated within the batch counts once; later ones are duplicates. In key
    order: two concurrent batches sharing keys then wait for each other's unique index
    entries in the same order, and cannot deadlock."""
    seen: dict[str, E] = {}
    for event in events:
        seen.setdefault(_stored_key(event), event)
    return [seen[key] for key in sorted(seen)]


def _moment(event: Event) -> tuple[str, datetime] | None:
    if isinstance(event, InteractionEvent | ActivityEvent):
        return "occurred_at", event.occurred_at
    if isinstance(event, SurveyEvent):
        return "responded_at", event.responded_at
    if isinstance(event, ComplaintEvent):
        return "opened_at", event.opened_at
    return None


def _survey_errors(event: SurveyEvent) -> dict[str, list[str]]:
    if event.kind not in SURVEY_SCORES:
        return {"kind": [_("Unknown survey.")]}
    low, high = SURVEY_SCORES[event.kind]
    if low <= event.score <= high:
        return {}
    return {
        "score": [_("The score must be between %(low)s and %(high)s.") % {"low": low, "high": high}]
    }


def _event_errors(
    event: Event, *, known: dict[str, int], now: datetime, today: date
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if event.customer_ref not in known:
        errors["customer_ref"] = [_("No customer has this reference.")]
    moment = _moment(event)
    if moment is not None and moment[1] > now + FUTURE_TOLERANCE:
        errors[moment[0]] = [_("This cannot be in the future.")]
    if isinstance(event, OrderEvent) and event.ordered_on > today + timedelta(days=1):
        errors["ordered_on"] = [_("This cannot be in the future.")]
    if isinstance(event, SurveyEvent):
        errors.update(_survey_errors(event))
    return errors


def _checked_customer_ids(events: Sequence[Event], now: datetime) -> dict[str, int]:
    """{customer_ref: customer id}, in one query, once every event proved storable;
    EventsInvalidError naming every item that is not."""
    known = customer_ids_by_ref(refs={event.customer_ref for event in events})
    today = timezone.localdate(now)
    item_errors: ItemErrors = {}
    for index, event in enumerate(events):
        errors = _event_errors(event, known=known, now=now, today=today)
        if errors:
            item_errors[index] = errors
    if item_errors:
        raise EventsInvalidError(item_errors)
    return known


def _counts(events: Sequence[Event], created: int) -> TypeCounts:
    return TypeCounts(created=created, duplicate=len(events) - created)


def _interactions_add(
    events: list[InteractionEvent], ids: dict[str, int], via: str, now: datetime
) -> TypeCounts:
    columns = (
        "customer_id",
        "channel",
        "direction",
        "occurred_at",
        "subject",
        "body",
        "duration_seconds",
        "source",
        "idempotency_key",
        "created_at",
    )
    rows = [
        (
            ids[e.customer_ref],
            e.channel,
            e.direction,
            e.occurred_at,
            e.subject.strip(),
            e.body.strip(),
            e.duration_seconds,
            via,
            _stored_key(e),
            now,
        )
        for e in _first_per_key(events)
    ]
    inserted = bulk_sql.insert_new(Interaction, columns, rows, returning=("id",))
    return _counts(events, len(inserted))


def _orders_add(
    events: list[OrderEvent], ids: dict[str, int], via: str, now: datetime
) -> TypeCounts:
    """Orders, and the lines of those that are new. A known order number is a duplicate
    too, whatever its key: numbers are unique across all orders."""
    columns = (
        "customer_id",
        "external_ref",
        "ordered_on",
        "amount_cents",
        "currency",
        "status",
        "source",
        "idempotency_key",
        "created_at",
    )
    fresh = _first_per_key(events)
    rows = [
        (
            ids[e.customer_ref],
            e.external_ref.strip(),
            e.ordered_on,
            e.amount_cents,
            e.currency.upper(),
            e.status,
            via,
            _stored_key(e),
            now,
        )
        for e in fresh
    ]
    returned = bulk_sql.insert_new(Order, columns, rows, returning=("id", "idempotency_key"))
    inserted = {key: pk for pk, key in returned}
    lines = [
        (inserted[_stored_key(e)], line.product, line.quantity, line.unit_price_cents)
        for e in fresh
        if _stored_key(e) in inserted
        for line in e.lines
    ]
    line_columns = ("order_id", "product", "quantity", "unit_price_cents")
    bulk_sql.insert_new(OrderLine, line_columns, lines, returning=("id",))
    return _counts(events, len(inserted))


def _surveys_add(
    events: list[SurveyEvent], ids: dict[str, int], via: str, now: datetime
) -> TypeCounts:
    columns = (
        "customer_id",
        "kind",
        "score",
        "comment",
        "responded_at",
        "source",
        "idempotency_key",
    )
    rows = [
        (
            ids[e.customer_ref],
            e.kind,
            e.score,
            e.comment.strip(),
            e.responded_at,
            via,
            _stored_key(e),
        )
        for e in _first_per_key(events)
    ]
    inserted = bulk_sql.insert_new(SurveyResponse, columns, rows, returning=("id",))
    return _counts(events, len(inserted))


def _activity_add(
    events: list[ActivityEvent], ids: dict[str, int], via: str, now: datetime
) -> TypeCounts:
    """Claim the events' keys in ProcessedEvent, then add only the newly claimed ones."""
    fresh = _first_per_key(events)
    claimed = bulk_sql.insert_new(
        ProcessedEvent,
        ("source", "idempotency_key", "processed_at"),
        [(via, _stored_key(e), now) for e in fresh],
        returning=("idempotency_key",),
    )
    new_keys = {key for (key,) in claimed}
    zone = timezone.get_current_timezone()  # once: each lookup costs as much as the rest
    totals: dict[tuple[int, date], tuple[int, int, int]] = {}
    for e in fresh:
        if _stored_key(e) not in new_keys:
            continue
        day = (ids[e.customer_ref], e.occurred_at.astimezone(zone).date())
        logins, views, seconds = totals.get(day, (0, 0, 0))
        totals[day] = (logins + e.logins, views + e.page_views, seconds + e.seconds_active)
    bulk_sql.activity_add(totals)
    return _counts(events, len(new_keys))


def _complaints_open(
    events: list[ComplaintEvent], ids: dict[str, int], via: str, acting_user: User | None
) -> TypeCounts:
    """One by one through complaint_open (service levels, audit entry): tickets come one
    per webhook delivery, not in thousands. The key is the complaint's external_ref."""
    created = 0
    for e in _first_per_key(events):
        if Complaint.objects.filter(source=via, external_ref=e.idempotency_key).exists():
            continue
        try:
            with transaction.atomic():
                complaint_open(
                    customer=Customer.objects.get(pk=ids[e.customer_ref]),
                    acting_user=acting_user,
                    subject=e.subject,
                    category=e.category,
                    severity=e.severity,
                    channel=e.channel,
                    description=e.description,
                    opened_at=e.opened_at,
                    source=via,
                    external_ref=e.idempotency_key,
                )
        except IntegrityError:
            continue  # a concurrent delivery of the same ticket was first
        created += 1
    return _counts(events, created)


def _customers_touch(events: Sequence[Event], ids: dict[str, int], now: datetime) -> None:
    """Mark the batch's customers for rescoring; an order, an inbound contact, a survey
    answer or web/app activity also ends silence (complaints do so in complaint_open)."""
    alive = {
        ids[e.customer_ref]
        for e in events
        if not isinstance(e, InteractionEvent | ComplaintEvent)
        or (isinstance(e, InteractionEvent) and e.direction == Interaction.Direction.INBOUND)
    }
    customer_activity_touch(
        customer_ids={ids[e.customer_ref] for e in events},
        is_sign_of_life=False,
        alive_ids=alive,
        at=now,
    )


@transaction.atomic
def events_ingest(
    *, acting_user: User | None, events: Sequence[Event], via: str = Source.API
) -> IngestResult:
    """Store a batch of events from other systems, all or nothing, with one set-based
    statement per event type (complaints aside). Every item is checked before anything is
    written: EventsInvalidError names the items that cannot be stored. A retried batch
    stores nothing again and reports its events as duplicates.

    The caller holds ``ingest.ingest_events`` or is a verified webhook (``acting_user``
    None); ``via`` records how the events arrived (Source.API or Source.WEBHOOK)."""
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise ApplicationError(
            _("At most %(count)s events per batch.") % {"count": MAX_EVENTS_PER_BATCH}
        )
    now = timezone.now()
    ids = _checked_customer_ids(events, now)
    grouped: dict[str, list[Any]] = defaultdict(list)
    for event in events:
        grouped[event_type_name(event)].append(event)
    counts = {
        "interaction": _interactions_add(grouped["interaction"], ids, via, now),
        "order": _orders_add(grouped["order"], ids, via, now),
        "activity": _activity_add(grouped["activity"], ids, via, now),
        "survey": _surveys_add(grouped["survey"], ids, via, now),
    }
    if grouped["complaint"]:
        counts["complaint"] = _complaints_open(grouped["complaint"], ids, via, acting_user)
    _customers_touch(events, ids, now)
    return IngestResult(counts={name: counts[name] for name in EVENT_TYPES if name in counts})
