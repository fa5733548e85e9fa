"""Raising alerts from a chunk's scores, and the periodic work around them: emails at
once or as a daily digest, escalation of unacknowledged alerts, waking snoozed ones.

Raising is set-based: one boolean column per alert kind over the chunk, then one bulk
insert. "One open alert per customer and kind" is a unique constraint; a resolved alert is
not raised again for the same customer and kind within the cool-down, so a customer who
stays at risk does not flood the owner's inbox."""

import json
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from churn.configuration import Play, alert_thresholds_get, playbook_get, scoring_settings_get
from churn.models import Alert, AlertPreference, FollowUpTask, ScoringRun, ScoringSettings
from crm.lib.ids import id_list
from customers.models import Customer

# Stages where nobody should be nudged to win the customer back.
NO_ALERT_STAGES = (Customer.Stage.OFFBOARDING, Customer.Stage.FORMER)


@dataclass(frozen=True)
class Recipient:
    owner_id: int | None
    manager_id: int | None


def _conditions(
    scores: pd.DataFrame, agg: pd.DataFrame, config: ScoringSettings
) -> dict[str, pd.Series]:
    thresholds = alert_thresholds_get()
    churn = scores["churn_probability"].fillna(0)
    limit = scores["value_tier"].map(thresholds).fillna(thresholds["low"])
    mvc = scores["is_most_valuable"].astype(bool)
    return {
        Alert.Kind.MVC_AT_RISK: mvc & (churn >= thresholds["top"]),
        Alert.Kind.CHURN_RISK: ~mvc & (churn >= limit),
        Alert.Kind.SILENCE: scores["is_silent"].astype(bool),
        Alert.Kind.COMPLAINT_SPIKE: agg["complaints_last_30"] >= config.complaint_spike_count,
        Alert.Kind.NPS_DETRACTOR: agg["detractor_last_30"] > 0,
        Alert.Kind.RETURN: agg["refunds_last_14"] > 0,
    }


