"""History pages: the 360° panel on the customer page, the timeline, quick logging,
complaints and their queue, service levels and the history export."""

from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.lib.csv_safety import stream_csv
from crm.lib.keyset import InvalidCursorError
from customers.models import Customer
from customers.permissions import CHANGE
from customers.selectors import customer_get_for_user, duplicate_candidates_for_user
from interactions import services
from interactions.forms import (
    ComplaintAssignForm,
    ComplaintOpenForm,
    ComplaintRespondForm,
    ComplaintStatusForm,
    QuickLogForm,
    ServiceLevelForm,
)
from interactions.models import Complaint, ServiceLevel
from interactions.permissions import customer_get_for_history_write, user_may_work_on
from interactions.selectors import (
    TIMELINE_KINDS,
    TimelineItem,
    complaint_get_for_user,
    complaint_queue_for_user,
    customer_key_figures,
    timeline_page,
)

TIMELINE_PAGE_SIZE = 25
# Both quick forms sit on one page and share field names: keep their element ids apart.
LOG_IDS = "log-%s"
COMPLAINT_IDS = "complaint-%s"


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _kinds(request: HttpRequest) -> set[str]:
    wanted = {k for k in request.GET.getlist("kind") if k in TIMELINE_KINDS}
    return wanted or set(TIMELINE_KINDS)


def _bar(index: int, month: object, count: int, peak: int) -> dict[str, object]:
    """One sparkline bar: 10 px per month, height relative to the busiest month."""
    height = round(2 + 26 * count / peak, 1) if count else 1
    return {"x": index * 10 + 1, "y": 30 - height, "height": height, "month": month, "count": count}


def _panel(
    request: HttpRequest,
    customer: Customer,
    *,
    log_form: QuickLogForm | None = None,
    complaint_form: ComplaintOpenForm | None = None,
) -> HttpResponse:
    figures = customer_key_figures(customer=customer)
    peak = max((n for _m, n in figures.monthly_activity), default=0) or 1
    context = {
        "customer": customer,
        "figures": figures,
        "spark": [_bar(i, month, n, peak) for i, (month, n) in enumerate(figures.monthly_activity)],
        "timeline": timeline_page(
            customer=customer, kinds=set(TIMELINE_KINDS), cursor=None, size=TIMELINE_PAGE_SIZE
        ),
        "kinds": TIMELINE_KINDS,
        "selected_kinds": set(TIMELINE_KINDS),
        "may_work": user_may_work_on(user=request.user, customer=customer),
        "log_form": log_form or QuickLogForm(auto_id=LOG_IDS),
        "complaint_form": complaint_form or ComplaintOpenForm(auto_id=COMPLAINT_IDS),
    }
    return render(request, "interactions/_panel.html", context)


@login_required
@require_GET
def history_panel(request: HttpRequest, pk: int) -> HttpResponse:
    return _panel(request, customer_get_for_user(user=request.user, customer_id=pk))


@login_required
@require_GET
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, customer_id=pk)
    kinds = _kinds(request)
    try:
        page = timeline_page(
            customer=customer,
            kinds=kinds,
            cursor=request.GET.get("cursor"),
            size=TIMELINE_PAGE_SIZE,
        )
    except InvalidCursorError:
        page = timeline_page(customer=customer, kinds=kinds, cursor=None, size=TIMELINE_PAGE_SIZE)
    context = {
        "customer": customer,
        "timeline": page,
        "selected_kinds": kinds,
        "kinds": TIMELINE_KINDS,
    }
    return render(request, "interactions/_timeline.html", context)


