"""Training, full and changed runs, exactly-once scoring, silence and alerts, on a small
history with a known churn signal (tasks run eagerly on the embedded broker)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from churn import services
from churn.extract import Scope, aggregates_as_of
from churn.models import (
    Alert,
    CustomerScore,
    FollowUpTask,
    ModelVersion,
    ScoreHistory,
    ScoringChunk,
    ScoringRun,
)
from churn.services import runs
from churn.tests.history import make_history
from conftest import World
from customers.models import Customer
from interactions.models import Order
from interactions.services import order_record


@pytest.fixture
def history(world: World):
    return make_history(owner=world.alice, team=world.north, today=timezone.localdate())


def _full_run(monkeypatch: pytest.MonkeyPatch | None = None) -> ScoringRun:
    run = ScoringRun.objects.create(
        kind=ScoringRun.Kind.FULL, as_of=timezone.localdate(), changes_until=timezone.now()
    )
    for chunk_id in services.scoring_run_plan(run_id=run.pk):
        services.scoring_chunk_process(chunk_id=chunk_id)
    run.refresh_from_db()
    return run


def test_training_beats_both_baselines_and_becomes_current(history) -> None:
    version = services.model_train(acting_user=None)
    assert version.status == ModelVersion.Status.CURRENT
    assert not version.is_cold_start
    assert version.metrics["roc_auc"] > version.baselines["recency"]["roc_auc"] - 0.02
    assert version.metrics["roc_auc"] > 0.7
    assert version.repeat_buying["variant"] == "mbgnbd"
    assert set(version.tier_cuts) == {"top", "high", "medium"}
    assert version.train_cutoff_on == version.as_of - timedelta(days=2 * version.horizon_days)


def test_cold_start_without_enough_churners(world: World) -> None:
    make_history(owner=world.alice, team=world.north, count=40, today=timezone.localdate(), seed=3)
    version = services.model_train(acting_user=None)
    assert version.is_cold_start
    assert version.cold_start_reason
    assert version.artefact is None
    assert version.status == ModelVersion.Status.CURRENT  # better than nothing
    _full_run()
    score = CustomerScore.objects.exclude(churn_probability=None).first()
    assert score is not None
    assert score.is_cold_start
    assert score.p_alive is not None
    assert score.churn_probability == pytest.approx(1 - score.p_alive)
    assert score.reasons[0]["code"] == "silence_model"


def test_full_run_scores_every_customer_exactly_once(history, world: World) -> None:
    run = _full_run()
    expected = Customer.objects.exclude(stage=Customer.Stage.FORMER).count()
    assert run.status == ScoringRun.Status.DONE
    assert run.customers_scored == expected
    assert ScoreHistory.objects.filter(run=run).count() == expected
    assert CustomerScore.objects.count() == expected
    assert set(run.stage_seconds) == {"features", "predict", "write", "alerts"}
    # A redelivered chunk message changes nothing: the chunk is done.
    chunk = ScoringChunk.objects.filter(run=run).first()
    assert chunk is not None
    assert services.scoring_chunk_process(chunk_id=chunk.pk) == []
    assert ScoreHistory.objects.filter(run=run).count() == expected


def test_scores_explain_themselves_and_churners_rank_higher(history) -> None:
    _full_run()
    scores = {
        s.customer_id: s.churn_probability or 0.0
        for s in CustomerScore.objects.exclude(churn_probability=None)
    }
    stopped = [pk for pk, day in history.stopped_on.items() if day is not None]
    staying = [pk for pk, day in history.stopped_on.items() if day is None]
    mean_stopped = sum(scores[i] for i in stopped) / len(stopped)
    mean_staying = sum(scores[i] for i in staying) / len(staying)
    assert mean_stopped > mean_staying + 0.2
    risky = CustomerScore.objects.exclude(churn_probability=None).order_by("-churn_probability")[0]
    assert risky.reasons, "the riskiest customer has reasons"
    assert {"code", "weight", "values"} <= set(risky.reasons[0])
    assert all(r["weight"] > 0 for r in risky.reasons)


def test_silence_is_dated_and_ended_by_a_new_order(history, world: World) -> None:
    _full_run()
    ids = [c.pk for c in history.customers]
    silent = Customer.objects.filter(pk__in=ids, silent_since__isnull=False).first()
    assert silent is not None
    assert silent.stage == Customer.Stage.SILENT
    assert silent.silent_since is not None
    assert silent.silent_since < timezone.localdate()
    stopped = history.stopped_on[silent.pk]
    assert stopped is None or silent.silent_since >= stopped
    order_record(
        customer=silent, acting_user=world.alice, ordered_on=timezone.localdate(),
        amount_cents=5_000,
    )  # fmt: skip
    silent.refresh_from_db()
    assert silent.silent_since is None
    assert silent.stage == Customer.Stage.ACTIVE
    change = silent.stage_changes.last()
    assert change is not None
    assert change.reason == "New activity ended the silence"


def test_alerts_are_raised_once_per_customer_and_kind(history, world: World) -> None:
    first = _full_run()
    assert first.alerts_raised > 0
    alerts = Alert.objects.all()
    assert alerts.count() == first.alerts_raised
    assert FollowUpTask.objects.count() == first.alerts_raised
    alert = alerts.order_by("-expected_loss_cents").first()
    assert alert is not None
    assert alert.assignee == world.alice
    assert alert.reasons
    assert alert.due_on >= timezone.localdate()
    second = _full_run()
    assert second.alerts_raised == 0
    assert Alert.objects.count() == first.alerts_raised


def test_resolved_alert_is_not_raised_again_within_cooldown(history, world: World) -> None:
    _full_run()
    alert = Alert.objects.filter(kind=Alert.Kind.CHURN_RISK).first()
    assert alert is not None
    services.alert_resolve(alert=alert, acting_user=world.alice, outcome=Alert.Outcome.SAVED)
    _full_run()
    assert not Alert.objects.filter(
        customer=alert.customer, kind=alert.kind, status=Alert.Status.OPEN
    ).exists()


def test_changed_run_scores_only_customers_whose_history_changed(history, world: World) -> None:
    _full_run()
    touched = history.customers[:3]
    for customer in touched:
        order_record(
            customer=customer, acting_user=world.alice, ordered_on=timezone.localdate(),
            amount_cents=1_000,
        )  # fmt: skip
    run = ScoringRun.objects.create(
        kind=ScoringRun.Kind.CHANGED, as_of=timezone.localdate(), changes_until=timezone.now()
    )
    for chunk_id in services.scoring_run_plan(run_id=run.pk):
        services.scoring_chunk_process(chunk_id=chunk_id)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.DONE
    assert set(ScoreHistory.objects.filter(run=run).values_list("customer_id", flat=True)) == {
        c.pk for c in touched
    }


def test_run_started_through_the_service_runs_on_the_broker(
    history, django_capture_on_commit_callbacks
) -> None:
    """On the embedded default the tasks run eagerly: start → plan → chunks → done."""
    with django_capture_on_commit_callbacks(execute=True):
        run = services.scoring_run_start(kind=ScoringRun.Kind.FULL, acting_user=None)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.DONE
    assert run.model_version is not None


def test_a_worse_model_is_rejected_and_rollback_restores_the_old(history, world: World) -> None:
    first = services.model_train(acting_user=None)
    second = services.model_train(acting_user=None)
    # Same data, same seed: the second is no better, so the first stays current.
    assert second.status == ModelVersion.Status.REJECTED
    services.model_promote(version=second, acting_user=world.admin)
    first.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    services.model_promote(version=first, acting_user=world.admin)
    second.refresh_from_db()
    assert second.status == ModelVersion.Status.RETIRED
    assert ModelVersion.objects.get(status=ModelVersion.Status.CURRENT) == first


def test_aggregates_do_not_peek_past_the_date(history) -> None:
    customer = history.customers[0]
    as_of = timezone.localdate() - timedelta(days=200)
    before = aggregates_as_of(as_of=as_of, scope=Scope(ids=[customer.pk]))
    Order.objects.create(
        customer=customer, ordered_on=as_of + timedelta(days=1), amount_cents=99_999
    )
    after = aggregates_as_of(as_of=as_of, scope=Scope(ids=[customer.pk]))
    assert before.equals(after)
    expected = Order.objects.filter(customer=customer, ordered_on__lte=as_of).count()
    assert after.loc[customer.pk, "order_count"] == expected


def test_drift_is_checked_after_a_full_run(history) -> None:
    run = _full_run()
    assert run.model_version is not None
    version = run.model_version
    assert version.drift_checked_at is not None
    assert set(version.drift) == set(version.feature_columns)
    assert all(value >= 0 for value in version.drift.values())


def test_resume_lists_chunks_left_undone(history) -> None:
    run = ScoringRun.objects.create(
        kind=ScoringRun.Kind.FULL, as_of=timezone.localdate(), changes_until=timezone.now()
    )
    pending = services.scoring_run_plan(run_id=run.pk)
    assert pending
    assert set(runs.scoring_runs_resume()) == set(pending)
