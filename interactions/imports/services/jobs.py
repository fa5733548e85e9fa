"""Upload, mapping and queueing: what a user does before (and to start) a run."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from crm.accounts.models import Team
from interactions.imports import tasks
from interactions.imports.fields import KIND_FIELDS, mapping_guess, mapping_problems
from interactions.imports.models import (
    DateFormat,
    DecimalSeparator,
    ImportJob,
    ImportKind,
    ImportMapping,
)
from interactions.imports.permissions import import_target_check
from interactions.imports.reading import FileInfo, file_format_for, file_inspect
from interactions.imports.services.files import file_store
from interactions.imports.services.run import import_job_run
from interactions.imports.values import InvalidDataError

INLINE_PREVIEW_MAX_ROWS = 5_000  # smaller files are checked within the request


@dataclass(frozen=True)
class ImportOptions:
    date_format: str = DateFormat.ISO
    decimal_separator: str = DecimalSeparator.POINT
    create_missing_customers: bool = False
    team: Team | None = None
    owner: User | None = None


def _inspect(path: Path, original_name: str) -> FileInfo:
    try:
        return file_inspect(path, file_format=file_format_for(original_name))
    except InvalidDataError as problem:
        path.unlink(missing_ok=True)
        raise ValidationError({"file": problem.message}) from problem


def import_job_create(
    *,
    acting_user: User | None,
    kind: str,
    original_name: str,
    chunks: Iterable[bytes],
    options: ImportOptions,
) -> ImportJob:
    """Store the upload under a random name, read its columns, guess the mapping."""
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Unknown kind of import.")})
    try:
        suffix = "." + file_format_for(original_name)
    except InvalidDataError as problem:
        raise ValidationError({"file": problem.message}) from problem
    import_target_check(user=acting_user, team=options.team, owner=options.owner)
    path = file_store(chunks, suffix)
    info = _inspect(path, original_name)
    return ImportJob.objects.create(
        kind=kind,
        created_by=acting_user,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        original_name=Path(original_name).name[:255],
        stored_name=path.name,
        file_format=info.file_format,
        encoding=info.encoding,
        delimiter=info.delimiter,
        headers=info.headers,
        header_row=info.header_row,
        rows_total=info.rows_total,
        mapping=mapping_guess(kind, info.headers),
        date_format=options.date_format,
        decimal_separator=options.decimal_separator,
        create_missing_customers=options.create_missing_customers,
        team=options.team,
        owner=options.owner,
    )


def import_job_set_mapping(
    *,
    job: ImportJob,
    acting_user: User | None,
    mapping: Mapping[str, str],
    date_format: str,
    decimal_separator: str,
) -> ImportJob:
    """Set how columns map onto fields; a previous dry run's report no longer applies."""
    mapping = {target: column for target, column in mapping.items() if column}
    problems = mapping_problems(job.kind, mapping, job.headers)
    if date_format not in DateFormat.values:
        problems["date_format"] = _("Unknown date format.")
    if decimal_separator not in DecimalSeparator.values:
        problems["decimal_separator"] = _("Unknown decimal separator.")
    if problems:
        raise ValidationError(problems)
    changed = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED]
    ).update(
        mapping=mapping,
        date_format=date_format,
        decimal_separator=decimal_separator,
        status=ImportJob.Status.DRAFT,
        report={},
    )
    if not changed:
        raise ValidationError(_("This import has run already; upload the file again."))
    job.refresh_from_db()
    return job


@transaction.atomic
def import_mapping_save(
    *,
    acting_user: User | None,
    name: str,
    kind: str,
    mapping: Mapping[str, str],
    date_format: str,
    decimal_separator: str,
) -> ImportMapping:
    """Save (or replace) the mapping called ``name`` for this kind of import."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the mapping.")})
    targets = {f.name for f in KIND_FIELDS[kind]}
    saved, _created = ImportMapping.objects.update_or_create(
        kind=kind,
        name=name[:100],
        defaults={
            "mapping": {t: c for t, c in mapping.items() if t in targets and c},
            "date_format": date_format,
            "decimal_separator": decimal_separator,
            "created_by": acting_user,
        },
    )
    return saved


def mapping_apply(job: ImportJob, saved: ImportMapping) -> dict[str, str]:
    """A saved mapping, limited to the columns this file has."""
    return {t: c for t, c in saved.mapping.items() if c in job.headers}


# --- queueing -------------------------------------------------------------------------------


def _queue(job: ImportJob, *, allowed: Q, dry_run: bool) -> None:
    changed = ImportJob.objects.filter(allowed, pk=job.pk).update(
        status=ImportJob.Status.QUEUED,
        is_dry_run=dry_run,
        rows_read=0,
        phase="",
        report={},
    )
    if not changed:
        raise ValidationError(_("This import cannot run now."))
    job.refresh_from_db()


def import_job_preview(*, job: ImportJob, acting_user: User | None) -> ImportJob:
    """A dry run: within the request for small files, else by a worker."""
    if mapping_problems(job.kind, job.mapping, job.headers):
        raise ValidationError(_("Map the columns first."))
    allowed = Q(status__in=[ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED])
    _queue(job, allowed=allowed, dry_run=True)
    if job.rows_total is not None and job.rows_total < INLINE_PREVIEW_MAX_ROWS:
        import_job_run(job_id=job.pk)
    else:
        transaction.on_commit(lambda: tasks.import_run_task.delay(job.pk))
    job.refresh_from_db()
    return job


def import_job_commit(*, job: ImportJob, acting_user: User | None) -> ImportJob:
    """Import for real, by a worker. Allowed after a clean dry run, or straight from a
    mapped job (API, CLI): the run checks everything again either way."""
    if mapping_problems(job.kind, job.mapping, job.headers):
        raise ValidationError(_("Map the columns first."))
    clean_preview = Q(status=ImportJob.Status.PREVIEWED, report__error_count=0)
    _queue(job, allowed=Q(status=ImportJob.Status.DRAFT) | clean_preview, dry_run=False)
    transaction.on_commit(lambda: tasks.import_run_task.delay(job.pk))
    return job


def import_job_run_here(*, job: ImportJob, dry_run: bool) -> ImportJob:
    """Queue and run the job in this process: the command line and benchmarks do the
    task's work themselves, without a worker."""
    allowed = Q(status__in=[ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED])
    _queue(job, allowed=allowed, dry_run=dry_run)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    return job
