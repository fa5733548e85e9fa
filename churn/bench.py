"""`manage.py bench scoring`: a full scoring pass at scale, stage by stage, next to its
floor measured in the same run, plus the rescoring of 10,000 changed customers.

1. Customers through the demo generator (COPY); orders by one INSERT … SELECT with a
   personal cadence per customer, 30 % of whom stop buying at some point in the last
   400 days (the churn the model has to find); interactions spread at random.
2. Training (features at T−2H and T−H, fits, holdout metrics against both baselines).
3. A full run, chunk after chunk in this process: feature extraction, predict, write-back
   (scores, history, silence), alerts; wall time and peak memory.
4. The floor: the same aggregation as plain GROUP BY queries streamed out by COPY, a bare
   predict over every customer's features, and a bare COPY of as many score rows.
5. 10,000 customers touched, then a "changed customers" run.
"""

import io
import resource
import time

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from churn.extract import aggregates_as_of
from churn.models import ModelVersion, ScoringRun
from churn.scoring.features import features_from_aggregates
from churn.scoring.model import churn_predict, model_load
from churn.services import model_train, scoring_chunk_process, scoring_run_plan
from customers import demo
from customers.bench import BenchOptions, Write
from customers.models import Customer

CHURNING_SHARE = 0.3
HISTORY_DAYS = 730
CHANGED_CUSTOMERS = 10_000
RESCORE_BUDGET_S = 5.0
FLOOR_RATIO_TARGET = 2.0
PEAK_MEMORY_BUDGET_MB = 4096


