"""Reading an uploaded file: what it is (encoding, delimiter, column names, about how many
rows) and then its rows, one at a time. Nothing here holds a whole file in memory.

Row numbers are those a spreadsheet shows: the header is row 1 and blank rows count.
"""

import codecs
import csv
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import compress, islice
from pathlib import Path
from typing import Any, NamedTuple

import openpyxl  # type: ignore[import-untyped]
from django.utils.translation import gettext as _

from interactions.imports.values import Cell, InvalidDataError, as_text

READ_CHUNK_BYTES = 1 << 20
SNIFF_SAMPLE_BYTES = 256 * 1024  # enough lines for csv.Sniffer and the code-page guess
# Tried in this order when a file is not UTF-8: the Baltic, Central European and Greek
# Windows code pages, our users' spreadsheets' usual exports.
FALLBACK_ENCODINGS = ("cp1257", "cp1250", "cp1253")
DELIMITERS = (",", ";", "\t")
# Letters that each code page exists for; the page that decodes the most of them wins.
_LANGUAGE_LETTERS = {
    "cp1257": set("ąčęėįšųūžāēģīķļņōŗõäöüĄČĘĖĮŠŲŪŽĀĒĢĪĶĻŅŌŖÕÄÖÜ"),
    "cp1250": set("ąćęłńóśźżčďěňřšťůžĄĆĘŁŃÓŚŹŻČĎĚŇŘŠŤŮŽ"),
    "cp1253": {chr(c) for c in range(0x386, 0x3CF) if chr(c).isalpha()},
}
ROWS_PER_CHUNK = 5_000
FORMATS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx"}


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # "csv" or "xlsx"
    encoding: str  # "" for xlsx
    delimiter: str  # "" for xlsx
    headers: list[str]
    header_row: int
    rows_total: int | None  # data rows, estimated


class SourceRow(NamedTuple):
    number: int
    cells: Sequence[Cell]


class RowChunk(NamedTuple):
    """Consecutive non-blank rows: their numbers and their cells, in file order."""

    numbers: Sequence[int]
    cells: Sequence[Sequence[Cell]]


