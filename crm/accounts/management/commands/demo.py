"""Run the whole CRM on one machine: migrate, load demo data, then web, worker and beat.

`make demo` calls this with crm.settings.local (SQLite in var/, kombu's filesystem broker in
var/broker). Every step is safe to repeat, so a second run reuses the database and data.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

HOST = "127.0.0.1"
PORT = 8000
DEMO_CUSTOMERS = 2000
DEMO_SEED = 42  # the same seed gives the same customers, so logins printed once stay valid
STOP_GRACE_SECONDS = 10  # after SIGTERM; a Celery warm shutdown takes a few seconds
POLL_SECONDS = 0.5
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Command(BaseCommand):
    help = "Migrate, load demo data, then run web, Celery worker and beat until Ctrl-C."
    _stop_signal: int | None = None  # set by the signal handler; the main loop watches it

    def handle(self, *args: Any, **options: Any) -> None:
        if _port_is_open():
            raise CommandError(f"{HOST}:{PORT} is already in use: is another demo running?")
        self._prepare_folders()
        call_command("migrate", interactive=False, verbosity=1)
        call_command("demo_data", "--customers", str(DEMO_CUSTOMERS), "--seed", str(DEMO_SEED))
        # By name: the history generator lives in a higher app (interactions) than this one.
        call_command("demo_history", "--seed", str(DEMO_SEED))
        call_command("demo_campaigns")  # by name too: campaigns sit above this app
        # The first start scores the demo customers, so alerts wait for the printed logins.
        call_command("scoring_run", "--if-never")
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._request_stop)
        children: dict[str, subprocess.Popen[str]] = {}
        readers: list[threading.Thread] = []
        try:
            for name, command in _child_commands().items():
                children[name], reader = self._spawn(name, command)
                readers.append(reader)
            crashed = self._supervise(children)
        finally:
            self._stop(children)
            for reader in readers:
                reader.join(timeout=2)
        if crashed:
            raise CommandError(f"{crashed} stopped unexpectedly, so the demo was shut down.")
        self.stdout.write("Demo stopped.")

    def _prepare_folders(self) -> None:
        Path(settings.VAR_DIR).mkdir(parents=True, exist_ok=True)
        Path(settings.CELERY_BEAT_SCHEDULE_FILENAME).parent.mkdir(parents=True, exist_ok=True)
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            # kombu creates the control folder inside this one but not this one itself.
            broker_dir = Path(str(settings.CELERY_BROKER_FILESYSTEM_DIR))
            broker_dir.mkdir(parents=True, exist_ok=True)

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self._stop_signal = signum

    def _spawn(
        self, name: str, command: list[str]
    ) -> tuple[subprocess.Popen[str], threading.Thread]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # children's lines arrive as written
        process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            command,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        if process.stdout is None:  # cannot happen with stdout=PIPE; narrows the type
            raise CommandError(f"{name} started without an output pipe.")
        reader = threading.Thread(
            target=self._relay, args=(name, process.stdout), name=f"demo-{name}", daemon=True
        )
        reader.start()
        return process, reader

    def _relay(self, name: str, stream: TextIO) -> None:
        """Copy one child's output to ours, each line tagged with the child's name."""
        for line in stream:
            self.stdout.write(f"{name:>6} | {line}", ending="")
            self.stdout.flush()

    def _supervise(self, children: dict[str, subprocess.Popen[str]]) -> str | None:
        """Wait for a stop signal (returns None) or a child's death (returns its name)."""
        url_shown = False
        while self._stop_signal is None:
            for name, process in children.items():
                code = process.poll()
                if code is not None:
                    how = f"was killed by signal {-code}" if code < 0 else "exited"
                    self.stderr.write(f"{name} {how} (exit code {code}).")
                    return name
            if not url_shown and _port_is_open():
                self.stdout.write(
                    self.style.SUCCESS(f"\nCRM demo running at http://{HOST}:{PORT}/")
                    + "  (log in with an account listed above; Ctrl-C stops everything)\n"
                )
                url_shown = True
            time.sleep(POLL_SECONDS)
        self.stdout.write(f"\n{signal.Signals(self._stop_signal).name} received, stopping...")
        return None

    def _stop(self, children: dict[str, subprocess.Popen[str]]) -> None:
        """SIGTERM every child still running, wait STOP_GRACE_SECONDS in all, then SIGKILL."""
        for process in children.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for name, process in children.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} ignored SIGTERM for {STOP_GRACE_SECONDS} s; killing.")
                process.kill()
                process.wait()


def _child_commands() -> dict[str, list[str]]:
    celery = [sys.executable, "-m", "celery", "-A", "crm"]
    return {
        "web": [sys.executable, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        # The filesystem broker has no fanout or heartbeats: mingle, gossip and heartbeat off.
        "worker": [
            *celery,
            *("worker", "--loglevel=INFO", "--pool=solo", "-Q", "default,scoring"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat"),
        ],
        "beat": [
            *celery,
            *("beat", "--loglevel=INFO"),
            f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
        ],
    }


def _port_is_open() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=0.2):
            return True
    except OSError:
        return False
