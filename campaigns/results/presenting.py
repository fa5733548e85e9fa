"""Results in words and numbers for the pages, the CSV and the charts: the one place that
turns figures into "+3.2 pp (−1.0 to +7.4)" and decides what a difference means."""

import csv
import io
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from campaigns.results.selectors import Comparison, ResultsOverview
from campaigns.results.stats import Interval, MeanDifference, ProportionDifference
from crm.lib.csv_safety import safe_cell
from crm.lib.money import format_money

MINUS = "\u2212"  # a typographic minus, so "−1.0" does not read as a dash


def _signed(value: float, digits: int) -> str:
    text = number_format(round(abs(value), digits), decimal_pos=digits)
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else MINUS) + text


def rate(value: float | None) -> str:
    if value is None:
        return "—"
    return _("%(number)s %%") % {"number": number_format(round(value * 100, 1), decimal_pos=1)}


def points(value: float | None) -> str:
    """A difference of two rates in percentage points."""
    if value is None:
        return "—"
    return _("%(number)s pp") % {"number": _signed(value * 100, 1)}


def points_interval(interval: Interval | None) -> str:
    if interval is None:
        return "—"
    return _("%(low)s to %(high)s pp") % {
        "low": _signed(interval.low * 100, 1),
        "high": _signed(interval.high * 100, 1),
    }


def money(cents: float | None, *, signed: bool = False) -> str:
    if cents is None:
        return "—"
    text = format_money(round(abs(cents) if signed else cents), settings.DEFAULT_CURRENCY)
    if signed and round(cents) != 0:
        return ("+" if cents > 0 else MINUS) + text
    return text


def money_interval(interval: Interval | None) -> str:
    if interval is None:
        return "—"
    return _("%(low)s to %(high)s") % {
        "low": money(interval.low, signed=True),
        "high": money(interval.high, signed=True),
    }


def number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    return number_format(round(value, digits), decimal_pos=digits)


