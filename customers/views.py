"""Customer pages. Each view: parse input, go through the door, call one service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.audit.selectors import audit_entries_for_object
from crm.lib.keyset import InvalidCursorError
from customers import services
from customers.exports import customer_csv_response
from customers.forms import AssignmentForm, ContactPersonForm, CustomerForm, StageForm
from customers.list_filters import list_filter_choices, list_filter_values
from customers.models import Customer, Tag
from customers.permissions import CHANGE, REASSIGN
from customers.selectors import (
    SORTS,
    CustomerFilters,
    customer_get_for_user,
    customer_page_for_user,
    customer_stage_history,
    customer_user_may,
    owner_choices_for_user,
    team_list_for_user,
)


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _filters_from(request: HttpRequest) -> CustomerFilters:
    params = request.GET
    owner = params.get("owner", "")
    sort = params.get("sort", "name")
    return CustomerFilters(
        search=params.get("q", "")[:100],
        owner_id=request.user.pk if owner == "me" else _int_or_none(owner),
        team_id=_int_or_none(params.get("team")),
        stage=params.get("stage", "") if params.get("stage") in Customer.Stage.values else "",
        tag_id=_int_or_none(params.get("tag")),
        sort=sort if sort in SORTS else "name",
        extra=list_filter_values(params),
    )


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = _filters_from(request)
    try:
        page = customer_page_for_user(
            user=request.user,
            filters=filters,
            cursor=request.GET.get("cursor") or None,
            size=settings.CUSTOMER_PAGE_SIZE,
        )
    except InvalidCursorError:
        return redirect("customers:list")
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "stages": Customer.Stage.choices,
        "sorts": [
            ("name", _("Name")),
            ("-created_at", _("Newest")),
            ("-updated_at", _("Recently updated")),
        ],
    }
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "customer-rows":
        return render(request, "customers/_rows.html", context)
    teams = team_list_for_user(user=request.user)
    context.update(
        teams=teams,
        owners=owner_choices_for_user(user=request.user, teams=teams),
        tags=list(Tag.objects.all()[:200]),
        extra_filters=list_filter_choices(user=request.user, values=filters.extra),
        may_create=request.user.has_perm("customers.add_customer"),
    )
    return render(request, "customers/list.html", context)


@login_required
@require_GET
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, customer_id=pk)
    context = {
        "customer": customer,
        "emails": list(customer.emails.all()),
        "phones": list(customer.phones.all()),
        "contacts": list(customer.contacts.all()),
        "tags": list(customer.tags.all()),
        "stage_history": customer_stage_history(customer=customer),
        "audit_entries": audit_entries_for_object(obj=customer),
        "may_change": customer_user_may(user=request.user, customer=customer, perm=CHANGE),
        "may_reassign": customer_user_may(user=request.user, customer=customer, perm=REASSIGN),
        "stage_form": StageForm(initial={"stage": customer.stage}),
        "contact_form": ContactPersonForm(),
    }
    return render(request, "customers/detail.html", context)


@login_required
@permission_required("customers.add_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    teams = team_list_for_user(user=user)
    form = CustomerForm(
        request.POST if request.method == "POST" else None,
        initial={"language": request.LANGUAGE_CODE},
    )
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(
                acting_user=user,
                data=form.to_data(),
                owner=user if user.has_perm("customers.own_customer") else None,
                team=teams[0] if len(teams) >= 1 and not user.is_superuser else None,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Customer created."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": None})


def _add_errors(
    form: CustomerForm | AssignmentForm | StageForm | ContactPersonForm, exc: ValidationError
) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
    else:
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
    form = CustomerForm(
        request.POST if request.method == "POST" else None,
        initial=CustomerForm.initial_for(customer),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                customer=customer, acting_user=_acting_user(request), data=form.to_data()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@login_required
@require_http_methods(["GET", "POST"])
def customer_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, customer_id=pk, perm=REASSIGN)
    form = AssignmentForm(
        request.POST if request.method == "POST" else None,
        owners=owner_choices_for_user(user=request.user),
        teams=team_list_for_user(user=request.user),
        initial={"owner": customer.owner_id, "team": customer.team_id},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_assign_owner(
                customer=customer,
                acting_user=_acting_user(request),
                owner=form.cleaned_data["owner"],
                team=form.cleaned_data["team"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Owner and team updated."))
            if customer_user_may(user=request.user, customer=customer, perm="view_customer"):
                return redirect("customers:detail", pk=customer.pk)
            return redirect("customers:list")
    return render(request, "customers/reassign.html", {"form": form, "customer": customer})


@login_required
@require_POST
def customer_stage(request: HttpRequest, pk: int) -> HttpResponseBase:
    customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid stage."))
    else:
        services.customer_change_stage(
            customer=customer,
            acting_user=_acting_user(request),
            stage=form.cleaned_data["stage"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Stage updated."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def contact_person_add(request: HttpRequest, pk: int) -> HttpResponseBase:
    customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
    form = ContactPersonForm(request.POST)
    if form.is_valid():
        try:
            services.contact_person_add(
                customer=customer, acting_user=_acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Contact person added."))
    else:
        messages.error(request, _("Check the contact person's details."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def contact_person_remove(request: HttpRequest, pk: int, contact_id: int) -> HttpResponseBase:
    customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
    person = get_object_or_404(customer.contacts, pk=contact_id)
    services.contact_person_remove(person=person, acting_user=_acting_user(request))
    messages.success(request, _("Contact person removed."))
    return redirect("customers:detail", pk=customer.pk)


@login_required
@permission_required("customers.export_customer", raise_exception=True)
@require_GET
def customer_export(request: HttpRequest) -> StreamingHttpResponse:
    return customer_csv_response(user=request.user, filters=_filters_from(request))
