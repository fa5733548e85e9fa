"""Ingestion from external systems: the bulk event batch (``events_ingest``, shared by the
API and the webhooks), signed webhook deliveries, and the settings behind them.

Idempotency: an event's ``source`` and ``idempotency_key`` are stored as
``idempotency_key = "<source>:<key>"`` next to ``source = "api"`` or ``"webhook"`` (how
it arrived), under the history tables' unique (source, idempotency_key) constraints; a
retried event hits the constraint and is counted as a duplicate. Activity adds up, so
its keys go to ``ProcessedEvent`` first and only new ones are added.
"""

import hashlib
import ipaddress
import json
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.contrib.auth.models import Permission, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.lib.errors import ApplicationError
from customers.models import Customer
from interactions.ingest import bulk_sql, signing, tasks
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
from interactions.ingest.models import (
    REJECTION_EXCERPT_MAX_BYTES,
    ProcessedEvent,
    WebhookDelivery,
    WebhookRejection,
    WebhookSource,
)
from interactions.ingest.payloads import PayloadInvalidError, payload_events, payload_validate
from interactions.ingest.permissions import INGEST_EVENTS
from interactions.models import Complaint, Interaction, Order, OrderLine, Source, SurveyResponse
from interactions.services import complaint_open

# Other systems' clocks run a little ahead of ours; beyond this, a time is "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
SURVEY_SCORES = {SurveyResponse.Kind.NPS: (0, 10), SurveyResponse.Kind.CSAT: (1, 5)}
# How long refused calls, processed deliveries and activity keys are kept. A retry of an
# activity event arriving later than this would be added again.
REJECTIONS_KEEP = timedelta(days=30)
DELIVERIES_KEEP = timedelta(days=90)
PROCESSED_EVENTS_KEEP = timedelta(days=90)
DELIVERY_ERROR_MAX_CHARS = 2_000

E = TypeVar("E", bound=Event)


# --- the event batch --------------------------------------------------------------------------


def _stored_key(event: Event) -> str:
    return f"{event.source}:{event.idempotency_key}"


def _first_per_key(events: Iterable[E]) -> list[E]:
    """A key repeated within the batch counts once; later ones are duplicates."""
    seen: dict[str, E] = {}
    for event in events:
        seen.setdefault(_stored_key(event), event)
    return list(seen.values())


def _moment(event: Event) -> tuple[str, datetime] | None:
    if isinstance(event, InteractionEvent | ActivityEvent):
        return "occurred_at", event.occurred_at
    if isinstance(event, SurveyEvent):
        return "responded_at", event.responded_at
    if isinstance(event, ComplaintEvent):
        return "opened_at", event.opened_at
    return None


def _event_errors(event: Event, *, known: dict[str, int], now: datetime) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if event.customer_ref not in known:
        errors["customer_ref"] = [_("No customer has this reference.")]
    moment = _moment(event)
    if moment is not None and moment[1] > now + FUTURE_TOLERANCE:
        errors[moment[0]] = [_("This cannot be in the future.")]
    if isinstance(event, OrderEvent) and event.ordered_on > timezone.localdate(now) + timedelta(
        days=1
    ):
        errors["ordered_on"] = [_("This cannot be in the future.")]
    if isinstance(event, SurveyEvent):
        low, high = SURVEY_SCORES.get(event.kind, (0, -1))
        if event.kind not in SURVEY_SCORES:
            errors["kind"] = [_("Unknown survey.")]
        elif not low <= event.score <= high:
            errors["score"] = [
                _("The score must be between %(low)s and %(high)s.") % {"low": low, "high": high}
            ]
    return errors


def _customer_ids(events: Sequence[Event], now: datetime) -> dict[str, int]:
    """{customer_ref: customer id}, in one query; EventsInvalidError naming every item
    that cannot be stored."""
    refs = {event.customer_ref for event in events}
    known = dict(
        Customer.objects.filter(external_ref__in=refs).values_list("external_ref", "id")
    )
    item_errors: ItemErrors = {}
    for index, event in enumerate(events):
        errors = _event_errors(event, known=known, now=now)
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
        "customer_id", "channel", "direction", "occurred_at", "subject", "body",
        "duration_seconds", "source", "idempotency_key", "created_at",
    )  # fmt: skip
    rows = [
        (
            ids[e.customer_ref], e.channel, e.direction, e.occurred_at, e.subject.strip(),
            e.body.strip(), e.duration_seconds, via, _stored_key(e), now,
        )  # fmt: skip
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
        "customer_id", "external_ref", "ordered_on", "amount_cents", "currency", "status",
        "source", "idempotency_key", "created_at",
    )  # fmt: skip
    fresh = _first_per_key(events)
    rows = [
        (
            ids[e.customer_ref], e.external_ref.strip(), e.ordered_on, e.amount_cents,
            e.currency.upper(), e.status, via, _stored_key(e), now,
        )  # fmt: skip
        for e in fresh
    ]
    inserted = dict(
        (key, pk)
        for pk, key in bulk_sql.insert_new(Order, columns, rows, returning=("id", "idempotency_key"))
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order_id=inserted[_stored_key(e)],
            product=line.product,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
        )
        for e in fresh
        if _stored_key(e) in inserted
        for line in e.lines
    )
    return _counts(events, len(inserted))


