"""Template filters for scores and reasons: ``{{ reason|reason_text }}``, ``{{ p|percent }}``."""

from datetime import datetime
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from churn import reasons

register = template.Library()


@register.filter
def reason_text(reason: Any) -> str:
    """A stored reason dict in plain words, in the active language."""
    if not isinstance(reason, dict):
        return ""
    return reasons.reason_text(reason)


@register.filter
def percent(value: Any, digits: int = 0) -> str:
    """0.345 -> "35 %"; None or junk -> "—"."""
    try:
        return reasons.percent(float(value), int(digits))
    except (TypeError, ValueError):
        return "—"


@register.filter
def metric(value: Any, digits: int = 3) -> str:
    """A quality figure such as ROC AUC, or "n/a" when undefined (None in the report)."""
    try:
        return number_format(round(float(value), int(digits)), decimal_pos=int(digits))
    except (TypeError, ValueError):
        return "n/a"


@register.filter
def duration(started: Any, finished: Any) -> str:
    """How long a run took: "42 s", "3 min 5 s", "1 h 4 min"; "—" while unfinished."""
    if not isinstance(started, datetime) or not isinstance(finished, datetime):
        return "—"
    seconds = max(0, round((finished - started).total_seconds()))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)s min %(seconds)s s") % {"minutes": minutes, "seconds": secs}
    return _("%(seconds)s s") % {"seconds": secs}