def _respond(
    request: HttpRequest, customer: Customer, **forms: QuickLogForm | ComplaintOpenForm
) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _panel(request, customer, **forms)  # type: ignore[arg-type]
    # Without htmx the page is loaded again: carry the form's errors over as messages.
    for form in forms.values():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else None
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def interaction_log(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_history_write(user=request.user, customer_id=pk)
    form = QuickLogForm(request.POST, auto_id=LOG_IDS)
    if form.is_valid():
        minutes = form.cleaned_data["duration_minutes"]
        try:
            services.interaction_log(
                customer=customer,
                acting_user=_acting_user(request),
                channel=form.cleaned_data["channel"],
                direction=form.cleaned_data["direction"],
                occurred_at=form.cleaned_data["occurred_at"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                duration_seconds=minutes * 60 if minutes is not None else None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Contact logged."))
            return _respond(request, customer)
    return _respond(request, customer, log_form=form)


@login_required
@require_POST
def complaint_open(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_history_write(user=request.user, customer_id=pk)
    form = ComplaintOpenForm(request.POST, auto_id=COMPLAINT_IDS)
    if form.is_valid():
        services.complaint_open(
            customer=customer, acting_user=_acting_user(request), **form.cleaned_data
        )
        messages.success(request, _("Complaint opened."))
        return _respond(request, customer)
    return _respond(request, customer, complaint_form=form)


@login_required
@require_GET
def complaint_queue(request: HttpRequest) -> HttpResponse:
    complaints = list(complaint_queue_for_user(user=request.user)[:200])
    return render(request, "interactions/complaint_queue.html", {"complaints": complaints})


@login_required
@require_GET
def complaint_detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = complaint_get_for_user(user=request.user, complaint_id=complaint_id)
    return _complaint_page(request, complaint)


def _complaint_page(request: HttpRequest, complaint: Complaint, **forms: object) -> HttpResponse:
    context = {
        "complaint": complaint,
        "answers": list(
            complaint.interactions.select_related("staff").order_by("occurred_at", "id")
        ),
        "may_work": user_may_work_on(user=request.user, customer=complaint.customer),
        "respond_form": forms.get("respond_form") or ComplaintRespondForm(),
        "status_form": forms.get("status_form") or ComplaintStatusForm(current=complaint.status),
        "assign_form": forms.get("assign_form")
        or ComplaintAssignForm(initial={"assignee": complaint.assignee_id}),
    }
    return render(request, "interactions/complaint_detail.html", context)


def _complaint_for_write(request: HttpRequest, complaint_id: int) -> Complaint:
    complaint = complaint_get_for_user(user=request.user, complaint_id=complaint_id)
    customer_get_for_history_write(user=request.user, customer_id=complaint.customer_id)
    return complaint


@login_required
@require_POST
def complaint_respond(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint_for_write(request, complaint_id)
    form = ComplaintRespondForm(request.POST)
    if form.is_valid():
        services.complaint_respond(
            complaint=complaint, acting_user=_acting_user(request), **form.cleaned_data
        )
        messages.success(request, _("Answer recorded."))
        return redirect("interactions:complaint", complaint_id=complaint.pk)
    return _complaint_page(request, complaint, respond_form=form)


@login_required
@require_POST
def complaint_status(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint_for_write(request, complaint_id)
    form = ComplaintStatusForm(request.POST, current=complaint.status)
    if form.is_valid():
        try:
            services.complaint_set_status(
                complaint=complaint, acting_user=_acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error("status", exc.message_dict.get("status", exc.messages))
        else:
            messages.success(request, _("Status changed."))
            return redirect("interactions:complaint", complaint_id=complaint.pk)
    return _complaint_page(request, complaint, status_form=form)


@login_required
@require_POST
def complaint_assign(request: HttpRequest, complaint_id: int) -> HttpResponse:
    complaint = _complaint_for_write(request, complaint_id)
    form = ComplaintAssignForm(request.POST)
    if form.is_valid():
        services.complaint_assign(
            complaint=complaint,
            acting_user=_acting_user(request),
            assignee=form.cleaned_data["assignee"],
        )
        messages.success(request, _("Complaint assigned."))
        return redirect("interactions:complaint", complaint_id=complaint.pk)
    return _complaint_page(request, complaint, assign_form=form)


@login_required
@permission_required("interactions.manage_service_levels", raise_exception=True)
@require_http_methods(["GET", "POST"])
def service_levels(request: HttpRequest) -> HttpResponse:
    current = {s.severity: s for s in ServiceLevel.objects.all()}
    forms = []
    for severity, label in Complaint.Severity.choices:
        respond, resolve = services.service_level_hours(severity)
        data = request.POST if request.method == "POST" else None
        form = ServiceLevelForm(
            data,
            prefix=severity,
            initial={
                "severity": severity,
                "first_response_hours": respond,
                "resolution_hours": resolve,
            },
        )
        forms.append((label, form, severity in current))
    if request.method == "POST" and all(f.is_valid() for _l, f, _c in forms):
        try:
            for _label, form, _custom in forms:
                services.service_level_set(acting_user=_acting_user(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Service levels saved."))
            return redirect("interactions:service-levels")
    return render(request, "interactions/service_levels.html", {"forms": forms})


@login_required
@permission_required("customers.export_customer", raise_exception=True)
@require_GET
def history_export(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The whole timeline as CSV, streamed page by page (constant memory)."""
    customer = customer_get_for_user(user=request.user, customer_id=pk)

    def rows() -> Iterator[list[str]]:
        cursor = None
        while True:
            page = timeline_page(
                customer=customer, kinds=set(TIMELINE_KINDS), cursor=cursor, size=500
            )
            yield from (_export_row(item) for item in page.items)
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    return stream_csv(
        header=["when", "kind", "summary", "details", "staff"],
        rows=rows(),
        filename=f"customer-{customer.pk}-history.csv",
    )


def _export_row(item: TimelineItem) -> list[str]:
    obj = item.obj
    summary, details, staff = str(obj), "", ""
    if item.kind == "interaction":
        summary = f"{obj.get_channel_display()} ({obj.get_direction_display()}): {obj.subject}"
        details, staff = obj.body, obj.staff.username if obj.staff else ""
    elif item.kind == "order":
        summary, details = (
            f"order {obj}",
            f"{obj.amount_cents / 100:.2f} {obj.currency} {obj.status}",
        )
    elif item.kind == "complaint":
        summary, details = f"complaint: {obj.subject}", f"{obj.severity} {obj.status}"
    elif item.kind == "survey":
        summary, details = f"{obj.kind} {obj.score}", obj.comment
    elif item.kind == "refund":
        summary, details = f"refund on {obj.order}", f"{obj.amount_cents / 100:.2f} {obj.reason}"
    return [item.at.isoformat(), item.kind, summary, details, staff]


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
@require_GET
def duplicates(request: HttpRequest) -> HttpResponse:
    pairs = duplicate_candidates_for_user(user=request.user)
    return render(request, "interactions/duplicates.html", {"pairs": pairs})


@login_required
@permission_required("customers.merge_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    """Merge two customers; the user must be allowed to change both."""
    first = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
    second = customer_get_for_user(user=request.user, customer_id=other_pk, perm=CHANGE)
    if request.method == "POST":
        keep = request.POST.get("survivor")
        survivor, duplicate = (second, first) if keep == str(second.pk) else (first, second)
        try:
            services.customer_merge(
                survivor=survivor, duplicate=duplicate, acting_user=_acting_user(request)
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Customers merged."))
            return redirect("customers:detail", pk=survivor.pk)
    context = {
        "first": first,
        "second": second,
        "figures": [customer_key_figures(customer=c) for c in (first, second)],
    }
    return render(request, "interactions/merge.html", context)
