"""SMS through a pluggable backend, chosen by ``settings.SMS_BACKEND`` (a dotted path), the
way Django chooses email backends. A provider's backend subclasses ``BaseSmsBackend`` and
raises ``SmsDeliveryError`` (``is_transient`` for a retry) when a message fails."""

import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    reference: str = ""  # our id for delivery reports


class SmsDeliveryError(Exception):
    def __init__(self, message: str, *, is_transient: bool) -> None:
        super().__init__(message)
        self.is_transient = is_transient


class BaseSmsBackend:
    def open(self) -> None:
        """Open a connection to the provider, if it has one."""

    def close(self) -> None:
        """Close it."""

    def send(self, message: SmsMessage) -> str:
        """Send one message; returns the provider's id of it."""
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    """Prints each message (development)."""

    def send(self, message: SmsMessage) -> str:
        sys.stdout.write(f"SMS to {message.to}: {message.body}\n")
        return f"console-{get_random_string(12)}"


class LocmemSmsBackend(BaseSmsBackend):
    """Keeps messages in ``LocmemSmsBackend.outbox`` (tests)."""

    outbox: ClassVar[list[SmsMessage]] = []
    _lock = threading.Lock()

    def send(self, message: SmsMessage) -> str:
        with self._lock:
            self.outbox.append(message)
        return f"locmem-{len(self.outbox)}"


class FileSmsBackend(BaseSmsBackend):
    """Appends each message as a JSON line to a file in ``settings.SMS_FILE_PATH``."""

    def send(self, message: SmsMessage) -> str:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        line = {**asdict(message), "at": timezone.now().isoformat()}
        with (folder / f"{timezone.localdate().isoformat()}.jsonl").open("a") as out:
            out.write(json.dumps(line) + "\n")
        return f"file-{get_random_string(12)}"


def sms_backend() -> BaseSmsBackend:
    backend_class = import_string(settings.SMS_BACKEND)
    backend = backend_class()
    assert isinstance(backend, BaseSmsBackend)  # noqa: S101 -- a misconfiguration, at once
    return backend
