"""Writes a chunk's scores in bulk: the current score per customer (upsert) and the run's
history row (insert once). On PostgreSQL the rows go through COPY into a temporary table
and two set-based statements (PERFORMANCE.md: COPY + one statement is the floor; per-row
INSERTs are ~19× slower); elsewhere through bulk_create.

Call inside the chunk's transaction: the scores, the history and the chunk's "done" mark
land together or not at all, which is what makes a re-run score nobody twice."""

import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from django.db import connection

from churn.models import CustomerScore, ScoreHistory

MAX_NEXT_DAYS = 3650  # an expected next order further out than ten years is "not expected"
SCORE_FIELDS = (
    "customer_id",
    "run_id",
    "model_version_id",
    "as_of",
    "scored_at",
    "churn_probability",
    "p_alive",
    "is_cold_start",
    "expected_orders",
    "expected_next_on",
    "expected_value_cents",
    "value_tier",
    "is_most_valuable",
    "last_order_on",
    "order_count",
    "revenue_cents",
    "reasons",  # last: the PostgreSQL path writes it as JSON
)
HISTORY_FIELDS = (
    "run_id",
    "customer_id",
    "as_of",
    "churn_probability",
    "p_alive",
    "expected_value_cents",
)


def _number(value: Any) -> float | None:
    """A finite float, or None (NULL) for missing and non-finite values."""
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def score_rows(
    scores: pd.DataFrame,
    *,
    agg: pd.DataFrame,
    run_id: int | None,
    version_id: int | None,
    as_of: date,
    now: datetime,
    is_cold_start: bool,
) -> list[tuple[Any, ...]]:
    """Rows in SCORE_FIELDS order. Building one tuple per customer is the unavoidable
    cost of handing rows to the driver; every computation happened column-wise before.
    ``agg`` (the aggregates the scores came from) gives recency, frequency and value,
    which segments and clustering read from the score."""
    next_days = scores["expected_next_days"].clip(upper=MAX_NEXT_DAYS)
    rfm = agg.reindex(scores.index)
    last_days = rfm["last_order_days_ago"]
    order_count = rfm["order_count"].fillna(0).astype("int64")
    revenue = rfm["revenue_cents"].fillna(0).round().astype("int64")
    rows = []
    for pk, churn, alive, orders, nxt, value, tier, mvc, last, count, cents, reasons in zip(
        scores.index,
        scores["churn_probability"],
        scores["p_alive"],
        scores["expected_orders"],
        next_days,
        scores["expected_value_cents"],
        scores["value_tier"],
        scores["is_most_valuable"],
        last_days,
        order_count,
        revenue,
        scores["reasons"],
        strict=True,
    ):
        next_on = as_of + timedelta(days=math.ceil(nxt)) if math.isfinite(nxt) else None
        last_on = as_of - timedelta(days=int(last)) if math.isfinite(last) else None
        rows.append(
            (
                int(pk), run_id, version_id, as_of, now, _number(churn), _number(alive),
                is_cold_start, _number(orders), next_on,
                int(value) if math.isfinite(value) else None, tier, bool(mvc), last_on,
                int(count), int(cents), reasons,
            )
        )  # fmt: skip
    return rows


def _postgresql_write(rows: list[tuple[Any, ...]]) -> None:
    score_table = CustomerScore._meta.db_table
    history_table = ScoreHistory._meta.db_table
    columns = ", ".join(SCORE_FIELDS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in SCORE_FIELDS if c != "customer_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE churn_score_load (LIKE {score_table}) ON COMMIT DROP"
        )
        raw = cursor.connection
        with raw.cursor().copy(f"COPY churn_score_load ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:-1], json.dumps(row[-1])))
        cursor.execute(
            f"INSERT INTO {score_table} ({columns}) SELECT {columns} "  # noqa: S608
            f"FROM churn_score_load ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        )
        history = ", ".join(HISTORY_FIELDS)
        cursor.execute(
            f"INSERT INTO {history_table} ({history}) SELECT {history} "  # noqa: S608
            "FROM churn_score_load ON CONFLICT (run_id, customer_id) DO NOTHING"
        )
        cursor.execute("DROP TABLE churn_score_load")


def _orm_write(rows: list[tuple[Any, ...]]) -> None:
    scores = [CustomerScore(**dict(zip(SCORE_FIELDS, row, strict=True))) for row in rows]
    CustomerScore.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=[f.removesuffix("_id") for f in SCORE_FIELDS if f != "customer_id"],
        batch_size=500,
    )
    ScoreHistory.objects.bulk_create(
        [ScoreHistory(**{f: getattr(s, f) for f in HISTORY_FIELDS}) for s in scores],
        ignore_conflicts=True,
        batch_size=500,
    )


def scores_write(rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _postgresql_write(rows)
    else:
        _orm_write(rows)
