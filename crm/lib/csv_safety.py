"""CSV cells a spreadsheet would run as a formula (=, +, -, @, tab, CR) get a leading
apostrophe, so an export opened in Excel or LibreOffice never executes customer data."""

from collections.abc import Iterable

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def safe_row(values: Iterable[object]) -> list[str]:
    return [safe_cell(v) for v in values]
