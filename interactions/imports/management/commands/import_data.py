"""`manage.py import_data KIND FILE`: import a CSV or XLSX file, as the import pages do.

    manage.py import_data orders orders.csv --map "Order No=external_ref" \\
        --map Customer=customer_ref --map Date=ordered_on --map Total=amount \\
        --date-format dd.mm.yyyy --decimal-comma --dry-run

Columns without --map are matched by name (see the mapping page); --mapping NAME starts
from a saved mapping. Without --user the command runs as the operator: every customer,
any team. The exit status is 1 when the file has errors (then nothing is imported).
"""

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from crm.accounts.models import Team
from interactions.imports import services
from interactions.imports.models import (
    DateFormat,
    DecimalSeparator,
    ImportJob,
    ImportKind,
    ImportMapping,
)

FILE_CHUNK_BYTES = 1 << 20


def _pairs(raw: list[str]) -> dict[str, str]:
    """--map "Source column=target" into {target: source column}."""
    mapping: dict[str, str] = {}
    for item in raw:
        source, separator, target = item.rpartition("=")
        if not separator or not source or not target:
            raise CommandError(f"--map takes SOURCE=TARGET, not {item!r}.")
        mapping[target.strip()] = source
    return mapping


def _chunks(path: Path) -> Any:
    with path.open("rb") as f:
        while chunk := f.read(FILE_CHUNK_BYTES):
            yield chunk


class Command(BaseCommand):
    help = "Import customers, orders, interactions or complaints from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map", action="append", default=[], metavar="SOURCE=TARGET", dest="maps"
        )
        parser.add_argument("--mapping", help="start from this saved mapping")
        parser.add_argument("--dry-run", action="store_true", help="check only, import nothing")
        parser.add_argument("--create-missing-customers", action="store_true")
        parser.add_argument(
            "--date-format",
            type=str.lower,
            choices=DateFormat.values,
            help="how the file writes dates (default: the saved mapping's, else iso)",
        )
        parser.add_argument("--decimal-comma", action="store_true", help="amounts like 12,50")
        parser.add_argument("--team", help="team of created customers (name)")
        parser.add_argument("--owner", help="owner of created customers (username)")
        parser.add_argument("--user", help="import as this user, with their permissions")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        saved = self._saved(options)
        user = self._lookup(User, "username", options["user"], "--user")
        try:
            job = self._job(path, options, saved, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        job = services.import_job_run_here(job=job, dry_run=options["dry_run"])
        self._print(job)
        if job.status not in (ImportJob.Status.DONE, ImportJob.Status.PREVIEWED):
            raise CommandError("Nothing was imported.")
        if job.error_count:
            raise CommandError("The file has errors; nothing would be imported.")

    def _saved(self, options: dict[str, Any]) -> ImportMapping | None:
        if not options["mapping"]:
            return None
        saved = ImportMapping.objects.filter(kind=options["kind"], name=options["mapping"]).first()
        if saved is None:
            raise CommandError(f"No saved {options['kind']} mapping {options['mapping']!r}.")
        return saved

    def _lookup(self, model: Any, field: str, value: str | None, flag: str) -> Any:
        if not value:
            return None
        found = model.objects.filter(**{field: value}).first()
        if found is None:
            raise CommandError(f"{flag}: no {model._meta.verbose_name} {value!r}.")
        return found

    def _job(
        self,
        path: Path,
        options: dict[str, Any],
        saved: ImportMapping | None,
        user: User | None,
    ) -> ImportJob:
        date_format = options["date_format"] or (saved.date_format if saved else DateFormat.ISO)
        separator = DecimalSeparator.COMMA if options["decimal_comma"] else DecimalSeparator.POINT
        if saved and not options["decimal_comma"]:
            separator = DecimalSeparator(saved.decimal_separator)
        job = services.import_job_create(
            acting_user=user,
            kind=options["kind"],
            original_name=path.name,
            chunks=_chunks(path),
            options=services.ImportOptions(
                date_format=date_format,
                decimal_separator=separator,
                create_missing_customers=options["create_missing_customers"],
                team=self._lookup(Team, "name", options["team"], "--team"),
                owner=self._lookup(User, "username", options["owner"], "--owner"),
            ),
        )
        mapping = {**job.mapping, **(services.mapping_apply(job, saved) if saved else {})}
        mapping.update(_pairs(options["maps"]))
        return services.import_job_set_mapping(
            job=job,
            acting_user=user,
            mapping=mapping,
            date_format=date_format,
            decimal_separator=separator,
        )

    def _print(self, job: ImportJob) -> None:
        report = job.report
        self.stdout.write(
            f"{job.get_kind_display()} from {job.original_name} "
            f"({job.encoding or job.file_format}"
            f"{', delimiter ' + repr(job.delimiter) if job.delimiter else ''}): "
            f"{job.get_status_display()}"
        )
        if report.get("message"):
            self.stdout.write(str(report["message"]))
        self.stdout.write(
            f"rows {report.get('rows', 0)}, new {report.get('new', 0)}, "
            f"updated {report.get('updated', 0)}, unchanged {report.get('unchanged', 0)}, "
            f"customers created {report.get('customers_created', 0)}, "
            f"errors {report.get('error_count', 0)}"
        )
        for row, column, message in report.get("errors", []):
            self.stdout.write(f"  row {row}, column {column!r}: {message}")
