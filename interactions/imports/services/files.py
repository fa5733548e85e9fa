"""Uploaded files: stored under MEDIA_ROOT/imports/ with a random name (never served by
the app), deleted when their job finishes or, unfinished, after FILE_RETENTION."""

import secrets
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from interactions.imports.models import ImportJob

MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # ~8 million order rows of CSV
FILE_RETENTION = timedelta(days=7)  # unfinished jobs' files are deleted after this


def import_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def job_file(job: ImportJob) -> Path:
    return import_dir() / job.stored_name


def file_store(chunks: Iterable[bytes], suffix: str) -> Path:
    directory = import_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{secrets.token_hex(16)}{suffix}"
    size = 0
    with path.open("xb") as out:
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    if size > MAX_UPLOAD_BYTES:
        path.unlink()
        message = _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES >> 20}
        raise ValidationError({"file": message})
    return path


def import_files_purge() -> int:
    """Delete the files of jobs older than FILE_RETENTION (their jobs expire), and files
    no job refers to. Returns how many files went."""
    cutoff = timezone.now() - FILE_RETENTION
    stale = ImportJob.objects.filter(created_at__lt=cutoff).exclude(stored_name="")
    stale = stale.exclude(status__in=[ImportJob.Status.QUEUED, ImportJob.Status.RUNNING])
    deleted = 0
    for job in stale:
        job_file(job).unlink(missing_ok=True)
        ImportJob.objects.filter(pk=job.pk).update(stored_name="", status=ImportJob.Status.EXPIRED)
        deleted += 1
    directory = import_dir()
    if directory.exists():
        known = set(ImportJob.objects.exclude(stored_name="").values_list("stored_name", flat=True))
        for path in directory.iterdir():
            old = path.stat().st_mtime < cutoff.timestamp()
            if path.is_file() and path.name not in known and old:
                path.unlink(missing_ok=True)
                deleted += 1
    return deleted
