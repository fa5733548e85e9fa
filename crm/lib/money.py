"""Money is stored as integer cents plus an ISO currency; formatted per locale by Babel."""

from decimal import Decimal

from babel.numbers import format_currency
from django.utils.translation import get_language, to_locale


def format_money(amount_cents: int, currency: str, *, language: str | None = None) -> str:
    locale = to_locale(language or get_language() or "en")
    return str(format_currency(Decimal(amount_cents) / 100, currency, locale=locale))
