"""Import pages: upload, column mapping, the job (progress, dry-run preview, report) and
commit. Every page needs ``imports.run_import``; a job goes through its door."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from interactions.imports import services
from interactions.imports.fields import KIND_FIELDS
from interactions.imports.forms import MappingForm, UploadForm
from interactions.imports.models import ImportJob
from interactions.imports.permissions import RUN_IMPORT
from interactions.imports.report import MAX_ERRORS
from interactions.imports.selectors import (
    JOB_LIST_SIZE,
    import_job_get_for_user,
    import_job_list_for_user,
)


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    jobs = list(import_job_list_for_user(user=request.user)[:JOB_LIST_SIZE])
    return render(request, "imports/list.html", {"jobs": jobs})


def _options(form: UploadForm) -> services.ImportOptions:
    data = form.cleaned_data
    saved = data["saved_mapping"]
    return services.ImportOptions(
        date_format=saved.date_format if saved else data["date_format"],
        decimal_separator=saved.decimal_separator if saved else data["decimal_separator"],
        create_missing_customers=data["create_missing_customers"],
        team=data["team"],
        owner=data["owner"],
    )


def _create(request: HttpRequest, form: UploadForm) -> ImportJob:
    upload = form.cleaned_data["file"]
    job = services.import_job_create(
        acting_user=_acting_user(request),
        kind=form.cleaned_data["kind"],
        original_name=upload.name,
        chunks=upload.chunks(),
        options=_options(form),
    )
    saved = form.cleaned_data["saved_mapping"]
    if saved is not None:
        job.mapping = {**job.mapping, **services.mapping_apply(job, saved)}
        job.save(update_fields=["mapping"])
    return job


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    form = UploadForm(request.POST or None, request.FILES or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            job = _create(request, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:mapping", job_id=job.pk)
    return render(request, "imports/upload.html", {"form": form})


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id, act=True)
    if job.status not in (ImportJob.Status.DRAFT, ImportJob.Status.PREVIEWED):
        return redirect("imports:job", job_id=job.pk)
    form = MappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        try:
            _map_and_preview(request, job, form)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("imports:job", job_id=job.pk)
    context = {"job": job, "form": form, "fields": KIND_FIELDS[job.kind]}
    return render(request, "imports/mapping.html", context)


def _map_and_preview(request: HttpRequest, job: ImportJob, form: MappingForm) -> None:
    user = _acting_user(request)
    options = {
        "mapping": form.mapping(),
        "date_format": form.cleaned_data["date_format"],
        "decimal_separator": form.cleaned_data["decimal_separator"],
    }
    services.import_job_set_mapping(job=job, acting_user=user, **options)
    if form.cleaned_data["save_as"]:
        services.import_mapping_save(
            acting_user=user, name=form.cleaned_data["save_as"], kind=job.kind, **options
        )
        messages.success(request, _("Mapping saved."))
    services.import_job_preview(job=job, acting_user=user)


def _job_context(request: HttpRequest, job: ImportJob) -> dict[str, object]:
    report = job.report
    return {
        "job": job,
        "report": report,
        "errors": report.get("errors", [])[:MAX_ERRORS],
        "is_active": job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        "may_act": job.created_by_id == request.user.pk,
    }


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_GET
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    return render(request, "imports/job.html", _job_context(request, job))


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_GET
def import_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The progress bar, polled every two seconds; when the run ends, reload the page."""
    job = import_job_get_for_user(user=request.user, job_id=job_id)
    context = _job_context(request, job)
    response = render(request, "imports/_progress.html", context)
    if not context["is_active"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@permission_required(RUN_IMPORT, raise_exception=True)
@require_POST
def import_commit(request: HttpRequest, job_id: int) -> HttpResponse:
    job = import_job_get_for_user(user=request.user, job_id=job_id, act=True)
    if not job.may_commit:
        messages.error(request, _("Only an import whose dry run found no errors can be run."))
        return redirect("imports:job", job_id=job.pk)
    try:
        services.import_job_commit(job=job, acting_user=_acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Import started."))
    return redirect("imports:job", job_id=job.pk)
