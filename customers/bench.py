"""`manage.py bench customers`: how fast demo customers load, and how fast the customer list
answers at scale, each next to its floor measured in the same run.

1. Generation: ``demo_customers_create`` for N customers, against the floor of a bare COPY
   of the same customer rows (and of all their rows) into unindexed UNLOGGED tables. Then
   VACUUM (ANALYZE), as a database in steady state would be.
2. The list: for a Sales and a Manager user, p50/p95 of ``customer_page_for_user`` for
   five query shapes, its SQL query count, against the floor of the same page fetched by
   one plain SQL query without permission scoping. EXPLAIN (ANALYZE, BUFFERS) of every
   shape's main query goes to var/bench/, the slowest first.
"""

import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext, override_settings
from psycopg.errors import QueryCanceled

from crm.accounts.models import Team
from crm.lib.keyset import encode_cursor
from customers import demo
from customers.models import Customer
from customers.selectors import CustomerFilters, customer_page_for_user

Write = Callable[[str], None]
PAGE_SIZE = 50
WARM_UP_RUNS = 3
P95_BUDGET_MS = 50.0  # PERFORMANCE.md: list pages under 50 ms at p95
STATEMENT_TIMEOUT_MS = 10_000  # a page slower than this is a failure, not a figure
DEEP_PAGE_QUANTILE = 0.9
PERSONAS = ("sales", "manager")  # a Sales member of Vilnius and the Vilnius manager
ORDER = "ORDER BY c.name, c.id"  # the list's default sort, as the floor queries use it


@dataclass(frozen=True)
class BenchOptions:
    customers: int
    seed: int
    repeat: int
    events: int = 200_000  # bench ingest (interactions.ingest.bench)
    recipients: int = 200_000  # bench campaigns (campaigns.bench)


@dataclass(frozen=True)
class Shape:
    """One way of asking for a page, and the unscoped SQL that fetches the same page."""

    name: str
    filters: CustomerFilters
    cursor: str | None
    floor_where: str  # SQL after FROM customers_customer c, before ORDER BY
    floor_params: tuple[str | int, ...]


@dataclass(frozen=True)
class Measure:
    persona: str
    shape: str
    rows: int
    times_ms: list[float]
    queries: int
    sql: list[str]  # the captured queries of one run
    floor_ms: list[float]
    timed_out: bool  # the first run hit STATEMENT_TIMEOUT_MS; nothing else was timed

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms) if self.times_ms else float("inf")

    @property
    def p95(self) -> float:
        return percentile(self.times_ms, 0.95) if self.times_ms else float("inf")

    @property
    def floor_p50(self) -> float:
        return statistics.median(self.floor_ms)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile: with 30 runs, p95 is the second slowest."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def run(options: BenchOptions, write: Write) -> None:
    """The whole benchmark, on an empty PostgreSQL database the caller made for it."""
    write(f"PostgreSQL {_server_version()}, {options.customers:,} customers, seed {options.seed}")
    result = _generation(options, write)
    _vacuum_analyze()
    measures = [
        _measure(persona, shape, options.repeat)
        for persona in PERSONAS
        for shape in _shapes(persona)
    ]
    write("")
    _print_table(measures, write)
    path = _explain_file(measures, result)
    write(f"\nPlans of every shape (slowest first) and load phases per index: {path}")
    slow = [m for m in measures if m.p95 > P95_BUDGET_MS]
    if slow:
        names = ", ".join(f"{m.persona}/{m.shape}" for m in slow)
        write(f"Over the {P95_BUDGET_MS:.0f} ms p95 budget: {names}")


# --- generation -----------------------------------------------------------------------------


