"""`manage.py bench imports --customers 100000`: how fast a million-row orders CSV imports
on PostgreSQL, next to its floor.

1. Demo customers (``customers.demo``), whose references C000001... the orders use.
2. An orders CSV of N rows (order number, customer reference, ISO date, amount with
   decimals, currency, status), written to var/bench/.
3. The floors: a bare COPY of the same file into an unindexed UNLOGGED table of text
   columns (what PostgreSQL needs just to take the bytes in), and one INSERT ... SELECT
   of the same orders from a ready table into interactions_order (what adding them to
   the real table costs: its indexes, foreign-key checks and WAL), rolled back.
4. The import as a worker runs it (``import_job_run``): a dry run, the commit, and a
   re-import of the same file (every row unchanged), each with its phases and the peak
   resident memory of this process during it.
"""

import csv
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from customers import demo
from interactions.imports import services
from interactions.imports.models import ImportJob, ImportKind
from interactions.models import Order

Write = Callable[[str], None]
FILE_CHUNK_BYTES = 1 << 20
STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
TIME_BUDGET_SECONDS = 60.0  # the target for a million rows
BENCH_ROWS = 1_000_000


@dataclass(frozen=True)
class ImportBenchOptions:
    rows: int
    customers: int
    seed: int


def orders_csv_write(path: Path, *, rows: int, customers: int, seed: int) -> None:
    """A reproducible orders file referencing customers C000001..C<customers>."""
    rng = random.Random(seed)  # noqa: S311 -- test data, not secrets
    first_day = date(2023, 1, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Order No", "Customer", "Date", "Total", "Currency", "Status"])
        for n in range(1, rows + 1):
            cents = rng.randrange(100, 500_000)
            writer.writerow(
                [
                    f"O{n:09d}",
                    f"C{rng.randrange(1, customers + 1):06d}",
                    (first_day + timedelta(days=rng.randrange(0, 1000))).isoformat(),
                    f"{cents // 100}.{cents % 100:02d}",
                    "EUR",
                    rng.choice(STATUSES),
                ]
            )


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while chunk := f.read(FILE_CHUNK_BYTES):
            yield chunk


def copy_floor(path: Path) -> float:
    """Seconds for a bare COPY of the file into an unindexed UNLOGGED table."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_import_floor")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_import_floor (number text, customer text, "
            "ordered text, total text, currency text, status text)"
        )
        started = time.perf_counter()
        sql = "COPY bench_import_floor FROM STDIN WITH (FORMAT csv, HEADER true)"
        with cursor.cursor.copy(sql) as copy:
            for chunk in _file_chunks(path):
                copy.write(chunk)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_import_floor")
    return seconds


def insert_floor(path: Path) -> float:
    """Seconds PostgreSQL itself needs to add the same orders to interactions_order (its
    indexes, foreign-key checks and WAL) in one INSERT ... SELECT from a ready table, as
    the import's write does; rolled back. What the import adds is the rest."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_raw (number text, customer text, ordered text, "
            "total text, currency text, status text)"
        )
        sql = "COPY bench_raw FROM STDIN WITH (FORMAT csv, HEADER true)"
        with cursor.cursor.copy(sql) as copy:
            for chunk in _file_chunks(path):
                copy.write(chunk)
        cursor.execute(
            "CREATE TEMP TABLE bench_rows AS SELECT c.id AS customer_id, r.number, "
            "r.ordered::date AS ordered_on, (r.total::numeric * 100)::bigint AS cents, "
            "r.currency, r.status FROM bench_raw r JOIN customers_customer c "
            "ON c.external_ref = r.customer"
        )
        cursor.execute("ANALYZE bench_rows")
        with transaction.atomic():
            started = time.perf_counter()
            cursor.execute(
                "INSERT INTO interactions_order (customer_id, external_ref, ordered_on, "
                "amount_cents, currency, status, source, idempotency_key, created_at) "
                "SELECT customer_id, number, ordered_on, cents, currency, status, 'import', "
                "'', now() FROM bench_rows ORDER BY customer_id, number"
            )
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        cursor.execute("DROP TABLE bench_raw, bench_rows")
        # The rolled-back rows are dead index entries the import would wade through.
        cursor.execute("VACUUM ANALYZE interactions_order")
    return seconds