def _event_reason(kind: str, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The fact that triggered an event alert, before the model's reasons."""
    if kind == Alert.Kind.COMPLAINT_SPIKE:
        values = {
            "complaints_last_90": int(row["complaints_last_90"]),
            "complaints_unresolved": int(row["complaints_unresolved"]),
        }
        return [{"code": "complaints_last_90", "weight": None, "values": values}]
    if kind == Alert.Kind.NPS_DETRACTOR:
        score = row["nps_recent_avg"]
        nps: dict[str, float | None] = {
            "nps_recent": round(float(score), 1) if np.isfinite(score) else None
        }
        return [{"code": "nps_recent", "weight": None, "values": nps}]
    if kind == Alert.Kind.RETURN:
        return [
            {
                "code": "returns_last_90",
                "weight": None,
                "values": {"returns_last_90": int(row["refunds_last_90"])},
            }
        ]
    return []


def _blocked(customer_ids: list[int], cooldown_days: int) -> set[tuple[int, str]]:
    """(customer, kind) pairs with an open alert or one resolved within the cool-down."""
    since = timezone.now() - timedelta(days=cooldown_days)
    return set(
        Alert.objects.filter(customer_id__in=id_list(customer_ids))
        .filter(~Q(status=Alert.Status.RESOLVED) | Q(resolved_at__gte=since))
        .values_list("customer_id", "kind")
    )


def _recipients(customer_ids: list[int]) -> dict[int, tuple[Recipient, str]]:
    rows = Customer.objects.filter(pk__in=id_list(customer_ids)).values_list(
        "pk", "owner_id", "team__manager_id", "stage"
    )
    return {pk: (Recipient(owner, manager), stage) for pk, owner, manager, stage in rows}


# Columns of a new alert, in the order _alert_row builds them; the rest keep their defaults.
ALERT_COLUMNS = (
    "customer_id", "kind", "status", "run_id", "raised_at", "assignee_id", "reasons",
    "churn_probability", "expected_value_cents", "expected_loss_cents", "reaction",
    "instructions", "due_on", "outcome", "note",
)  # fmt: skip


def _alert_row(
    *, customer_id: int, kind: str, play: Play, recipient: Recipient, score: dict[str, Any],
    extra_reasons: list[dict[str, Any]], run: ScoringRun | None, now: datetime,
) -> tuple[Any, ...]:  # fmt: skip
    churn = score["churn_probability"]
    value = score["expected_value_cents"]
    churn_f = float(churn) if np.isfinite(churn) else None
    value_i = int(value) if np.isfinite(value) else None
    return (
        customer_id, kind, Alert.Status.OPEN.value, run.pk if run else None, now,
        recipient.owner_id or recipient.manager_id, extra_reasons + list(score["reasons"]),
        churn_f, value_i, round((value_i or 0) * (churn_f or 0)), play.reaction,
        play.instructions, timezone.localdate(now) + timedelta(days=play.due_days), "", "",
    )  # fmt: skip


def _insert_postgresql(rows: list[tuple[Any, ...]]) -> list[int]:
    """COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING (a concurrent
    run's open alert wins) that also makes each new alert's follow-up task."""
    columns = ", ".join(ALERT_COLUMNS)
    alerts, tasks = Alert._meta.db_table, FollowUpTask._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE churn_alert_load ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {columns} FROM {alerts} WITH NO DATA"
        )
        with cursor.connection.cursor().copy(
            f"COPY churn_alert_load ({columns}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row((*row[:6], json.dumps(row[6]), *row[7:]))
        cursor.execute(
            f"WITH new AS (INSERT INTO {alerts} ({columns}) "  # noqa: S608
            f"SELECT {columns} FROM churn_alert_load ON CONFLICT DO NOTHING "
            "RETURNING id, customer_id, assignee_id, instructions, due_on), "
            f"made AS (INSERT INTO {tasks} (customer_id, alert_id, assignee_id, title, due_on, "
            "created_at) SELECT customer_id, id, assignee_id, left(instructions, 200), due_on, "
            "now() FROM new) SELECT id FROM new ORDER BY id"
        )
        created = [int(pk) for (pk,) in cursor.fetchall()]
        cursor.execute("DROP TABLE churn_alert_load")
    return created


def _insert_orm(rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert all; if a concurrent run raised one of them first, insert the rest one by one
    (the unique constraint keeps the other's)."""
    alerts = [Alert(**dict(zip(ALERT_COLUMNS, row, strict=True))) for row in rows]
    try:
        with transaction.atomic():
            created = Alert.objects.bulk_create(alerts)
    except IntegrityError:
        created = []
        for alert in alerts:
            try:
                with transaction.atomic():
                    alert.save()
                created.append(alert)
            except IntegrityError:
                continue
    FollowUpTask.objects.bulk_create(
        FollowUpTask(
            customer_id=a.customer_id, alert=a, assignee_id=a.assignee_id,
            title=a.instructions[:200], due_on=a.due_on,
        )
        for a in created
    )  # fmt: skip
    return [a.pk for a in created]


def alerts_raise(
    *, scores: pd.DataFrame, agg: pd.DataFrame, run: ScoringRun | None, now: datetime
) -> list[int]:
    """Raise the alerts a chunk's scores call for, with a follow-up task each; returns the
    new alerts' ids. Call inside the chunk's transaction."""
    config = scoring_settings_get()
    conditions = _conditions(scores, agg.reindex(scores.index), config)
    flagged = {kind: scores.index[mask.to_numpy()] for kind, mask in conditions.items()}
    candidates = sorted({int(pk) for ids in flagged.values() for pk in ids})
    if not candidates:
        return []
    blocked = _blocked(candidates, config.alert_cooldown_days)
    recipients = _recipients(candidates)
    plays = playbook_get()
    score_of = scores.loc[candidates, ["churn_probability", "expected_value_cents", "reasons"]]
    scored: dict[int, dict[str, Any]] = score_of.to_dict("index")  # type: ignore[assignment]
    event_columns = ["complaints_last_90", "complaints_unresolved", "nps_recent_avg"]
    facts: dict[int, dict[str, Any]] = agg.loc[
        candidates, [*event_columns, "refunds_last_90"]
    ].to_dict("index")  # type: ignore[assignment]
    rows = []
    for kind, ids in flagged.items():
        for pk in map(int, ids):
            recipient, stage = recipients.get(pk, (Recipient(None, None), Customer.Stage.FORMER))
            if (pk, kind) in blocked or stage in NO_ALERT_STAGES:
                continue
            rows.append(
                _alert_row(
                    customer_id=pk, kind=kind, play=plays[kind], recipient=recipient,
                    score=scored[pk], extra_reasons=_event_reason(kind, facts[pk]),
                    run=run, now=now,
                )
            )  # fmt: skip
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_orm(rows)


def _deliveries(user_ids: Collection[int]) -> dict[int, str]:
    saved = dict(
        AlertPreference.objects.filter(user_id__in=list(user_ids)).values_list(
            "user_id", "delivery"
        )
    )
    return {pk: saved.get(pk, AlertPreference.Delivery.IMMEDIATE) for pk in user_ids}


def _send(user: User, subject: str, template: str, context: dict[str, Any]) -> None:
    if not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        body = render_to_string(template, {"user": user, **context})
        send_mail(subject, body, None, [user.email])


def _claim_for_email(alert_ids: list[int]) -> list[Alert]:
    """Lock the not-yet-mailed alerts of the list, mark them mailed, return them; committed
    before any mail goes out, so a re-run mails nobody twice."""
    with transaction.atomic():
        alerts = list(
            Alert.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__in=id_list(alert_ids), emailed_at__isnull=True)
            .select_related("customer", "assignee")
            .order_by("pk")
        )
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=timezone.now())
    return alerts


def alert_emails_send(*, alert_ids: Collection[int]) -> int:
    """One email per assignee who chose "at once", listing their new alerts of the batch
    (a scoring chunk raises many at a time: one mail each would flood an owner). A crash
    between the claim and the send loses those mails; the in-app inbox still shows the
    alerts. Returns the number of mails sent."""
    candidates = Alert.objects.filter(
        pk__in=id_list(alert_ids), emailed_at__isnull=True, assignee__isnull=False
    ).values_list("pk", "assignee_id")
    by_user: dict[int, list[int]] = defaultdict(list)
    for pk, user_id in candidates:
        by_user[user_id].append(pk)
    deliveries = _deliveries(by_user)
    sent = 0
    for user_id, ids in by_user.items():
        if deliveries[user_id] != AlertPreference.Delivery.IMMEDIATE:
            continue
        alerts = sorted(_claim_for_email(ids), key=lambda a: -a.expected_loss_cents)
        if not alerts or alerts[0].assignee is None:
            continue
        if len(alerts) == 1:
            subject = _("Alert: %(customer)s") % {"customer": alerts[0].customer.name}
        else:
            subject = _("Your alerts: %(count)s new") % {"count": len(alerts)}
        _send(alerts[0].assignee, subject, "churn/email/alert.txt", {"alerts": alerts[:100]})
        sent += 1
    return sent


def alert_digests_send(*, today: date | None = None) -> int:
    """One email per user who chose the daily digest, with their alerts not yet mailed.
    The user's digest day is claimed first: a re-run the same day sends nothing."""
    today = today or timezone.localdate()
    users = AlertPreference.objects.filter(delivery=AlertPreference.Delivery.DIGEST).exclude(
        last_digest_on=today
    )
    sent = 0
    for preference in users.select_related("user"):
        claimed = (
            AlertPreference.objects.filter(pk=preference.pk)
            .exclude(last_digest_on=today)
            .update(last_digest_on=today)
        )
        pending = Alert.objects.filter(
            assignee_id=preference.pk, emailed_at__isnull=True, status__in=Alert.OPEN_STATUSES
        ).select_related("customer")
        alerts = list(pending.order_by("-expected_loss_cents")[:100])
        if not claimed or not alerts:
            continue
        Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(emailed_at=timezone.now())
        subject = _("Your alerts: %(count)s new") % {"count": len(alerts)}
        _send(preference.user, subject, "churn/email/alert.txt", {"alerts": alerts})
        sent += 1
    return sent


def business_days_before(day: date, days: int) -> date:
    return date.fromisoformat(str(np.busday_offset(day, -days, roll="backward")))


def alerts_escalate(*, now: datetime | None = None) -> int:
    """Hand unacknowledged alerts older than the set number of business days to the team's
    manager as well (the assignee keeps them). Conditional on escalated_at being empty, so
    a re-run escalates nothing twice."""
    now = now or timezone.now()
    days = scoring_settings_get().escalation_business_days
    cutoff = timezone.make_aware(
        datetime.combine(business_days_before(timezone.localdate(now), days), datetime.min.time())
    )
    due = Alert.objects.filter(
        status=Alert.Status.OPEN,
        raised_at__lt=cutoff,
        escalated_at__isnull=True,
        customer__team__manager__isnull=False,
    ).select_related("customer", "customer__team__manager")
    escalated = 0
    for alert in due.order_by("pk")[:1000]:
        manager = alert.customer.team.manager if alert.customer.team else None
        if manager is None:
            continue
        claimed = Alert.objects.filter(pk=alert.pk, escalated_at__isnull=True).update(
            escalated_at=now, escalated_to=manager
        )
        if claimed:
            escalated += 1
            subject = _("Escalated alert: %(customer)s") % {"customer": alert.customer.name}
            _send(manager, subject, "churn/email/alert.txt", {"alerts": [alert], "escalated": True})
    return escalated


def alerts_wake(*, today: date | None = None) -> int:
    """Snoozed alerts whose day has come are open again, and unread."""
    today = today or timezone.localdate()
    return Alert.objects.filter(status=Alert.Status.SNOOZED, snoozed_until__lte=today).update(
        status=Alert.Status.OPEN, read_at=None, snoozed_until=None
    )
