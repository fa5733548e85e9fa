"""Retention: the policies admins set, a preview of what tonight's run would remove, and
the run itself.

Each category knows which rows are *due* (older than the cutoff counted from its start
event, and not yet treated) and how to treat a batch of them. Because "due" excludes rows
already treated, a run is idempotent: it works through due rows in id-ordered batches of
``BATCH_SIZE``, each batch and its count in the run's report committed together. A run
killed mid-way leaves treated batches treated and the rest due; the next run carries on
and ends in the same state as an uninterrupted one, with nothing treated twice.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import CampaignSend
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from crm.privacy.anonymise import REMOVED, customers_anonymise
from crm.privacy.models import Action, Category, RetentionPolicy, RetentionRun, StartEvent
from customers.models import Customer
from interactions.ingest.models import WebhookDelivery
from interactions.models import ActivityDaily, Complaint, Interaction, Order, SurveyResponse

BATCH_SIZE = 10_000  # one batch is one short transaction (~0.3 s): a kill loses only it
PREVIEW_SAMPLE = 10
STALE_RUN = timedelta(hours=6)  # a run "running" this long was killed


@dataclass(frozen=True)
class Rule:
    """What a category allows and how it finds and treats rows."""

    start_events: tuple[str, ...]
    actions: tuple[str, ...]
    default: tuple[int, str, str]  # period_days, start_event, action
    due: Callable[[datetime, str], QuerySet[Any]]  # (cutoff, action) -> rows due
    treat: Callable[[list[int], str], int]  # (ids, action) -> rows changed


def _interactions_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    qs = Interaction.objects.filter(occurred_at__lt=cutoff)
    return qs if action == Action.DELETE else qs.exclude(subject="", body="")


def _interactions_treat(ids: list[int], action: str) -> int:
    qs = Interaction.objects.filter(pk__in=ids)
    if action == Action.DELETE:
        return qs.delete()[1].get("interactions.Interaction", 0)
    return qs.update(subject="", body="")


def _raw_events_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    return WebhookDelivery.objects.filter(received_at__lt=cutoff)


def _raw_events_treat(ids: list[int], action: str) -> int:
    return WebhookDelivery.objects.filter(pk__in=ids).delete()[0]


def _activity_due(cutoff: datetime) -> QuerySet[Any]:
    """Daily web/app activity is the folded form of raw events: the same policy applies."""
    return ActivityDaily.objects.filter(day__lt=cutoff.date())


def _complaints_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    qs = Complaint.objects.filter(
        status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED], resolved_at__lt=cutoff
    )
    return qs if action == Action.DELETE else qs.exclude(subject=REMOVED)


def _complaints_treat(ids: list[int], action: str) -> int:
    qs = Complaint.objects.filter(pk__in=ids)
    if action == Action.DELETE:
        return qs.delete()[1].get("interactions.Complaint", 0)
    return qs.update(subject=REMOVED, description="")


def _surveys_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    qs = SurveyResponse.objects.filter(responded_at__lt=cutoff)
    return qs if action == Action.DELETE else qs.exclude(comment="")


def _surveys_treat(ids: list[int], action: str) -> int:
    qs = SurveyResponse.objects.filter(pk__in=ids)
    if action == Action.DELETE:
        return qs.delete()[1].get("interactions.SurveyResponse", 0)
    return qs.update(comment="")


def _orders_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    return Order.objects.filter(ordered_on__lt=cutoff.date())


def _orders_treat(ids: list[int], action: str) -> int:
    return Order.objects.filter(pk__in=ids).delete()[1].get("interactions.Order", 0)


def _messages_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    qs = CampaignSend.objects.filter(reference_at__lt=cutoff)
    return qs if action == Action.DELETE else qs.exclude(address="", subject="", body="")


def _messages_treat(ids: list[int], action: str) -> int:
    qs = CampaignSend.objects.filter(pk__in=ids)
    if action == Action.DELETE:
        return qs.delete()[1].get("campaigns.CampaignSend", 0)
    return qs.update(address="", subject="", body="")


def _former_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    qs = Customer.objects.filter(stage=Customer.Stage.FORMER, stage_changed_at__lt=cutoff)
    return qs if action == Action.DELETE else qs.exclude(name__startswith="Anonymised customer")


def _former_treat(ids: list[int], action: str) -> int:
    if action == Action.DELETE:
        return Customer.objects.filter(pk__in=ids).delete()[1].get("customers.Customer", 0)
    return customers_anonymise(customer_ids=ids)


def _audit_due(cutoff: datetime, action: str) -> QuerySet[Any]:
    return AuditEntry.objects.filter(occurred_at__lt=cutoff)


def _audit_treat(ids: list[int], action: str) -> int:
    return AuditEntry.objects.filter(pk__in=ids).delete()[0]


D, A = Action.DELETE, Action.ANONYMISE
RULES: dict[str, Rule] = {
    Category.INTERACTION_CONTENT: Rule(
        (StartEvent.CREATED,), (A, D), (3 * 365, StartEvent.CREATED, A),
        _interactions_due, _interactions_treat,
    ),
    Category.RAW_EVENTS: Rule(
        (StartEvent.CREATED,), (D,), (90, StartEvent.CREATED, D),
        _raw_events_due, _raw_events_treat,
    ),
    Category.COMPLAINTS: Rule(
        (StartEvent.COMPLAINT_CLOSED,), (A, D), (3 * 365, StartEvent.COMPLAINT_CLOSED, A),
        _complaints_due, _complaints_treat,
    ),
    Category.SURVEYS: Rule(
        (StartEvent.CREATED,), (A, D), (2 * 365, StartEvent.CREATED, A),
        _surveys_due, _surveys_treat,
    ),
    Category.ORDERS: Rule(
        (StartEvent.CREATED,), (D,), (10 * 365, StartEvent.CREATED, D),
        _orders_due, _orders_treat,
    ),
    Category.CAMPAIGN_MESSAGES: Rule(
        (StartEvent.CREATED,), (A, D), (365, StartEvent.CREATED, A),
        _messages_due, _messages_treat,
    ),
    Category.FORMER_CUSTOMERS: Rule(
        (StartEvent.BECAME_FORMER,), (A, D), (365, StartEvent.BECAME_FORMER, A),
        _former_due, _former_treat,
    ),
    Category.AUDIT_RECORDS: Rule(
        (StartEvent.CREATED,), (D,), (5 * 365, StartEvent.CREATED, D),
        _audit_due, _audit_treat,
    ),
}  # fmt: skip


def retention_policies() -> list[RetentionPolicy]:
    """Every category's policy: the saved one, or its default (unsaved, not enforced)."""
    saved = {p.category: p for p in RetentionPolicy.objects.all()}
    policies = []
    for category, rule in RULES.items():
        period, start, action = rule.default
        policies.append(
            saved.get(category)
            or RetentionPolicy(
                category=category, period_days=period, start_event=start, action=action
            )
        )
    return policies


