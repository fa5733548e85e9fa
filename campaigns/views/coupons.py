"""Coupons: the list (who got which code, whether and on which order it was used), and
recording a customer's order that used a coupon, on the customer's behalf.

Listed with campaigns.view_coupon, only coupons of customers the user may see. Recording
needs campaigns.change_coupon and the right to add to the customer's history (the
history-write door: Sales for their own customers, managers for their teams')."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from campaigns import services
from campaigns.forms import COUPON_ORDER_ALIASES, CouponOrderForm, errors_onto
from campaigns.selectors import (
    REDEEM_COUPON,
    VIEW_COUPON,
    campaign_choices_for_coupons,
    coupon_page_for_user,
)
from crm.lib.keyset import InvalidCursorError
from customers.models import Customer
from customers.selectors import CustomerFilters, customer_filtered_for_user
from interactions.permissions import customer_get_for_history_write

CUSTOMER_MATCHES = 10  # customers offered by the order form's search


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
@permission_required(VIEW_COUPON, raise_exception=True)
@require_GET
def coupon_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    campaign_id = _int_or_none(request.GET.get("campaign"))
    customer_id = _int_or_none(request.GET.get("customer"))
    try:
        page = coupon_page_for_user(
            user=user,
            cursor=request.GET.get("cursor") or None,
            campaign_id=campaign_id,
            customer_id=customer_id,
        )
    except InvalidCursorError:
        return redirect("campaigns:coupon-list")
    context = {
        "coupons": page.rows,
        "next_cursor": page.next_cursor,
        "campaigns": campaign_choices_for_coupons(user=user),
        "campaign_id": campaign_id,
        "customer_id": customer_id,
        "may_redeem": user.has_perm(REDEEM_COUPON),
    }
    return render(request, "campaigns/coupon_list.html", context)


def _customer_matches(user: User, text: str) -> list[Customer]:
    if not text:
        return []
    qs = customer_filtered_for_user(user=user, filters=CustomerFilters(search=text))
    return list(qs.order_by("name", "id")[:CUSTOMER_MATCHES])


@login_required
@permission_required(REDEEM_COUPON, raise_exception=True)
@require_http_methods(["GET", "POST"])
def coupon_order(request: HttpRequest) -> HttpResponse:
    """Step one: find the customer (``?q=``); step two (``?customer=<id>``): the order."""
    user = _acting_user(request)
    customer_id = _int_or_none(request.GET.get("customer") or request.POST.get("customer"))
    context: dict[str, Any] = {"q": request.GET.get("q", "").strip()}
    if customer_id is None:
        context["matches"] = _customer_matches(user, context["q"])
        return render(request, "campaigns/coupon_order.html", context)
    customer = customer_get_for_history_write(user=user, customer_id=customer_id)
    data = request.POST if request.method == "POST" else None
    form = CouponOrderForm(data, initial={"code": request.GET.get("code", "")})
    if data is not None and form.is_valid():
        try:
            coupon = services.coupon_order_record(
                customer=customer,
                acting_user=user,
                code=form.cleaned_data["code"],
                ordered_on=form.cleaned_data["ordered_on"],
                amount_cents=form.amount_cents(),
                currency=form.cleaned_data["currency"],
            )
        except ValidationError as exc:
            errors_onto(form, exc, COUPON_ORDER_ALIASES)
        else:
            messages.success(
                request,
                _("Order recorded for %(name)s with coupon %(code)s.")
                % {"name": customer.name, "code": coupon.code},
            )
            return redirect(f"{reverse('campaigns:coupon-list')}?customer={customer.pk}")
    context.update({"customer": customer, "form": form})
    return render(request, "campaigns/coupon_order.html", context)
