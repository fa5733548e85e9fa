"""Reads of import jobs and mappings. ``import_job_get_for_user`` is the door to a job."""

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from customers.selectors import AnyUser
from interactions.imports.models import ImportJob, ImportMapping
from interactions.imports.permissions import VIEW_ALL_JOBS, user_may_import

JOB_LIST_SIZE = 50


def import_job_list_for_user(*, user: AnyUser) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.select_related("created_by", "team")
    if not isinstance(user, User) or not user.is_active:
        return jobs.none()
    if user.has_perm(VIEW_ALL_JOBS):
        return jobs
    return jobs.filter(created_by=user)


def import_job_get_for_user(*, user: AnyUser, job_id: int, act: bool = False) -> ImportJob:
    """The job if ``user`` may see it (else 404); with ``act``, also if they may act on it:
    its creator, still allowed to import (else 403)."""
    try:
        job = import_job_list_for_user(user=user).select_related("owner").get(pk=job_id)
    except (ImportJob.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(_("No such import.")) from exc
    if act and not (job.created_by_id == user.pk and user_may_import(user)):
        raise PermissionDenied(_("Only the import's creator may change or run it."))
    return job


def import_mapping_list(*, kind: str | None = None) -> QuerySet[ImportMapping]:
    mappings = ImportMapping.objects.all()
    return mappings.filter(kind=kind) if kind else mappings
