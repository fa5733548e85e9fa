"""Keyset (seek) pagination over one sort key plus the primary key.

The filter ``key >= v AND (key > v OR id > last_id)`` lets PostgreSQL start the index scan
at the cursor (the first conjunct is an index condition), so page 10,000 costs what page 1
costs. Works on SQLite too.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import Q

M = TypeVar("M", bound=models.Model)


class InvalidCursorError(ValueError):
    pass


@dataclass(frozen=True)
class Page(Generic[M]):
    rows: list[M]
    next_cursor: str | None


def encode_cursor(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursorError("Invalid page cursor.") from exc
    if not isinstance(pk, int) or isinstance(value, (list, dict)):
        raise InvalidCursorError("Invalid page cursor.")
    return value, pk


def keyset_page(
    qs: "models.QuerySet[M]", *, key: str, descending: bool, cursor: str | None, size: int
) -> Page[M]:
    """One page of ``qs`` ordered by (key, pk), starting after ``cursor``."""
    if cursor:
        value, pk = decode_cursor(cursor)
        if descending:
            qs = qs.filter(
                Q(**{f"{key}__lte": value}) & (Q(**{f"{key}__lt": value}) | Q(pk__lt=pk))
            )
        else:
            qs = qs.filter(
                Q(**{f"{key}__gte": value}) & (Q(**{f"{key}__gt": value}) | Q(pk__gt=pk))
            )
    order = [f"-{key}", "-pk"] if descending else [key, "pk"]
    rows = list(qs.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, key), int(last.pk))
    return Page(rows=rows, next_cursor=next_cursor)
