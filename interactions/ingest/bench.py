"""`manage.py bench ingest --events N`: sustained events/s through the bulk ingestion API,
next to its floor measured in the same run (registered in customers' bench command).

1. Setup, not timed: min(--customers, 50,000) demo customers, an integration user with a
   token, and the events for random customers (40% activity, 35% interactions, 15% orders
   with a line, 10% surveys), encoded as JSON requests of 5,000.
2. Ingest: N events through the Django test Client in this process (routing, token
   authentication, DRF parsing and validation, the service, PostgreSQL), by two clients
   at once, then 20% more by one client alone: events/s over the wall-clock time, p50/p95
   per request, and events per CPU-second of this process (less sensitive to whatever
   else the machine is doing).
3. Retry: the first requests again; every event must come back a duplicate.
4. Floor: a bare COPY of the rows the API wrote (binary, into unindexed UNLOGGED copies of
   the tables): what the database needs for the same data at the least.
5. The service alone: ``events_ingest`` with ready-made events (20% of N more), no HTTP
   and no DRF, to show where the time goes.
"""

import json
import os
import random
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, connections
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from customers import demo
from customers.bench import BenchOptions, Write, percentile
from customers.models import Customer
from interactions.ingest.api import EventsInput
from interactions.ingest.events import MAX_EVENTS_PER_BATCH, Event
from interactions.ingest.models import ProcessedEvent
from interactions.ingest.services import events_ingest, integration_user_ensure
from interactions.models import ActivityDaily, Interaction, Order, OrderLine, SurveyResponse

URL = "/api/v1/events/"
CUSTOMERS_MAX = 50_000  # lookups are by index: more customers only lengthen the setup
TARGET_EVENTS_PER_SECOND = 5_000  # the target for the bulk API
RETRY_REQUESTS = 5
# A server with two workers on this two-core machine: while one request waits for the
# database, the other's Python runs.
CLIENTS = 2
SINGLE_CLIENT_SHARE = 0.2  # of --events: more events, sent by one client, request by request
# (and as many again straight into events_ingest)
MIX = (("activity", 0.40), ("interaction", 0.35), ("order", 0.15), ("survey", 0.10))
WRITTEN_MODELS = (Interaction, Order, OrderLine, SurveyResponse, ActivityDaily, ProcessedEvent)


@dataclass(frozen=True)
class Run:
    events: int
    seconds: float
    cpu_seconds: float
    request_ms: list[float]
    counts: dict[str, dict[str, int]]

    @property
    def rate(self) -> float:
        return self.events / self.seconds


class _EventMaker:
    """Deterministic events: the same seed gives the same batches."""

    def __init__(self, *, seed: int, refs: list[str], prefix: str) -> None:
        self.rng = random.Random(seed)  # noqa: S311 -- benchmark data, not secrets
        self.refs = refs
        self.prefix = prefix
        self.now = timezone.now()
        self.serial = 0

    def event(self) -> dict[str, Any]:
        self.serial += 1
        kind = self.rng.choices([k for k, _w in MIX], [w for _k, w in MIX])[0]
        when = self.now - timedelta(seconds=self.rng.randrange(1, 90 * 86_400))
        base = {
            "type": kind,
            "source": f"bench-{kind}",
            "idempotency_key": f"{self.prefix}{self.serial}",
            "customer_ref": self.rng.choice(self.refs),
        }
        fields = {
            "activity": self._activity,
            "interaction": self._interaction,
            "order": self._order,
            "survey": self._survey,
        }[kind](when)
        return base | fields

    def _activity(self, when: Any) -> dict[str, Any]:
        return {
            "occurred_at": when.isoformat(),
            "logins": self.rng.randint(0, 2),
            "page_views": self.rng.randint(1, 30),
            "seconds_active": self.rng.randint(10, 1_800),
        }

    def _interaction(self, when: Any) -> dict[str, Any]:
        return {
            "channel": self.rng.choice(["email", "chat", "web_visit", "call"]),
            "direction": self.rng.choice(["in", "out"]),
            "occurred_at": when.isoformat(),
            "subject": f"Message {self.serial}",
        }

    def _order(self, when: Any) -> dict[str, Any]:
        cents = self.rng.randint(500, 50_000)
        return {
            "ordered_on": when.date().isoformat(),
            "amount_cents": cents,
            "external_ref": f"{self.prefix}SO{self.serial}",
            "status": "paid",
            "lines": [{"product": "Item", "quantity": 1, "unit_price_cents": cents}],
        }

    def _survey(self, when: Any) -> dict[str, Any]:
        return {"kind": "nps", "score": self.rng.randint(0, 10), "responded_at": when.isoformat()}

    def batches(self, total: int) -> Iterator[list[dict[str, Any]]]:
        for start in range(0, total, MAX_EVENTS_PER_BATCH):
            yield [self.event() for _ in range(min(MAX_EVENTS_PER_BATCH, total - start))]


