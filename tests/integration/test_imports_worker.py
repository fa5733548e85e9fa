"""The import task through a real Celery worker on Redis, against the real PostgreSQL test
database: a normal run, and a worker killed mid-import whose job a replacement finishes
exactly once. The worker and this process share MEDIA_ROOT (the uploaded file)."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from conftest import World
from interactions.imports import services
from interactions.imports.models import ImportJob, ImportKind
from interactions.imports.tasks import import_run_task
from interactions.models import Order
from tests.integration.worker import CeleryWorker, wait_until

# Not serialized_rollback: after another module's transactional flush the content types
# are new rows, and restoring the serialized ones would collide with them. The personas'
# fixture seeds the roles again when a flush removed them.
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BIG_ROWS = 300_000  # reading takes seconds: time to kill the worker mid-import


def _orders_csv(rows: int) -> Iterator[bytes]:
    yield b"number,customer,date,total\n"
    for start in range(0, rows, 10_000):
        block = range(start, min(rows, start + 10_000))
        yield "".join(f"W{i:07d},C1,2026-01-02,{i % 500}.25\n" for i in block).encode()


def _job(world: World, rows: int) -> ImportJob:
    world.customer.external_ref = "C1"
    world.customer.save(update_fields=["external_ref"])
    job = services.import_job_create(
        acting_user=world.admin,
        kind=ImportKind.ORDERS,
        original_name="orders.csv",
        chunks=_orders_csv(rows),
        options=services.ImportOptions(),
    )
    return services.import_job_set_mapping(
        job=job,
        acting_user=world.admin,
        mapping=job.mapping,
        date_format="iso",
        decimal_separator=".",
    )


def _status(job: ImportJob) -> Any:
    job.refresh_from_db()
    return job.status


def _imported() -> int:
    return Order.objects.filter(source="import").count()


def _lock_free(job: ImportJob) -> bool:
    """Whether the job's advisory lock is free: its runner's session is gone."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [services.ADVISORY_LOCK_BASE + job.pk])
        free = bool(cursor.fetchone()[0])
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [services.ADVISORY_LOCK_BASE + job.pk])
    return free


def test_import_runs_on_the_worker(celery_worker: CeleryWorker, world: World) -> None:
    job = _job(world, 1_000)

    services.import_job_commit(job=job, acting_user=world.admin)  # enqueued on commit

    wait_until(lambda: _status(job) == ImportJob.Status.DONE, what="import done by the worker")
    assert _imported() == 1_000
    assert job.report["new"] == 1_000
    wait_until(
        lambda: (
            "import_run_task" in celery_worker.current_log()
            and "succeeded" in celery_worker.current_log()
        ),
        what="the worker logs the task as done",
        timeout=5,
    )


def test_worker_killed_mid_import_leaves_nothing_and_the_rerun_finishes_once(
    celery_worker: CeleryWorker, world: World
) -> None:
    job = _job(world, BIG_ROWS)
    services.import_job_commit(job=job, acting_user=world.admin)
    wait_until(
        lambda: _status(job) == ImportJob.Status.RUNNING and job.rows_read > 0,
        what="the worker reading the file",
        timeout=60,
    )

    celery_worker.kill()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # left behind by the dead worker
    wait_until(lambda: _lock_free(job), what="the dead worker's session gone", timeout=30)
    assert _imported() == 0
    celery_worker.start()
    # Redis would redeliver the unacknowledged message after its visibility timeout;
    # send it again now, as that redelivery, and once more, as a duplicate.
    import_run_task.delay(job.pk)
    import_run_task.delay(job.pk)

    wait_until(
        lambda: _status(job) == ImportJob.Status.DONE, what="the replacement finishes", timeout=180
    )
    assert _imported() == BIG_ROWS
    assert job.attempt == 2
    wait_until(
        lambda: celery_worker.current_log().count("succeeded") >= 2,
        what="both messages handled",
        timeout=30,
    )
    assert _imported() == BIG_ROWS  # the duplicate changed nothing
