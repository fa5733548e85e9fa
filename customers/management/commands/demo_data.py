"""`manage.py demo_data --customers N --seed S`: the demo staff and N generated customers.

Safe to run again: existing staff and teams are kept, and customers are generated only
while the first demo customer (C000001) does not exist yet.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from customers.demo import (
    DEMO_URL,
    FIRST_EXTERNAL_REF,
    analyze_customer_tables,
    demo_customers_create,
    demo_staff_ensure,
    login_lines,
)

DEFAULT_CUSTOMERS = 5_000  # a lively demo that SQLite loads in a few seconds
DEFAULT_SEED = 42


class Command(BaseCommand):
    help = "Create the demo staff (roles, teams) and deterministic demo customers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args: Any, **options: Any) -> None:
        count: int = options["customers"]
        staff = demo_staff_ensure()
        result = demo_customers_create(count=count, seed=options["seed"], staff=staff)
        if result.skipped:
            self.stdout.write(
                f"Demo customers exist already ({FIRST_EXTERNAL_REF} found): none generated."
            )
        elif result.created:
            analyze_customer_tables()
            self.stdout.write(
                f"Generated {result.created:,} customers in {result.seconds:.1f} s "
                f"({result.rate:,.0f} customers/s)."
            )
            if options["verbosity"] >= 2:
                for phase, seconds in result.phase_seconds.items():
                    rows = result.rows.get(phase)
                    self.stdout.write(
                        f"  {phase:<42} {seconds:7.2f} s" + (f"  {rows:>10,} rows" if rows else "")
                    )
        self.stdout.write(f"\nOpen {DEMO_URL} and sign in as (username / password / role):")
        for line in login_lines():
            self.stdout.write(f"  {line}")