def run(options: BenchOptions, write: Write) -> None:
    """The whole benchmark, on an empty PostgreSQL database the caller made for it."""
    customers = min(options.customers, CUSTOMERS_MAX)
    write(
        f"PostgreSQL {_server_version()}, {customers:,} customers, {options.events:,} events "
        f"in requests of {MAX_EVENTS_PER_BATCH:,}, seed {options.seed}; "
        f"load average {_load()} at the start"
    )
    refs, key = _setup(options, customers, write)
    bodies = _bodies(options.seed, refs, options.events, "a", write)
    single_bodies = _bodies(options.seed + 1, refs, _share(options.events), "b", write)
    with override_settings(DEBUG=False):  # no query log while timing
        ingest = _send(key, bodies, clients=CLIENTS)
        single = _send(key, single_bodies, clients=1)
        retry = _send(key, bodies[:RETRY_REQUESTS], clients=1)
        rows, floor_seconds = _floor()  # of what the API wrote, before the service adds more
        service_events, service_seconds = _service_only(options, refs)
    write("")
    _report_api(write, ingest, single, retry)
    write(
        f"The service alone (events_ingest, no HTTP or DRF), {service_events:,} more events: "
        f"{service_events / service_seconds:,.0f} events/s"
    )
    api_events = ingest.events + single.events
    api_seconds = ingest.seconds + single.seconds
    write(
        f"Floor, bare COPY of the {rows:,} rows the API wrote, into unindexed UNLOGGED "
        f"tables: {floor_seconds:.2f} s, {api_events / floor_seconds:,.0f} events/s; "
        f"the API takes {api_seconds / floor_seconds:.0f}x the floor"
    )
    write(f"Load average {_load()} at the end (this machine's other work slows every figure).")


def _share(events: int) -> int:
    return max(1, int(events * SINGLE_CLIENT_SHARE))


def _setup(options: BenchOptions, customers: int, write: Write) -> tuple[list[str], str]:
    started = time.perf_counter()
    demo.demo_customers_create(count=customers, seed=options.seed, staff=demo.demo_staff_ensure())
    demo.analyze_customer_tables()
    refs = list(Customer.objects.exclude(external_ref="").values_list("external_ref", flat=True))
    _user, key = integration_user_ensure(username="bench-ingest")
    write(f"Setup (not timed): {customers:,} customers in {time.perf_counter() - started:.1f} s")
    return refs, key


def _bodies(seed: int, refs: list[str], events: int, prefix: str, write: Write) -> list[bytes]:
    started = time.perf_counter()
    maker = _EventMaker(seed=seed, refs=refs, prefix=prefix)
    bodies = [json.dumps({"events": batch}).encode() for batch in maker.batches(events)]
    megabytes = sum(len(b) for b in bodies) / 1e6
    write(
        f"Setup (not timed): {events:,} events as {len(bodies)} JSON requests "
        f"({megabytes:,.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return bodies


def _post_all(key: str, bodies: list[bytes]) -> Run:
    """One client posting ``bodies`` in turn. Runs in its own thread, with its own
    database connection, closed at the end (the benchmark database is dropped after)."""
    client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_HOST="127.0.0.1")
    request_ms: list[float] = []
    counts: dict[str, dict[str, int]] = {}
    try:
        for body in bodies:
            sent = time.perf_counter()
            response = client.post(URL, data=body, content_type="application/json")
            request_ms.append((time.perf_counter() - sent) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.content[:500]!r}")
            for kind, numbers in response.json().items():
                total = counts.setdefault(kind, {"created": 0, "duplicate": 0})
                for name, value in numbers.items():
                    total[name] += value
    finally:
        connections.close_all()
    events = sum(n for c in counts.values() for n in c.values())
    return Run(events, 0.0, 0.0, request_ms, counts)


