"""The import workflow: upload, map, dry run, commit, and the run itself. Pages, API,
CLI and the Celery task all call these; see ``run`` for how a run stays all-or-nothing
and happens exactly once."""

from interactions.imports.services.files import (
    FILE_RETENTION,
    MAX_UPLOAD_BYTES,
    import_dir,
    import_files_purge,
)
from interactions.imports.services.jobs import (
    INLINE_PREVIEW_MAX_ROWS,
    ImportOptions,
    import_job_commit,
    import_job_create,
    import_job_preview,
    import_job_run_here,
    import_job_set_mapping,
    import_mapping_save,
    mapping_apply,
)
from interactions.imports.services.run import (
    ADVISORY_LOCK_BASE,
    RUNNER_LEASE,
    RunOutcome,
    import_job_run,
    sql_engine_available,
)

__all__ = [
    "ADVISORY_LOCK_BASE",
    "FILE_RETENTION",
    "INLINE_PREVIEW_MAX_ROWS",
    "MAX_UPLOAD_BYTES",
    "RUNNER_LEASE",
    "ImportOptions",
    "RunOutcome",
    "import_dir",
    "import_files_purge",
    "import_job_commit",
    "import_job_create",
    "import_job_preview",
    "import_job_run",
    "import_job_run_here",
    "import_job_set_mapping",
    "import_mapping_save",
    "mapping_apply",
    "sql_engine_available",
]
