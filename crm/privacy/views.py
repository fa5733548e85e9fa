"""The privacy pages for admins: retention policies, tonight's preview and past runs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.lib.csv_safety import stream_csv
from crm.lib.keyset import InvalidCursorError
from crm.privacy import datamap, retention
from crm.privacy.access_log import (
    VIEW_ACCESS_LOG,
    AccessLogFilters,
    access_log_for_user,
    access_log_page_for_user,
)
from crm.privacy.forms import AccessLogFilterForm, RetentionPolicyForm
from crm.privacy.models import Category
from crm.privacy.tasks import retention_run_enqueue

MANAGE_RETENTION = "privacy.manage_retention"


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _forms(request: HttpRequest) -> list[RetentionPolicyForm]:
    data = request.POST if request.method == "POST" else None
    return [RetentionPolicyForm(data, policy=p) for p in retention.retention_policies()]


@login_required
@permission_required(MANAGE_RETENTION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    forms = _forms(request)
    if request.method == "POST" and all(form.is_valid() for form in forms):
        try:
            for form in forms:
                retention.retention_policy_set(
                    acting_user=_acting_user(request),
                    category=form.policy.category,
                    **form.cleaned_data,
                )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Retention policies saved."))
            return redirect("privacy:retention")
    rows = [(Category(form.policy.category).label, form) for form in forms]
    context = {"rows": rows, "runs": retention.retention_runs()}
    return render(request, "privacy/retention.html", context)


@login_required
@permission_required(MANAGE_RETENTION, raise_exception=True)
@require_GET
def retention_preview(request: HttpRequest) -> HttpResponse:
    lines = [(Category(line.policy.category).label, line) for line in retention.retention_preview()]
    return render(request, "privacy/_retention_preview.html", {"lines": lines})


@login_required
@permission_required(MANAGE_RETENTION, raise_exception=True)
@require_POST
def retention_run_start(request: HttpRequest) -> HttpResponse:
    dry_run = request.POST.get("dry_run") == "1"
    retention_run_enqueue(acting_user=_acting_user(request), dry_run=dry_run)
    if dry_run:
        messages.success(request, _("A preview run started; its report appears below."))
    else:
        messages.success(request, _("A retention run started; its report appears below."))
    return redirect("privacy:retention")


@login_required
@permission_required(MANAGE_RETENTION, raise_exception=True)
@require_GET
def data_map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/data_map.html", {"entries": datamap.data_map()})


def _access_filters(request: HttpRequest) -> tuple[AccessLogFilterForm, AccessLogFilters]:
    form = AccessLogFilterForm(request.GET or None)
    if form.is_valid():
        return form, AccessLogFilters(**form.cleaned_data)
    return form, AccessLogFilters()


@login_required
@permission_required(VIEW_ACCESS_LOG, raise_exception=True)
@require_GET
def access_log_page(request: HttpRequest) -> HttpResponse:
    form, filters = _access_filters(request)
    try:
        page = access_log_page_for_user(
            user=_acting_user(request), filters=filters, cursor=request.GET.get("cursor")
        )
    except InvalidCursorError:
        return HttpResponseBadRequest(_("This page link is no longer valid."))
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "privacy/access_log.html", context)


@login_required
@permission_required(VIEW_ACCESS_LOG, raise_exception=True)
@require_GET
def access_log_export(request: HttpRequest) -> StreamingHttpResponse:
    _form, filters = _access_filters(request)
    entries = access_log_for_user(user=_acting_user(request), filters=filters)
    rows = (
        (e.occurred_at.isoformat(), e.user.username if e.user else "", e.action, e.customer_id,
         e.route, e.query, e.remote_addr)
        for e in entries.iterator(chunk_size=2000)
    )  # fmt: skip
    header = ["occurred_at", "user", "action", "customer_id", "route", "query", "remote_addr"]
    return stream_csv(header=header, rows=rows, filename="access-log.csv")
