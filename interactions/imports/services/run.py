"""Running a job: the same code for the task, the CLI and a small file's dry run in the
request. All-or-nothing: the engine checks the whole file first and writes only when it
found no error, in ONE transaction that also marks the job done, so a worker killed
mid-import leaves nothing behind and the re-delivered task finishes the job exactly once.

Step by step (``import_job_run``):
1. Lock: on PostgreSQL an advisory lock on the job, held by the runner's session, which
   dies with its worker. Holding it proves no other runner is alive.
2. Claim: a conditional UPDATE from ``queued`` (or ``running``, when no runner is alive:
   the lock was free, or on SQLite the heartbeat is older than the lease) to ``running``,
   incrementing ``attempt``. One row changed, or someone else has it.
3. Check, then write under ``SELECT ... FOR UPDATE`` of the job, where only the current
   attempt may finish it.
"""

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from enum import StrEnum
from typing import Any

from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from interactions.imports.context import RunContext, RunProgress
from interactions.imports.customers_import import CustomerImport
from interactions.imports.history import SPECS, PythonHistoryImport
from interactions.imports.history_sql import SqlHistoryImport
from interactions.imports.models import ImportJob, ImportKind
from interactions.imports.reading import FileInfo
from interactions.imports.report import Report
from interactions.imports.rows import Options, columns_for
from interactions.imports.services.files import job_file
from interactions.imports.values import InvalidDataError

# SQLite has no session locks: a running job whose heartbeat is older than this is
# taken to have lost its worker. Longer than the longest write transaction.
RUNNER_LEASE = timedelta(minutes=15)
PROGRESS_WRITE_SECONDS = 1.0
ADVISORY_LOCK_BASE = 0x1A_0000_0000  # + job id: a key space of its own


class RunOutcome(StrEnum):
    DONE = "done"
    PREVIEWED = "previewed"
    FAILED = "failed"
    BUSY = "busy"  # another runner holds the job; try again later
    SKIPPED = "skipped"  # nothing to do: gone, finished, or taken over


@contextmanager
def _runner_lock(job_id: int) -> Iterator[bool | None]:
    """True: this session holds the job's advisory lock, so no other runner is alive.
    False: no such lock here (SQLite), the lease decides. None: another runner holds it."""
    if connection.vendor != "postgresql":
        yield False
        return
    key = ADVISORY_LOCK_BASE + job_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = bool(cursor.fetchone()[0])
    if not acquired:
        yield None
        return
    try:
        yield True
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def _claim(job: ImportJob, *, no_other_runner: bool) -> int | None:
    now = timezone.now()
    running = Q(status=ImportJob.Status.RUNNING)
    if not no_other_runner:
        running &= Q(heartbeat_at__lt=now - RUNNER_LEASE)
    claimed = ImportJob.objects.filter(
        Q(status=ImportJob.Status.QUEUED) | running, pk=job.pk, attempt=job.attempt
    ).update(
        status=ImportJob.Status.RUNNING,
        attempt=F("attempt") + 1,
        heartbeat_at=now,
        started_at=now,
        rows_read=0,
        phase=ImportJob.Phase.READING,
    )
    return job.attempt + 1 if claimed else None


