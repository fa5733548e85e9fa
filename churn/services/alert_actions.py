"""What staff do with an alert: acknowledge, snooze, resolve with an outcome; mark read.
Every change is audited. Callers pass an alert already authorised through
``churn.selectors.alert_get_for_user(..., for_change=True)``."""

from collections.abc import Collection
from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from churn.models import Alert, AlertPreference, FollowUpTask
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record

MAX_SNOOZE_DAYS = 90  # longer than a quarter is not a snooze but a decision: resolve it


def _locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def _audit(alert: Alert, acting_user: User, before: str, **extra: object) -> None:
    changes: dict[str, dict[str, object]] = {"status": {"before": before, "after": alert.status}}
    for name, value in extra.items():
        changes[name] = {"before": None, "after": value}
    audit_record(actor=acting_user, action=AuditEntry.Action.UPDATE, obj=alert, changes=changes)


def _require_open(alert: Alert) -> None:
    if not alert.is_open:
        raise ValidationError(_("This alert is already resolved."))


@transaction.atomic
def alert_acknowledge(*, alert: Alert, acting_user: User) -> Alert:
    alert = _locked(alert)
    _require_open(alert)
    before, now = alert.status, timezone.now()
    alert.status = Alert.Status.ACKNOWLEDGED
    alert.acknowledged_at = alert.acknowledged_at or now
    alert.read_at = alert.read_at or now
    alert.snoozed_until = None
    alert.save(update_fields=["status", "acknowledged_at", "read_at", "snoozed_until"])
    _audit(alert, acting_user, before)
    return alert


@transaction.atomic
def alert_snooze(*, alert: Alert, acting_user: User, until: date) -> Alert:
    """Hide the alert until ``until``; the daily wake-up task reopens it then."""
    alert = _locked(alert)
    _require_open(alert)
    today = timezone.localdate()
    if not today < until <= today + timedelta(days=MAX_SNOOZE_DAYS):
        raise ValidationError(
            {
                "until": _("Snooze until a day after today and within %(days)s days.")
                % {"days": MAX_SNOOZE_DAYS}
            }
        )
    before, now = alert.status, timezone.now()
    alert.status = Alert.Status.SNOOZED
    alert.snoozed_until = until
    alert.acknowledged_at = alert.acknowledged_at or now
    alert.read_at = alert.read_at or now
    alert.save(update_fields=["status", "snoozed_until", "acknowledged_at", "read_at"])
    _audit(alert, acting_user, before, snoozed_until=until.isoformat())
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, acting_user: User, outcome: str, note: str = "") -> Alert:
    alert = _locked(alert)
    _require_open(alert)
    if outcome not in Alert.Outcome.values:
        raise ValidationError({"outcome": _("Choose what came of it.")})
    before, now = alert.status, timezone.now()
    alert.status = Alert.Status.RESOLVED
    alert.outcome = outcome
    alert.note = note.strip()
    alert.resolved_at = now
    alert.resolved_by = acting_user
    alert.acknowledged_at = alert.acknowledged_at or now
    alert.read_at = alert.read_at or now
    alert.snoozed_until = None
    alert.save(
        update_fields=[
            "status", "outcome", "note", "resolved_at", "resolved_by", "acknowledged_at",
            "read_at", "snoozed_until",
        ]
    )  # fmt: skip
    FollowUpTask.objects.filter(alert=alert, done_at__isnull=True).update(done_at=now)
    _audit(alert, acting_user, before, outcome=outcome)
    return alert


def alerts_mark_read(*, user: User, alert_ids: Collection[int]) -> int:
    """Mark the user's own alerts read (the inbox badge counts unread ones)."""
    return Alert.objects.filter(pk__in=list(alert_ids), assignee=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def task_complete(*, task: FollowUpTask, acting_user: User) -> FollowUpTask:
    if task.done_at is None:
        task.done_at = timezone.now()
        task.save(update_fields=["done_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=task,
            changes={"done_at": {"before": None, "after": task.done_at.isoformat()}},
        )
    return task


def alert_preference_set(*, user: User, delivery: str) -> AlertPreference:
    if delivery not in AlertPreference.Delivery.values:
        raise ValidationError({"delivery": _("Unknown choice.")})
    preference, _created = AlertPreference.objects.update_or_create(
        user=user, defaults={"delivery": delivery}
    )
    return preference
