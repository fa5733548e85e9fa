"""Importing history records (orders, interactions, complaints): what each kind stages and
compares, the checks every engine runs, and the plain-Python engine.

Two engines run the same checks with the same messages: ``history_sql`` stages rows in a
PostgreSQL temp table and checks them set-based (the fast path), this one checks in
batches through the ORM (SQLite, the embedded demo). Both read the file twice: a checking
pass, then, only when it found nothing wrong, a writing pass inside one transaction.

The checks, per good row (a row with a bad cell is not checked further):
- unknown customer reference (unless missing customers are to be created);
- a customer the user may not write to;
- a natural key repeated within the file (the first row wins, later ones are errors);
- a natural key that exists already with other values (else the row is unchanged).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.silence import customer_activity_touch
from interactions.imports.context import RunContext, RunProgress
from interactions.imports.models import ImportKind
from interactions.imports.newcustomers import customers_minimal_create
from interactions.imports.reading import ROWS_PER_CHUNK, file_row_chunks
from interactions.imports.report import Report, RowError
from interactions.imports.rows import (
    KEY,
    REF,
    ROW,
    VALUES,
    HistoryRecord,
    builder_for,
    history_records,
)
from interactions.models import Complaint, Interaction, Order, Source
from interactions.services import service_level_hours

BATCH_SIZE = 2_000  # rows checked or written per round trip


@dataclass(frozen=True)
class HistorySpec:
    kind: str
    model: type[models.Model]
    key_column: str  # the natural key's database column
    key_target: str  # the target field whose source column errors about the key name
    imported_only: bool  # the key is unique among imported rows only
    # (database column, PostgreSQL type), in the order of a HistoryRecord's values
    columns: tuple[tuple[str, str], ...]
    # Columns an existing record must equal (besides the customer) to count as unchanged.
    compared: tuple[str, ...]
    duplicate: Callable[[str, int], str]
    conflict: Callable[[str], str]

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)

    def constants(self, *, now: datetime, acting_user_id: int | None) -> dict[str, Any]:
        """Insert values every imported row shares (non-null columns the file has not)."""
        values: dict[str, Any] = {"source": Source.IMPORT.value}
        if self.model is Order:
            values.update(idempotency_key="", created_at=now)
        elif self.model is Interaction:
            values.update(created_at=now)
        else:
            values.update(created_by_id=acting_user_id)
        return values

    def existing_filter(self) -> models.Q:
        q = ~models.Q(**{self.key_column: ""})
        return q & models.Q(source=Source.IMPORT) if self.imported_only else q


def _interaction_duplicate(key: str, first: int) -> str:
    if key.startswith("sha256:"):
        return _("Row %(first)s has the same customer, time, channel and subject.") % {
            "first": first
        }
    return _("External id “%(key)s” is also on row %(first)s.") % {"key": key, "first": first}


SPECS: dict[str, HistorySpec] = {
    ImportKind.ORDERS: HistorySpec(
        kind=ImportKind.ORDERS,
        model=Order,
        key_column="external_ref",
        key_target="external_ref",
        imported_only=False,
        columns=(
            ("ordered_on", "date"),
            ("amount_cents", "bigint"),
            ("currency", "varchar(3)"),
            ("status", "varchar(10)"),
        ),
        compared=("ordered_on", "amount_cents", "currency", "status"),
        duplicate=lambda key, first: (
            _("Order number “%(key)s” is also on row %(first)s.") % {"key": key, "first": first}
        ),
        conflict=lambda key: (
            _("Order number “%(key)s” exists already with other values.") % {"key": key}
        ),
    ),
    ImportKind.INTERACTIONS: HistorySpec(
        kind=ImportKind.INTERACTIONS,
        model=Interaction,
        key_column="idempotency_key",
        key_target="external_id",
        imported_only=True,
        columns=(
            ("occurred_at", "timestamptz"),
            ("channel", "varchar(20)"),
            ("direction", "varchar(3)"),
            ("subject", "varchar(200)"),
            ("body", "text"),
            ("duration_seconds", "integer"),
        ),
        compared=(),
        duplicate=_interaction_duplicate,
        conflict=lambda key: _("This interaction was imported before for another customer."),
    ),
    ImportKind.COMPLAINTS: HistorySpec(
        kind=ImportKind.COMPLAINTS,
        model=Complaint,
        key_column="external_ref",
        key_target="external_ref",
        imported_only=True,
        columns=(
            ("opened_at", "timestamptz"),
            ("subject", "varchar(200)"),
            ("description", "text"),
            ("category", "varchar(20)"),
            ("severity", "varchar(10)"),
            ("channel", "varchar(20)"),
            ("status", "varchar(20)"),
            ("respond_by", "timestamptz"),
            ("resolve_by", "timestamptz"),
        ),
        compared=(),
        duplicate=lambda key, first: (
            _("Complaint “%(key)s” is also on row %(first)s.") % {"key": key, "first": first}
        ),
        conflict=lambda key: (
            _("Complaint “%(key)s” was imported before for another customer.") % {"key": key}
        ),
    ),
}


def unknown_customer(ref: str) -> str:
    return _("No customer has the reference “%(ref)s”.") % {"ref": ref}


def forbidden_customer(ref: str) -> str:
    return _("You may not add to the history of customer “%(ref)s”.") % {"ref": ref}


def key_source(spec: HistorySpec, ctx: RunContext) -> str:
    """The column errors about the natural key name: an interaction without an id column
    is keyed by its customer, time, channel and subject, so name the customer column."""
    return ctx.source(spec.key_target) or ctx.source("customer_ref")


def records(
    spec: HistorySpec, ctx: RunContext, report: Report, progress: RunProgress
) -> Iterator[HistoryRecord]:
    """The file's good rows as records; counts rows and logs bad cells into ``report``."""
    levels = {s: service_level_hours(s) for s in Complaint.Severity.values}

    def seen(count: int) -> None:
        report.rows = count
        progress.seen(count)

    return history_records(
        file_row_chunks(ctx.path, ctx.info, size=ROWS_PER_CHUNK),
        columns=ctx.columns,
        build=builder_for(spec.kind, levels),
        errors=report.errors,
        progress=seen,
    )


