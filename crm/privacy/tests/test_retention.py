"""Retention policies: validation, what each category treats, dry runs, and a run killed
mid-way that, re-run, ends exactly where an uninterrupted run ends."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import World
from crm.audit.models import AuditEntry
from crm.privacy import retention
from crm.privacy.models import Action, Category, RetentionPolicy, RetentionRun, StartEvent
from customers.models import Customer, CustomerEmail
from customers.services import customer_change_stage
from interactions.models import ActivityDaily, Complaint, Interaction, Order, SurveyResponse

pytestmark = pytest.mark.django_db
OLD = timezone.now() - timedelta(days=2000)


def _enforce(world: World, category: str, action: str, *, days: int = 365, start: str = "") -> None:
    rule = retention.RULES[category]
    retention.retention_policy_set(
        acting_user=world.admin,
        category=category,
        period_days=days,
        start_event=start or rule.start_events[0],
        action=action,
        is_active=True,
    )


def _run(dry_run: bool = False) -> RetentionRun:
    return retention.retention_run(run=retention.retention_run_start(dry_run=dry_run))


def _interaction(world: World, when: Any, body: str) -> Interaction:
    return Interaction.objects.create(
        customer=world.customer,
        channel="call",
        direction="in",
        occurred_at=when,
        subject="Call about " + body,
        body=body,
    )


def test_policy_refuses_combinations_the_category_does_not_allow(world: World) -> None:
    with pytest.raises(ValidationError, match="only be deleted"):
        _enforce(world, Category.ORDERS, Action.ANONYMISE)
    with pytest.raises(ValidationError, match="counted from"):
        _enforce(world, Category.COMPLAINTS, Action.DELETE, start=StartEvent.CREATED)
    with pytest.raises(ValidationError):
        _enforce(world, Category.SURVEYS, Action.DELETE, days=0)
    assert not RetentionPolicy.objects.exists()


def test_defaults_are_shown_but_not_enforced(world: World) -> None:
    policies = retention.retention_policies()
    assert {p.category for p in policies} == set(Category.values)
    assert not any(p.is_active for p in policies)
    old = _interaction(world, OLD, "kept: no policy enforced")
    assert _run().report == {}
    old.refresh_from_db()
    assert old.body == "kept: no policy enforced"


def test_interaction_content_is_anonymised_after_its_period(world: World) -> None:
    old = _interaction(world, OLD, "Mrs Petraitė said her phone is +37061234567")
    recent = _interaction(world, timezone.now() - timedelta(days=10), "recent")
    _enforce(world, Category.INTERACTION_CONTENT, Action.ANONYMISE)
    run = _run()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.subject, old.body) == ("", "")
    assert recent.body == "recent"
    assert run.report[Category.INTERACTION_CONTENT]["rows"] == 1
    assert _run().report[Category.INTERACTION_CONTENT]["rows"] == 0  # idempotent


def test_closed_complaints_count_from_closing(world: World) -> None:
    world.complaint.status = Complaint.Status.CLOSED
    world.complaint.resolved_at = OLD
    world.complaint.save()
    _enforce(world, Category.COMPLAINTS, Action.DELETE)
    _run()
    assert not Complaint.objects.filter(pk=world.complaint.pk).exists()


def test_raw_events_and_daily_activity_are_deleted(world: World) -> None:
    ActivityDaily.objects.create(customer=world.customer, day=date(2019, 1, 1), logins=3)
    ActivityDaily.objects.create(customer=world.customer, day=timezone.localdate(), logins=1)
    _enforce(world, Category.RAW_EVENTS, Action.DELETE, days=90)
    run = _run()
    assert list(ActivityDaily.objects.values_list("logins", flat=True)) == [1]
    assert run.report["activity_daily"]["rows"] == 1


def test_former_customers_are_anonymised_and_the_books_unchanged(world: World) -> None:
    revenue = Order.objects.aggregate(total=Sum("amount_cents"))["total"]
    customer_change_stage(
        customer=world.customer, acting_user=world.alice, stage=Customer.Stage.FORMER
    )
    Customer.objects.filter(pk=world.customer.pk).update(stage_changed_at=OLD)
    SurveyResponse.objects.create(
        customer=world.customer, kind="nps", score=3, comment="Aldona hated it", responded_at=OLD
    )
    _enforce(world, Category.FORMER_CUSTOMERS, Action.ANONYMISE)
    _run()
    customer = Customer.objects.get(pk=world.customer.pk)
    assert customer.name == f"Anonymised customer {customer.pk}"
    assert not CustomerEmail.objects.filter(customer=customer).exists()
    assert SurveyResponse.objects.get(customer=customer).comment == ""
    assert Order.objects.aggregate(total=Sum("amount_cents"))["total"] == revenue
    reprs = AuditEntry.objects.filter(object_id=str(customer.pk)).values_list(
        "object_repr", flat=True
    )
    assert all("Aldona" not in r for r in reprs)


def test_dry_run_and_preview_change_nothing(world: World) -> None:
    old = _interaction(world, OLD, "still here")
    _enforce(world, Category.INTERACTION_CONTENT, Action.DELETE)
    [line] = retention.retention_preview()
    assert line.rows == 1
    assert "still here" not in " ".join(line.sample)  # __str__ shows no free text
    run = _run(dry_run=True)
    assert run.report[Category.INTERACTION_CONTENT]["rows"] == 1
    assert Interaction.objects.filter(pk=old.pk).exists()


def _state() -> list[tuple[Any, ...]]:
    return sorted(Interaction.objects.values_list("pk", "subject", "body"))


def test_run_killed_mid_way_and_rerun_ends_like_an_uninterrupted_run(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(7):
        _interaction(world, OLD, f"old {i}")
    _interaction(world, timezone.now(), "new")
    _enforce(world, Category.INTERACTION_CONTENT, Action.ANONYMISE)
    monkeypatch.setattr(retention, "BATCH_SIZE", 3)
    rule = retention.RULES[Category.INTERACTION_CONTENT]
    batches = {"n": 0}

    def dying_treat(ids: list[int], action: str) -> int:
        batches["n"] += 1
        if batches["n"] == 2:
            raise SystemExit("worker killed")  # the second batch's transaction rolls back
        return retention._interactions_treat(ids, action)

    monkeypatch.setitem(retention.RULES, Category.INTERACTION_CONTENT, rule.__class__(
        rule.start_events, rule.actions, rule.default, rule.due, dying_treat
    ))  # fmt: skip
    killed = retention.retention_run_start()
    with pytest.raises(SystemExit):
        retention.retention_run(run=killed)
    killed.refresh_from_db()
    assert killed.report[Category.INTERACTION_CONTENT]["rows"] == 3  # what it really did
    monkeypatch.setitem(retention.RULES, Category.INTERACTION_CONTENT, rule)
    rerun = _run()
    assert rerun.report[Category.INTERACTION_CONTENT]["rows"] == 4
    after_kill = _state()
    # The same world, never interrupted:
    Interaction.objects.filter(subject="").update(subject="x", body="x")
    _run()
    assert _state() == after_kill
    assert [row[2] for row in after_kill].count("new") == 1


def test_admin_saves_policies_on_the_page_and_sees_the_preview(world: World) -> None:
    _interaction(world, OLD, "old")
    client = Client()
    client.force_login(world.admin)
    form: dict[str, Any] = {}
    for policy in retention.retention_policies():
        form[f"{policy.category}-period_days"] = policy.period_days
        form[f"{policy.category}-start_event"] = policy.start_event
        form[f"{policy.category}-action"] = policy.action
    form[f"{Category.INTERACTION_CONTENT}-is_active"] = "on"
    response = client.post(reverse("privacy:retention"), form)
    assert response.status_code == 302
    assert RetentionPolicy.objects.get(category=Category.INTERACTION_CONTENT).is_active
    preview = client.get(reverse("privacy:retention-preview"))
    assert b"Interaction subjects" in preview.content
    assert b"<td>1" in preview.content


def test_api_refuses_a_bad_policy_and_changes_nothing(world: World) -> None:
    client = Client()
    client.force_login(world.admin)
    body = {
        "category": Category.ORDERS,
        "period_days": 3650,
        "start_event": StartEvent.CREATED,
        "action": Action.ANONYMISE,
        "is_active": True,
    }
    url = reverse("api:retention-policies")
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 400
    assert not RetentionPolicy.objects.exists()
    body["action"] = Action.DELETE
    assert client.put(url, body, content_type="application/json").status_code == 200