def _generation(options: BenchOptions, write: Write) -> demo.DemoResult:
    staff = demo.demo_staff_ensure()
    # The floor first: once the real tables are loaded, autovacuum starts working on them.
    floor_customers, floor_all = _copy_floor(options, staff)
    result = demo.demo_customers_create(count=options.customers, seed=options.seed, staff=staff)
    if result.skipped:
        raise RuntimeError("The bench database already holds demo customers.")
    rows = sum(result.rows.values())
    indexes, foreign_keys = _schema_counts()
    write(
        f"\nGeneration: {result.seconds:.1f} s, {result.rate:,.0f} customers/s "
        f"({rows:,} rows in {len(result.rows)} tables with {indexes} indexes "
        f"and {foreign_keys} foreign keys)"
    )
    for phase, seconds in _grouped_phases(result).items():
        write(f"  {phase:<44} {seconds:7.2f} s")
    write(
        f"Floor, bare COPY of the customer rows into an unindexed UNLOGGED table: "
        f"{floor_customers:.1f} s, {options.customers / floor_customers:,.0f} customers/s; "
        f"generation takes {result.seconds / floor_customers:.1f}x"
    )
    write(
        f"Floor, bare COPY of all {rows:,} rows: {floor_all:.1f} s; "
        f"generation takes {result.seconds / floor_all:.1f}x"
    )
    return result


def _grouped_phases(result: demo.DemoResult) -> dict[str, float]:
    """Phases for print: one line per COPY target, index rebuilds and constraints summed.
    Generation and COPY overlap (two threads), so the lines add up to more than the total."""
    grouped: dict[str, float] = {}
    for phase, seconds in result.phase_seconds.items():
        if phase.startswith("rebuild "):
            phase = "rebuild indexes (after the load)"
        elif phase.startswith("add "):
            phase = "re-add unique and FK constraints"
        elif phase in result.rows:
            phase = f"COPY {phase} ({result.rows[phase]:,} rows)"
        grouped[phase] = grouped.get(phase, 0.0) + seconds
    return grouped


def _copy_floor(options: BenchOptions, staff: demo.DemoStaff) -> tuple[float, float]:
    """Seconds to COPY the same rows, already formatted, into unindexed UNLOGGED copies of
    the tables: (customer rows only, all rows)."""
    plan = demo.demo_plan(staff)
    generator = demo.CustomerGenerator(
        seed=options.seed, plan=plan, now=demo.today_utc(), null=demo.COPY_NULL
    )
    floors = {m._meta.db_table: f"bench_floor_{m._meta.db_table}" for m in demo.LOADED_MODELS}
    seconds: dict[str, float] = dict.fromkeys(floors, 0.0)
    with connection.cursor() as cursor:
        for table, floor in floors.items():
            cursor.execute(f"DROP TABLE IF EXISTS {floor}")
            cursor.execute(
                f"CREATE UNLOGGED TABLE {floor} (LIKE {table} INCLUDING ALL EXCLUDING INDEXES)"
            )
        for start in range(0, options.customers, demo.BATCH_SIZE):
            size = min(demo.BATCH_SIZE, options.customers - start)
            tables = generator.batch(first_id=1 + start, first_seq=1 + start, size=size)
            jobs = [demo.copy_job(rows, table=floors[rows.table]) for rows in tables if len(rows)]
            for table, copy_seconds, _rows in demo.copy_run(cursor.cursor, jobs):
                seconds[table] += copy_seconds
        for floor in floors.values():
            cursor.execute(f"DROP TABLE {floor}")
    return seconds[Customer._meta.db_table], sum(seconds.values())


def _schema_counts() -> tuple[int, int]:
    """(indexes, foreign keys) on the tables a load writes."""
    tables = [m._meta.db_table for m in demo.LOADED_MODELS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_index WHERE indrelid = ANY(%s::regclass[])), "
            "(SELECT count(*) FROM pg_constraint "
            "WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f')",
            [tables, tables],
        )
        indexes, foreign_keys = cursor.fetchone()
    return int(indexes), int(foreign_keys)


def _vacuum_analyze() -> None:
    """Statistics and visibility maps as a database in steady state has them, and nothing
    left for autovacuum to do while pages are timed."""
    with connection.cursor() as cursor:
        for model in demo.LOADED_MODELS:
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")
        cursor.execute("ANALYZE")