def batched(items: Iterable[HistoryRecord], size: int) -> Iterator[list[HistoryRecord]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


@dataclass
class _Ref:
    customer_id: int | None
    may_write: bool


@dataclass
class PythonHistoryImport:
    """The checks and writes through the ORM, a batch at a time. Memory grows with the
    distinct keys and customer references of the file, not with its rows."""

    spec: HistorySpec
    ctx: RunContext
    first_rows: dict[str, int] = field(default_factory=dict)
    refs: dict[str, _Ref] = field(default_factory=dict)

    def check(self, report: Report, progress: RunProgress) -> None:
        for batch in batched(records(self.spec, self.ctx, report, progress), BATCH_SIZE):
            self._resolve(batch)
            existing = self._existing(batch)
            for record in batch:
                self._check_one(record, existing, report)
            progress.flush()
        if self.ctx.create_missing_customers:
            report.customers_created = sum(1 for r in self.refs.values() if r.customer_id is None)

    def _resolve(self, batch: list[HistoryRecord]) -> None:
        new_refs = {r[REF] for r in batch} - self.refs.keys()
        if not new_refs:
            return
        found = dict(
            Customer.objects.filter(external_ref__in=new_refs).values_list("external_ref", "id")
        )
        writable = set(
            self.ctx.writable_customers().filter(pk__in=found.values()).values_list("id", flat=True)
        )
        for ref in new_refs:
            customer_id = found.get(ref)
            self.refs[ref] = _Ref(customer_id, customer_id in writable)

    def _existing(self, batch: list[HistoryRecord]) -> dict[str, tuple[Any, ...]]:
        """{key: (customer id, compared values)} of records the database holds."""
        keys = {r[KEY] for r in batch}
        rows = (
            self.spec.model._default_manager.filter(self.spec.existing_filter())
            .filter(**{f"{self.spec.key_column}__in": keys})
            .values_list(self.spec.key_column, "customer_id", *self.spec.compared)
        )
        return {row[0]: tuple(row[1:]) for row in rows}

    def _compared(self, record: HistoryRecord, customer_id: int | None) -> tuple[Any, ...]:
        names = [name for name, _type in self.spec.columns]
        return (customer_id, *(record[VALUES][names.index(c)] for c in self.spec.compared))

    def _check_one(
        self, record: HistoryRecord, existing: dict[str, tuple[Any, ...]], report: Report
    ) -> None:
        errors, ctx = report.errors, self.ctx
        ref = self.refs[record[REF]]
        if ref.customer_id is None and not ctx.create_missing_customers:
            message = unknown_customer(record[REF])
            errors.add("unknown", RowError(record[ROW], ctx.source("customer_ref"), message))
        elif ref.customer_id is not None and not ref.may_write:
            message = forbidden_customer(record[REF])
            errors.add("forbidden", RowError(record[ROW], ctx.source("customer_ref"), message))
        first = self.first_rows.setdefault(record[KEY], record[ROW])
        column = key_source(self.spec, ctx)
        if first != record[ROW]:
            message = self.spec.duplicate(record[KEY], first)
            errors.add("duplicate", RowError(record[ROW], column, message))
        elif record[KEY] not in existing:
            report.new += 1
        elif existing[record[KEY]] == self._compared(record, ref.customer_id):
            report.unchanged += 1
        else:
            errors.add("conflict", RowError(record[ROW], column, self.spec.conflict(record[KEY])))

    def write(self, report: Report, progress: RunProgress) -> int:
        """Insert the new rows. Call inside the job's write transaction, after a check
        that found no errors."""
        ids = {ref: r.customer_id for ref, r in self.refs.items() if r.customer_id}
        constants = self.spec.constants(
            now=self.ctx.options.now,
            acting_user_id=self.ctx.acting_user.pk if self.ctx.acting_user else None,
        )
        names = [name for name, _type in self.spec.columns]
        inserted = 0
        for batch in batched(records(self.spec, self.ctx, Report(), progress), BATCH_SIZE):
            missing = list(dict.fromkeys(r[REF] for r in batch if r[REF] not in ids))
            ids.update(customers_minimal_create(ctx=self.ctx, refs=missing))
            existing = self._existing(batch)
            new = [
                self.spec.model(
                    customer_id=ids[r[REF]],
                    **{self.spec.key_column: r[KEY]},
                    **dict(zip(names, r[VALUES], strict=True)),
                    **constants,
                )
                for r in batch
                if r[KEY] not in existing
            ]
            self.spec.model._default_manager.bulk_create(new)
            inserted += len(new)
        # Imported history is old news, not a sign of life: the hourly rescoring decides.
        customer_activity_touch(
            customer_ids=list(ids.values()), is_sign_of_life=False, at=self.ctx.options.now
        )
        return inserted

    def close(self) -> None:
        self.first_rows.clear()
