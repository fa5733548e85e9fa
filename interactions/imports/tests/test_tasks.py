"""The Celery task (eager here; tests/integration/test_imports_worker.py runs it through a
real worker): claiming, a re-run after a crash, housekeeping."""

import os
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from conftest import World
from interactions.imports import services
from interactions.imports.history import PythonHistoryImport
from interactions.imports.history_sql import SqlHistoryImport
from interactions.imports.models import ImportJob, ImportKind
from interactions.imports.services import run as runner
from interactions.imports.tasks import import_files_purge_task, import_run_task
from interactions.imports.tests.factories import import_job_make, import_run
from interactions.models import Order

ROWS = 30
CONTENT = "number,customer,date,total\n" + "".join(
    f"A{i},C1,2026-01-02,{i}.00\n" for i in range(ROWS)
)


class WorkerKilled(BaseException):
    """Like SIGKILL for the code under test: no ``except Exception`` sees it."""


@pytest.fixture
def job(world: World) -> ImportJob:
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    job = import_run(import_job_make(world.admin, ImportKind.ORDERS, CONTENT), dry_run=True)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, is_dry_run=False)
    return job


def _imported() -> int:
    return Order.objects.filter(source="import").count()


def test_task_imports_a_queued_job(job: ImportJob) -> None:
    assert import_run_task.delay(job.pk).get() == "done"
    assert _imported() == ROWS


def test_rerun_after_a_crash_mid_write_completes_exactly_once(
    job: ImportJob, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = SqlHistoryImport if services.sql_engine_available() else PythonHistoryImport
    real_write = engine.write

    def write_then_die(self: Any, *args: Any) -> int:
        real_write(self, *args)  # every row inserted, not yet committed...
        raise WorkerKilled

    monkeypatch.setattr(engine, "write", write_then_die)
    with pytest.raises(WorkerKilled):
        import_run_task.delay(job.pk)
    job.refresh_from_db()
    assert (job.status, job.attempt, _imported()) == (ImportJob.Status.RUNNING, 2, 0)

    monkeypatch.setattr(engine, "write", real_write)
    # The dead worker's heartbeat ages past the lease (on PostgreSQL its advisory lock
    # went with its session already).
    stale = timezone.now() - services.RUNNER_LEASE - timedelta(seconds=1)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=stale)

    assert import_run_task.delay(job.pk).get() == "done"
    assert import_run_task.delay(job.pk).get() == "skipped"  # a redelivered message
    job.refresh_from_db()
    assert (job.status, job.attempt, _imported()) == (ImportJob.Status.DONE, 3, ROWS)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite has the lease only")
def test_a_running_job_with_a_live_heartbeat_is_left_alone(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, attempt=1, heartbeat_at=timezone.now()
    )

    assert services.import_job_run(job_id=job.pk) == services.RunOutcome.BUSY
    assert _imported() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks")
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_runner_holds_the_lock_is_left_alone(job: ImportJob) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING, attempt=1)
    locked, release = threading.Event(), threading.Event()

    def live_runner() -> None:
        key = services.ADVISORY_LOCK_BASE + job.pk
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [key])
            locked.set()
            release.wait(10)
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])  # before close returns
        connections["default"].close()

    holder = threading.Thread(target=live_runner)
    holder.start()
    try:
        assert locked.wait(10)
        assert services.import_job_run(job_id=job.pk) == services.RunOutcome.BUSY
        assert _imported() == 0
    finally:
        release.set()
        holder.join()
    assert services.import_job_run(job_id=job.pk) == services.RunOutcome.DONE  # now it's free


def test_two_claims_of_one_queued_job_only_one_wins(job: ImportJob) -> None:
    seen = ImportJob.objects.get(pk=job.pk)

    first = runner._claim(seen, no_other_runner=False)
    second = runner._claim(seen, no_other_runner=False)

    assert (first, second) == (seen.attempt + 1, None)


def test_task_for_a_finished_or_missing_job_returns_quietly(job: ImportJob) -> None:
    import_run_task.delay(job.pk)
    assert import_run_task.delay(job.pk).get() == "skipped"
    assert import_run_task.delay(987_654).get() == "skipped"
    assert _imported() == ROWS


def test_file_of_a_finished_job_is_deleted(job: ImportJob, media_root: Path) -> None:
    path = media_root / "imports" / job.stored_name
    assert path.exists()

    import_run_task.delay(job.pk)

    job.refresh_from_db()
    assert job.stored_name == ""
    # Deleted after the transaction commits; the test's transaction never does, so run
    # the purge: it removes files no job refers to once they are old enough.
    if path.exists():
        old = time.time() - services.FILE_RETENTION.total_seconds() - 60
        os.utime(path, (old, old))
        assert import_files_purge_task.delay().get() >= 1
    assert not path.exists()


def test_purge_expires_week_old_unfinished_jobs(world: World, media_root: Path) -> None:
    job = import_job_make(world.admin, ImportKind.ORDERS, CONTENT)
    fresh = import_job_make(world.admin, ImportKind.ORDERS, CONTENT)
    old = timezone.now() - services.FILE_RETENTION - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(created_at=old)

    assert services.import_files_purge() == 1

    job.refresh_from_db()
    assert (job.status, job.stored_name) == (ImportJob.Status.EXPIRED, "")
    assert (media_root / "imports" / fresh.stored_name).exists()
