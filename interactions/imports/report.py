"""The result of a run: counts and the first errors, each with the row as the file numbers
it (header = 1), the source column's name and why.

Every check adds its errors in row order, so the log keeps only what can still be among
the first ``MAX_ERRORS`` overall while counting them all: a file with a million bad rows
costs no more memory than one with two hundred. The SQL and Python checks add the same
errors, so both report the same.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_ERRORS = 200  # shown on the preview page; the total is counted exactly


@dataclass(frozen=True, order=True)
class RowError:
    row: int
    column: str
    message: str


class ErrorLog:
    def __init__(self) -> None:
        self.total = 0
        self._kept: dict[str, list[RowError]] = {}

    def add(self, check: str, error: RowError) -> None:
        """Errors of one ``check`` must come in row order."""
        self.total += 1
        kept = self._kept.setdefault(check, [])
        # Once MAX_ERRORS are kept, later rows cannot be among the first; the rest of the
        # last row may be (its columns sort among themselves).
        if len(kept) < MAX_ERRORS or kept[-1].row == error.row:
            kept.append(error)

    def add_counted(self, check: str, errors: Iterable[RowError], total: int) -> None:
        """The first (at most MAX_ERRORS) of ``total`` errors, as a SQL query found them."""
        self._kept.setdefault(check, []).extend(errors)
        self.total += total

    def first(self) -> list[RowError]:
        return sorted(e for kept in self._kept.values() for e in kept)[:MAX_ERRORS]


@dataclass
class Report:
    rows: int = 0  # data rows read (blank rows not counted)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    customers_created: int = 0
    errors: ErrorLog = field(default_factory=ErrorLog)
    encoding: str = ""
    delimiter: str = ""
    dry_run: bool = True
    phase_seconds: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "customers_created": self.customers_created,
            "error_count": self.errors.total,
            "errors": [[e.row, e.column, e.message] for e in self.errors.first()],
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "dry_run": self.dry_run,
            "phase_seconds": {k: round(v, 2) for k, v in self.phase_seconds.items()},
        }