def file_format_for(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise InvalidDataError(_("Upload a .csv or .xlsx file."))
    return FORMATS[suffix]


def file_inspect(path: Path, *, file_format: str) -> FileInfo:
    if file_format == "xlsx":
        return _xlsx_inspect(path)
    return _csv_inspect(path)


def file_row_chunks(path: Path, info: FileInfo, *, size: int) -> Iterator[RowChunk]:
    """The data rows after the header, blank rows left out, ``size`` rows at a time."""
    if info.file_format == "xlsx":
        with _workbook(path) as book:
            rows = book.worksheets[0].iter_rows(min_row=1, values_only=True)
            yield from _chunks(enumerate(rows, start=1), info, size, _nonblank)
        return
    with path.open(encoding=info.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=info.delimiter)
        try:
            yield from _chunks(enumerate(reader, start=1), info, size, _nonblank_texts)
        except csv.Error as exc:
            raise InvalidDataError(
                _("The file cannot be read as CSV at line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc


def file_rows(path: Path, info: FileInfo) -> Iterator[SourceRow]:
    for chunk in file_row_chunks(path, info, size=ROWS_PER_CHUNK):
        yield from map(SourceRow, chunk.numbers, chunk.cells)


def _chunks(
    numbered: Iterator[tuple[int, Any]],
    info: FileInfo,
    size: int,
    nonblank: Callable[[Sequence[Any]], Sequence[object]],
) -> Iterator[RowChunk]:
    """Chunks of rows after the header. No Python code runs per row: a million-row file
    is split, numbered and filtered by C loops (``islice``, ``zip``, ``compress``)."""
    data = islice(numbered, info.header_row, None)
    while chunk := list(islice(data, size)):
        numbers, cells = zip(*chunk, strict=True)
        keep = nonblank(cells)
        if not all(keep):
            numbers = tuple(compress(numbers, keep))
            cells = tuple(compress(cells, keep))
        if numbers:
            yield RowChunk(numbers, cells)


def _nonblank(rows: Sequence[Sequence[Cell]]) -> list[bool]:
    return [any(as_text(c) for c in cells) for cells in rows]


def _nonblank_texts(rows: Sequence[list[str]]) -> list[str]:
    """Truthy for a CSV row with any text in it; in C."""
    return list(map(str.strip, map("".join, rows)))


def unique_headers(raw: Sequence[Cell]) -> list[str]:
    """Column names as the mapping shows them: empty ones named by position, repeated ones
    numbered, so every column can be chosen."""
    headers: list[str] = []
    for position, cell in enumerate(raw, start=1):
        name = as_text(cell) or _("Column %(number)s") % {"number": position}
        candidate, copy = name, 2
        while candidate in headers:
            candidate, copy = f"{name} ({copy})", copy + 1
        headers.append(candidate)
    return headers


# --- CSV ------------------------------------------------------------------------------------


def _decodes(path: Path, encoding: str) -> tuple[bool, int]:
    """Whether the whole file decodes, and how many line breaks it has (for progress)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    newlines = 0
    with path.open("rb") as f:
        while chunk := f.read(READ_CHUNK_BYTES):
            newlines += chunk.count(b"\n")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False, 0
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False, 0
    return True, newlines


def _language_score(sample: bytes, encoding: str) -> int:
    letters = _LANGUAGE_LETTERS[encoding]
    return sum(1 for char in sample.decode(encoding, errors="replace") if char in letters)


def detect_encoding(path: Path) -> tuple[str, int]:
    """(encoding, line breaks): UTF-8 (with or without a byte-order mark), else the
    fallback code page that decodes the whole file and reads most like its language."""
    with path.open("rb") as f:
        sample = f.read(SNIFF_SAMPLE_BYTES)
    ok, newlines = _decodes(path, "utf-8")
    if ok:
        return ("utf-8-sig" if sample.startswith(codecs.BOM_UTF8) else "utf-8"), newlines
    best: tuple[int, int, str, int] | None = None
    for rank, encoding in enumerate(FALLBACK_ENCODINGS):
        ok, newlines = _decodes(path, encoding)
        if ok:
            candidate = (_language_score(sample, encoding), -rank, encoding, newlines)
            best = max(best, candidate) if best else candidate
    if best is None:
        raise InvalidDataError(
            _("The file is neither UTF-8 nor in one of the code pages %(pages)s.")
            % {"pages": ", ".join(FALLBACK_ENCODINGS)}
        )
    return best[2], best[3]


def detect_delimiter(sample: str) -> str:
    complete = sample[: sample.rfind("\n") + 1] or sample
    try:
        return csv.Sniffer().sniff(complete, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        first_line = complete.splitlines()[0] if complete else ""
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(DELIMITERS, key=lambda d: counts[d])
        return best if counts[best] else ","


def _csv_inspect(path: Path) -> FileInfo:
    encoding, newlines = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as f:
        delimiter = detect_delimiter(f.read(SNIFF_SAMPLE_BYTES))
    info = FileInfo("csv", encoding, delimiter, [], 0, None)
    for number, cells in _csv_rows(path, info):
        if any(as_text(c) for c in cells):
            return FileInfo(
                "csv", encoding, delimiter, unique_headers(cells), number, max(0, newlines - 1)
            )
    raise InvalidDataError(_("The file is empty."))


def _csv_rows(path: Path, info: FileInfo) -> Iterator[tuple[int, list[str]]]:
    with path.open(encoding=info.encoding, newline="") as f:
        reader = csv.reader(f, delimiter=info.delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as exc:
            raise InvalidDataError(
                _("The file cannot be read as CSV at line %(line)s: %(error)s")
                % {"line": reader.line_num, "error": exc}
            ) from exc


# --- XLSX -----------------------------------------------------------------------------------


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidDataError(_("The file is not a readable Excel (.xlsx) workbook.")) from exc
    try:
        yield book
    finally:
        book.close()


def _xlsx_inspect(path: Path) -> FileInfo:
    with _workbook(path) as book:
        sheet = book.worksheets[0]
        max_row = sheet.max_row
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if any(as_text(c) for c in cells):
                total = max(0, max_row - number) if max_row else None
                return FileInfo("xlsx", "", "", unique_headers(cells), number, total)
    raise InvalidDataError(_("The first sheet is empty."))
