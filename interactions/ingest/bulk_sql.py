"""Set-based writes the ORM does not offer, for PostgreSQL and SQLite alike:

- ``insert_new``: INSERT many rows, silently skipping those that would break a unique
  constraint, and RETURN what was actually inserted. ``bulk_create(ignore_conflicts=True)``
  skips too, but cannot say which rows (or how many) went in.
- ``activity_add``: one upsert that *adds* counts to existing ``ActivityDaily`` rows;
  ``bulk_create(update_conflicts=True)`` can only overwrite them.

Table and column names come from the models, never from input; values are parameters.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, models

from interactions.models import ActivityDaily

# PostgreSQL's limit of parameters per statement (server-side binding); with the driver's
# default client-side binding there is none, but a batch should not depend on a setting.
MAX_PARAMETERS = 65_535


def _adapt(value: Any) -> Any:
    """What Django's own backend would send for a value (SQLite stores dates as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _chunks(rows: Sequence[Sequence[Any]], columns: int) -> list[Sequence[Sequence[Any]]]:
    size = min(
        connection.ops.bulk_batch_size(["c"] * columns, rows) or len(rows),
        MAX_PARAMETERS // columns,
    )
    size = max(1, size)
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def _values_sql(rows: Sequence[Sequence[Any]]) -> tuple[str, list[Any]]:
    row_sql = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    params = [_adapt(value) for row in rows for value in row]
    return ", ".join([row_sql] * len(rows)), params


def insert_new(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in ``columns`` order) except those conflicting with a unique
    constraint, in one statement per chunk (one in all on PostgreSQL up to 5,000 rows of
    13 columns); the ``returning`` columns of the inserted rows."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_sql = ", ".join(quote(c) for c in columns)
    returning_sql = ", ".join(quote(c) for c in returning)
    inserted: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, len(columns)):
            values_sql, params = _values_sql(chunk)
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) VALUES {values_sql} "  # noqa: S608
                f"ON CONFLICT DO NOTHING RETURNING {returning_sql}",
                params,
            )
            inserted += [tuple(row) for row in cursor.fetchall()]
    return inserted


ActivityTotals = dict[tuple[int, date], tuple[int, int, int]]


def activity_add(totals: ActivityTotals) -> None:
    """Add (logins, page_views, seconds_active) to each (customer_id, day) row, creating
    the rows that do not exist yet. Rows go in key order, so two concurrent batches lock
    shared rows in the same order and cannot deadlock."""
    if not totals:
        return
    quote = connection.ops.quote_name
    table = quote(ActivityDaily._meta.db_table)
    counted = ("logins", "page_views", "seconds_active")
    rows = [(customer_id, day, *totals[customer_id, day]) for customer_id, day in sorted(totals)]
    additions = ", ".join(f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in counted)
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 5):
            values_sql, params = _values_sql(chunk)
            cursor.execute(
                f"INSERT INTO {table} (customer_id, day, logins, page_views, seconds_active) "  # noqa: S608
                f"VALUES {values_sql} ON CONFLICT (customer_id, day) DO UPDATE SET {additions}",
                params,
            )