@transaction.atomic
def retention_policy_set(
    *,
    acting_user: User,
    category: str,
    period_days: int,
    start_event: str,
    action: str,
    is_active: bool,
) -> RetentionPolicy:
    """Save one category's policy; refused, changing nothing, when the combination is not
    one the category allows (orders can only be deleted, complaints count from closing)."""
    rule = RULES.get(category)
    if rule is None:
        raise ValidationError({"category": _("Unknown data category.")})
    if period_days < 1:
        raise ValidationError({"period_days": _("Keep data for at least one day.")})
    if start_event not in rule.start_events:
        raise ValidationError({"start_event": _("This data cannot be counted from that event.")})
    if action not in rule.actions:
        raise ValidationError({"action": _("This data can only be deleted.")})
    current = RetentionPolicy.objects.filter(category=category).first()
    fields = ("period_days", "start_event", "action", "is_active")
    before = {f: getattr(current, f) for f in fields} if current else {}
    after = {
        "period_days": period_days,
        "start_event": start_event,
        "action": action,
        "is_active": is_active,
    }
    policy, _created = RetentionPolicy.objects.update_or_create(
        category=category, defaults={**after, "updated_by": acting_user}
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=policy,
        changes=diff_fields(before, after),
    )
    return policy


def _cutoff(policy: RetentionPolicy, now: datetime) -> datetime:
    return now - timedelta(days=policy.period_days)


