"""Set-based writes the ORM does not offer, for PostgreSQL and SQLite alike:

- ``insert_new``: INSERT many rows, silently skipping those that would break a unique
  constraint, and RETURN what was actually inserted. ``bulk_create(ignore_conflicts=True)``
  skips too, but cannot say which rows (or how many) went in.
- ``activity_add``: one upsert that *adds* counts to existing ``ActivityDaily`` rows;
  ``bulk_create(update_conflicts=True)`` can only overwrite them.

On PostgreSQL the rows travel as one JSON parameter, typed by the table's row type
(``json_populate_recordset``): the standard library encodes it in C and the server parses
it fast, where 5,000 rows of VALUES would be 50,000 placeholders for the driver to split
and the server to parse, and arrays (``unnest``) are dumped value by value in Python.
SQLite gets VALUES, in chunks of at most 999 parameters.

Table and column names come from the models, never from input; values are parameters.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, models

from interactions.models import ActivityDaily

Rows = Sequence[Sequence[Any]]


def _sqlite_value(value: Any) -> Any:
    """What Django's own SQLite backend would send: dates and times as text, in UTC."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def _sqlite_chunks(rows: Rows) -> list[tuple[str, list[Any]]]:
    """(VALUES (...), (...), parameters) per chunk that SQLite takes in one statement."""
    width = len(rows[0])
    size = max(1, connection.ops.bulk_batch_size(["c"] * width, rows))
    row_sql = "(" + ", ".join(["%s"] * width) + ")"
    return [
        (
            ", ".join([row_sql] * len(rows[i : i + size])),
            [_sqlite_value(value) for row in rows[i : i + size] for value in row],
        )
        for i in range(0, len(rows), size)
    ]


def _json_value(value: Any) -> str:
    if isinstance(value, date):  # datetimes too: ISO 8601, with their offset
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _postgresql_select(
    model: type[models.Model], columns: Sequence[str], rows: Rows
) -> tuple[str, list[Any]]:
    """SELECT the rows out of one JSON parameter, typed by the table's own row type."""
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
    document = json.dumps(
        [dict(zip(columns, row, strict=True)) for row in rows], default=_json_value
    )
    return (
        f"SELECT {column_sql} FROM json_populate_recordset(NULL::{table}, %s::json)",  # noqa: S608
        [document],
    )


def _statements(
    model: type[models.Model], columns: Sequence[str], rows: Rows
) -> list[tuple[str, list[Any]]]:
    """(the rows as a SELECT or VALUES clause, its parameters), per statement needed."""
    if connection.vendor == "postgresql":
        return [_postgresql_select(model, columns, rows)]
    return [(f"VALUES {values}", params) for values, params in _sqlite_chunks(rows)]


def insert_new(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Rows,
    *,
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert ``rows`` (values in ``columns`` order) except those conflicting with a unique
    constraint; the ``returning`` columns of the inserted rows."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    column_sql = ", ".join(quote(c) for c in columns)
    returning_sql = ", ".join(quote(c) for c in returning)
    inserted: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for rows_sql, params in _statements(model, columns, rows):
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) {rows_sql} "
                f"ON CONFLICT DO NOTHING RETURNING {returning_sql}",
                params,
            )
            inserted += [tuple(row) for row in cursor.fetchall()]
    return inserted


ActivityTotals = dict[tuple[int, date], tuple[int, int, int]]
ACTIVITY_COLUMNS = ("customer_id", "day", "logins", "page_views", "seconds_active")


def activity_add(totals: ActivityTotals) -> None:
    """Add (logins, page_views, seconds_active) to each (customer_id, day) row, creating
    the rows that do not exist yet. Rows go in key order, so two concurrent batches lock
    shared rows in the same order and cannot deadlock."""
    if not totals:
        return
    quote = connection.ops.quote_name
    table = quote(ActivityDaily._meta.db_table)
    rows = [(customer_id, day, *totals[customer_id, day]) for customer_id, day in sorted(totals)]
    additions = ", ".join(
        f"{quote(c)} = {table}.{quote(c)} + EXCLUDED.{quote(c)}" for c in ACTIVITY_COLUMNS[2:]
    )
    column_sql = ", ".join(quote(c) for c in ACTIVITY_COLUMNS)
    with connection.cursor() as cursor:
        for rows_sql, params in _statements(ActivityDaily, ACTIVITY_COLUMNS, rows):
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) {rows_sql} "
                f"ON CONFLICT (customer_id, day) DO UPDATE SET {additions}",
                params,
            )
