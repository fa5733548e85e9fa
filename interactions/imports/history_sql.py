"""The PostgreSQL engine for history imports: parsed rows are COPYed into a TEMP staging
table, checked there set-based, and written with one INSERT ... SELECT.

It runs the checks of ``history`` (read that docstring first) with the same messages, so
both engines give the same report. The staging tables live in the session: loading and
checking run outside the write transaction (the job page sees progress between COPY
chunks); only the write runs inside it.

Identifiers in the SQL come from the specs and models, never from input; every value is
a parameter or goes through COPY.
"""

from dataclasses import dataclass
from itertools import islice
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.backends.utils import CursorWrapper

from interactions.imports.context import RunContext, RunProgress
from interactions.imports.history import (
    HistorySpec,
    forbidden_customer,
    key_source,
    records,
    unknown_customer,
)
from interactions.imports.models import ImportJob
from interactions.imports.newcustomers import customers_minimal_create
from interactions.imports.report import MAX_ERRORS, Report, RowError

STAGE, REFS, DUPES = "import_stage", "import_refs", "import_dupes"
COPY_CHUNK_ROWS = 50_000  # one COPY statement; progress is written between them
# Grouping a million keys in memory instead of spilling to disk; this session only.
WORK_MEM = "256MB"


@dataclass
class SqlHistoryImport:
    spec: HistorySpec
    ctx: RunContext

    @property
    def _names(self) -> list[str]:
        return [name for name, _type in self.spec.columns]

    def check(self, report: Report, progress: RunProgress) -> None:
        with connection.cursor() as cursor:
            self._create(cursor)
            self._load(cursor, report, progress)
            progress.enter(ImportJob.Phase.CHECKING)
            cursor.execute(f"ANALYZE {STAGE}")
            self._refs(cursor)
            counts = self._counts(cursor)
            report.new, report.unchanged = counts["new"], counts["unchanged"]
            if self.ctx.create_missing_customers:
                cursor.execute(f"SELECT count(*) FROM {REFS} WHERE customer_id IS NULL")  # noqa: S608
                report.customers_created = int(cursor.fetchone()[0])
            self._errors(cursor, report, counts)

    def _create(self, cursor: CursorWrapper) -> None:
        self.close()
        cursor.execute(f"SET work_mem = '{WORK_MEM}'")
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in self.spec.columns)
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} (row_no integer NOT NULL, key text NOT NULL, "
            f"customer_ref text NOT NULL, {columns})"
        )

    def _load(self, cursor: CursorWrapper, report: Report, progress: RunProgress) -> None:
        sql = f"COPY {STAGE} (row_no, key, customer_ref, {', '.join(self._names)}) FROM STDIN"
        rows = records(self.spec, self.ctx, report, progress)
        while chunk := list(islice(rows, COPY_CHUNK_ROWS)):
            with cursor.cursor.copy(sql) as copy:
                for record in chunk:
                    copy.write_row(record)
            progress.flush()

    def _refs(self, cursor: CursorWrapper) -> None:
        """Each distinct customer reference, its customer and whether the user may write."""
        cursor.execute(
            f"CREATE TEMP TABLE {REFS} AS SELECT customer_ref, min(row_no) AS first_row, "  # noqa: S608
            f"NULL::bigint AS customer_id, false AS may_write FROM {STAGE} GROUP BY customer_ref"
        )
        cursor.execute(
            f"UPDATE {REFS} r SET customer_id = c.id FROM customers_customer c "  # noqa: S608
            "WHERE c.external_ref = r.customer_ref AND c.external_ref <> ''"
        )
        try:
            writable, params = self.ctx.writable_customers().values("pk").query.sql_with_params()
        except EmptyResultSet:  # the user may write to no customer at all
            writable, params = "SELECT NULL::bigint WHERE false", ()
        cursor.execute(
            f"UPDATE {REFS} SET may_write = true WHERE customer_id IN ({writable})",  # noqa: S608
            params,
        )
        cursor.execute(
            f"CREATE TEMP TABLE {DUPES} AS SELECT key, min(row_no) AS first_row "  # noqa: S608
            f"FROM {STAGE} GROUP BY key HAVING count(*) > 1"
        )
        cursor.execute(f"ANALYZE {REFS}")
        cursor.execute(f"ANALYZE {DUPES}")

    def _target_join(self) -> str:
        key = self.spec.key_column
        imported = " AND t.source = 'import'" if self.spec.imported_only else ""
        return f"LEFT JOIN {self.spec.table} t ON t.{key} = s.key AND t.{key} <> ''{imported}"

    def _differs(self) -> str:
        old = ", ".join(["t.customer_id", *(f"t.{c}" for c in self.spec.compared)])
        new = ", ".join(["r.customer_id", *(f"s.{c}" for c in self.spec.compared)])
        return f"(ROW({old}) IS DISTINCT FROM ROW({new}))"

    def _from(self) -> str:
        return (
            f"FROM {STAGE} s JOIN {REFS} r ON r.customer_ref = s.customer_ref "
            f"LEFT JOIN {DUPES} d ON d.key = s.key AND s.row_no > d.first_row "
            f"{self._target_join()}"
        )

    def _counts(self, cursor: CursorWrapper) -> dict[str, int]:
        key, differs = f"t.{self.spec.key_column}", self._differs()
        cursor.execute(
            "SELECT "
            "count(*) FILTER (WHERE r.customer_id IS NULL), "
            "count(*) FILTER (WHERE r.customer_id IS NOT NULL AND NOT r.may_write), "
            "count(*) FILTER (WHERE d.key IS NOT NULL), "
            f"count(*) FILTER (WHERE d.key IS NULL AND {key} IS NULL), "
            f"count(*) FILTER (WHERE d.key IS NULL AND {key} IS NOT NULL AND NOT {differs}), "
            f"count(*) FILTER (WHERE d.key IS NULL AND {key} IS NOT NULL AND {differs}) "
            f"{self._from()}"
        )
        names = ("unknown", "forbidden", "duplicate", "new", "unchanged", "conflict")
        return dict(zip(names, (int(n) for n in cursor.fetchone()), strict=True))

    def _first(self, cursor: CursorWrapper, select: str, where: str) -> list[tuple[Any, ...]]:
        cursor.execute(
            f"SELECT s.row_no, {select} {self._from()} WHERE {where} ORDER BY s.row_no LIMIT %s",
            [MAX_ERRORS],
        )
        return list(cursor.fetchall())

    def _errors(self, cursor: CursorWrapper, report: Report, counts: dict[str, int]) -> None:
        log, ref_column = report.errors, self.ctx.source("customer_ref")
        key_column = key_source(self.spec, self.ctx)
        if counts["unknown"] and not self.ctx.create_missing_customers:
            rows = self._first(cursor, "s.customer_ref", "r.customer_id IS NULL")
            errors = [RowError(n, ref_column, unknown_customer(ref)) for n, ref in rows]
            log.add_counted("unknown", errors, counts["unknown"])
        if counts["forbidden"]:
            where = "r.customer_id IS NOT NULL AND NOT r.may_write"
            rows = self._first(cursor, "s.customer_ref", where)
            errors = [RowError(n, ref_column, forbidden_customer(ref)) for n, ref in rows]
            log.add_counted("forbidden", errors, counts["forbidden"])
        if counts["duplicate"]:
            rows = self._first(cursor, "s.key, d.first_row", "d.key IS NOT NULL")
            errors = [RowError(n, key_column, self.spec.duplicate(k, f)) for n, k, f in rows]
            log.add_counted("duplicate", errors, counts["duplicate"])
        if counts["conflict"]:
            where = f"d.key IS NULL AND t.{self.spec.key_column} IS NOT NULL AND {self._differs()}"
            rows = self._first(cursor, "s.key", where)
            errors = [RowError(n, key_column, self.spec.conflict(k)) for n, k in rows]
            log.add_counted("conflict", errors, counts["conflict"])

    def write(self, report: Report, progress: RunProgress) -> int:
        """Create the missing customers, then insert every new row in one statement.
        Call inside the job's write transaction, after a clean check.

        Rows go in ordered by customer (then file row): the customer indexes and the
        foreign-key checks then walk their pages in order instead of at random, which
        halves the time of a million-row insert, and each customer's orders end up
        together on disk for the history pages."""
        with connection.cursor() as cursor:
            if self.ctx.create_missing_customers:
                self._create_missing(cursor)
            constants = self.spec.constants(
                now=self.ctx.options.now,
                acting_user_id=self.ctx.acting_user.pk if self.ctx.acting_user else None,
            )
            key, table = self.spec.key_column, self.spec.table
            imported = " AND t.source = 'import'" if self.spec.imported_only else ""
            columns = ["customer_id", key, *self._names, *constants]
            values = ["r.customer_id", "s.key", *(f"s.{n}" for n in self._names)]
            values += ["%s"] * len(constants)
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608
                f"SELECT {', '.join(values)} FROM {STAGE} s "
                f"JOIN {REFS} r ON r.customer_ref = s.customer_ref "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t "
                f"WHERE t.{key} = s.key AND t.{key} <> ''{imported}) "
                "ORDER BY r.customer_id, s.row_no",
                list(constants.values()),
            )
            inserted = int(cursor.rowcount)
            # Imported history is old news, not a sign of life: mark the customers for the
            # hourly rescoring, which decides their silence from the model.
            cursor.execute(
                "UPDATE customers_customer SET history_changed_at = %s "  # noqa: S608
                f"WHERE id IN (SELECT customer_id FROM {REFS} WHERE customer_id IS NOT NULL)",
                [self.ctx.options.now],
            )
            # Run the deferred foreign-key checks now rather than at COMMIT, so the time
            # they take (a tenth of a million-row import) shows as writing.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return inserted

    def _create_missing(self, cursor: CursorWrapper) -> None:
        cursor.execute(
            f"SELECT customer_ref FROM {REFS} WHERE customer_id IS NULL ORDER BY first_row"  # noqa: S608
        )
        refs = [str(row[0]) for row in cursor.fetchall()]
        customers_minimal_create(ctx=self.ctx, refs=refs)
        cursor.execute(
            f"UPDATE {REFS} r SET customer_id = c.id FROM customers_customer c "  # noqa: S608
            "WHERE c.external_ref = r.customer_ref AND c.external_ref <> '' "
            "AND r.customer_id IS NULL"
        )

    def close(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {REFS}, {DUPES}")
            cursor.execute("RESET work_mem")
