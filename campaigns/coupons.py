"""Coupons: issued in bulk when a campaign's messages are prepared, redeemed once.

Codes come from ``secrets`` over an alphabet without look-alikes (no 0/O, 1/I/L), so a
code read out over the phone is typed right; 10 characters give 31^10 ≈ 8·10^14 codes,
and the unique index turns the rare collision into a retry of the batch, not a duplicate."""

import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, Coupon
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from interactions.models import Order

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
ISSUE_ATTEMPTS = 3  # a collision in a batch of 200,000 is ~1 in 40,000; three tries is plenty


def coupon_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(CODE_LENGTH))


def coupons_issue(*, campaign: Campaign, customer_ids: Iterable[int]) -> dict[int, Coupon]:
    """One new coupon per customer for ``campaign``; returns them by customer id.

    Call inside the transaction that writes the sends the coupons belong to."""
    ids = list(customer_ids)
    if not ids or not campaign.has_coupon:
        return {}
    expires_on = timezone.localdate() + timedelta(days=campaign.coupon_valid_days)
    for attempt in range(ISSUE_ATTEMPTS):
        coupons = [
            Coupon(
                code=coupon_code_new(),
                campaign=campaign,
                customer_id=customer_id,
                value_cents=campaign.coupon_value_cents,
                percent=campaign.coupon_percent,
                expires_on=expires_on,
            )
            for customer_id in ids
        ]
        try:
            with transaction.atomic():
                Coupon.objects.bulk_create(coupons, batch_size=5000)
        except IntegrityError:
            if attempt == ISSUE_ATTEMPTS - 1:
                raise
            continue
        return {coupon.customer_id: coupon for coupon in coupons if coupon.customer_id}
    return {}


def coupon_discount_cents(*, coupon: Coupon, order: Order) -> int:
    """What the coupon takes off this order: a fixed value (at most the order's amount) or
    a percentage of it."""
    if coupon.value_cents is not None:
        return min(coupon.value_cents, order.amount_cents)
    return round(order.amount_cents * (coupon.percent or 0) / 100)


@transaction.atomic
def coupon_redeem(*, code: str, order: Order, acting_user: User | None) -> Coupon:
    """Link the coupon to the order that used it. Refused, changing nothing, when the code
    is unknown, expired, already used, another customer's, or the order has a coupon."""
    code = code.strip().upper()
    coupon = Coupon.objects.select_for_update().filter(code=code).first()
    if coupon is None:
        raise ValidationError({"code": _("No coupon has this code.")})
    if coupon.redeemed_at is not None:
        raise ValidationError({"code": _("This coupon has already been used.")})
    if coupon.expires_on < order.ordered_on:
        raise ValidationError({"code": _("This coupon expired before the order was placed.")})
    if coupon.customer_id is not None and coupon.customer_id != order.customer_id:
        raise ValidationError({"code": _("This coupon belongs to another customer.")})
    if Coupon.objects.filter(order=order).exists():
        raise ValidationError({"order": _("This order already used a coupon.")})
    coupon.redeemed_at = timezone.now()
    coupon.order = order
    coupon.discount_cents = coupon_discount_cents(coupon=coupon, order=order)
    coupon.save(update_fields=["redeemed_at", "order", "discount_cents"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=coupon,
        changes={"redeemed": {"before": None, "after": f"order {order.pk}"}},
    )
    return coupon
