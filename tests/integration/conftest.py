"""Integration suite: real Celery workers consuming from Redis and writing to the real
PostgreSQL test database.

Without ``CRM_INTEGRATION=1`` the suite skips, saying what is missing, when the database is
not PostgreSQL or Redis does not answer; with it (CI) the same gaps fail the run, so a
broken CI setup cannot pass by skipping.

Every pytest process (each xdist worker too) starts its own Celery worker, bound to its own
test database but to the same Redis database and queues. So that no worker takes another's
messages, the processes take turns: a file lock, held from flushing Redis to stopping the
worker, admits one at a time."""

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.db import connection

from crm.celery import app as celery_app
from customers.permissions import customer_permission_id
from tests.integration.worker import REDIS_URL, CeleryWorker, database_url_for

# Another pytest process holds the lock for at most its integration module (well under a
# minute); waiting longer means it hangs.
LOCK_TIMEOUT_S = 120


@pytest.fixture(autouse=True)
def _fresh_permission_ids() -> None:
    """A transactional test's flush makes post_migrate create the permissions again, with
    new ids; forget the ids this process cached before the previous test's flush."""
    customer_permission_id.cache_clear()


def _missing_services() -> list[str]:
    missing = []
    if connection.vendor != "postgresql":
        missing.append(
            f"PostgreSQL (the database is {connection.vendor}; "
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name>)"
        )
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as exc:
        missing.append(f"Redis answering PING at {REDIS_URL} (CRM_TEST_REDIS_URL): {exc}")
    return missing


@pytest.fixture(scope="session")
def integration_services() -> None:
    missing = _missing_services()
    if not missing:
        return
    reason = "integration tests need " + "; and ".join(missing)
    if os.environ.get("CRM_INTEGRATION") == "1":
        pytest.fail(f"CRM_INTEGRATION=1 but {reason}", pytrace=False)
    pytest.skip(f"{reason}. Run `make test` with CI=true to start them.")


@pytest.fixture(scope="module")
def redis_turn(integration_services: None) -> Iterator[None]:
    """This process's turn on the shared Redis database, which starts empty."""
    name = "".join(c if c.isalnum() else "-" for c in REDIS_URL)
    with open(Path(tempfile.gettempdir()) / f"crm-integration-{name}.lock", "w") as lock:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test process held {lock.name} for {LOCK_TIMEOUT_S} s")
                time.sleep(0.2)
        redis.Redis.from_url(REDIS_URL).flushdb()
        yield
        # Closing the file releases the lock.


def _forget_broker_pools() -> None:
    # The app keeps the broker pools it took, on first use, from kombu's process-wide pools
    # for its broker_url; forget them so that the next use takes those of the new URL. Not
    # closed: kombu hands the same pools out again for the same URL. (Private attributes:
    # Celery has no public way to do this.)
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def celery_sends_to_redis(redis_turn: None) -> Iterator[None]:
    """Make ``.delay()`` in this process publish to Redis instead of running eagerly.
    Overriding Django settings is too late: the Celery app has read them already."""
    names = ("task_always_eager", "broker_url", "broker_transport_options")
    saved = {name: celery_app.conf[name] for name in names}
    celery_app.conf.update(
        task_always_eager=False, broker_url=REDIS_URL, broker_transport_options={}
    )
    _forget_broker_pools()
    yield
    celery_app.conf.update(saved)
    _forget_broker_pools()


@pytest.fixture(scope="module")
def celery_worker(
    celery_sends_to_redis: None,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CeleryWorker]:
    with django_db_blocker.unblock():
        database_url = database_url_for(connection.settings_dict)  # the test database by now
    worker = CeleryWorker(database_url=database_url, log_dir=tmp_path_factory.mktemp("celery"))
    try:
        worker.start()
        yield worker
    finally:
        worker.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    worker = getattr(item, "funcargs", {}).get("celery_worker")
    if report.failed and isinstance(worker, CeleryWorker):
        report.sections.append(("Celery worker log", worker.log()))
    return report