def _send(key: str, bodies: list[bytes], *, clients: int) -> Run:
    """``clients`` clients at once, each with its share of the requests, as a server with
    that many workers would take them; events/s over the wall-clock time of them all."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        runs = list(pool.map(lambda share: _post_all(key, bodies[share::clients]), range(clients)))
    counts: dict[str, dict[str, int]] = {}
    for part in runs:
        for kind, numbers in part.counts.items():
            total = counts.setdefault(kind, {"created": 0, "duplicate": 0})
            for name, value in numbers.items():
                total[name] += value
    return Run(
        events=sum(part.events for part in runs),
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        request_ms=[ms for part in runs for ms in part.request_ms],
        counts=counts,
    )


def _service_only(options: BenchOptions, refs: list[str]) -> tuple[int, float]:
    """New events straight into events_ingest: the API's cost without HTTP and DRF."""
    total = _share(options.events)
    maker = _EventMaker(seed=options.seed + 2, refs=refs, prefix="c")
    batches: list[list[Event]] = []
    for raw in maker.batches(total):
        serializer = EventsInput(data={"events": raw})
        serializer.is_valid(raise_exception=True)
        batches.append(serializer.validated_data["events"])
    started = time.perf_counter()
    for events in batches:
        events_ingest(acting_user=None, events=events)
    return total, time.perf_counter() - started


def _floor() -> tuple[int, float]:
    """(rows, seconds) to COPY everything the run wrote into unindexed UNLOGGED copies."""
    rows, seconds = 0, 0.0
    with connection.cursor() as cursor:
        for model in WRITTEN_MODELS:
            table = model._meta.db_table
            floor = f"bench_floor_{table}"
            data = bytearray()
            with cursor.cursor.copy(f"COPY {table} TO STDOUT (FORMAT binary)") as copy:
                for chunk in copy:
                    data += chunk
            cursor.execute(f"DROP TABLE IF EXISTS {floor}")
            cursor.execute(f"CREATE UNLOGGED TABLE {floor} (LIKE {table} INCLUDING DEFAULTS)")
            started = time.perf_counter()
            with cursor.cursor.copy(f"COPY {floor} FROM STDIN (FORMAT binary)") as copy:
                copy.write(bytes(data))
            seconds += time.perf_counter() - started
            rows += model._default_manager.count()
            cursor.execute(f"DROP TABLE {floor}")
    return rows, seconds


def _run_line(label: str, run: Run) -> str:
    p50, p95 = statistics.median(run.request_ms), percentile(run.request_ms, 0.95)
    return (
        f"{label}: {run.events:,} events in {run.seconds:.1f} s, {run.rate:,.0f} events/s "
        f"(request of {MAX_EVENTS_PER_BATCH:,}: p50 {p50:,.0f} ms, p95 {p95:,.0f} ms; "
        f"{run.events / run.cpu_seconds:,.0f} events per CPU-second of this process)"
    )


def _report_api(write: Write, ingest: Run, single: Run, retry: Run) -> None:
    write(_run_line(f"POST {URL}, {CLIENTS} clients at once", ingest))
    created = {kind: c["created"] for kind, c in ingest.counts.items()}
    write("  created: " + ", ".join(f"{kind} {n:,}" for kind, n in created.items()))
    write(_run_line("One client at a time", single))
    duplicates = sum(c["duplicate"] for c in retry.counts.values())
    write(
        f"Retry of the first {len(retry.request_ms)} requests: {duplicates:,} of "
        f"{retry.events:,} events reported duplicate, {retry.rate:,.0f} events/s"
    )
    for label, run in ((f"{CLIENTS} clients", ingest), ("one client", single)):
        verdict = "met" if run.rate >= TARGET_EVENTS_PER_SECOND else "MISSED"
        write(f"Target >= {TARGET_EVENTS_PER_SECOND:,} events/s with {label}: {verdict}")


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])
