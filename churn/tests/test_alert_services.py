"""Alert emails (at once, claimed once), the daily digest, escalation after N business
days, waking snoozed alerts, and the alert actions' rules."""

from datetime import date, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from churn import services
from churn.models import Alert, AlertPreference, FollowUpTask
from churn.services.alerts import business_days_before
from conftest import World


def _alert(world: World, *, raised_at: datetime | None = None, kind: str = "churn_risk") -> Alert:
    alert = Alert.objects.create(
        customer=world.customer,
        kind=kind,
        raised_at=raised_at or timezone.now(),
        assignee=world.alice,
        reasons=[{"code": "gap_ratio", "weight": 1.2, "values": {"recency_days": 90}}],
        churn_probability=0.8,
        expected_value_cents=50_000,
        expected_loss_cents=40_000,
        reaction="call",
        due_on=timezone.localdate() + timedelta(days=3),
    )
    FollowUpTask.objects.create(
        customer=world.customer,
        alert=alert,
        assignee=world.alice,
        title="Call",
        due_on=alert.due_on,
    )
    return alert


def test_alert_email_goes_out_once(world: World) -> None:
    alert = _alert(world)
    assert services.alert_emails_send(alert_ids=[alert.pk]) == 1
    assert services.alert_emails_send(alert_ids=[alert.pk]) == 0
    assert len(mail.outbox) == 1
    assert world.customer.name in mail.outbox[0].body
    assert mail.outbox[0].to == [world.alice.email]


def test_digest_users_get_no_immediate_mail_but_one_digest_a_day(world: World) -> None:
    services.alert_preference_set(user=world.alice, delivery=AlertPreference.Delivery.DIGEST)
    alert = _alert(world)
    assert services.alert_emails_send(alert_ids=[alert.pk]) == 0
    assert services.alert_digests_send() == 1
    assert services.alert_digests_send() == 0  # same day: nothing again
    assert len(mail.outbox) == 1
    alert.refresh_from_db()
    assert alert.emailed_at is not None


def test_unacknowledged_alert_escalates_to_the_manager_once(world: World) -> None:
    old = timezone.now() - timedelta(days=10)
    alert = _alert(world, raised_at=old)
    fresh = _alert(world, kind="silence")
    assert services.alerts_escalate() == 1
    assert services.alerts_escalate() == 0
    alert.refresh_from_db()
    fresh.refresh_from_db()
    assert alert.escalated_to == world.manager
    assert fresh.escalated_at is None
    assert mail.outbox[-1].to == [world.manager.email]


def test_acknowledged_alerts_do_not_escalate(world: World) -> None:
    alert = _alert(world, raised_at=timezone.now() - timedelta(days=10))
    services.alert_acknowledge(alert=alert, acting_user=world.alice)
    assert services.alerts_escalate() == 0


def test_business_days_skip_weekends() -> None:
    monday = date(2026, 11, 30)
    assert business_days_before(monday, 1) == date(2026, 11, 27)  # the Friday before
    assert business_days_before(monday, 3) == date(2026, 11, 25)


def test_snooze_then_wake(world: World) -> None:
    alert = _alert(world)
    tomorrow = timezone.localdate() + timedelta(days=1)
    services.alert_snooze(alert=alert, acting_user=world.alice, until=tomorrow)
    assert services.alerts_wake() == 0
    assert services.alerts_wake(today=tomorrow) == 1
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN
    assert alert.read_at is None


def test_snooze_must_be_in_the_next_90_days(world: World) -> None:
    alert = _alert(world)
    for until in (timezone.localdate(), timezone.localdate() + timedelta(days=91)):
        with pytest.raises(ValidationError):
            services.alert_snooze(alert=alert, acting_user=world.alice, until=until)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_resolve_needs_an_outcome_and_closes_the_task(world: World) -> None:
    alert = _alert(world)
    with pytest.raises(ValidationError):
        services.alert_resolve(alert=alert, acting_user=world.alice, outcome="maybe")
    services.alert_resolve(alert=alert, acting_user=world.alice, outcome="saved", note=" ok ")
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.outcome == "saved"
    assert alert.note == "ok"
    assert FollowUpTask.objects.get(alert=alert).done_at is not None
    with pytest.raises(ValidationError):
        services.alert_acknowledge(alert=alert, acting_user=world.alice)


def test_a_second_open_alert_of_a_kind_is_refused_by_the_database(world: World) -> None:
    from django.db import IntegrityError, transaction

    _alert(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        _alert(world)


def test_a_batch_of_alerts_is_one_email_per_assignee(world: World) -> None:
    first = _alert(world)
    second = _alert(world, kind="silence")
    assert services.alert_emails_send(alert_ids=[first.pk, second.pk]) == 1
    assert services.alert_emails_send(alert_ids=[first.pk, second.pk]) == 0
    assert len(mail.outbox) == 1
    assert "2" in mail.outbox[0].subject
