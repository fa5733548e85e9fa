"""A stored reason ``{"code": <feature>, "weight": float, "values": {...}}`` in plain words,
in the active language.

The scoring package decides which numbers go with which feature
(``churn.scoring.explain.REASON_FEATURES``); the wording lives here, translated with
named placeholders so that translators can reorder the numbers. Every reason the model
gives raises the risk (``top_reasons`` keeps only those), so each sentence states the fact
that does. A value can be missing (the aggregate was not at hand): each code then falls
back to a short form without numbers.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.lib.money import format_money

Values = Mapping[str, Any]
Sentence = Callable[[Values], str]
CENTS_PER_EURO = 100  # the scoring package reports average order values in euros


def _int(value: Any) -> int:
    return round(float(value))


def _number(value: Any, digits: int = 1) -> str:
    number = float(value)
    if number.is_integer():
        return number_format(int(number), use_l10n=True)
    return number_format(round(number, digits), decimal_pos=digits, use_l10n=True)


def _money_cents(cents: Any) -> str:
    return format_money(_int(cents), settings.DEFAULT_CURRENCY)


def percent(value: Any, digits: int = 0) -> str:
    """0.345 -> "35 %" (localised digits; the sign stays next to the number)."""
    return _("%(number)s %%") % {
        "number": number_format(round(float(value) * 100, digits), decimal_pos=digits)
    }


def _days_since_order(v: Values) -> str:
    days = _int(v["recency_days"])
    text = ngettext(
        "no order for %(recency_days)s day", "no order for %(recency_days)s days", days
    ) % {"recency_days": days}
    if "cadence_days" not in v:
        return text
    cadence = _int(v["cadence_days"])
    usual = ngettext(
        "usually orders every %(cadence_days)s day",
        "usually orders every %(cadence_days)s days",
        cadence,
    ) % {"cadence_days": cadence}
    return _("%(first)s; %(second)s") % {"first": text, "second": usual}


def _frequency(v: Values) -> str:
    repeats = _int(v["frequency"])
    if repeats == 0:
        return _("no repeat order yet")
    return ngettext(
        "only %(count)s repeat order so far", "only %(count)s repeat orders so far", repeats
    ) % {"count": repeats}


def _monetary(v: Values) -> str:
    amount = _money_cents(float(v["monetary_avg_euros"]) * CENTS_PER_EURO)
    return _("small orders: %(amount)s on average") % {"amount": amount}


def _tenure(v: Values) -> str:
    days = _int(v["tenure_days"])
    return ngettext(
        "a customer for only %(tenure_days)s day",
        "a customer for only %(tenure_days)s days",
        days,
    ) % {"tenure_days": days}


def _cadence(v: Values) -> str:
    cadence = _int(v["cadence_days"])
    text = ngettext(
        "orders only every %(cadence_days)s day on average",
        "orders only every %(cadence_days)s days on average",
        cadence,
    ) % {"cadence_days": cadence}
    if "recency_days" not in v:
        return text
    days = _int(v["recency_days"])
    last = ngettext(
        "last order %(recency_days)s day ago", "last order %(recency_days)s days ago", days
    ) % {"recency_days": days}
    return _("%(first)s; %(second)s") % {"first": text, "second": last}


def _gap_ratio(v: Values) -> str:
    days, cadence = _int(v["recency_days"]), _int(v["cadence_days"])
    gap = ngettext(
        "no order for %(recency_days)s day", "no order for %(recency_days)s days", days
    ) % {"recency_days": days}
    usual = ngettext(
        "usually orders every %(cadence_days)s day",
        "usually orders every %(cadence_days)s days",
        cadence,
    ) % {"cadence_days": cadence}
    return _("%(first)s; %(second)s") % {"first": gap, "second": usual}


def _order_trend(v: Values) -> str:
    recent, before = _int(v["orders_last_90"]), _int(v["orders_prev_90"])
    return ngettext(
        "%(recent)s order in the last 90 days against %(before)s in the 90 days before",
        "%(recent)s orders in the last 90 days against %(before)s in the 90 days before",
        recent,
    ) % {"recent": recent, "before": before}


def _revenue_trend(v: Values) -> str:
    return _("spent %(recent)s in the last 90 days against %(before)s in the 90 days before") % {
        "recent": _money_cents(v["revenue_last_90_cents"]),
        "before": _money_cents(v["revenue_prev_90_cents"]),
    }


def _contact_recency(v: Values) -> str:
    days = _int(v["contact_recency_days"])
    return ngettext(
        "last got in touch %(days)s day ago", "last got in touch %(days)s days ago", days
    ) % {"days": days}


def _inbound_trend(v: Values) -> str:
    recent, before = _int(v["inbound_last_90"]), _int(v["inbound_prev_90"])
    return ngettext(
        "contacted us %(recent)s time in the last 90 days against %(before)s in the 90 days before",
        "contacted us %(recent)s times in the last 90 days against %(before)s in the 90 days "
        "before",
        recent,
    ) % {"recent": recent, "before": before}


def _complaints(v: Values) -> str:
    count = _int(v["complaints_last_90"])
    if "complaints_unresolved" not in v:
        return ngettext(
            "%(complaints_last_90)s complaint in 90 days",
            "%(complaints_last_90)s complaints in 90 days",
            count,
        ) % {"complaints_last_90": count}
    return ngettext(
        "%(complaints_last_90)s complaint in 90 days, %(complaints_unresolved)s unresolved",
        "%(complaints_last_90)s complaints in 90 days, %(complaints_unresolved)s unresolved",
        count,
    ) % {"complaints_last_90": count, "complaints_unresolved": _int(v["complaints_unresolved"])}


def _unresolved(v: Values) -> str:
    count = _int(v["complaints_unresolved"])
    return ngettext(
        "%(complaints_unresolved)s unresolved complaint",
        "%(complaints_unresolved)s unresolved complaints",
        count,
    ) % {"complaints_unresolved": count}


def _recurring(v: Values) -> str:
    count = _int(v["complaints_last_90"])
    return ngettext(
        "complains again and again: %(count)s complaint in 90 days",
        "complains again and again: %(count)s complaints in 90 days",
        count,
    ) % {"count": count}


def _response_hours(v: Values) -> str:
    return _("complaints answered only after %(hours)s hours on average") % {
        "hours": _number(v["complaint_response_hours"])
    }


def _complaint_answered(v: Values) -> str:
    count = _int(v["complaints_last_90"])
    return ngettext(
        "how their complaints were answered (%(count)s complaint in 90 days)",
        "how their complaints were answered (%(count)s complaints in 90 days)",
        count,
    ) % {"count": count}


def _returns(v: Values) -> str:
    count = _int(v["returns_last_90"])
    return ngettext(
        "%(returns_last_90)s return in 90 days", "%(returns_last_90)s returns in 90 days", count
    ) % {"returns_last_90": count}


def _nps(v: Values) -> str:
    if v.get("nps_recent") is None:
        return _("a low recent satisfaction score")
    return _("recent satisfaction score (NPS) %(nps_recent)s of 10") % {
        "nps_recent": _number(v["nps_recent"])
    }


def _nps_change(v: Values) -> str:
    change = float(v["nps_change"])
    values = {"points": _number(abs(change)), "nps_recent": _number(v["nps_recent"])}
    if change < 0:
        return _("satisfaction score fell by %(points)s points to %(nps_recent)s") % values
    return _("satisfaction score at %(nps_recent)s, no better than before") % values


def _activity_drop(v: Values) -> str:
    recent, before = _int(v["active_days_last_30"]), _int(v["active_days_prev_60"])
    return ngettext(
        "active on %(recent)s day in the last 30 days against %(before)s in the 60 days before",
        "active on %(recent)s days in the last 30 days against %(before)s in the 60 days before",
        recent,
    ) % {"recent": recent, "before": before}


def _campaigns(v: Values) -> str:
    count = _int(v["campaign_responses_last_90"])
    if count == 0:
        return _("no response to any campaign in 90 days")
    return ngettext(
        "only %(count)s campaign response in 90 days",
        "only %(count)s campaign responses in 90 days",
        count,
    ) % {"count": count}


def _has_orders(v: Values) -> str:
    days = _int(v["tenure_days"])
    return ngettext(
        "no order yet in %(tenure_days)s day as a customer",
        "no order yet in %(tenure_days)s days as a customer",
        days,
    ) % {"tenure_days": days}


def _silence_model(v: Values) -> str:
    days, cadence = _int(v["recency_days"]), _int(v["cadence_days"])
    gap = ngettext(
        "no order for %(recency_days)s day", "no order for %(recency_days)s days", days
    ) % {"recency_days": days}
    return _(
        "%(gap)s against a usual %(cadence_days)s; %(p_alive)s chance they are still active"
    ) % {"gap": gap, "cadence_days": cadence, "p_alive": percent(v["p_alive"])}


# code -> (sentence with numbers, short form without them). The short forms are functions
# so that they are translated in the language active when called.
SENTENCES: dict[str, tuple[Sentence | None, Callable[[], str]]] = {
    "recency_days": (_days_since_order, lambda: _("a long time since the last order")),
    "frequency": (_frequency, lambda: _("few repeat orders")),
    "log_monetary_avg": (_monetary, lambda: _("small orders on average")),
    "tenure_days": (_tenure, lambda: _("a new customer")),
    "cadence_days": (_cadence, lambda: _("orders seldom")),
    "gap_ratio": (_gap_ratio, lambda: _("a longer gap since the last order than usual")),
    "order_trend": (_order_trend, lambda: _("fewer orders in the last 90 days than before")),
    "revenue_trend": (_revenue_trend, lambda: _("spending less in the last 90 days than before")),
    "contact_recency_days": (_contact_recency, lambda: _("no contact from them for a long time")),
    "inbound_trend": (_inbound_trend, lambda: _("contacting us less often than before")),
    "complaints_last_90": (_complaints, lambda: _("complaints in the last 90 days")),
    "complaints_unresolved": (_unresolved, lambda: _("unresolved complaints")),
    "complaints_recurring": (_recurring, lambda: _("recurring complaints")),
    "complaint_response_hours": (_response_hours, lambda: _("slow answers to complaints")),
    "has_complaint_response": (
        _complaint_answered,
        lambda: _("how their complaints were answered"),
    ),
    "returns_last_90": (_returns, lambda: _("returned goods in the last 90 days")),
    "nps_recent": (_nps, lambda: _("a low recent satisfaction score")),
    "has_nps": (None, lambda: _("whether they answered a satisfaction survey recently")),
    "nps_change": (_nps_change, lambda: _("a falling satisfaction score")),
    "activity_drop": (_activity_drop, lambda: _("less active on the web and app than before")),
    "campaign_responses_last_90": (_campaigns, lambda: _("few responses to campaigns")),
    "has_orders": (_has_orders, lambda: _("no order yet")),
    "p_alive_logit": (
        None,
        lambda: _("their own buying rhythm makes this gap unlikely"),
    ),
    "silence_model": (_silence_model, lambda: _("silent for longer than their rhythm suggests")),
}


def reason_text(reason: Mapping[str, Any]) -> str:
    """One plain sentence for one stored reason; never raises on odd or old payloads."""
    code = str(reason.get("code", ""))
    values = reason.get("values") or {}
    if code not in SENTENCES:
        return _("other factor: %(name)s") % {"name": code.replace("_", " ") or "?"}
    full, short = SENTENCES[code]
    if full is not None and isinstance(values, Mapping):
        try:
            return full(values)
        except (KeyError, TypeError, ValueError):
            pass  # a value is missing or not a number: say it without numbers
    return short()


def reasons_text(reasons: Any) -> list[str]:
    if not isinstance(reasons, list):
        return []
    return [reason_text(r) for r in reasons if isinstance(r, Mapping)]
