"""Each target field's converter: from a cell to its value, or an error to show.

A converter has two forms that must agree:
- ``cell``: one cell at a time, with the exact error message; always right.
- ``column`` (optional): a whole column of a chunk of CSV rows at once, through C-level
  ``map`` calls, for the common case where every cell is present and valid. It returns
  None as soon as any cell needs a closer look, and the chunk's column then goes through
  ``cell``, so errors and edge cases are always handled in one place.
A million-row file has six million cells: the column form is what keeps an import of
that size within a minute.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, partial
from itertools import repeat
from operator import add, itemgetter, mul
from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Consent, Customer
from customers.services import normalize_emails, normalize_phones
from interactions.imports import values as v
from interactions.imports.models import DateFormat, ImportKind
from interactions.models import Channel, Complaint, Interaction, Order

CellConvert = Callable[[v.Cell], Any]
ColumnConvert = Callable[[Sequence[Any]], list[Any] | None]
TEXT_MAX_LENGTH = 100_000  # notes and descriptions, as the API accepts them
MAX_DURATION_SECONDS = 86_400
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Converter:
    cell: CellConvert
    column: ColumnConvert | None = None


@dataclass(frozen=True)
class Limits:
    """What "not in the future" means for this run (fixed, so both passes agree)."""

    latest: datetime  # now, plus five minutes: clocks differ
    latest_day: date  # tomorrow: time zones differ
    today: date


# --- one cell -------------------------------------------------------------------------------
# The wrappers strip a text cell once and handle emptiness; the wrapped converter gets
# non-empty, stripped text or a spreadsheet's typed value.


def _optional(convert: CellConvert, default: Any) -> CellConvert:
    def run(cell: v.Cell) -> Any:
        if type(cell) is str:
            cell = cell.strip()
            if not cell:
                return default
        elif cell is None:
            return default
        return convert(cell)

    return run


def _required(convert: CellConvert) -> CellConvert:
    def run(cell: v.Cell) -> Any:
        if type(cell) is str:
            cell = cell.strip()
            if not cell:
                raise v.InvalidDataError(_("A value is required."))
        elif cell is None:
            raise v.InvalidDataError(_("A value is required."))
        return convert(cell)

    return run


def _day(cell: v.Cell, *, date_format: str, latest: date) -> date:
    day = v.parse_date(cell, date_format=date_format)
    if day > latest:
        raise v.InvalidDataError(_("This cannot be in the future."))
    return day


def _moment(cell: v.Cell, *, date_format: str, latest: datetime) -> datetime:
    return v.not_after(v.parse_datetime(cell, date_format=date_format), latest)


def _currency(cell: v.Cell) -> str:
    value = v.as_text(cell).upper()
    if not _is_currency(value):
        raise v.InvalidDataError(_("“%(value)s” is not a currency code.") % {"value": value})
    return value


def _is_currency(value: str) -> bool:
    return len(value) == 3 and value.isascii() and value.isalpha()


def _country(cell: v.Cell) -> str:
    value = v.as_text(cell).upper()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise v.InvalidDataError(
            _("“%(value)s” is not a two-letter country code.") % {"value": value}
        )
    return value


def _validated(normalize: Callable[[Sequence[str]], list[str]], separators: str) -> CellConvert:
    """Emails or phones through the customers' own normalisers."""

    def run(cell: v.Cell) -> list[str]:
        try:
            return normalize(v.split_list(cell, separators=separators))
        except ValidationError as exc:
            raise v.InvalidDataError(" ".join(exc.messages)) from exc

    return run


@cache
def _zones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def _time_zone(cell: v.Cell) -> str:
    """An IANA name, in any letter case ("europe/vilnius" is Europe/Vilnius)."""
    value = v.as_text(cell)
    zone = _zones_by_lower_name().get(value.lower())
    if zone is None:
        raise v.InvalidDataError(_("“%(value)s” is not a known time zone.") % {"value": value})
    return zone


YES = frozenset({"yes", "y", "true", "1", "granted"})
NO = frozenset({"no", "n", "false", "0", "refused", "withdrawn"})


def _yes_no(cell: v.Cell) -> bool:
    if isinstance(cell, bool):
        return cell
    value = v.as_text(cell).lower()
    if value in YES:
        return True
    if value in NO:
        return False
    raise v.InvalidDataError(_("“%(value)s” is not yes or no.") % {"value": value})


def consent_target(purpose: str) -> str:
    """The import field of a consent purpose: "marketing_email_consent"."""
    return f"{purpose}_consent"


