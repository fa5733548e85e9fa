"""Turning one cell of a file into a typed value, or a problem the user can act on.

Cells come from CSV as text and from XLSX as text, numbers, dates or datetimes. These run
for every cell of every row, so they avoid regular expressions and ``strptime`` where a
split does: a million-row file has six million cells.
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from interactions.imports.models import DateFormat

Cell = str | int | float | Decimal | date | datetime | time | bool | None
# Dates of day-first or month-first files, with an optional time.
_TIME = r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
_DAY_MONTH: dict[str, re.Pattern[str]] = {
    DateFormat.DMY_DOT: re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})" + _TIME),
    DateFormat.DMY_SLASH: re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME),
    DateFormat.MDY_SLASH: re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME),
}
FORMAT_LABELS: dict[str, str] = {
    DateFormat.ISO: "YYYY-MM-DD",
    DateFormat.DMY_DOT: "DD.MM.YYYY",
    DateFormat.DMY_SLASH: "DD/MM/YYYY",
    DateFormat.MDY_SLASH: "MM/DD/YYYY",
}
MAX_CENTS = 10**17  # amounts fit a bigint with room to add them up
# Spaces (also no-break and thin spaces) group thousands in many locales.
GROUP_SPACES = str.maketrans("", "", " \u00a0\u202f'")


class InvalidDataError(ValueError):
    """A cell that cannot be used; ``message`` is shown next to row and column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def as_text(cell: Cell) -> str:
    if type(cell) is str:
        return cell.strip()
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))  # a spreadsheet's 12345.0 is the reference "12345"
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    return str(cell).strip()


def text(cell: Cell, *, max_length: int) -> str:
    value = as_text(cell)
    if len(value) > max_length:
        raise InvalidDataError(
            _("At most %(max)s characters, this has %(length)s.")
            % {"max": max_length, "length": len(value)}
        )
    return value


def required_text(cell: Cell, *, max_length: int) -> str:
    value = text(cell, max_length=max_length)
    if not value:
        raise InvalidDataError(_("A value is required."))
    return value


def _bad_date(value: str, date_format: str) -> InvalidDataError:
    return InvalidDataError(
        _("“%(value)s” is not a date in the format %(format)s.")
        % {"value": value, "format": FORMAT_LABELS.get(date_format, date_format)}
    )


def _parse_day_month(value: str, date_format: str) -> datetime:
    pattern = _DAY_MONTH.get(date_format)
    match = pattern.match(value) if pattern else None
    if match is None:
        raise _bad_date(value, date_format)
    first, second, year, hour, minute, second_of_minute = match.groups()
    day, month = (second, first) if date_format == DateFormat.MDY_SLASH else (first, second)
    return datetime(  # noqa: DTZ001 -- made aware by the caller, in the configured zone
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second_of_minute or 0),
    )


def _parse_naive_or_aware(value: str, date_format: str) -> datetime:
    try:
        if date_format == DateFormat.ISO:
            return datetime.fromisoformat(value)
        return _parse_day_month(value, date_format)
    except ValueError as exc:
        if isinstance(exc, InvalidDataError):
            raise
        raise _bad_date(value, date_format) from exc


def parse_date(cell: Cell, *, date_format: str) -> date:
    """A calendar date; a date with a time of day is read as that day."""
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, date):
        return cell
    value = as_text(cell)
    if not value:
        raise InvalidDataError(_("A date is required."))
    if date_format == DateFormat.ISO and len(value) == 10:  # the common case, fast
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise _bad_date(value, date_format) from exc
    return _parse_naive_or_aware(value, date_format).date()


def parse_datetime(cell: Cell, *, date_format: str) -> datetime:
    """A moment. Without a UTC offset it is read in the configured time zone; a bare date
    means its midnight."""
    if isinstance(cell, datetime):
        moment = cell
    elif isinstance(cell, date):
        moment = datetime.combine(cell, time())
    else:
        value = as_text(cell)
        if not value:
            raise InvalidDataError(_("A date is required."))
        moment = _parse_naive_or_aware(value, date_format)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC)


def not_after(moment: datetime, latest: datetime) -> datetime:
    if moment > latest:
        raise InvalidDataError(_("This cannot be in the future."))
    return moment


