"""Run a scoring run now, in this process (training first if no model exists yet):
``manage.py scoring_run [--kind changed] [--if-never]``. The scheduled runs go through
Celery; this is for operators and for ``make demo``, whose first start scores the demo
customers so that alerts are waiting for the logins it prints."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from churn.models import ScoringRun
from churn.services import scoring_chunk_process, scoring_run_plan


class Command(BaseCommand):
    help = "Score customers now (train first if needed) and print what the run did."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=ScoringRun.Kind.values, default="full")
        parser.add_argument(
            "--if-never", action="store_true", help="do nothing if a run ever finished"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_never"] and ScoringRun.objects.filter(status="done").exists():
            self.stdout.write("Customers were scored before: no run started.")
            return
        run = ScoringRun.objects.create(
            kind=options["kind"], as_of=timezone.localdate(), changes_until=timezone.now()
        )
        for chunk_id in scoring_run_plan(run_id=run.pk):
            scoring_chunk_process(chunk_id=chunk_id)
        run.refresh_from_db()
        version = run.model_version
        model = "cold start (silence model)" if version and version.is_cold_start else "trained"
        label = f"v{version.pk}" if version else "-"
        self.stdout.write(
            f"Scored {run.customers_scored:,} customers ({model} model {label}): "
            f"{run.alerts_raised:,} alerts raised, {run.silences_begun:,} silences begun."
        )