CONSENT_TARGETS = {consent_target(p): p for p in Consent.Purpose.values}


def _tags(cell: v.Cell) -> list[str]:
    tags = v.split_list(cell, separators=";,")
    for tag in tags:
        v.text(tag, max_length=50)
    return sorted(set(tags))


# --- a whole column -------------------------------------------------------------------------


def _dense(raw: Sequence[Any]) -> list[str] | None:
    """The stripped texts, if every cell is non-empty text."""
    try:
        stripped = list(map(str.strip, raw))
    except TypeError:  # a short row's missing cell, or a spreadsheet's typed value
        return None
    return stripped if all(stripped) else None


def _text_column(max_length: int) -> ColumnConvert:
    def run(raw: Sequence[Any]) -> list[Any] | None:
        texts = _dense(raw)
        if texts is None or max(map(len, texts), default=0) > max_length:
            return None
        return texts

    return run


def _iso_day_column(latest: date) -> ColumnConvert:
    def run(raw: Sequence[Any]) -> list[Any] | None:
        texts = _dense(raw)
        if texts is None:
            return None
        try:
            days = list(map(date.fromisoformat, texts))
        except ValueError:
            return None
        return days if max(days, default=latest) <= latest else None

    return run


def _plain_cents(texts: list[str], decimal_separator: str) -> list[int] | None:
    """Cents of plain amounts ("1234", "1234.5", "1234.56") in integer arithmetic, as
    ``values._simple_cents`` reads them; None if any is not that plain."""
    parts = list(map(str.partition, texts, repeat(decimal_separator)))
    wholes = list(map(itemgetter(0), parts))
    fractions = list(map(itemgetter(2), parts))
    digits = "".join(wholes) + "".join(fractions)
    if not (digits.isascii() and digits.isdigit()) or not all(wholes):
        return None
    if max(map(len, fractions), default=0) > 2:
        return None
    padded = map(str.ljust, fractions, repeat(2), repeat("0"))
    cents = list(map(add, map(mul, map(int, wholes), repeat(100)), map(int, padded)))
    return cents if max(cents, default=0) < v.MAX_CENTS else None


def _cents_column(decimal_separator: str) -> ColumnConvert:
    """``values.parse_cents`` for a column: plain amounts in integers, else the same
    clean-up as per cell, then Decimal arithmetic."""
    grouping = "," if decimal_separator == "." else "."

    def run(raw: Sequence[Any]) -> list[Any] | None:
        texts = _dense(raw)
        if texts is None:
            return None
        plain = _plain_cents(texts, decimal_separator)
        if plain is not None:
            return plain
        cleaned = map(str.translate, texts, repeat(v.GROUP_SPACES))
        cleaned = map(str.replace, cleaned, repeat(grouping), repeat(""))
        if decimal_separator == ",":
            cleaned = map(str.replace, cleaned, repeat(","), repeat("."))
        try:
            cents = list(map(mul, map(Decimal, cleaned), repeat(HUNDRED)))
            whole = list(map(int, cents))
        except (InvalidOperation, ValueError, OverflowError):
            return None
        if whole != cents or min(whole, default=0) < 0 or max(whole, default=0) >= v.MAX_CENTS:
            return None  # fractions of a cent, negative or too large: say which, per cell
        return whole

    return run


def _int_column(minimum: int, maximum: int) -> ColumnConvert:
    def run(raw: Sequence[Any]) -> list[Any] | None:
        texts = _dense(raw)
        if texts is None:
            return None
        try:
            numbers = list(map(int, texts))
        except ValueError:
            return None
        if numbers and (min(numbers) < minimum or max(numbers) > maximum):
            return None
        return numbers

    return run


def _choice_column(lookup: dict[str, str]) -> ColumnConvert:
    def run(raw: Sequence[Any]) -> list[Any] | None:
        texts = _dense(raw)
        if texts is None:
            return None
        chosen = list(map(lookup.get, map(str.lower, texts)))
        return None if None in chosen else chosen

    return run


def _currency_column(raw: Sequence[Any]) -> list[Any] | None:
    texts = _dense(raw)
    if texts is None:
        return None
    codes = list(map(str.upper, texts))
    return codes if all(_is_currency(c) for c in set(codes)) else None


# --- per kind -------------------------------------------------------------------------------


def _text(max_length: int, *, default: str | None = None) -> Converter:
    cell = partial(v.text, max_length=max_length)
    wrapped = _required(cell) if default is None else _optional(cell, default)
    return Converter(wrapped, _text_column(max_length))


