"""Consent per purpose: recording an answer, and the vocabulary other apps filter by.

Every answer is written twice, on purpose: ``Consent`` holds the current answer (one row
per customer and purpose, which campaign and scoring queries join cheaply) and
``ConsentChange`` the append-only history that proves when and how it was given."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from customers.models import Consent, ConsentChange, Customer

Purpose = Consent.Purpose
# Marketing needs a "yes"; profiling is allowed until the customer objects.
OPT_IN_PURPOSES = frozenset(
    {Purpose.MARKETING_EMAIL, Purpose.MARKETING_SMS, Purpose.PHONE, Purpose.POST}
)


@transaction.atomic
def consent_record(
    *,
    customer: Customer,
    purpose: str,
    is_granted: bool,
    source: str,
    acting_user: User | None,
    wording_version: str = "",
    recorded_at: datetime | None = None,
) -> Consent:
    """Record the customer's answer for ``purpose``; it takes effect at once."""
    recorded_at = recorded_at or timezone.now()
    fields = {
        "is_granted": is_granted,
        "source": source,
        "wording_version": wording_version,
        "recorded_at": recorded_at,
        "recorded_by": acting_user,
    }
    previous = Consent.objects.filter(customer=customer, purpose=purpose).first()
    consent, _created = Consent.objects.update_or_create(
        customer=customer, purpose=purpose, defaults=fields
    )
    ConsentChange.objects.create(customer=customer, purpose=purpose, **fields)
    before = None if previous is None else previous.is_granted
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes=diff_fields({f"consent_{purpose}": before}, {f"consent_{purpose}": is_granted}),
    )
    return consent


def consent_bulk_grant(
    *,
    customer_ids: Iterable[int],
    purposes: Iterable[str],
    source: str,
    wording_version: str = "",
    recorded_at: datetime | None = None,
) -> int:
    """Grant ``purposes`` to many customers at once (imports, demo data). Customers who
    already answered for a purpose keep their answer. Returns the number of new grants."""
    recorded_at = recorded_at or timezone.now()
    ids = list(customer_ids)
    rows = [
        {
            "customer_id": customer_id,
            "purpose": purpose,
            "is_granted": True,
            "source": source,
            "wording_version": wording_version,
            "recorded_at": recorded_at,
        }
        for purpose in purposes
        for customer_id in ids
    ]
    with transaction.atomic():
        made = Consent.objects.bulk_create(
            [Consent(**row) for row in rows], ignore_conflicts=True, batch_size=5000
        )
        ConsentChange.objects.bulk_create([ConsentChange(**row) for row in rows], batch_size=5000)
    return len(made)


def consent_allows(purpose: str) -> Q:
    """A filter on Customer: those whose answers allow ``purpose`` now."""
    answers = Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose)
    if purpose in OPT_IN_PURPOSES:
        return Q(Exists(answers.filter(is_granted=True)))
    return ~Q(Exists(answers.filter(is_granted=False)))


def consent_state(*, customer: Customer) -> dict[str, Consent | None]:
    """Each purpose with the customer's current answer (None: never asked)."""
    answers = {c.purpose: c for c in customer.consents.all()}
    return {purpose: answers.get(purpose) for purpose in Purpose.values}
