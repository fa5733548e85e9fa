"""A Celery worker in a subprocess, for the integration tests, and a polling helper."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
WORKER_READY_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def wait_until(predicate: Callable[[], bool], *, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout} s")
        time.sleep(0.1)


def database_url_for(db: dict[str, Any]) -> str:
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
        deadline = time.monotonic() + WORKER_READY_TIMEOUT_S
        while not self._ready():
            if time.monotonic() > deadline:
                pytest.fail(f"Celery worker not ready in {WORKER_READY_TIMEOUT_S} s\n{self.log()}")
            time.sleep(0.1)

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