def signed_number(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else _signed(value, digits)


def number_interval(interval: Interval | None, digits: int = 2) -> str:
    if interval is None:
        return "—"
    return _("%(low)s to %(high)s") % {
        "low": _signed(interval.low, digits),
        "high": _signed(interval.high, digits),
    }


def roi(value: float | None) -> str:
    return "—" if value is None else _("%(number)s %%") % {"number": _signed(value * 100, 0)}


def verdict(comparison: Comparison, difference: ProportionDifference | MeanDifference) -> str:
    """What the interval says, in words; never a verdict on fewer than 30 per group."""
    if comparison.treated.n == 0 or comparison.control.n == 0:
        return _("no control group to compare with") if comparison.treated.n else _("no data")
    if comparison.too_few:
        return _("too few customers to tell")
    interval = difference.interval
    if interval is None:
        return _("no data")
    if interval.low > 0:
        return _("better than control")
    if interval.high < 0:
        return _("worse than control")
    return _("no clear difference")


def measure_rows(comparison: Comparison) -> list[dict[str, str]]:
    """The four headline measures of one comparison, treated, control, uplift, interval."""
    c = comparison
    return [
        {
            "label": _("Reactivated (ordered in the window)"),
            "treated": rate(c.treated.reactivation_rate),
            "control": rate(c.control.reactivation_rate),
            "uplift": points(c.reactivation.difference),
            "interval": points_interval(c.reactivation.interval),
            "verdict": verdict(c, c.reactivation),
        },
        {
            "label": _("Retained (ordered or got in touch)"),
            "treated": rate(c.treated.retention_rate),
            "control": rate(c.control.retention_rate),
            "uplift": points(c.retention.difference),
            "interval": points_interval(c.retention.interval),
            "verdict": verdict(c, c.retention),
        },
        {
            "label": _("Orders per customer"),
            "treated": number(c.treated.mean_orders),
            "control": number(c.control.mean_orders),
            "uplift": signed_number(c.orders.difference),
            "interval": number_interval(c.orders.interval),
            "verdict": verdict(c, c.orders),
        },
        {
            "label": _("Revenue per customer"),
            "treated": money(c.treated.mean_revenue_cents),
            "control": money(c.control.mean_revenue_cents),
            "uplift": money(c.revenue_cents.difference, signed=True),
            "interval": money_interval(c.revenue_cents.interval),
            "verdict": verdict(c, c.revenue_cents),
        },
    ]


def _percent_pair(interval: Interval | None) -> list[float] | None:
    return (
        None if interval is None else [round(interval.low * 100, 2), round(interval.high * 100, 2)]
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def rates_chart(comparison: Comparison) -> dict[str, Any]:
    """Treated and control rates with each group's 95 % interval (whiskers), in %."""
    c = comparison
    return {
        "labels": [_("Reactivated"), _("Retained")],
        "treated": [_percent(c.treated.reactivation_rate), _percent(c.treated.retention_rate)],
        "control": [_percent(c.control.reactivation_rate), _percent(c.control.retention_rate)],
        "treated_ci": [
            _percent_pair(c.reactivation.treated_interval),
            _percent_pair(c.retention.treated_interval),
        ],
        "control_ci": [
            _percent_pair(c.reactivation.control_interval),
            _percent_pair(c.retention.control_interval),
        ],
    }


def uplift_chart(comparisons: Iterable[Comparison]) -> dict[str, Any]:
    """Reactivation uplift per slice with its 95 % interval, in percentage points."""
    rows = [c for c in comparisons if c.reactivation.difference is not None]
    return {
        "labels": [c.label for c in rows],
        "uplift": [_percent(c.reactivation.difference) for c in rows],
        "ci": [_percent_pair(c.reactivation.interval) for c in rows],
    }


# --- CSV -------------------------------------------------------------------------------------

CSV_HEADER = [
    "campaign_id",
    "campaign",
    "kind",
    "channel",
    "goal",
    "segment",
    "treated_n",
    "control_n",
    "treated_reactivation_rate",
    "control_reactivation_rate",
    "reactivation_uplift",
    "reactivation_uplift_ci_low",
    "reactivation_uplift_ci_high",
    "treated_retention_rate",
    "control_retention_rate",
    "retention_uplift",
    "retention_uplift_ci_low",
    "retention_uplift_ci_high",
    "treated_revenue_per_customer_cents",
    "control_revenue_per_customer_cents",
    "revenue_uplift_per_customer_cents",
    "revenue_uplift_ci_low_cents",
    "revenue_uplift_ci_high_cents",
    "incremental_revenue_cents",
    "coupon_cost_cents",
    "roi",
    "treated_opened",
    "treated_clicked",
    "too_few_to_tell",
    "window_open_until",
]


def _figure(value: float | None) -> str:
    """Numbers are written as numbers: a minus sign here is not a formula."""
    return "" if value is None else repr(round(float(value), 6))


def _bounds(interval: Interval | None) -> list[str]:
    return ["", ""] if interval is None else [_figure(interval.low), _figure(interval.high)]


def overview_csv(overview: ResultsOverview) -> str:
    """The overview's rows; text cells go through csv_safety (a campaign named "=HYPERLINK"
    stays text in a spreadsheet), figures are written as plain numbers."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in overview.rows:
        campaign, c = row.campaign, row.comparison
        texts = [campaign.name, campaign.kind, campaign.channel, campaign.goal]
        segment = campaign.segment.name if campaign.segment else ""
        writer.writerow(
            [
                str(campaign.pk),
                *(safe_cell(text) for text in [*texts, segment]),
                str(c.treated.n),
                str(c.control.n),
                _figure(c.treated.reactivation_rate),
                _figure(c.control.reactivation_rate),
                _figure(c.reactivation.difference),
                *_bounds(c.reactivation.interval),
                _figure(c.treated.retention_rate),
                _figure(c.control.retention_rate),
                _figure(c.retention.difference),
                *_bounds(c.retention.interval),
                _figure(c.treated.mean_revenue_cents),
                _figure(c.control.mean_revenue_cents),
                _figure(c.revenue_cents.difference),
                *_bounds(c.revenue_cents.interval),
                _figure(c.incremental_revenue_cents),
                str(row.coupon_cost_cents),
                _figure(row.roi),
                str(c.treated.opened),
                str(c.treated.clicked),
                "1" if c.too_few else "0",
                row.window_open_until.isoformat() if row.window_open_until else "",
            ]
        )
    return out.getvalue()
