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
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection

from crm.celery import app as celery_app

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER_READY_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10
# Another pytest process holds the lock for at most its integration module (well under a
# minute); waiting longer means it hangs.
LOCK_TIMEOUT_S = 120


def wait_until(predicate: Callable[[], bool], *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.1)


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


def _drop_broker_connections() -> None:
    # The app pools its broker connections, built from broker_url when first used.
    # (Private attributes: Celery offers no public way to rebuild the pools.)
    pool = celery_app._pool  # type: ignore[attr-defined]
    if pool is not None:
        pool.force_close_all()
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
    _drop_broker_connections()
    yield
    celery_app.conf.update(saved)
    _drop_broker_connections()


def _database_url(db: dict[str, Any]) -> str:
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    credentials = f"{user}{password}@" if user else ""
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


class CeleryWorker:
    """``celery -A crm worker`` as a subprocess; start, kill and restart it, read its log."""

    def __init__(self, *, database_url: str, log_dir: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "crm.settings.test",
            "CELERY_BROKER_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": database_url,
            "PYTHONUNBUFFERED": "1",
        }
        self.log_dir = log_dir
        self.logs: list[Path] = []
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        assert self.process is None, "a worker is already running"
        log = self.log_dir / f"worker-{len(self.logs) + 1}.log"
        self.logs.append(log)
        node = f"itest-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{len(self.logs)}@%h"
        command = [sys.executable, "-m", "celery", "-A", "crm", "worker", "--pool=solo"]
        command += ["--concurrency=1", "-Q", "default,scoring", "--without-mingle"]
        command += ["--without-gossip", "-l", "INFO", "-n", node]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        wait_until(
            self._ready, what=f"Celery worker ready\n{self.log()}", timeout=WORKER_READY_TIMEOUT_S
        )

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            pytest.fail(f"Celery worker exited with {self.process.returncode}\n{self.log()}")
        return " ready." in self.logs[-1].read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no chance to hand anything back."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(STOP_TIMEOUT_S)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(STOP_TIMEOUT_S)
        self.process = None

    def log(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')}" for p in self.logs)

    def current_log(self) -> str:
        return self.logs[-1].read_text(errors="replace")


@pytest.fixture(scope="module")
def celery_worker(
    celery_sends_to_redis: None,
    django_db_setup: None,
    django_db_blocker: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[CeleryWorker]:
    with django_db_blocker.unblock():
        database_url = _database_url(connection.settings_dict)  # the test database by now
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
