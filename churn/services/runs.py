"""Scoring runs: a run is planned into chunks of customers, each chunk is scored and
written in one transaction, and the run finishes when its last chunk is done.

Exactly once, whatever dies: a chunk is taken with SELECT … FOR UPDATE SKIP LOCKED inside
the transaction that writes its scores, its history rows (unique per run and customer),
its alerts and its "done" mark. A worker killed mid-chunk rolls all of it back and
releases the lock; the redelivered message (acks_late, reject_on_worker_lost) or the
periodic resume takes the chunk again. A chunk already done is skipped."""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from churn.configuration import scoring_settings_get
from churn.extract import Scope, aggregates_as_of, frame_from_queryset
from churn.models import ModelVersion, ScoringChunk, ScoringRun
from churn.pipeline import ScoringInputs, score_aggregates
from churn.scoring.features import features_from_aggregates
from churn.scoring.metrics import psi
from churn.scoring.model import ChurnModel, model_load
from churn.scoring.repeat_buying import RepeatBuyingParams
from churn.scoring.spend import SpendParams
from churn.services.alerts import alerts_raise
from churn.services.consent import profiling_objections_apply
from churn.services.training import model_train
from churn.writeback import score_rows, scores_write
from customers.models import Customer
from customers.silence import customer_silence_set

# ~40 MB of aggregates and features per chunk at 50k customers; SQLite's IN lists and
# single writer want smaller ones.
CHUNK_SIZE_POSTGRESQL = 50_000
CHUNK_SIZE_SQLITE = 5_000
CHANGED_CHUNK_SIZE = 5_000
DRIFT_SAMPLE = 5_000  # customers re-read after a full run for the PSI check
STALE_PLAN_MINUTES = 10  # a run with no chunks this long after start lost its planner


def _chunk_size() -> int:
    if settings.SCORING_CHUNK_SIZE > 0:
        return int(settings.SCORING_CHUNK_SIZE)
    return CHUNK_SIZE_POSTGRESQL if connection.vendor == "postgresql" else CHUNK_SIZE_SQLITE


@transaction.atomic
def scoring_run_start(
    *, kind: str, acting_user: User | None, as_of: date | None = None
) -> ScoringRun:
    """Record a run and queue its planning; returns at once."""
    if kind not in ScoringRun.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of run.")})
    now = timezone.now()
    run = ScoringRun.objects.create(
        kind=kind, as_of=as_of or timezone.localdate(), created_by=acting_user, changes_until=now
    )
    from churn.tasks import scoring_run_plan_task  # tasks import services

    transaction.on_commit(lambda: scoring_run_plan_task.delay(run_id=run.pk))
    return run