def import_job_run(*, job_id: int) -> RunOutcome:
    """Run a queued job (or one whose runner died). Safe to call again at any time."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        return RunOutcome.SKIPPED
    with _runner_lock(job_id) as exclusive:
        if exclusive is None:
            return RunOutcome.BUSY
        attempt = _claim(job, no_other_runner=exclusive)
        if attempt is None:
            job.refresh_from_db()
            running = job.status == ImportJob.Status.RUNNING
            return RunOutcome.BUSY if running else RunOutcome.SKIPPED
        with translation.override(job.language):
            return _run(job_id, attempt)


def sql_engine_available() -> bool:
    return connection.vendor == "postgresql"


def _engine(ctx: RunContext) -> CustomerImport | PythonHistoryImport | SqlHistoryImport:
    if ctx.kind == ImportKind.CUSTOMERS:
        return CustomerImport(ctx)
    if sql_engine_available():
        return SqlHistoryImport(SPECS[ctx.kind], ctx)
    return PythonHistoryImport(SPECS[ctx.kind], ctx)


def _context(job: ImportJob) -> RunContext:
    path = job_file(job)
    if not job.stored_name or not path.exists():
        raise InvalidDataError(_("The uploaded file is gone; upload it again."))
    options = Options(
        date_format=job.date_format,
        decimal_separator=job.decimal_separator,
        now=timezone.now(),
    )
    info = FileInfo(
        job.file_format, job.encoding, job.delimiter, job.headers, job.header_row, job.rows_total
    )
    return RunContext(
        job_id=job.pk,
        kind=job.kind,
        acting_user=job.created_by,
        team=job.team,
        owner=job.owner,
        create_missing_customers=job.create_missing_customers,
        options=options,
        columns=columns_for(job.kind, job.mapping, job.headers, options),
        mapping=dict(job.mapping),
        path=path,
        info=info,
    )


def _progress_writer(job_id: int, attempt: int) -> RunProgress:
    def write(count: int, phase: str) -> None:
        ImportJob.objects.filter(pk=job_id, attempt=attempt).update(
            rows_read=count, heartbeat_at=timezone.now(), phase=phase
        )

    return RunProgress(write, every_seconds=PROGRESS_WRITE_SECONDS)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """An import allocates tens of millions of short-lived tuples and lists, none in a
    reference cycle; the cyclic collector would scan them over and over for nothing
    (a third of the CPU time of a million-row import). Reference counting frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _run(job_id: int, attempt: int) -> RunOutcome:
    job = ImportJob.objects.select_related("created_by", "team", "owner").get(pk=job_id)
    report = Report(encoding=job.encoding, delimiter=job.delimiter, dry_run=job.is_dry_run)
    progress = _progress_writer(job_id, attempt)
    started = time.monotonic()
    try:
        ctx = _context(job)
    except InvalidDataError as problem:
        return _finish(job, attempt, report, ImportJob.Status.FAILED, message=problem.message)
    engine = _engine(ctx)
    try:
        with _no_cyclic_gc():
            return _check_and_write(job, attempt, ctx, engine, report, progress, started)
    except InvalidDataError as problem:  # the file changed or broke between the passes
        return _finish(job, attempt, report, ImportJob.Status.FAILED, message=problem.message)
    except (OperationalError, InterfaceError):
        _requeue(job_id, attempt)
        raise
    except Exception:
        message = _("The import stopped on an unexpected error; nothing was imported.")
        _finish(job, attempt, report, ImportJob.Status.FAILED, message=message)
        raise
    finally:
        engine.close()


def _check_and_write(
    job: ImportJob,
    attempt: int,
    ctx: RunContext,
    engine: CustomerImport | PythonHistoryImport | SqlHistoryImport,
    report: Report,
    progress: RunProgress,
    started: float,
) -> RunOutcome:
    progress.enter(ImportJob.Phase.READING)
    engine.check(report, progress)
    progress.close_phase()
    report.phase_seconds = progress.phase_seconds
    if job.is_dry_run:
        return _finish(job, attempt, report, ImportJob.Status.PREVIEWED, started=started)
    if report.errors.total:
        return _finish(job, attempt, report, ImportJob.Status.FAILED, started=started)
    progress.enter(ImportJob.Phase.WRITING)
    with transaction.atomic():
        # The fence: only the current attempt may write, and only once.
        current = ImportJob.objects.select_for_update().filter(
            pk=job.pk, attempt=attempt, status=ImportJob.Status.RUNNING
        )
        if current.first() is None:
            return RunOutcome.SKIPPED
        if report.new or report.updated:  # a re-import of the same file has nothing to do
            engine.write(report, progress)
        progress.close_phase()
        audit_record(
            actor=ctx.acting_user,
            action=AuditEntry.Action.CREATE,
            obj=job,
            changes=_audit_changes(job, report),
        )
        return _finish(job, attempt, report, ImportJob.Status.DONE, started=started)


def _audit_changes(job: ImportJob, report: Report) -> dict[str, dict[str, Any]]:
    after = {
        "kind": job.kind,
        "file": job.original_name,
        "rows": report.rows,
        "new": report.new,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "customers_created": report.customers_created,
    }
    return {name: {"before": None, "after": value} for name, value in after.items()}


def _finish(
    job: ImportJob,
    attempt: int,
    report: Report,
    status: str,
    *,
    message: str = "",
    started: float | None = None,
) -> RunOutcome:
    """Record the outcome, if this attempt still holds the job. A finished job's file is
    deleted (after the transaction, if any, commits)."""
    data = report.as_json()
    if message:
        data["message"] = message
    if started is not None:
        data["seconds"] = round(time.monotonic() - started, 2)
    finished = status != ImportJob.Status.PREVIEWED
    updated = ImportJob.objects.filter(
        pk=job.pk, attempt=attempt, status=ImportJob.Status.RUNNING
    ).update(
        status=status,
        report=data,
        phase="",
        rows_read=report.rows,
        finished_at=timezone.now(),
        **({"stored_name": ""} if finished else {}),
    )
    if not updated:
        return RunOutcome.SKIPPED
    if finished and job.stored_name:
        path = job_file(job)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return RunOutcome(status)


def _requeue(job_id: int, attempt: int) -> None:
    """Hand the job back after a lost connection, for the task's retry (best effort: the
    connection may be gone, then the lease or the freed advisory lock frees it)."""
    try:
        ImportJob.objects.filter(
            pk=job_id, attempt=attempt, status=ImportJob.Status.RUNNING
        ).update(status=ImportJob.Status.QUEUED)
    except (OperationalError, InterfaceError):
        return
