"""The consent panel on the customer page (loaded and posted with htmx, like the risk
panel). It lives in churn because recording an objection to profiling removes the
customer's scores at once (``churn.services.customer_consent_record``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from churn import services
from customers.consent import (
    CHANGE_CONSENT,
    consent_answers,
    consent_customer_get_for_user,
    consent_history,
)
from customers.forms import ConsentForm
from customers.models import Customer


def _panel(
    request: HttpRequest, customer: Customer, form: ConsentForm, *, saved: bool = False
) -> HttpResponse:
    context = {
        "customer": customer,
        "answers": consent_answers(customer=customer),
        "history": consent_history(customer=customer),
        "form": form,
        "may_record": request.user.has_perm(CHANGE_CONSENT),
        "saved": saved,
    }
    return render(request, "customers/_consent.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def consent_panel(request: HttpRequest, pk: int) -> HttpResponseBase:
    """GET: the panel. POST: record one answer and show the panel again (htmx), or go
    back to the customer page (a plain form post)."""
    if request.method != "POST":
        customer = consent_customer_get_for_user(user=request.user, customer_id=pk)
        return _panel(request, customer, ConsentForm())
    customer = consent_customer_get_for_user(user=request.user, customer_id=pk, for_change=True)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _panel(request, customer, form)
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    try:
        services.customer_consent_record(
            customer=customer,
            purpose=form.cleaned_data["purpose"],
            is_granted=form.is_granted,
            source=form.cleaned_data["source"],
            wording_version=form.cleaned_data["wording_version"].strip(),
            acting_user=request.user,
        )
    except ValidationError as exc:
        form.add_error(None, exc)
        return _panel(request, customer, form)
    if not request.headers.get("HX-Request"):
        messages.success(request, _("Consent recorded."))
        return redirect("customers:detail", pk=customer.pk)
    response = _panel(request, customer, ConsentForm(), saved=True)
    response["HX-Trigger"] = "consent-changed"  # the risk panel reloads on it
    return response
