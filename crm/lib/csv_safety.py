"""CSV exports: streamed row by row, and safe to open in a spreadsheet.

Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
apostrophe, so an export opened in Excel or LibreOffice never executes customer data.
"""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]


class _Echo:
    """A file-like object for csv.writer that hands each row back for streaming."""

    def write(self, value: str) -> str:
        return value


def stream_csv(
    *, header: list[str], rows: Iterable[Iterable[object]], filename: str
) -> StreamingHttpResponse:
    """A streamed CSV download; ``rows`` is consumed lazily, so memory stays flat."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(safe_row(row))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
