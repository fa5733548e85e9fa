"""What one run of an import job needs to know, gathered once at its start."""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User

from crm.accounts.models import Team
from customers.models import Customer, CustomerQuerySet
from customers.permissions import CHANGE
from customers.selectors import customer_list_for_user
from interactions.imports.reading import FileInfo
from interactions.imports.rows import Column, Options


@dataclass(frozen=True)
class RunContext:
    job_id: int
    kind: str
    # None when run from the command line without --user: the operator may do anything.
    acting_user: User | None
    team: Team | None
    owner: User | None
    create_missing_customers: bool
    options: Options
    columns: list[Column]
    mapping: dict[str, str]  # {target: source column}
    path: Path
    info: FileInfo

    def source(self, target: str) -> str:
        return self.mapping.get(target, "")

    def writable_customers(self) -> CustomerQuerySet:
        """Customers whose history or profile this run may write."""
        if self.acting_user is None:
            return Customer.objects.all()
        return customer_list_for_user(user=self.acting_user, perm=CHANGE)


class RunProgress:
    """Rows read so far, written to the job now and then (outside the write transaction,
    so the job page sees them; each write also renews the runner's heartbeat). ``seen``
    is cheap; ``flush`` writes when due; ``enter`` a new phase writes at once."""

    def __init__(self, write: Callable[[int, str], None], *, every_seconds: float) -> None:
        self._write = write
        self._every = every_seconds
        self._written_at = 0.0
        self._phase_started = time.monotonic()
        self.count = 0
        self.phase = ""
        self.phase_seconds: dict[str, float] = {}

    def seen(self, count: int) -> None:
        self.count = count

    def flush(self) -> None:
        if time.monotonic() - self._written_at >= self._every:
            self._save()

    def enter(self, phase: str) -> None:
        self.close_phase()
        self.phase = phase
        self._save()

    def close_phase(self) -> None:
        """Add the time since the current phase began to its total."""
        now = time.monotonic()
        if self.phase:
            spent = now - self._phase_started
            self.phase_seconds[self.phase] = self.phase_seconds.get(self.phase, 0.0) + spent
        self._phase_started = now

    def _save(self) -> None:
        self._write(self.count, self.phase)
        self._written_at = time.monotonic()
