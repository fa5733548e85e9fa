"""Segment pages: the list (member counts load per row), the rule builder with its live
count, and the suggested behavioural segments. Each view: parse, door, one service."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campaigns.models import Segment
from campaigns.segments import services
from campaigns.segments.forms import (
    BuilderForm,
    builder_form_from_post,
    condition_errors,
    condition_row,
    condition_rows,
    rules_from_post,
)
from campaigns.segments.rules import FIELDS, segment_members
from campaigns.segments.selectors import (
    ADD_SEGMENT,
    CHANGE_SEGMENT,
    DELETE_SEGMENT,
    MEMBERS_PREVIEW_SIZE,
    VIEW_SEGMENT,
    behaviour_cluster_get_for_user,
    behaviour_cluster_list_latest,
    segment_get_for_user,
    segment_list_for_user,
    segment_members_page_for_user,
    segment_user_may,
)
from crm.lib.errors import ApplicationError

MAX_ROW_INDEX = 9999  # forms.ROW_KEY allows four digits


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    segments = list(segment_list_for_user(user=user))
    may_change_any = user.has_perm(CHANGE_SEGMENT)
    rows = [
        (s, may_change_any or segment_user_may(user=user, segment=s, perm=CHANGE_SEGMENT))
        for s in segments
    ]
    context = {"rows": rows, "may_add": user.has_perm(ADD_SEGMENT)}
    return render(request, "campaigns/segments/list.html", context)


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_GET
def segment_count(request: HttpRequest, segment_id: int) -> HttpResponse:
    """One row's member count, loaded after the list (the list itself stays fast)."""
    user = _acting_user(request)
    segment = segment_get_for_user(user=user, segment_id=segment_id)
    try:
        count: int | None = segment_members(user=user, segment=segment).count()
    except ValidationError:
        count = None
    return render(request, "campaigns/segments/_count.html", {"count": count})


def _builder_context(
    request: HttpRequest, form: BuilderForm, segment: Segment | None, errors: dict[int, str]
) -> dict[str, Any]:
    user = _acting_user(request)
    return {
        "form": form,
        "segment": segment,
        "rows": condition_rows(user=user, rules=form.rules, rows=form.rows, errors=errors),
        "fields": list(FIELDS.values()),
        "next_index": max(form.rows, default=0) + 1,
        "may_delete": segment is not None
        and segment_user_may(user=user, segment=segment, perm=DELETE_SEGMENT),
    }


def _save(request: HttpRequest, segment: Segment | None) -> HttpResponse:
    form = builder_form_from_post(request.POST)
    user = _acting_user(request)
    try:
        with transaction.atomic():
            if segment is None:
                segment = services.segment_create(
                    acting_user=user,
                    name=form.name,
                    description=form.description,
                    rules=form.rules,
                )
            else:
                services.segment_update(
                    segment=segment,
                    acting_user=user,
                    name=form.name,
                    description=form.description,
                    rules=form.rules,
                )
    except ValidationError as exc:
        errors: dict[int, str] = {}
        if hasattr(exc, "error_dict"):
            form.errors = {
                k: " ".join(ValidationError(v).messages) for k, v in exc.error_dict.items()
            }
        else:
            errors, general = condition_errors(exc, form.rows)
            form.errors = {"rules": " ".join(general)} if general else {}
        context = _builder_context(request, form, segment, errors)
        return render(request, "campaigns/segments/form.html", context, status=400)
    messages.success(request, _("Segment saved."))
    return redirect("campaigns:segment-edit", segment_id=segment.pk)


@login_required
@permission_required(ADD_SEGMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def segment_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _save(request, None)
    form = BuilderForm(rules={"match": "all", "conditions": []})
    return render(
        request, "campaigns/segments/form.html", _builder_context(request, form, None, {})
    )


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def segment_edit(request: HttpRequest, segment_id: int) -> HttpResponse:
    user = _acting_user(request)
    segment = segment_get_for_user(user=user, segment_id=segment_id, perm=CHANGE_SEGMENT)
    if request.method == "POST":
        return _save(request, segment)
    rules = segment.rules if isinstance(segment.rules, dict) else {}
    count = len(rules.get("conditions", []))
    form = BuilderForm(
        name=segment.name,
        description=segment.description,
        match=rules.get("match", "all"),
        rows=list(range(1, count + 1)),
        rules=rules,
    )
    return render(
        request, "campaigns/segments/form.html", _builder_context(request, form, segment, {})
    )


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_POST
def segment_delete(request: HttpRequest, segment_id: int) -> HttpResponse:
    user = _acting_user(request)
    segment = segment_get_for_user(user=user, segment_id=segment_id, perm=DELETE_SEGMENT)
    try:
        services.segment_delete(segment=segment, acting_user=user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("campaigns:segment-edit", segment_id=segment.pk)
    messages.success(request, _("Segment deleted."))
    return redirect("campaigns:segment-list")


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """The builder's live answer: the count and first members of the posted rules, or
    the validation errors, each swapped next to its condition (hx-swap-oob)."""
    user = _acting_user(request)
    rules, rows = rules_from_post(request.POST)
    context: dict[str, Any] = {"rows": rows, "errors": {}, "general": []}
    try:
        members = segment_members(user=user, rules=rules)
        context["count"] = members.count()
        context["members"] = segment_members_page_for_user(
            user=user, rules=rules, size=MEMBERS_PREVIEW_SIZE
        ).rows
    except ValidationError as exc:
        context["errors"], context["general"] = condition_errors(exc, rows)
    context["row_errors"] = [(row, context["errors"].get(row, "")) for row in rows]
    return render(request, "campaigns/segments/_preview.html", context)


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_GET
def segment_condition(request: HttpRequest) -> HttpResponse:
    """One condition row: a new one (add), or the same row redrawn for another field."""
    if request.GET.get("add"):  # the form's rows came along: the new one goes after them
        index = max(rules_from_post(request.GET)[1], default=0) + 1
    else:
        raw_index = request.GET.get("index", "")
        index = int(raw_index) if raw_index.isdigit() else 1
    row = condition_row(
        user=_acting_user(request),
        index=min(index, MAX_ROW_INDEX),
        field_name=request.GET.get(f"c-{index}-field", request.GET.get("field", "")),
    )
    return render(
        request,
        "campaigns/segments/_condition.html",
        {"row": row, "fields": list(FIELDS.values())},
    )


@login_required
@permission_required(VIEW_SEGMENT, raise_exception=True)
@require_GET
def cluster_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    context = {"clusters": behaviour_cluster_list_latest(), "may_add": user.has_perm(ADD_SEGMENT)}
    return render(request, "campaigns/segments/clusters.html", context)


@login_required
@permission_required(ADD_SEGMENT, raise_exception=True)
@require_POST
def cluster_save(request: HttpRequest, cluster_id: int) -> HttpResponse:
    user = _acting_user(request)
    cluster = behaviour_cluster_get_for_user(user=user, cluster_id=cluster_id)
    segment = services.segment_create_from_cluster(cluster=cluster, acting_user=user)
    messages.success(request, _("Saved as a segment; adjust its rules or name here."))
    return redirect("campaigns:segment-edit", segment_id=segment.pk)
