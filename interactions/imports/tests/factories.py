"""Import jobs for tests, made through the services like real ones."""

from typing import Any

from django.contrib.auth.models import User

from interactions.imports import services
from interactions.imports.models import ImportJob, ImportKind


def import_job_make(
    user: User | None,
    kind: str,
    content: str | bytes,
    *,
    name: str = "data.csv",
    mapping: dict[str, str] | None = None,
    date_format: str = "iso",
    decimal_separator: str = ".",
    **options: Any,
) -> ImportJob:
    """A mapped job (the guessed mapping unless ``mapping`` is given)."""
    raw = content.encode() if isinstance(content, str) else content
    job = services.import_job_create(
        acting_user=user,
        kind=kind,
        original_name=name,
        chunks=[raw],
        options=services.ImportOptions(
            date_format=date_format, decimal_separator=decimal_separator, **options
        ),
    )
    return services.import_job_set_mapping(
        job=job,
        acting_user=user,
        mapping=mapping if mapping is not None else job.mapping,
        date_format=date_format,
        decimal_separator=decimal_separator,
    )


def import_run(job: ImportJob, *, dry_run: bool) -> ImportJob:
    """Queue and run ``job`` in this process, as the eager task would."""
    return services.import_job_run_here(job=job, dry_run=dry_run)


def import_job_for_walk(owner: User) -> ImportJob:
    """A mapped-less job of ``owner``'s for the permission walk; it needs no file."""
    return ImportJob.objects.create(
        kind=ImportKind.ORDERS,
        created_by=owner,
        original_name="orders.csv",
        file_format="csv",
        encoding="utf-8",
        delimiter=",",
        headers=["number", "customer", "date", "total"],
    )