def _full_chunks(run: ScoringRun) -> list[ScoringChunk]:
    qs = Customer.objects.exclude(stage=Customer.Stage.FORMER).order_by("pk")
    ids = frame_from_queryset(qs, ["id"])["id"].to_numpy(dtype=np.int64)
    size = _chunk_size()
    return [
        ScoringChunk(
            run=run, number=n, first_id=int(part[0]), last_id=int(part[-1]), customer_ids=None
        )
        for n, part in enumerate(np.array_split(ids, max(1, -(-len(ids) // size))))
        if len(part)
    ]


def _changed_chunks(run: ScoringRun) -> list[ScoringChunk]:
    """Customers whose history changed since the newest finished run's cut-off."""
    previous = (
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE)
        .exclude(pk=run.pk)
        .order_by("-changes_until")
        .first()
    )
    qs = Customer.objects.exclude(stage=Customer.Stage.FORMER).filter(
        history_changed_at__lte=run.changes_until
    )
    if previous is not None:
        qs = qs.filter(history_changed_at__gt=previous.changes_until)
    ids = sorted(qs.values_list("pk", flat=True))
    return [
        ScoringChunk(run=run, number=n, first_id=part[0], last_id=part[-1], customer_ids=part)
        for n, part in enumerate(
            ids[i : i + CHANGED_CHUNK_SIZE] for i in range(0, len(ids), CHANGED_CHUNK_SIZE)
        )
    ]


def _version_for(run: ScoringRun) -> ModelVersion:
    version = ModelVersion.objects.filter(status=ModelVersion.Status.CURRENT).first()
    if version is None:  # first run ever: train (or fall back to cold start) first
        version = model_train(as_of=run.as_of, acting_user=run.created_by)
    return version


def scoring_run_plan(*, run_id: int) -> list[int]:
    """Split the run into chunks (once) and return the ids of the chunks still to do."""
    run = ScoringRun.objects.filter(pk=run_id, status=ScoringRun.Status.RUNNING).first()
    if run is None:
        return []
    if run.model_version_id is None:
        version = _version_for(run)
        ScoringRun.objects.filter(pk=run.pk, model_version__isnull=True).update(
            model_version=version
        )
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        if not run.chunks.exists():
            # Objections recorded by paths that cannot reach churn (imports) take effect
            # here; the page and the API applied theirs at once.
            profiling_objections_apply()
            chunks = _full_chunks(run) if run.kind == ScoringRun.Kind.FULL else _changed_chunks(run)
            ScoringChunk.objects.bulk_create(chunks)
            run.chunks_total = len(chunks)
            run.customers_total = sum(
                len(c.customer_ids) if c.customer_ids is not None else 0 for c in chunks
            )
            run.save(update_fields=["chunks_total", "customers_total"])
        pending = list(
            run.chunks.exclude(state=ScoringChunk.State.DONE).values_list("pk", flat=True)
        )
    if not pending:
        scoring_run_finish(run_id=run_id)
    return pending


def scoring_inputs(version: ModelVersion, *, horizon_days: int | None = None) -> ScoringInputs:
    config = scoring_settings_get()
    model: ChurnModel | None = None
    if not version.is_cold_start and version.artefact is not None:
        model = model_load(bytes(version.artefact))
    return ScoringInputs(
        model=model,
        repeat=RepeatBuyingParams.from_dict(version.repeat_buying)
        if version.repeat_buying
        else None,
        spend=SpendParams.from_dict(version.spend) if version.spend else None,
        tier_cuts={k: float(v) for k, v in version.tier_cuts.items()},
        silence_threshold=config.silence_threshold,
        horizon_days=horizon_days or version.horizon_days,
        value_horizon_days=config.value_horizon_days,
    )


class StageClock:
    """Seconds spent per stage of a chunk, added to the run for the benchmark."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def _silence(scores: pd.DataFrame, as_of: date, now: datetime) -> int:
    silent = scores[scores["is_silent"]]
    began = {
        int(pk): as_of - timedelta(days=int(days))
        for pk, days in zip(silent.index, silent["silent_began_days_ago"].fillna(0), strict=True)
    }
    cleared = scores.index[~scores["is_silent"] & scores["p_alive"].notna()]
    newly, _ended = customer_silence_set(began_on=began, cleared=list(map(int, cleared)), at=now)
    return newly


def _take(chunk_id: int) -> ScoringChunk | None:
    """Lock the chunk for this transaction; None if done or another worker holds it."""
    return (
        ScoringChunk.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("run", "run__model_version")
        .filter(pk=chunk_id)
        .exclude(state=ScoringChunk.State.DONE)
        .first()
    )


def scoring_chunk_process(*, chunk_id: int) -> list[int]:
    """Score one chunk; returns the ids of the alerts it raised (for the email task)."""
    clock = StageClock()
    with transaction.atomic():
        chunk = _take(chunk_id)
        if chunk is None or chunk.run.status != ScoringRun.Status.RUNNING:
            return []
        run, version = chunk.run, chunk.run.model_version
        if version is None:
            raise ValidationError(_("The run has no model version."))
        scope = (
            Scope(ids=chunk.customer_ids)
            if chunk.customer_ids is not None
            else Scope(first_id=chunk.first_id, last_id=chunk.last_id)
        )
        now = timezone.now()
        with clock.stage("features"):
            agg = aggregates_as_of(as_of=run.as_of, scope=scope)
        with clock.stage("predict"):
            scores = score_aggregates(scoring_inputs(version), agg)
        with clock.stage("write"):
            rows = score_rows(
                scores, agg=agg, run_id=run.pk, version_id=version.pk, as_of=run.as_of, now=now,
                is_cold_start=version.is_cold_start,
            )  # fmt: skip
            scores_write(rows)
            silences = _silence(scores, run.as_of, now)
        with clock.stage("alerts"):
            alert_ids = alerts_raise(scores=scores, agg=agg, run=run, now=now)
        chunk.state = ScoringChunk.State.DONE
        chunk.done_at = timezone.now()
        chunk.scored = len(scores)
        chunk.save(update_fields=["state", "done_at", "scored"])
        _run_add(run, scored=len(scores), alerts=len(alert_ids), silences=silences, clock=clock)
    scoring_run_finish(run_id=run.pk)
    return alert_ids


def _run_add(
    run: ScoringRun, *, scored: int, alerts: int, silences: int, clock: StageClock
) -> None:
    locked = ScoringRun.objects.select_for_update().get(pk=run.pk)
    for name, seconds in clock.seconds.items():
        locked.stage_seconds[name] = round(locked.stage_seconds.get(name, 0.0) + seconds, 3)
    locked.chunks_done = F("chunks_done") + 1
    locked.customers_scored = F("customers_scored") + scored
    locked.alerts_raised = F("alerts_raised") + alerts
    locked.silences_begun = F("silences_begun") + silences
    locked.save(
        update_fields=[
            "stage_seconds", "chunks_done", "customers_scored", "alerts_raised",
            "silences_begun",
        ]
    )  # fmt: skip


def scoring_run_finish(*, run_id: int) -> bool:
    """Mark the run done once every chunk is (a conditional UPDATE: exactly one caller
    wins); a full run then checks the model's features for drift."""
    # Only the planner (after planning) and chunk workers call this, so a run with no
    # chunks here is a planned empty run, not an unplanned one.
    finished = ScoringRun.objects.filter(
        pk=run_id, status=ScoringRun.Status.RUNNING, chunks_done__gte=F("chunks_total")
    ).update(status=ScoringRun.Status.DONE, finished_at=timezone.now())
    if not finished:
        return False
    run = ScoringRun.objects.select_related("model_version").get(pk=run_id)
    if run.kind == ScoringRun.Kind.FULL and run.model_version is not None:
        drift_check(version=run.model_version, as_of=run.as_of)
    return True


def drift_check(*, version: ModelVersion, as_of: date) -> dict[str, float]:
    """Population stability of each feature: today's customers against the holdout the
    version was judged on. Stored on the version; the model page warns above 0.25."""
    if not version.reference:
        return {}
    ids = list(
        Customer.objects.exclude(stage=Customer.Stage.FORMER)
        .order_by("?")
        .values_list("pk", flat=True)[:DRIFT_SAMPLE]
    )
    agg = aggregates_as_of(as_of=as_of, scope=Scope(ids=ids))
    agg = agg[agg["order_days"] >= 1]
    if agg.empty:
        return {}
    features = features_from_aggregates(agg)
    drift = {
        column: round(float(psi(np.asarray(reference), features[column].to_numpy())), 4)
        for column, reference in version.reference.items()
        if column in features
    }
    ModelVersion.objects.filter(pk=version.pk).update(drift=drift, drift_checked_at=timezone.now())
    return drift


def scoring_runs_resume() -> list[int]:
    """Chunks of running runs that are not done (their worker died and the broker lost
    the message, or planning never finished); the resume task queues them again."""
    stale = timezone.now() - timedelta(minutes=STALE_PLAN_MINUTES)
    unplanned = ScoringRun.objects.filter(
        status=ScoringRun.Status.RUNNING, chunks_total=0, started_at__lt=stale
    ).values_list("pk", flat=True)
    from churn.tasks import scoring_run_plan_task  # tasks import services

    for run_id in unplanned:
        scoring_run_plan_task.delay(run_id=run_id)
    return list(
        ScoringChunk.objects.filter(run__status=ScoringRun.Status.RUNNING)
        .exclude(state=ScoringChunk.State.DONE)
        .values_list("pk", flat=True)
    )