def _choice(choices: list[tuple[str, Any]], *, default: str | None = None) -> Converter:
    lookup = v.choice_lookup(choices)
    cell = partial(v.parse_choice, lookup=lookup)
    wrapped = _required(cell) if default is None else _optional(cell, default)
    return Converter(wrapped, _choice_column(lookup))


def _moment_converter(date_format: str, limits: Limits) -> Converter:
    return Converter(_required(partial(_moment, date_format=date_format, latest=limits.latest)))


def _orders(date_format: str, decimal_separator: str, limits: Limits) -> dict[str, Converter]:
    day = partial(_day, date_format=date_format, latest=limits.latest_day)
    iso = date_format == DateFormat.ISO
    return {
        "external_ref": _text(64),
        "customer_ref": _text(64),
        "ordered_on": Converter(
            _required(day), _iso_day_column(limits.latest_day) if iso else None
        ),
        "amount": Converter(
            _required(partial(v.parse_cents, decimal_separator=decimal_separator)),
            _cents_column(decimal_separator),
        ),
        "amount_cents": Converter(
            _required(partial(v.parse_int, minimum=0, maximum=v.MAX_CENTS - 1)),
            _int_column(0, v.MAX_CENTS - 1),
        ),
        "currency": Converter(_optional(_currency, settings.DEFAULT_CURRENCY), _currency_column),
        "status": _choice(Order.Status.choices, default=Order.Status.PLACED.value),
    }


def _interactions(date_format: str, limits: Limits) -> dict[str, Converter]:
    duration = partial(v.parse_int, minimum=0, maximum=MAX_DURATION_SECONDS)
    return {
        "customer_ref": _text(64),
        "occurred_at": _moment_converter(date_format, limits),
        "channel": _choice(Channel.choices),
        "direction": _choice(
            Interaction.Direction.choices, default=Interaction.Direction.INBOUND.value
        ),
        "subject": _text(200, default=""),
        "body": _text(TEXT_MAX_LENGTH, default=""),
        "duration_seconds": Converter(
            _optional(duration, None), _int_column(0, MAX_DURATION_SECONDS)
        ),
        "external_id": _text(100, default=""),
    }


def _complaints(date_format: str, limits: Limits) -> dict[str, Converter]:
    return {
        "external_ref": _text(64),
        "customer_ref": _text(64),
        "opened_at": _moment_converter(date_format, limits),
        "subject": _text(200),
        "category": _choice(Complaint.Category.choices),
        "severity": _choice(Complaint.Severity.choices),
        "channel": _choice(Channel.choices, default=Channel.CALL.value),
        "status": _choice(Complaint.Status.choices, default=Complaint.Status.OPEN.value),
        "description": _text(TEXT_MAX_LENGTH, default=""),
    }


def _customers(date_format: str, limits: Limits) -> dict[str, Converter]:
    """Empty optional cells clear the field; unmapped fields stay as they are."""
    birthday = partial(_day, date_format=date_format, latest=limits.today)
    return {
        "external_ref": _text(64),
        "name": _text(200),
        "first_name": _text(100, default=""),
        "kind": _choice(Customer.Kind.choices, default=Customer.Kind.PERSON.value),
        "emails": Converter(_optional(_validated(normalize_emails, ";, \n"), [])),
        "phones": Converter(_optional(_validated(normalize_phones, ";,\n"), [])),
        "street": _text(200, default=""),
        "city": _text(100, default=""),
        "postal_code": _text(20, default=""),
        "country": Converter(_optional(_country, "")),
        "language": _choice(list(settings.LANGUAGES), default=settings.LANGUAGE_CODE),
        "birthday": Converter(_optional(birthday, None)),
        "tags": Converter(_optional(_tags, [])),
        "stage": _choice(Customer.Stage.choices, default=Customer.Stage.LEAD.value),
        "time_zone": Converter(_optional(_time_zone, "")),
        # An empty consent cell means "no answer in this file": the current one stays.
        **{target: Converter(_optional(_yes_no, None)) for target in CONSENT_TARGETS},
    }


def converters_for(
    kind: str, *, date_format: str, decimal_separator: str, now: datetime
) -> dict[str, Converter]:
    today = timezone.localdate(now)
    limits = Limits(latest=v.latest_after(now), latest_day=v.next_day(today), today=today)
    if kind == ImportKind.ORDERS:
        return _orders(date_format, decimal_separator, limits)
    if kind == ImportKind.INTERACTIONS:
        return _interactions(date_format, limits)
    if kind == ImportKind.COMPLAINTS:
        return _complaints(date_format, limits)
    return _customers(date_format, limits)
