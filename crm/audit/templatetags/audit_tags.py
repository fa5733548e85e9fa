from typing import Any

from django import template

register = template.Library()


@register.filter
def audit_value(value: Any) -> str:
    """An audited value as a person reads it: lists joined, empty as a dash."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
