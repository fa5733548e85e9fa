"""Training, scoring and alerting through a real Celery worker on Redis, against the real
PostgreSQL test database: a normal run, and a worker SIGKILLed mid-run whose run a
replacement finishes with every customer scored exactly once and no duplicate alert."""

import os

import pytest
from django.db.models import Count
from django.utils import timezone

from churn import services
from churn.models import Alert, ScoreHistory, ScoringChunk, ScoringRun
from churn.tasks import scoring_chunk_task, scoring_runs_resume_task
from churn.tests.history import make_history
from conftest import World
from customers.models import Customer
from tests.integration.worker import CeleryWorker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
# Small chunks, so that a run has several and the worker can be killed between them. Read
# by the worker subprocess, which this module's fixture starts after this line ran.
os.environ["SCORING_CHUNK_SIZE"] = "60"


def _run(run: ScoringRun) -> ScoringRun:
    run.refresh_from_db()
    return run


def _history(world: World, count: int = 420) -> None:
    make_history(owner=world.alice, team=world.north, count=count, today=timezone.localdate())


def _idle(worker: CeleryWorker) -> None:
    """Wait for the worker to finish what it took (emails, the drift check after the run),
    so that the test's flush does not race its transactions."""
    wait_until(
        lambda: (
            worker.current_log().count("] received") == worker.current_log().count("] succeeded in")
        ),
        what="the worker idle",
        timeout=60,
    )


def _scored_once(run: ScoringRun) -> None:
    expected = Customer.objects.exclude(stage=Customer.Stage.FORMER).count()
    assert ScoreHistory.objects.filter(run=run).count() == expected
    duplicates = (
        ScoreHistory.objects.filter(run=run)
        .values("customer_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists()


def test_training_scoring_and_alerts_run_on_the_worker(
    celery_worker: CeleryWorker, world: World
) -> None:
    _history(world)
    run = services.scoring_run_start(kind=ScoringRun.Kind.FULL, acting_user=world.admin)

    wait_until(lambda: _run(run).status == ScoringRun.Status.DONE, what="run done", timeout=180)
    assert run.model_version is not None  # the first run trained one
    assert run.chunks_total > 1
    _scored_once(run)
    assert run.alerts_raised == Alert.objects.count() > 0
    wait_until(
        lambda: "alert_emails_send_task" in celery_worker.current_log(),
        what="alert emails queued and sent by the worker",
        timeout=30,
    )
    _idle(celery_worker)


def test_worker_killed_mid_run_is_finished_exactly_once(
    celery_worker: CeleryWorker, world: World
) -> None:
    _history(world, count=900)
    services.model_train(acting_user=None)  # here, so the run starts scoring at once
    run = services.scoring_run_start(kind=ScoringRun.Kind.FULL, acting_user=world.admin)
    wait_until(lambda: _run(run).chunks_done >= 2, what="the worker scoring chunks", timeout=120)

    celery_worker.kill()

    done = ScoringChunk.objects.filter(run=run, state=ScoringChunk.State.DONE).count()
    assert 0 < done < _run(run).chunks_total, "killed mid-run"
    alerts_before = Alert.objects.count()
    celery_worker.start()
    # The broker redelivers the dead worker's message after its visibility timeout; the
    # periodic resume re-queues what is left now. Send one chunk twice, as a duplicate.
    scoring_runs_resume_task.delay()
    first = ScoringChunk.objects.filter(run=run).order_by("number").first()
    assert first is not None
    scoring_chunk_task.delay(chunk_id=first.pk)

    wait_until(
        lambda: _run(run).status == ScoringRun.Status.DONE, what="the run finished", timeout=180
    )
    _scored_once(run)
    assert run.chunks_done == run.chunks_total
    assert Alert.objects.count() == run.alerts_raised >= alerts_before
    per_kind = Alert.objects.values("customer_id", "kind").annotate(n=Count("id"))
    assert not per_kind.filter(n__gt=1).exists(), "one alert per customer and kind"
    _idle(celery_worker)