def _surveys_add(
    events: list[SurveyEvent], ids: dict[str, int], via: str, now: datetime
) -> TypeCounts:
    columns = (
        "customer_id", "kind", "score", "comment", "responded_at", "source", "idempotency_key",
    )  # fmt: skip
    rows = [
        (
            ids[e.customer_ref], e.kind, e.score, e.comment.strip(), e.responded_at, via,
            _stored_key(e),
        )  # fmt: skip
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
    totals: dict[tuple[int, date], tuple[int, int, int]] = {}
    for e in fresh:
        if _stored_key(e) not in new_keys:
            continue
        day = (ids[e.customer_ref], timezone.localdate(e.occurred_at))
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
    ids = _customer_ids(events, now)
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
    return IngestResult(counts={name: counts[name] for name in EVENT_TYPES if name in counts})


# --- webhooks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookOutcome:
    """What a webhook call came to: refused (``reason`` set) or a stored delivery."""

    reason: str | None = None
    detail: Any = None
    delivery: WebhookDelivery | None = None
    is_duplicate: bool = False


class _Refused(Exception):
    def __init__(
        self, reason: str, detail: Any, source: WebhookSource | None = None
    ) -> None:
        super().__init__(reason)
        self.reason, self.detail, self.source = reason, detail, source


def _verified_source(
    *, slug: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> WebhookSource:
    """Cheap checks first: the headers' shape, then the source, the clock, the HMAC."""
    Reason = WebhookRejection.Reason
    if not signing.headers_well_formed(timestamp=timestamp, signature=signature):
        raise _Refused(
            Reason.BAD_HEADERS,
            _("Send %(timestamp)s (unix seconds) and %(signature)s (sha256=<hex>).")
            % {"timestamp": signing.TIMESTAMP_HEADER, "signature": signing.SIGNATURE_HEADER},
        )
    assert timestamp is not None and signature is not None  # noqa: S101 -- checked above
    source = WebhookSource.objects.filter(slug=slug, is_active=True).first()
    if source is None:
        raise _Refused(Reason.UNKNOWN_SOURCE, _("No active webhook source has this address."))
    if not signing.timestamp_fresh(timestamp=timestamp, now=now):
        raise _Refused(
            Reason.STALE_TIMESTAMP,
            _("The timestamp is more than %(seconds)s seconds away from our clock.")
            % {"seconds": signing.REPLAY_WINDOW_SECONDS},
            source,
        )
    if not signing.signature_matches(
        secret=source.secret, timestamp=timestamp, body=body, signature=signature
    ):
        raise _Refused(Reason.BAD_SIGNATURE, _("The signature does not match."), source)
    return source


def _payload(source: WebhookSource, body: bytes) -> tuple[Any, dict[str, Any]]:
    """(the parsed JSON as stored, its validated form)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _Refused(
            WebhookRejection.Reason.NOT_JSON, _("The body is not JSON: %s") % exc, source
        ) from exc
    try:
        return data, payload_validate(kind=source.kind, data=data)
    except PayloadInvalidError as exc:
        raise _Refused(WebhookRejection.Reason.INVALID_PAYLOAD, exc.errors, source) from exc


def _remote_addr(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _excerpt(body: bytes) -> str:
    text = body[:REJECTION_EXCERPT_MAX_BYTES].decode("utf-8", errors="replace")
    return text.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL


def _rejection_record(refused: _Refused, *, slug: str, body: bytes, remote_addr: str | None) -> None:
    detail = refused.detail if isinstance(refused.detail, str) else json.dumps(refused.detail)
    WebhookRejection.objects.create(
        source=refused.source,
        slug=slug[: WebhookRejection._meta.get_field("slug").max_length or 30],
        reason=refused.reason,
        detail=detail[:DELIVERY_ERROR_MAX_CHARS],
        remote_addr=_remote_addr(remote_addr),
        body_excerpt=_excerpt(body),
    )


@transaction.atomic
def _delivery_store(
    source: WebhookSource, data: Any, validated: dict[str, Any], body: bytes
) -> tuple[WebhookDelivery, bool]:
    delivery_id = validated.get("delivery_id") or hashlib.sha256(body).hexdigest()
    delivery, created = WebhookDelivery.objects.get_or_create(
        source=source, delivery_id=delivery_id, defaults={"body": data}
    )
    if created:
        transaction.on_commit(lambda: tasks.webhook_process_task.delay(delivery.pk))
    return delivery, created


def webhook_receive(
    *,
    slug: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    remote_addr: str | None,
    now: float | None = None,
) -> WebhookOutcome:
    """Verify a webhook call and store it for processing, or record why it was refused.
    A redelivery (same delivery id) stores nothing and enqueues nothing."""
    try:
        source = _verified_source(
            slug=slug,
            timestamp=timestamp,
            signature=signature,
            body=body,
            now=time.time() if now is None else now,
        )
        data, validated = _payload(source, body)
    except _Refused as refused:
        _rejection_record(refused, slug=slug, body=body, remote_addr=remote_addr)
        return WebhookOutcome(reason=refused.reason, detail=refused.detail)
    delivery, created = _delivery_store(source, data, validated, body)
    return WebhookOutcome(delivery=delivery, is_duplicate=not created)


def _delivery_fail(delivery_id: int, error: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        status=WebhookDelivery.Status.FAILED, error=error[:DELIVERY_ERROR_MAX_CHARS]
    )


@transaction.atomic
def webhook_delivery_process(*, delivery_id: int) -> str:
    """Turn a received delivery into history. Safe to run twice, or at once: the conditional
    UPDATE claims the delivery (and locks its row until commit), so only one run finds it
    still "received"; a crash rolls the claim back with the rest. Bad data is terminal (the
    delivery fails, with the reason); database trouble propagates for the task to retry.
    Returns the delivery's status, or "skipped" when there was nothing to do."""
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=WebhookDelivery.Status.RECEIVED
    ).update(status=WebhookDelivery.Status.PROCESSED, processed_at=timezone.now(), error="")
    if claimed != 1:
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("source").get(pk=delivery_id)
    source = delivery.source
    try:
        with transaction.atomic():
            validated = payload_validate(kind=source.kind, data=delivery.body)
            events = payload_events(kind=source.kind, data=validated, source=source.slug)
            result = events_ingest(acting_user=None, events=events, via=Source.WEBHOOK)
    except PayloadInvalidError as exc:
        _delivery_fail(delivery_id, json.dumps(exc.errors))
        return WebhookDelivery.Status.FAILED
    except EventsInvalidError as exc:
        _delivery_fail(delivery_id, exc.summary())
        return WebhookDelivery.Status.FAILED
    WebhookDelivery.objects.filter(pk=delivery_id).update(result=result.as_dict())
    return WebhookDelivery.Status.PROCESSED


@transaction.atomic
def webhook_delivery_retry(*, acting_user: User, delivery: WebhookDelivery) -> None:
    """Process a failed delivery again (say, once the customer's reference is fixed), or
    enqueue a received one again whose message was lost."""
    if delivery.status == WebhookDelivery.Status.PROCESSED:
        raise ApplicationError(_("This delivery was processed already."))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.RECEIVED, error=""
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=delivery,
        changes={"status": {"before": delivery.status, "after": "received"}},
    )
    delivery_pk = delivery.pk
    transaction.on_commit(lambda: tasks.webhook_process_task.delay(delivery_pk))


