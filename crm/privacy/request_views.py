"""Pages for data subject requests (Managers and Admins), and the public, signed download
of an access package."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.privacy import requests
from crm.privacy.forms import DataSubjectRequestForm, NoteForm
from crm.privacy.models import DataSubjectRequest
from crm.privacy.package import package_path
from customers.selectors import customer_get_for_user


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@permission_required(requests.VIEW_REQUESTS, raise_exception=True)
@require_GET
def request_list(request: HttpRequest) -> HttpResponse:
    overdue_only = request.GET.get("overdue") == "1"
    rows = requests.dsr_list_for_user(user=_user(request), overdue_only=overdue_only)
    overdue = requests.dsr_list_for_user(user=_user(request), overdue_only=True).count()
    context = {
        "rows": rows[:200],
        "overdue_only": overdue_only,
        "overdue": overdue,
        "today": timezone.localdate(),
        "open_statuses": DataSubjectRequest.OPEN_STATUSES,
    }
    return render(request, "privacy/requests.html", context)


@login_required
@permission_required(requests.ADD_REQUEST, raise_exception=True)
@require_http_methods(["GET", "POST"])
def request_create(request: HttpRequest) -> HttpResponse:
    initial = {"customer_id": request.GET.get("customer")}
    form = DataSubjectRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        customer = customer_get_for_user(user=_user(request), customer_id=data["customer_id"])
        try:
            made = requests.dsr_create(
                customer=customer,
                kind=data["kind"],
                acting_user=_user(request),
                details=data["details"],
                received_on=data["received_on"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Request recorded."))
            return redirect("privacy:request", request_id=made.pk)
    return render(request, "privacy/request_form.html", {"form": form})


@login_required
@permission_required(requests.VIEW_REQUESTS, raise_exception=True)
@require_GET
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    subject = requests.dsr_get_for_user(user=_user(request), request_id=request_id)
    user = _user(request)
    context = {
        "subject": subject,
        "events": list(subject.events.select_related("actor")),
        "package_url": (
            request.build_absolute_uri(requests.package_path(subject))
            if subject.package_name
            else ""
        ),
        "may_approve": (
            subject.status == DataSubjectRequest.Status.AWAITING_APPROVAL
            and user.has_perm(requests.APPROVE_ERASURE)
            and subject.created_by_id != user.pk
        ),
        "note_form": NoteForm(),
        "today": timezone.localdate(),
    }
    return render(request, "privacy/request_detail.html", context)


def _act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    subject = requests.dsr_get_for_user(user=_user(request), request_id=request_id)
    note = request.POST.get("note", "")
    try:
        if action == "approve":
            requests.dsr_approve_erasure(request=subject, acting_user=_user(request))
            messages.success(request, _("Erasure approved; it runs in the background."))
        elif action == "reject":
            requests.dsr_reject(request=subject, acting_user=_user(request), note=note)
            messages.success(request, _("Request rejected."))
        else:
            requests.dsr_complete(request=subject, acting_user=_user(request), note=note)
            messages.success(request, _("Request completed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("privacy:request", request_id=subject.pk)


@login_required
@permission_required(requests.APPROVE_ERASURE, raise_exception=True)
@require_POST
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(request, request_id, "approve")


@login_required
@permission_required(requests.CHANGE_REQUEST, raise_exception=True)
@require_POST
def request_reject(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(request, request_id, "reject")


@login_required
@permission_required(requests.CHANGE_REQUEST, raise_exception=True)
@require_POST
def request_complete(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(request, request_id, "complete")


@require_GET
def package_download(request: HttpRequest, token: str) -> HttpResponse | FileResponse:
    """Public: the person downloads their package with the link they were given."""
    try:
        subject = requests.dsr_package_for_token(token)
    except ValidationError as exc:
        return render(request, "privacy/package_gone.html", {"error": exc.messages[0]}, status=404)
    path = package_path(subject.package_name)
    if not path.exists():
        return render(request, "privacy/package_gone.html", {"error": ""}, status=404)
    response = FileResponse(path.open("rb"), as_attachment=True, filename="personal-data.zip")
    response["Cache-Control"] = "no-store"
    return response
