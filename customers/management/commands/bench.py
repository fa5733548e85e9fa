"""`manage.py bench <area>`: a benchmark on a fresh, throwaway PostgreSQL database.

The database is the configured one's test database (test_<name>), created and migrated
from scratch like the test runner does, and dropped afterwards unless --keep is given:
the benchmark never touches the configured database's data.

Each area is one function taking BenchOptions. When an area of a higher app joins
(interactions, churn), move this command and AREAS to a module above every app, since
customers may not import them (see the import-linter layers).
"""

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils.module_loading import import_string

from customers import bench as customers_bench


def _ingest(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    # interactions is a higher layer than customers: imported by name, when run.
    import_string("interactions.ingest.bench.run")(options, write)


def _history(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    import_string("interactions.bench.run")(options, write)


def _imports(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    import_string("interactions.imports.bench.run_area")(options, write)


def _scoring(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    import_string("churn.bench.run")(options, write)


def _campaigns(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    import_string("campaigns.bench.run")(options, write)


def _privacy(options: customers_bench.BenchOptions, write: customers_bench.Write) -> None:
    import_string("crm.privacy.bench.run")(options, write)


AREAS: dict[str, Callable[[customers_bench.BenchOptions, customers_bench.Write], None]] = {
    "customers": customers_bench.run,
    "imports": _imports,
    "ingest": _ingest,
    "history": _history,
    "scoring": _scoring,
    "campaigns": _campaigns,
    "privacy": _privacy,
}


class Command(BaseCommand):
    help = "Benchmark an area on a fresh PostgreSQL database: bench customers --customers N"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("area", choices=sorted(AREAS))
        parser.add_argument("--customers", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--repeat", type=int, default=30, help="timed runs per query")
        parser.add_argument("--events", type=int, default=200_000, help="events to ingest")
        parser.add_argument(
            "--recipients", type=int, default=200_000, help="campaign recipients to prepare"
        )
        parser.add_argument(
            "--keep", action="store_true", help="keep the benchmark database for inspection"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "bench measures PostgreSQL; set DATABASE_URL=postgres://... "
                f"(this is {connection.vendor})."
            )
        if options["repeat"] < 1 or options["customers"] < 1:
            raise CommandError("--customers and --repeat must be positive.")
        bench_options = customers_bench.options_from(options)
        old_name = connection.settings_dict["NAME"]
        name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        self.stdout.write(f"Fresh database {name} (migrated from scratch).")
        try:
            AREAS[options["area"]](bench_options, self.stdout.write)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=options["keep"])
            if options["keep"]:
                self.stdout.write(f"Kept database {name}.")
