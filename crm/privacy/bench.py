"""`manage.py bench privacy --events N`: erasure of one customer with N events in their
history, and a retention run over N old interactions, each against its floor.

The floors are the same writes as single plain SQL statements (one UPDATE per table),
which is the least the database must do; the ratio is what to compare between runs."""

import time
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from crm.privacy import retention
from crm.privacy.anonymise import customers_anonymise
from crm.privacy.models import Action, Category
from customers.bench import BenchOptions, Write
from customers.models import Customer


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _history(customer_id: int, events: int, *, old: bool) -> None:
    """``events`` rows of history for one customer, in bulk: 80 % interactions with free
    text, 10 % orders, 5 % complaints, 5 % survey answers."""
    age_days = 5 * 365 if old else 1
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO interactions_interaction (customer_id, channel, direction, occurred_at,"
            " subject, body, source, idempotency_key, created_at) "
            "SELECT %s, 'call', 'in', now() - %s * interval '1 day' - g * interval '1 minute', "
            "'Call from Aldona Petraitė', 'Aldona (aldona@example.lt) asked about order ' || g,"
            " 'ui', '', now() FROM generate_series(1, %s) g",
            [customer_id, age_days, int(events * 0.8)],
        )
        cursor.execute(
            "INSERT INTO interactions_order (customer_id, external_ref, ordered_on, amount_cents,"
            " currency, status, source, idempotency_key, created_at) "
            "SELECT %s, '', current_date - g %% 3000, 1000 + g, 'EUR', 'placed', 'ui', '', now()"
            " FROM generate_series(1, %s) g",
            [customer_id, int(events * 0.1)],
        )
        cursor.execute(
            "INSERT INTO interactions_surveyresponse (customer_id, kind, score, comment,"
            " responded_at, source, idempotency_key) "
            "SELECT %s, 'nps', g %% 11, 'Aldona says: fine ' || g, now() - interval '1 day',"
            " 'ui', '' FROM generate_series(1, %s) g",
            [customer_id, int(events * 0.1)],
        )


def run(options: BenchOptions, write: Write) -> None:
    events = options.events
    admin = User.objects.create(username="bench-admin")
    admin.groups.add(Group.objects.get(name="Admin"))
    erased = Customer.objects.create(name="Aldona Petraitė", first_name="Aldona")
    floor_customer = Customer.objects.create(name="Aldona Floor")
    for customer in (erased, floor_customer):
        _history(customer.pk, events, old=False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    erase_s = _timed(lambda: customers_anonymise(customer_ids=[erased.pk]))

    def floor_erase() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in (
                "UPDATE customers_customer SET name = 'x', first_name = '' WHERE id = %s",
                "UPDATE interactions_interaction SET subject = '', body = ''"
                " WHERE customer_id = %s",
                "UPDATE interactions_surveyresponse SET comment = '' WHERE customer_id = %s",
            ):
                cursor.execute(sql, [floor_customer.pk])

    floor_s = _timed(floor_erase)
    write(
        f"Erasure of one customer with {events:,} events: {erase_s:.2f} s; floor (plain "
        f"UPDATEs of the same rows) {floor_s:.2f} s; ratio {erase_s / max(floor_s, 1e-9):.1f}×"
    )

    old = Customer.objects.create(name="Old history")
    _history(old.pk, events, old=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE interactions_interaction")
    retention.retention_policy_set(
        acting_user=admin,
        category=Category.INTERACTION_CONTENT,
        period_days=3 * 365,
        start_event="created",
        action=Action.ANONYMISE,
        is_active=True,
    )
    due = retention.retention_preview()[0].rows
    run_s = _timed(lambda: retention.retention_run(run=retention.retention_run_start()))

    def floor_retention() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE interactions_interaction SET subject = 'x', body = 'x' "
                "WHERE occurred_at < %s",
                [timezone.now() - timedelta(days=3 * 365)],
            )

    floor_run_s = _timed(floor_retention)
    write(
        f"Retention run anonymising {due:,} interactions in batches of "
        f"{retention.BATCH_SIZE:,}: {run_s:.2f} s ({due / max(run_s, 1e-9):,.0f} rows/s); "
        f"floor (one UPDATE) {floor_run_s:.2f} s; ratio {run_s / max(floor_run_s, 1e-9):.1f}×"
    )
