"""`manage.py demo_history --seed S`: a year of believable history for the demo customers."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from interactions.demo import demo_history_create


class Command(BaseCommand):
    help = "Generate a year of history (orders, contact, complaints, surveys) for demo customers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42)

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        result = demo_history_create(seed=options["seed"])
        if result.skipped:
            self.stdout.write("Demo history exists already: nothing added.")
            return
        counts = ", ".join(f"{n:,} {name}" for name, n in result.rows.items())
        self.stdout.write(f"Demo history in {time.perf_counter() - started:.1f} s: {counts}")
