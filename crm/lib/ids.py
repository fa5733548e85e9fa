"""Long id lists as one query parameter.

``pk__in=[...50,000 ids]`` makes a statement with 50,000 placeholders that the driver
splits and the server parses, every time. On PostgreSQL ``id_list`` sends them as one
bigint array instead (``IN (SELECT unnest(%s))``); elsewhere it is the plain list."""

from collections.abc import Collection
from typing import Any

from django.db import connection
from django.db.models.expressions import RawSQL


def id_list(ids: Collection[int]) -> Any:
    """For ``field__in=id_list(ids)``."""
    values = [int(pk) for pk in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [values])
    return values