def _due_rows(policy: RetentionPolicy, now: datetime) -> QuerySet[Any]:
    return RULES[policy.category].due(_cutoff(policy, now), policy.action)


@dataclass(frozen=True)
class PreviewLine:
    policy: RetentionPolicy
    cutoff: datetime
    rows: int
    extra_rows: int  # daily activity rows that go with raw events
    sample: list[str]


def retention_preview(*, now: datetime | None = None) -> list[PreviewLine]:
    """What tonight's run would remove, per enforced policy, changing nothing."""
    now = now or timezone.now()
    lines = []
    for policy in retention_policies():
        if not policy.is_active:
            continue
        due = _due_rows(policy, now)
        extra = 0
        if policy.category == Category.RAW_EVENTS:
            extra = _activity_due(_cutoff(policy, now)).count()
        sample = [str(row) for row in due.order_by("pk")[:PREVIEW_SAMPLE]]
        lines.append(PreviewLine(policy, _cutoff(policy, now), due.count(), extra, sample))
    return lines


def retention_run_start(*, acting_user: User | None = None, dry_run: bool = False) -> RetentionRun:
    RetentionRun.objects.filter(
        state=RetentionRun.State.RUNNING, started_at__lt=timezone.now() - STALE_RUN
    ).update(state=RetentionRun.State.INTERRUPTED)
    return RetentionRun.objects.create(
        is_dry_run=dry_run, started_at=timezone.now(), started_by=acting_user
    )


def _record(run: RetentionRun, category: str, action: str, cutoff: datetime, rows: int) -> None:
    """Add ``rows`` to the run's report; call inside the batch's transaction."""
    run = RetentionRun.objects.select_for_update().get(pk=run.pk)
    line = run.report.get(category, {"action": action, "cutoff": cutoff.isoformat(), "rows": 0})
    line["rows"] += rows
    run.report[category] = line
    run.save(update_fields=["report"])


def _enforce(run: RetentionRun, policy: RetentionPolicy, now: datetime) -> None:
    rule = RULES[policy.category]
    cutoff = _cutoff(policy, now)
    with transaction.atomic():
        _record(run, policy.category, policy.action, cutoff, 0)  # checked, even if none due
    last_pk = 0  # seek past treated rows instead of scanning them again batch after batch
    while True:
        due = _due_rows(policy, now).filter(pk__gt=last_pk).order_by("pk")
        ids = list(due.values_list("pk", flat=True)[:BATCH_SIZE])
        if not ids:
            break
        with transaction.atomic():
            changed = rule.treat(ids, policy.action)
            _record(run, policy.category, policy.action, cutoff, changed)
        last_pk = ids[-1]
    if policy.category == Category.RAW_EVENTS:
        while True:
            day_ids = list(
                _activity_due(cutoff).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]
            )
            if not day_ids:
                break
            with transaction.atomic():
                deleted = ActivityDaily.objects.filter(pk__in=day_ids).delete()[0]
                _record(run, "activity_daily", Action.DELETE, cutoff, deleted)


def retention_run(*, run: RetentionRun, now: datetime | None = None) -> RetentionRun:
    """Enforce every active policy (or, for a dry run, record what would be treated)."""
    now = now or timezone.now()
    for policy in retention_policies():
        if not policy.is_active:
            continue
        if run.is_dry_run:
            with transaction.atomic():
                due = _due_rows(policy, now).count()
                _record(run, policy.category, policy.action, _cutoff(policy, now), due)
            continue
        _enforce(run, policy, now)
    run.refresh_from_db()
    run.state = RetentionRun.State.DONE
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "finished_at"])
    return run


def retention_runs(limit: int = 30) -> list[RetentionRun]:
    return list(RetentionRun.objects.select_related("started_by")[:limit])