def _events(customers: int, events: int, write: Write) -> None:
    orders = events // 2
    interactions = events - orders
    per_customer = max(1.0, orders / customers)
    scale = HISTORY_DAYS * 0.85 / per_customer  # mean cadence that gives `orders` rows
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            """
            WITH c AS MATERIALIZED (
                SELECT id, greatest(2.0, %(scale)s * (0.25 + 1.5 * random())) AS cadence,
                    CASE WHEN random() < %(churning)s THEN floor(random() * 400)::int
                         ELSE 0 END AS stop_ago,
                    floor(random() * 60)::int AS first_day,
                    (900 + floor(random() * 15000))::int AS basket
                FROM customers_customer
            )
            INSERT INTO interactions_order (customer_id, external_ref, ordered_on, amount_cents,
                currency, status, source, idempotency_key, created_at)
            SELECT c.id, '', current_date - %(days)s + c.first_day
                    + floor(g * c.cadence + random() * c.cadence * 0.5)::int,
                (c.basket * (0.6 + random() * 0.8))::int, 'EUR', 'delivered', 'demo', '', now()
            FROM c, LATERAL generate_series(
                0, greatest(0, floor((%(days)s - c.first_day - c.stop_ago) / c.cadence)::int - 1)
            ) AS g
            """,
            {"scale": scale, "churning": CHURNING_SHARE, "days": HISTORY_DAYS},
        )
        made_orders = cursor.rowcount
        cursor.execute("SELECT min(id), max(id) FROM customers_customer")
        low, high = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO interactions_interaction (customer_id, channel, direction, occurred_at,
                subject, body, source, idempotency_key, created_at)
            SELECT %(low)s + floor(random() * (%(high)s - %(low)s + 1))::bigint,
                (ARRAY['call','email','chat','note'])[1 + floor(random() * 4)::int],
                (ARRAY['in','out'])[1 + floor(random() * 2)::int],
                now() - random() * interval '730 days', 'Follow-up', '', 'demo', '', now()
            FROM generate_series(1, %(n)s)
            """,
            {"low": low, "high": high, "n": interactions},
        )
        cursor.execute("VACUUM ANALYZE")
    seconds = time.perf_counter() - started
    total = made_orders + interactions
    write(
        f"Events: {total:,} ({made_orders:,} orders with personal cadences, {interactions:,} "
        f"interactions) in {seconds:.1f} s, {total / seconds:,.0f} rows/s"
    )


def _train(write: Write) -> ModelVersion:
    started = time.perf_counter()
    version = model_train(acting_user=None)
    seconds = time.perf_counter() - started
    cold = f"; cold start: {version.cold_start_reason}" if version.is_cold_start else ""
    write(f"\nTraining (fit): {seconds:.1f} s; {version.n_train:,} training rows, "
          f"{version.n_holdout:,} holdout rows; status {version.status}{cold}")  # fmt: skip
    write(f"{'holdout':<22} {'ROC AUC':>8} {'PR AUC':>8} {'Brier':>7} {'lift@10%':>9}")
    rows = [("model", version.metrics), *version.baselines.items()]
    for name, quality in rows:

        def fmt(key: str, digits: int = 3, q: dict[str, object] = quality) -> str:
            value = q.get(key)
            return f"{value:.{digits}f}" if isinstance(value, float) else "n/a"

        write(f"{name:<22} {fmt('roc_auc'):>8} {fmt('pr_auc'):>8} {fmt('brier'):>7} "
              f"{fmt('top_decile_lift', 2):>9}")  # fmt: skip
    return version


def _run(kind: str) -> tuple[ScoringRun, float]:
    run = ScoringRun.objects.create(
        kind=kind, as_of=timezone.localdate(), changes_until=timezone.now()
    )
    started = time.perf_counter()
    for chunk_id in scoring_run_plan(run_id=run.pk):
        scoring_chunk_process(chunk_id=chunk_id)
    seconds = time.perf_counter() - started
    run.refresh_from_db()
    return run, seconds


def _copy_out(sql: str) -> float:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")
        sink = io.BytesIO()
        with cursor.connection.cursor().copy(f"COPY ({sql}) TO STDOUT") as copy:
            for block in copy:
                sink.write(block)
    return time.perf_counter() - started


def _floor(version: ModelVersion, customers: int, write: Write) -> float:
    group_by = _copy_out(
        "SELECT customer_id, count(*), count(DISTINCT ordered_on), min(ordered_on), "
        "max(ordered_on), sum(amount_cents) FROM interactions_order GROUP BY customer_id"
    ) + _copy_out(
        "SELECT customer_id, count(*) FILTER (WHERE direction = 'in'), max(occurred_at) "
        "FROM interactions_interaction GROUP BY customer_id"
    )
    predict = 0.0
    if version.artefact is not None:
        features = features_from_aggregates(aggregates_as_of(as_of=timezone.localdate()))
        model = model_load(bytes(version.artefact))
        started = time.perf_counter()
        churn_predict(model, features)
        predict = time.perf_counter() - started
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"id": np.arange(customers), "p": rng.random(customers)})
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE floor_scores (customer_id bigint, p float8)")
        with cursor.connection.cursor().copy("COPY floor_scores FROM STDIN") as copy:
            for row in frame.itertuples(index=False):
                copy.write_row(row)
        cursor.execute("DROP TABLE floor_scores")
    copy_s = time.perf_counter() - started
    total = group_by + predict + copy_s
    write(f"Floor: GROUP BY {group_by:.1f} s + bare predict {predict:.1f} s + "
          f"bare COPY {copy_s:.1f} s = {total:.1f} s")  # fmt: skip
    return total


def run(options: BenchOptions, write: Write) -> None:
    staff = demo.demo_staff_ensure()
    result = demo.demo_customers_create(count=options.customers, seed=options.seed, staff=staff)
    write(f"Customers: {options.customers:,} in {result.seconds:.1f} s ({result.rate:,.0f}/s)")
    _events(options.customers, options.events, write)
    version = _train(write)
    full, seconds = _run(ScoringRun.Kind.FULL)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in sorted(full.stage_seconds.items()))
    write(f"\nFull run: {full.customers_scored:,} customers in {seconds:.1f} s "
          f"({full.chunks_total} chunks; {stages}); {full.alerts_raised:,} alerts, "
          f"{full.silences_begun:,} silences begun; peak memory {peak_mb:,.0f} MB "
          f"(budget {PEAK_MEMORY_BUDGET_MB:,})")  # fmt: skip
    floor = _floor(version, full.customers_scored, write)
    ratio = seconds / floor if floor else float("nan")
    flag = "" if ratio <= FLOOR_RATIO_TARGET else f"  over the {FLOOR_RATIO_TARGET}x target"
    write(f"Full run / floor: {ratio:.2f}x{flag}")
    ids = list(Customer.objects.order_by("?").values_list("pk", flat=True)[:CHANGED_CUSTOMERS])
    Customer.objects.filter(pk__in=ids).update(history_changed_at=timezone.now())
    changed, seconds = _run(ScoringRun.Kind.CHANGED)
    flag = "" if seconds <= RESCORE_BUDGET_S else f"  over the {RESCORE_BUDGET_S:.0f} s target"
    write(f"Changed run: {changed.customers_scored:,} customers in {seconds:.2f} s{flag}")
    write(f"(as of {timezone.localdate().isoformat()})")