# --- list pages -----------------------------------------------------------------------------


def _shapes(persona: str) -> list[Shape]:
    """The five query shapes, with parameters taken from the data so each returns rows.
    Parameters come from the persona's teams (demo grants follow owner and team), not from
    the selector under test, so that a slow selector cannot stall the set-up."""
    user = User.objects.get(username=persona)
    visible = Customer.objects.filter(team__in=Team.objects.with_member(user))
    middle = visible.filter(kind=Customer.Kind.PERSON).order_by("id")[visible.count() // 2]
    email_prefix = middle.primary_email[: middle.primary_email.index("@") + 4]
    surname = middle.name.split()[-1]
    fragment = surname[1:6]
    deep_name, deep_id = _name_at(visible, DEEP_PAGE_QUANTILE)
    return [
        Shape("first page", CustomerFilters(), None, ORDER, ()),
        Shape(
            "deep page (p90 of names)",
            CustomerFilters(),
            encode_cursor(deep_name, deep_id),
            "WHERE c.name >= %s AND (c.name > %s OR c.id > %s) " + ORDER,
            (deep_name, deep_name, deep_id),
        ),
        Shape(
            "stage = at_risk",
            CustomerFilters(stage=Customer.Stage.AT_RISK),
            None,
            "WHERE c.stage = %s " + ORDER,
            (Customer.Stage.AT_RISK.value,),
        ),
        Shape(
            f"email prefix '{email_prefix}'",
            CustomerFilters(search=email_prefix),
            None,
            "WHERE c.id IN (SELECT customer_id FROM customers_customeremail "
            "WHERE email LIKE %s AND is_active) ORDER BY c.name, c.id",
            (email_prefix + "%",),
        ),
        Shape(
            f"name contains '{fragment}'",
            CustomerFilters(search=fragment),
            None,
            "WHERE UPPER(c.name) LIKE UPPER(%s) " + ORDER,
            (f"%{fragment}%",),
        ),
    ]


def _name_at(visible: QuerySet[Customer], quantile: float) -> tuple[str, int]:
    """(name, id) of the customer at ``quantile`` of what the user sees, in list order:
    a cursor as deep as following ~90% of the pages."""
    position = int(visible.count() * quantile)
    name, pk = visible.order_by("name", "id").values_list("name", "id")[position]
    return str(name), int(pk)


def _page_once(user_id: int, shape: Shape) -> tuple[float, int]:
    """Milliseconds for one page as a request would get it: with a freshly loaded user, so
    the role permission lookups are paid as in every request (loading it is not timed)."""
    user = User.objects.get(pk=user_id)
    started = time.perf_counter()
    rows = _page(user, shape)
    return (time.perf_counter() - started) * 1000, rows


def _page(user: User, shape: Shape) -> int:
    page = customer_page_for_user(
        user=user, filters=shape.filters, cursor=shape.cursor, size=PAGE_SIZE
    )
    return len(page.rows)


def _floor_once(shape: Shape) -> float:
    sql = f"SELECT c.* FROM customers_customer c {shape.floor_where} LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute(sql, [*shape.floor_params, PAGE_SIZE + 1])
        cursor.fetchall()
        return (time.perf_counter() - started) * 1000


@contextmanager
def _statement_timeout(milliseconds: int) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [str(milliseconds)])
        try:
            yield
        finally:
            cursor.execute("RESET statement_timeout")


