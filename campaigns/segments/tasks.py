"""Celery entry points of segments (imported by campaigns.tasks). The clustering reads the
whole scored base: crm.celery routes it to the ``scoring`` queue."""

from campaigns.segments.services import behaviour_clusters_compute
from churn.tasks import retrying_task

__all__ = ["behaviour_clusters_compute_task"]


@retrying_task
def behaviour_clusters_compute_task(force: bool = False) -> int | None:
    """Nightly after the full scoring run; a second call with no new scores keeps the run."""
    return behaviour_clusters_compute(force=force)
