"""From file rows to typed records of history (orders, interactions, complaints), or to
errors naming the row and the source column.

Only what one row shows is checked here (formats, lengths, choices, dates not in the
future); what needs other rows or the database (unknown customers, repeated numbers) is
checked set-based by ``history``. Rows are converted a chunk at a time, column by column
(see ``converters``); a record keeps the file's row number.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import compress, repeat
from typing import Any

from django.conf import settings

from interactions.imports import values as v
from interactions.imports.converters import Converter, converters_for
from interactions.imports.models import ImportKind
from interactions.imports.reading import RowChunk, SourceRow
from interactions.imports.report import ErrorLog, RowError

Progress = Callable[[int], None]
PROGRESS_EVERY_ROWS = 20_000


# A record of history is a flat tuple, built and COPYed without Python code per row:
# (row number, natural key, customer reference, *the kind's HistorySpec.columns values).
# The natural key is the order number, the complaint reference or the interaction key.
HistoryRecord = tuple[Any, ...]
ROW, KEY, REF, VALUES = 0, 1, 2, slice(3, None)


@dataclass(frozen=True)
class Options:
    """How to read values, fixed for the whole run so both passes read alike."""

    date_format: str
    decimal_separator: str
    now: datetime


@dataclass(frozen=True)
class Column:
    target: str
    index: int
    source: str
    converter: Converter


def columns_for(
    kind: str, mapping: Mapping[str, str], headers: Sequence[str], options: Options
) -> list[Column]:
    converters = converters_for(
        kind,
        date_format=options.date_format,
        decimal_separator=options.decimal_separator,
        now=options.now,
    )
    index = {name: i for i, name in enumerate(headers)}
    return [
        Column(target, index[source], source, converters[target])
        for target, source in mapping.items()
        if source and target in converters
    ]


def parse_row(row: SourceRow, columns: Sequence[Column], errors: ErrorLog) -> dict[str, Any] | None:
    """One row's typed fields, or None after logging each bad cell."""
    cells = row.cells
    fields: dict[str, Any] = {}
    bad = False
    for column in columns:
        cell = cells[column.index] if column.index < len(cells) else None
        try:
            fields[column.target] = column.converter.cell(cell)
        except v.InvalidDataError as problem:
            errors.add("parse", RowError(row.number, column.source, problem.message))
            bad = True
    return None if bad else fields


# --- records, column-wise -------------------------------------------------------------------

Build = Callable[[Sequence[int], dict[str, list[Any]]], Iterable[HistoryRecord]]


def interaction_key(customer_ref: str, occurred_at: datetime, channel: str, subject: str) -> str:
    """Recognises an interaction imported before when the file has no id column."""
    raw = "\x1f".join([customer_ref, occurred_at.isoformat(), channel, subject])
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def _orders(numbers: Sequence[int], f: dict[str, list[Any]]) -> Iterable[HistoryRecord]:
    n = len(numbers)
    return zip(
        numbers,
        f["external_ref"],
        f["customer_ref"],
        f["ordered_on"],
        f["amount_cents"] if "amount_cents" in f else f["amount"],
        f.get("currency") or repeat(settings.DEFAULT_CURRENCY, n),
        f.get("status") or repeat("placed", n),
        strict=False,
    )


def _interactions(numbers: Sequence[int], f: dict[str, list[Any]]) -> Iterable[HistoryRecord]:
    n = len(numbers)
    refs, moments, channels = f["customer_ref"], f["occurred_at"], f["channel"]
    subjects = f.get("subject") or [""] * n
    ids = f.get("external_id") or [""] * n
    keys = [
        given or interaction_key(ref, moment, channel, subject)
        for given, ref, moment, channel, subject in zip(
            ids, refs, moments, channels, subjects, strict=True
        )
    ]
    return zip(
        numbers,
        keys,
        refs,
        moments,
        channels,
        f.get("direction") or repeat("in", n),
        subjects,
        f.get("body") or repeat("", n),
        f.get("duration_seconds") or repeat(None, n),
        strict=False,
    )


def _complaints_builder(levels: Mapping[str, tuple[int, int]]) -> Build:
    """Deadlines come from the severity's service level, as ``complaint_open`` sets them."""

    def build(numbers: Sequence[int], f: dict[str, list[Any]]) -> Iterable[HistoryRecord]:
        n = len(numbers)
        opened, severities = f["opened_at"], f["severity"]
        hours = [levels[s] for s in severities]
        return zip(
            numbers,
            f["external_ref"],
            f["customer_ref"],
            opened,
            f["subject"],
            f.get("description") or repeat("", n),
            f["category"],
            severities,
            f.get("channel") or repeat("call", n),
            f.get("status") or repeat("open", n),
            [at + timedelta(hours=h[0]) for at, h in zip(opened, hours, strict=True)],
            [at + timedelta(hours=h[1]) for at, h in zip(opened, hours, strict=True)],
            strict=False,
        )

    return build


def builder_for(kind: str, levels: Mapping[str, tuple[int, int]]) -> Build:
    if kind == ImportKind.ORDERS:
        return _orders
    if kind == ImportKind.INTERACTIONS:
        return _interactions
    return _complaints_builder(levels)


def _transpose(cells: Sequence[Sequence[Any]], width: int) -> list[Sequence[Any]]:
    """Columns of the rows' cells. ``zip`` stops at the shortest row, so if a row is too
    short for the mapped columns, pad the short rows (rare) and transpose again."""
    columns: list[Sequence[Any]] = list(zip(*cells, strict=False))
    if len(columns) >= width:
        return columns
    padded = [(*c, *repeat(None, width - len(c))) if len(c) < width else c for c in cells]
    return list(zip(*padded, strict=False))


def _convert_cells(
    raw: Sequence[Any], column: Column, numbers: Sequence[int], bad: list[RowError]
) -> list[Any]:
    converted: list[Any] = []
    for number, cell in zip(numbers, raw, strict=True):
        try:
            converted.append(column.converter.cell(cell))
        except v.InvalidDataError as problem:
            bad.append(RowError(number, column.source, problem.message))
            converted.append(None)
    return converted


def _chunk_records(
    chunk: RowChunk, columns: Sequence[Column], build: Build, errors: ErrorLog
) -> Iterable[HistoryRecord]:
    numbers = chunk.numbers
    transposed = _transpose(chunk.cells, 1 + max(c.index for c in columns))
    fields: dict[str, list[Any]] = {}
    bad: list[RowError] = []
    for column in columns:
        raw = transposed[column.index]
        converter = column.converter.column
        converted = converter(raw) if converter is not None else None
        if converted is None:
            converted = _convert_cells(raw, column, numbers, bad)
        fields[column.target] = converted
    if not bad:
        return build(numbers, fields)
    for error in sorted(bad):
        errors.add("parse", error)
    bad_rows = {e.row for e in bad}
    keep = [n not in bad_rows for n in numbers]
    kept = {target: list(compress(values, keep)) for target, values in fields.items()}
    return build(list(compress(numbers, keep)), kept)


def history_records(
    chunks: Iterable[RowChunk],
    *,
    columns: Sequence[Column],
    build: Build,
    errors: ErrorLog,
    progress: Progress,
) -> Iterator[HistoryRecord]:
    """The good rows as records, in file order; bad cells go to ``errors``."""
    count = 0
    for chunk in chunks:
        count += len(chunk.numbers)
        yield from _chunk_records(chunk, columns, build, errors)
        progress(count)
    progress(count)