# --- sources and integration users -------------------------------------------------------------


@transaction.atomic
def webhook_source_create(*, acting_user: User, name: str, slug: str, kind: str) -> WebhookSource:
    """A new source with a fresh secret; show ``source.secret`` to the admin once."""
    source = WebhookSource(
        name=name.strip(),
        slug=slug,
        kind=kind,
        secret=signing.secret_generate(),
        created_by=acting_user,
    )
    source.full_clean(exclude=["created_by"])
    source.save()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=source,
        changes={"slug": {"before": None, "after": slug}, "kind": {"before": None, "after": kind}},
    )
    return source


@transaction.atomic
def webhook_source_rotate_secret(*, acting_user: User, source: WebhookSource) -> WebhookSource:
    """A new secret, valid at once; the old one stops working now. The audit trail notes
    the rotation, never a secret."""
    source.secret = signing.secret_generate()
    source.secret_rotated_at = timezone.now()
    source.save(update_fields=["secret", "secret_rotated_at"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=source,
        changes={"secret": {"before": None, "after": _("rotated")}},
    )
    return source


@transaction.atomic
def webhook_source_set_active(
    *, acting_user: User, source: WebhookSource, is_active: bool
) -> WebhookSource:
    if source.is_active != is_active:
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=source,
            changes={"is_active": {"before": source.is_active, "after": is_active}},
        )
        source.is_active = is_active
        source.save(update_fields=["is_active"])
    return source


@transaction.atomic
def integration_user_ensure(*, username: str, new_token: bool = False) -> tuple[User, str]:
    """A user for an external system: no password (it cannot log in to the pages), the
    ``ingest_events`` capability, and a DRF token (a fresh one if ``new_token``)."""
    user, created = User.objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.has_usable_password():
        raise ApplicationError(
            _("%(username)s is a person's account; integrations need their own user.")
            % {"username": username}
        )
    app_label, codename = INGEST_EVENTS.split(".")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
    )
    if new_token:
        Token.objects.filter(user=user).delete()
    token, _created = Token.objects.get_or_create(user=user)
    return user, token.key


def ingest_records_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Forget old refused calls, processed deliveries and activity keys."""
    now = now or timezone.now()
    rejections, _r = WebhookRejection.objects.filter(received_at__lt=now - REJECTIONS_KEEP).delete()
    deliveries, _d = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PROCESSED, processed_at__lt=now - DELIVERIES_KEEP
    ).delete()
    keys, _k = ProcessedEvent.objects.filter(processed_at__lt=now - PROCESSED_EVENTS_KEEP).delete()
    return {"rejections": rejections, "deliveries": deliveries, "processed_events": keys}
