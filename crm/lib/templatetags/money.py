from django import template

from crm.lib.money import format_money

register = template.Library()


@register.simple_tag
def money(amount_cents: int | None, currency: str = "EUR") -> str:
    """{% money order.amount_cents order.currency %} -> "1 234,50 €" in Lithuanian."""
    if amount_cents is None:
        return "—"
    return format_money(amount_cents, currency)
