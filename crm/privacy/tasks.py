"""Celery entry points of privacy: the nightly retention run."""

from django.contrib.auth.models import User

from churn.tasks import retrying_task
from crm.privacy import requests, retention
from crm.privacy.models import RetentionRun


@retrying_task
def retention_run_task(run_id: int | None = None) -> dict[str, object]:
    """Enforce the retention policies. Beat sends no id (a new run); the page sends the
    run it created. A redelivered message (killed worker) carries on with the same run:
    what is due is what was not treated yet, so nothing is treated twice."""
    run = RetentionRun.objects.filter(pk=run_id).first() if run_id else None
    if run_id and run is None:
        return {}
    if run is None:
        run = retention.retention_run_start()
    elif run.state != RetentionRun.State.RUNNING:
        return dict(run.report)
    return dict(retention.retention_run(run=run).report)


def retention_run_enqueue(*, acting_user: User, dry_run: bool) -> RetentionRun:
    run = retention.retention_run_start(acting_user=acting_user, dry_run=dry_run)
    retention_run_task.delay(run.pk)
    return run


@retrying_task
def dsr_package_build_task(request_id: int) -> str:
    request = requests.dsr_package_build(request_id=request_id)
    return request.status if request else ""


@retrying_task
def dsr_erase_task(request_id: int) -> str:
    request = requests.dsr_erase(request_id=request_id)
    return request.status if request else ""