def latest_after(now: datetime) -> datetime:
    """Clocks differ a little; the services accept five minutes ahead too."""
    return now + timedelta(minutes=5)


def next_day(today: date) -> date:
    """Orders may be dated tomorrow: the customer's day may have begun."""
    return today + timedelta(days=1)


def parse_cents(cell: Cell, *, decimal_separator: str) -> int:
    """A non-negative amount with at most two decimals, as integer cents."""
    if isinstance(cell, bool):
        raise InvalidDataError(_("“%(value)s” is not an amount.") % {"value": cell})
    if isinstance(cell, int):
        amount = Decimal(cell)
    elif isinstance(cell, float):
        # A spreadsheet's computed 0.1 + 0.2 is 0.30000000000000004: binary noise, not a
        # fraction of a cent. Six decimals keep a real third one (an error) visible.
        amount = Decimal(repr(round(cell, 6)))
    else:
        value = as_text(cell)
        simple = _simple_cents(value, decimal_separator)
        if simple is not None and simple < MAX_CENTS:
            return simple
        amount = _decimal_from_text(value, decimal_separator)
    return _cents(amount)


def _simple_cents(value: str, decimal_separator: str) -> int | None:
    """Cents of a plain "1234" or "1234.5(6)" without Decimal (the common case, fast);
    None for anything else."""
    whole, _separator, fraction = value.partition(decimal_separator)
    if not (whole.isascii() and whole.isdigit()) or len(fraction) > 2:
        return None
    if fraction and not (fraction.isascii() and fraction.isdigit()):
        return None
    return int(whole) * 100 + int(fraction.ljust(2, "0"))


def _decimal_from_text(value: str, decimal_separator: str) -> Decimal:
    if not value:
        raise InvalidDataError(_("An amount is required."))
    grouping = "," if decimal_separator == "." else "."
    cleaned = value.translate(GROUP_SPACES).replace(grouping, "")
    if decimal_separator == ",":
        cleaned = cleaned.replace(",", ".")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidDataError(_("“%(value)s” is not an amount.") % {"value": value}) from exc
    if not amount.is_finite():
        raise InvalidDataError(_("“%(value)s” is not an amount.") % {"value": value})
    return amount


def _cents(amount: Decimal) -> int:
    if amount < 0:
        raise InvalidDataError(_("An amount cannot be negative."))
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidDataError(_("An amount has at most two decimal places."))
    if cents >= MAX_CENTS:
        raise InvalidDataError(_("This amount is too large."))
    return int(cents)


def parse_int(cell: Cell, *, minimum: int, maximum: int) -> int:
    if isinstance(cell, int) and not isinstance(cell, bool):
        number = cell
    else:
        value = as_text(cell)
        try:
            number = int(value)
        except ValueError as exc:
            raise InvalidDataError(
                _("“%(value)s” is not a whole number.") % {"value": value}
            ) from exc
    if not minimum <= number <= maximum:
        raise InvalidDataError(
            _("Must be between %(min)s and %(max)s.") % {"min": minimum, "max": maximum}
        )
    return number


def choice_lookup(choices: list[tuple[str, object]]) -> dict[str, str]:
    """Accept a choice by its value or its label (in the active language), in any case."""
    lookup: dict[str, str] = {}
    for value, label in choices:
        lookup[str(value).lower()] = str(value)
        lookup[str(label).lower()] = str(value)
    return lookup


def parse_choice(cell: Cell, *, lookup: Mapping[str, str]) -> str:
    value = as_text(cell)
    try:
        return lookup[value.lower()]
    except KeyError:
        allowed = ", ".join(sorted(set(lookup.values())))
        raise InvalidDataError(
            _("“%(value)s” is not one of: %(allowed)s.") % {"value": value, "allowed": allowed}
        ) from None


def split_list(cell: Cell, *, separators: str) -> list[str]:
    """A cell holding several values: "a@x.lt; b@y.lt"."""
    value = as_text(cell)
    for separator in separators[1:]:
        value = value.replace(separator, separators[0])
    return [part.strip() for part in value.split(separators[0]) if part.strip()]