def _measure(persona: str, shape: Shape, repeat: int) -> Measure:
    """Time one shape for one persona. A page that hits STATEMENT_TIMEOUT_MS in any run
    ends the shape's measurement: it is reported as a timeout, not as a figure."""
    user_id = User.objects.get(username=persona).pk
    user = User.objects.get(pk=user_id)
    try:
        with _statement_timeout(STATEMENT_TIMEOUT_MS):
            with CaptureQueriesContext(connection) as captured:
                try:
                    _page(user, shape)
                finally:
                    sql = [q["sql"] for q in captured.captured_queries]
            with override_settings(DEBUG=False):  # no query log on the timed runs
                for _ in range(WARM_UP_RUNS):
                    _page_once(user_id, shape)
                    _floor_once(shape)
                runs = [_page_once(user_id, shape) for _ in range(repeat)]
                floor = [_floor_once(shape) for _ in range(repeat)]
    except OperationalError as exc:
        if not isinstance(exc.__cause__, QueryCanceled):
            raise
        return Measure(persona, shape.name, 0, [], len(sql), sql, [_floor_once(shape)], True)
    times = [ms for ms, _rows in runs]
    return Measure(persona, shape.name, runs[0][1], times, len(sql), sql, floor, False)


def _print_table(measures: list[Measure], write: Write) -> None:
    header = (
        f"{'user':<8} {'query shape':<34} {'rows':>4} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'queries':>7} {'floor p50':>9} {'ratio':>6}"
    )
    write(header)
    write("-" * len(header))
    for m in measures:
        if m.timed_out:
            timeout = f">{STATEMENT_TIMEOUT_MS / 1000:.0f} s"
            write(
                f"{m.persona:<8} {m.shape[:34]:<34} {'-':>4} {timeout:>8} {timeout:>8} "
                f"{m.queries:>7} {m.floor_p50:>9.2f} {'-':>6}  ! statement timeout"
            )
            continue
        flag = "  !" if m.p95 > P95_BUDGET_MS else ""
        write(
            f"{m.persona:<8} {m.shape[:34]:<34} {m.rows:>4} {m.p50:>8.1f} {m.p95:>8.1f} "
            f"{m.queries:>7} {m.floor_p50:>9.2f} {m.p50 / m.floor_p50:>6.1f}{flag}"
        )
    write(
        "p50/p95 over the timed runs of customer_page_for_user (ORM and database, in this "
        "process); floor: the same page by one unscoped SQL query; ratio: p50 / floor p50."
    )


def _explain_file(measures: list[Measure], result: demo.DemoResult) -> Path:
    out_dir = Path(settings.BASE_DIR) / "var" / "bench"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"customers-{datetime.now(tz=UTC):%Y%m%d-%H%M%S}.txt"
    sections = []
    for m in sorted(measures, key=lambda m: m.p95, reverse=True):
        main = _main_query(m.sql)
        listing = "\n".join(f"  {i}. {q[:160]}" for i, q in enumerate(m.sql, 1))
        timing = "timed out" if m.timed_out else f"p50 {m.p50:.1f} ms, p95 {m.p95:.1f} ms"
        sections.append(
            f"=== {m.persona} / {m.shape}: {timing}, {m.queries} queries ===\n"
            f"{listing}\n\nMain query:\n{main}\n\n"
            f"{_explain(main, analyze=not m.timed_out)}\n"
        )
    phases = "\n".join(f"  {k:<70} {v:8.2f} s" for k, v in result.phase_seconds.items())
    sections.append(f"=== Load phases, seconds ===\n{phases}\n")
    path.write_text("\n".join(sections))
    return path


def _main_query(queries: Sequence[str]) -> str:
    """The page query: the one selecting from customers_customer (not the prefetch)."""
    pages = [q for q in queries if 'FROM "customers_customer"' in q]
    return pages[0] if pages else max(queries, key=len)


def _explain(sql: str, *, analyze: bool) -> str:
    """The plan, executed unless the query timed out (then the planner's estimate only)."""
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}")
        return "\n".join(str(row[0]) for row in cursor.fetchall())


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


def options_from(raw: dict[str, Any]) -> BenchOptions:
    return BenchOptions(
        customers=raw["customers"],
        seed=raw["seed"],
        repeat=raw["repeat"],
        events=raw["events"],
        recipients=raw.get("recipients", 200_000),
    )
