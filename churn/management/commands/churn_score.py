"""Score every customer as of a date, using only data up to it, and write a CSV:
``manage.py churn_score --as-of 2011-09-01 --horizon-days 90 --out scores.csv``.
When data after the date exists, print how the scores did against both baselines."""

import csv
import math
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from churn.reasons import reason_text
from churn.services import backtest_compute
from crm.lib.csv_safety import safe_cell

COLUMNS = [
    "external_ref",
    "churn_probability",
    "p_alive",
    "is_silent",
    "expected_orders",
    "expected_next_on",
    "expected_value",
    "top_reasons",
]


def _number(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.{digits}f}"


class Command(BaseCommand):
    help = "Score every customer as of a date (backtest) and write one CSV row per customer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", type=date.fromisoformat, default=None)
        parser.add_argument("--horizon-days", type=int, default=90)
        parser.add_argument("--out", type=Path, default=None, help="CSV file (default stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of: date = options["as_of"] or timezone.localdate()
        horizon: int = options["horizon_days"]
        if horizon < 1:
            raise CommandError("--horizon-days must be positive")
        result = backtest_compute(as_of=as_of, horizon_days=horizon)
        out = options["out"]
        handle = out.open("w", newline="", encoding="utf-8") if out else sys.stdout
        try:
            self._write(handle, result.scores, as_of)
        finally:
            if out:
                handle.close()
        report = self.stderr if out is None else self.stdout
        if result.is_cold_start:
            report.write(f"cold start: {result.cold_start_reason}")
        report.write(f"scored {len(result.scores)} customers as of {as_of}, horizon {horizon} d")
        self._report(report, result.results)

    def _write(self, handle: Any, scores: Any, as_of: date) -> None:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in scores.itertuples():
            nxt = row.expected_next_days
            next_on = "" if math.isnan(nxt) else (as_of + timedelta(days=math.ceil(min(nxt, 3650))))
            value = row.expected_value_cents
            writer.writerow(
                [
                    safe_cell(row.external_ref or str(row.Index)),
                    _number(row.churn_probability),
                    _number(row.p_alive),
                    int(bool(row.is_silent)),
                    _number(row.expected_orders, 3),
                    str(next_on),
                    "" if math.isnan(value) else f"{value / 100:.2f}",
                    safe_cell("; ".join(reason_text(r) for r in row.reasons)),
                ]
            )

    def _report(self, out: Any, results: dict[str, Any]) -> None:
        if not results:
            out.write("no data after the date: nothing to compare the scores with")
            return
        out.write(
            f"outcomes up to {results['data_until']}"
            f" ({'complete' if results['window_complete'] else 'PARTIAL'} horizon):"
            f" {results['churned']} of {results['customers']} buyers churned"
        )
        for name in ("model", "recency", "silence"):
            quality = results[name]
            auc = quality.get("roc_auc")
            lift = quality.get("top_decile_lift")
            pr = quality.get("pr_auc")
            out.write(
                f"  {name:8s} ROC AUC {_number(auc, 3) or 'n/a'}"
                f"  PR AUC {_number(pr, 3) or 'n/a'}"
                f"  top-decile lift {_number(lift, 2) or 'n/a'}"
            )
