"""Signed webhook calls: verified and stored (or refused, and the refusal kept), then
processed by a task into events for ``events_ingest``."""

import hashlib
import ipaddress
import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.lib.errors import ApplicationError
from interactions.ingest import signing, tasks
from interactions.ingest.events import EventsInvalidError
from interactions.ingest.models import (
    REJECTION_EXCERPT_MAX_BYTES,
    ProcessedEvent,
    WebhookDelivery,
    WebhookRejection,
    WebhookSource,
)
from interactions.ingest.payloads import PayloadInvalidError, payload_events, payload_validate
from interactions.ingest.services.batch import events_ingest
from interactions.models import Source

# How long refused calls, processed deliveries and activity keys are kept. A retry of an
# activity event arriving later than this would be added again.
REJECTIONS_KEEP = timedelta(days=30)
DELIVERIES_KEEP = timedelta(days=90)
PROCESSED_EVENTS_KEEP = timedelta(days=90)
DELIVERY_ERROR_MAX_CHARS = 2_000

Reason = WebhookRejection.Reason


@dataclass(frozen=True)
class WebhookOutcome:
    """What a webhook call came to: refused (``reason`` set) or a stored delivery."""

    reason: str | None = None
    detail: Any = None
    delivery: WebhookDelivery | None = None
    is_duplicate: bool = False


class _RefusedError(Exception):
    def __init__(self, reason: str, detail: Any, source: WebhookSource | None = None) -> None:
        super().__init__(reason)
        self.reason, self.detail, self.source = reason, detail, source


def _verified_source(
    *, slug: str, timestamp: str | None, signature: str | None, body: bytes, now: float
) -> WebhookSource:
    """Cheap checks first: the headers' shape, then the source, the clock, the HMAC."""
    if not signing.headers_well_formed(timestamp=timestamp, signature=signature):
        raise _RefusedError(
            Reason.BAD_HEADERS,
            _("Send %(timestamp)s (unix seconds) and %(signature)s (sha256=<hex>).")
            % {"timestamp": signing.TIMESTAMP_HEADER, "signature": signing.SIGNATURE_HEADER},
        )
    assert timestamp is not None  # noqa: S101 -- checked above
    assert signature is not None  # noqa: S101 -- checked above
    source = WebhookSource.objects.filter(slug=slug, is_active=True).first()
    if source is None:
        raise _RefusedError(Reason.UNKNOWN_SOURCE, _("No active webhook source has this address."))
    if not signing.timestamp_fresh(timestamp=timestamp, now=now):
        raise _RefusedError(
            Reason.STALE_TIMESTAMP,
            _("The timestamp is more than %(seconds)s seconds away from our clock.")
            % {"seconds": signing.REPLAY_WINDOW_SECONDS},
            source,
        )
    if not signing.signature_matches(
        secret=source.secret, timestamp=timestamp, body=body, signature=signature
    ):
        raise _RefusedError(Reason.BAD_SIGNATURE, _("The signature does not match."), source)
    return source


def _payload(source: WebhookSource, body: bytes) -> tuple[Any, dict[str, Any]]:
    """(the parsed JSON as stored, its validated form)."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _RefusedError(Reason.NOT_JSON, _("The body is not JSON: %s") % exc, source) from exc
    try:
        return data, payload_validate(kind=source.kind, data=data)
    except PayloadInvalidError as exc:
        raise _RefusedError(Reason.INVALID_PAYLOAD, exc.errors, source) from exc


def _remote_addr(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return None


def _excerpt(body: bytes) -> str:
    text = body[:REJECTION_EXCERPT_MAX_BYTES].decode("utf-8", errors="replace")
    return text.replace("\x00", "\ufffd")  # PostgreSQL text holds no NUL


def _rejection_record(
    refused: _RefusedError, *, slug: str, body: bytes, remote_addr: str | None
) -> None:
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
    except _RefusedError as refused:
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
    counts = {kind: c for kind, c in result.as_dict().items() if c["created"] or c["duplicate"]}
    WebhookDelivery.objects.filter(pk=delivery_id).update(result=counts)
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


def ingest_records_prune(*, now: datetime | None = None) -> dict[str, int]:
    """Forget old refused calls, processed deliveries and activity keys."""
    now = now or timezone.now()
    rejections, _r = WebhookRejection.objects.filter(received_at__lt=now - REJECTIONS_KEEP).delete()
    deliveries, _d = WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.PROCESSED, processed_at__lt=now - DELIVERIES_KEEP
    ).delete()
    keys, _k = ProcessedEvent.objects.filter(processed_at__lt=now - PROCESSED_EVENTS_KEEP).delete()
    return {"rejections": rejections, "deliveries": deliveries, "processed_events": keys}
