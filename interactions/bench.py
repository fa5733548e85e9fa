"""`manage.py bench history`: a year of history at scale, and how fast the 360° page and its
timeline answer for a customer with 10,000 events, each next to its floor.

1. Customers through the demo generator (COPY), then ``--events`` interactions and orders
   spread over them by one set-based INSERT ... SELECT each (its own floor: the database
   writing rows it generates itself), plus 10,000 events for one customer of team Vilnius.
2. For the Vilnius manager, p50/p95 server time of the customer page, its history panel,
   the first timeline page and a deep one (5,000 events back), against the floor: the same
   rows fetched by one plain SQL query.
"""

import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from customers import demo
from customers.bench import BenchOptions, Write, percentile
from customers.models import Customer
from interactions.selectors import TIMELINE_KINDS, timeline_page

HEAVY_EVENTS = 10_000
P95_BUDGET_MS = 100.0  # the target for the customer page and a timeline page


def run(options: BenchOptions, write: Write) -> None:
    staff = demo.demo_staff_ensure()
    result = demo.demo_customers_create(count=options.customers, seed=options.seed, staff=staff)
    write(f"Customers: {options.customers:,} in {result.seconds:.1f} s ({result.rate:,.0f}/s)")
    manager = User.objects.get(username="manager")
    heavy = Customer.objects.filter(team__manager=manager).order_by("pk").first()
    if heavy is None:
        raise RuntimeError("No customer in the manager's team.")
    _events(options.events, write)
    _heavy_history(heavy.pk, write)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    _measure_pages(manager, heavy, options.repeat, write)


def _events(total: int, write: Write) -> None:
    """Interactions (60 %) and orders (40 %) over the last two years, for random customers."""
    interactions, orders = int(total * 0.6), total - int(total * 0.6)
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM customers_customer")
        low, high = cursor.fetchone()
        started = time.perf_counter()
        cursor.execute(
            """
            INSERT INTO interactions_interaction (customer_id, channel, direction, occurred_at,
                subject, body, source, idempotency_key, created_at)
            SELECT %(low)s + floor(random() * (%(high)s - %(low)s + 1))::bigint,
                (ARRAY['call','email','meeting','chat','note','sms'])[1 + floor(random() * 6)::int],
                (ARRAY['in','out'])[1 + floor(random() * 2)::int],
                now() - random() * interval '730 days', 'Follow-up', '', 'demo', '', now()
            FROM generate_series(1, %(n)s)
            """,
            {"low": low, "high": high, "n": interactions},
        )
        cursor.execute(
            """
            INSERT INTO interactions_order (customer_id, external_ref, ordered_on, amount_cents,
                currency, status, source, idempotency_key, created_at)
            SELECT %(low)s + floor(random() * (%(high)s - %(low)s + 1))::bigint, '',
                current_date - floor(random() * 730)::int, 500 + floor(random() * 20000)::int,
                'EUR', 'delivered', 'demo', '', now()
            FROM generate_series(1, %(n)s)
            """,
            {"low": low, "high": high, "n": orders},
        )
        seconds = time.perf_counter() - started
    write(
        f"Events: {total:,} ({interactions:,} interactions, {orders:,} orders) "
        f"in {seconds:.1f} s, {total / seconds:,.0f} rows/s"
    )
    write("  (one INSERT ... SELECT per table: the database writing rows it makes is the floor)")


def _heavy_history(customer_id: int, write: Write) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO interactions_interaction (customer_id, channel, direction, occurred_at,
                subject, body, source, idempotency_key, created_at)
            SELECT %(c)s, 'call', 'out', now() - (g || ' hours')::interval, 'Call ' || g,
                'Notes of call ' || g, 'demo', '', now()
            FROM generate_series(1, %(n)s) AS g
            """,
            {"c": customer_id, "n": int(HEAVY_EVENTS * 0.7)},
        )
        cursor.execute(
            """
            INSERT INTO interactions_order (customer_id, external_ref, ordered_on, amount_cents,
                currency, status, source, idempotency_key, created_at)
            SELECT %(c)s, '', current_date - (g / 4), 1000 + g, 'EUR', 'delivered', 'demo', '',
                now()
            FROM generate_series(1, %(n)s) AS g
            """,
            {"c": customer_id, "n": HEAVY_EVENTS - int(HEAVY_EVENTS * 0.7)},
        )
    write(f"Customer #{customer_id} (team Vilnius) got {HEAVY_EVENTS:,} more events.")


def _timed(action: Callable[[], object], repeat: int) -> list[float]:
    for _ in range(3):  # warm-up
        action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _get(client: Client, url: str) -> Callable[[], object]:
    def fetch() -> object:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    return fetch


def _floor(sql: str, params: list[Any]) -> Callable[[], object]:
    def fetch() -> object:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return fetch


def _measure_pages(manager: User, heavy: Customer, repeat: int, write: Write) -> None:
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    deep = timeline_page(
        customer=heavy, kinds=set(TIMELINE_KINDS), cursor=None, size=5_000
    ).next_cursor
    newest = (
        "SELECT * FROM interactions_interaction WHERE customer_id = %s "
        "ORDER BY occurred_at DESC, id DESC LIMIT 26"
    )
    cases: list[tuple[str, str, str, list[Any]]] = [
        ("customer page", f"/customers/{heavy.pk}/", newest, [heavy.pk]),
        ("history panel (htmx)", f"/history/customers/{heavy.pk}/history/", newest, [heavy.pk]),
        ("timeline, first page", f"/history/customers/{heavy.pk}/timeline/", newest, [heavy.pk]),
        (
            "timeline, 5,000 back",
            f"/history/customers/{heavy.pk}/timeline/?cursor={deep}",
            newest.replace("WHERE", "WHERE occurred_at < %s AND"),
            [timezone.now() - timedelta(days=200), heavy.pk],
        ),
    ]
    write(f"\n{'page':<24} {'p50 ms':>8} {'p95 ms':>8} {'floor p50':>10} {'ratio':>7}")
    for name, url, floor_sql, params in cases:
        times = _timed(_get(client, url), repeat)
        floor = _timed(_floor(floor_sql, params), repeat)
        p50, p95, f50 = statistics.median(times), percentile(times, 0.95), statistics.median(floor)
        flag = "" if p95 <= P95_BUDGET_MS else f"  over the {P95_BUDGET_MS:.0f} ms budget"
        write(f"{name:<24} {p50:8.1f} {p95:8.1f} {f50:10.2f} {p50 / f50:6.0f}x{flag}")