class PeakMemory:
    """How far the resident set size of this process rose above its level at the start
    of the block (sampled every 50 ms)."""

    def __init__(self) -> None:
        self.start_kb = 0
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    @staticmethod
    def rss_kb() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_kb = max(self.peak_kb, self.rss_kb())

    @property
    def growth_kb(self) -> int:
        return self.peak_kb - self.start_kb

    def __enter__(self) -> "PeakMemory":
        self.start_kb = self.peak_kb = self.rss_kb()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _timed_run(job: ImportJob, *, dry_run: bool) -> tuple[float, int, ImportJob]:
    with PeakMemory() as memory:
        started = time.perf_counter()
        job = services.import_job_run_here(job=job, dry_run=dry_run)
        seconds = time.perf_counter() - started
    if job.status not in (ImportJob.Status.DONE, ImportJob.Status.PREVIEWED) or job.error_count:
        raise RuntimeError(f"The import ended {job.status}: {job.report}")
    return seconds, memory.growth_kb, job


def _upload(admin: Any, path: Path) -> ImportJob:
    return services.import_job_create(
        acting_user=admin,
        kind=ImportKind.ORDERS,
        original_name=path.name,
        chunks=_file_chunks(path),
        options=services.ImportOptions(),
    )


def _line(write: Write, label: str, seconds: float, rows: int, job: ImportJob, kb: int) -> None:
    phases = ", ".join(f"{k} {v:.1f} s" for k, v in job.report.get("phase_seconds", {}).items())
    write(
        f"{label:<28} {seconds:6.1f} s  {rows / seconds:>9,.0f} rows/s  "
        f"memory +{kb / 1024:,.0f} MB  ({phases})"
    )


def run(options: ImportBenchOptions, write: Write) -> None:
    """The whole benchmark, on an empty PostgreSQL database the caller made for it."""
    staff = demo.demo_staff_ensure()
    demo.demo_customers_create(count=options.customers, seed=options.seed, staff=staff)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    path = Path(settings.BASE_DIR) / "var" / "bench" / f"orders-{options.rows}.csv"
    orders_csv_write(path, rows=options.rows, customers=options.customers, seed=options.seed)
    size_mb = path.stat().st_size / 1e6
    write(
        f"PostgreSQL {version}; {options.rows:,} orders ({size_mb:,.0f} MB CSV) for "
        f"{options.customers:,} customers"
    )
    floor = copy_floor(path)
    write(
        f"{'Floor: bare COPY, UNLOGGED':<28} {floor:6.1f} s  {options.rows / floor:>9,.0f} rows/s"
    )
    inserted = insert_floor(path)
    write(
        f"{'Floor: INSERT ... SELECT':<28} {inserted:6.1f} s  "
        f"{options.rows / inserted:>9,.0f} rows/s  (into interactions_order, from a table)"
    )
    started = time.perf_counter()
    job = _upload(staff.users["admin"], path)
    write(f"{'Upload (store + inspect)':<28} {time.perf_counter() - started:6.1f} s")
    seconds, kb, job = _timed_run(job, dry_run=True)
    _line(write, "Dry run (check only)", seconds, options.rows, job, kb)
    seconds, kb, job = _timed_run(job, dry_run=False)
    _line(write, "Import (check + write)", seconds, options.rows, job, kb)
    imported = Order.objects.filter(source="import").count()
    write(
        f"Ratio import / bare COPY: {seconds / floor:.1f}x; import / INSERT ... SELECT: "
        f"{seconds / inserted:.1f}x; {imported:,} orders imported"
    )
    if seconds > TIME_BUDGET_SECONDS * options.rows / 1_000_000:
        write(f"Over budget: {TIME_BUDGET_SECONDS:.0f} s per million rows")
    again = _upload(staff.users["admin"], path)
    seconds, kb, again = _timed_run(again, dry_run=False)
    _line(write, "Re-import (all unchanged)", seconds, options.rows, again, kb)
    write(f"  unchanged {again.report['unchanged']:,}, new {again.report['new']:,}")


def run_area(options: Any, write: Write) -> None:
    """The `bench` command's entry point (``customers.bench.BenchOptions`` in): a million
    order rows for ``--customers`` demo customers."""
    run(ImportBenchOptions(rows=BENCH_ROWS, customers=options.customers, seed=options.seed), write)
