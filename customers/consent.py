"""Consent per purpose: recording an answer, and the vocabulary other apps filter by.

Every answer is written twice, on purpose: ``Consent`` holds the current answer (one row
per customer and purpose, which campaign and scoring queries join cheaply) and
``ConsentChange`` the append-only history that proves when and how it was given."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from customers.models import Consent, ConsentChange, Customer
from customers.selectors import AnyUser, customer_get_for_user

Purpose = Consent.Purpose
# Marketing needs a "yes"; profiling is allowed until the customer objects.
OPT_IN_PURPOSES = frozenset(
    {Purpose.MARKETING_EMAIL, Purpose.MARKETING_SMS, Purpose.PHONE, Purpose.POST}
)
VIEW_CONSENT = "customers.view_consent"
CHANGE_CONSENT = "customers.change_consent"
CONSENT_HISTORY_ROWS = 200  # a customer's page shows this many answers, newest first


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
    """A filter on Customer: those whose answers allow ``purpose`` now, and whose
    processing is not restricted."""
    answers = Consent.objects.filter(customer=OuterRef("pk"), purpose=purpose)
    # A restriction of processing (GDPR art. 18) suspends every purpose while it stands.
    unrestricted = Q(processing_restricted_at__isnull=True)
    if purpose in OPT_IN_PURPOSES:
        return unrestricted & Q(Exists(answers.filter(is_granted=True)))
    return unrestricted & ~Q(Exists(answers.filter(is_granted=False)))


def consent_state(*, customer: Customer) -> dict[str, Consent | None]:
    """Each purpose with the customer's current answer (None: never asked)."""
    answers = {c.purpose: c for c in customer.consents.all()}
    return {purpose: answers.get(purpose) for purpose in Purpose.values}


def consent_bulk_record(
    *,
    answers: Mapping[int, Mapping[str, bool]],
    source: str,
    acting_user: User | None,
    wording_version: str = "",
    recorded_at: datetime | None = None,
) -> int:
    """Record {customer id: {purpose: granted?}} at once (imports): an answer equal to the
    customer's current one is left alone, so importing a file twice adds no history.
    Set-based: one read of the current answers, one upsert, one history insert. Call
    inside the caller's transaction. Returns the number of answers recorded."""
    recorded_at = recorded_at or timezone.now()
    ids = list(answers)
    current = {
        (customer_id, purpose): is_granted
        for customer_id, purpose, is_granted in Consent.objects.filter(
            customer_id__in=ids
        ).values_list("customer_id", "purpose", "is_granted")
    }
    rows = [
        {
            "customer_id": customer_id,
            "purpose": purpose,
            "is_granted": is_granted,
            "source": source,
            "wording_version": wording_version,
            "recorded_at": recorded_at,
            "recorded_by": acting_user,
        }
        for customer_id, given in answers.items()
        for purpose, is_granted in given.items()
        if current.get((customer_id, purpose)) != is_granted
    ]
    if not rows:
        return 0
    with transaction.atomic(savepoint=False):
        Consent.objects.bulk_create(
            [Consent(**row) for row in rows],
            update_conflicts=True,
            unique_fields=["customer", "purpose"],
            update_fields=["is_granted", "source", "wording_version", "recorded_at", "recorded_by"],
            batch_size=5000,
        )
        ConsentChange.objects.bulk_create([ConsentChange(**row) for row in rows], batch_size=5000)
    return len(rows)


# --- reads for the customer page and the API ----------------------------------------------


def consent_customer_get_for_user(
    *, user: AnyUser, customer_id: int, for_change: bool = False
) -> Customer:
    """The customer door, plus the role's consent capability: a stranger gets 404, a user
    who sees the customer but may not see (or record) consent 403. Support records
    consent on their team's customers: seeing the customer is enough."""
    customer = customer_get_for_user(user=user, customer_id=customer_id)
    perm = CHANGE_CONSENT if for_change else VIEW_CONSENT
    if not (isinstance(user, User) and user.has_perm(perm)):
        raise PermissionDenied("You may not see or record this customer's consent.")
    return customer


@dataclass(frozen=True)
class ConsentAnswer:
    """One purpose on the customer page: the current answer, or none yet."""

    purpose: str
    label: str
    consent: Consent | None

    @property
    def is_opt_in(self) -> bool:
        return self.purpose in OPT_IN_PURPOSES

    @property
    def state(self) -> str:
        """granted, refused, never_asked (opt-in, no answer) or allowed (profiling, no
        objection)."""
        if self.consent is not None:
            return "granted" if self.consent.is_granted else "refused"
        return "never_asked" if self.is_opt_in else "allowed"

    @property
    def is_allowed(self) -> bool:
        return self.state in ("granted", "allowed")


def consent_answers(*, customer: Customer) -> list[ConsentAnswer]:
    """Every purpose with its current answer, in the order of ``Consent.Purpose``."""
    found = {
        c.purpose: c
        for c in Consent.objects.filter(customer=customer).select_related("recorded_by")
    }
    return [
        ConsentAnswer(purpose=value, label=str(label), consent=found.get(value))
        for value, label in Purpose.choices
    ]


def consent_history(
    *, customer: Customer, limit: int = CONSENT_HISTORY_ROWS
) -> list[ConsentChange]:
    """The customer's answers, newest first."""
    qs = ConsentChange.objects.filter(customer=customer).select_related("recorded_by")
    return list(qs.order_by("-recorded_at", "-id")[:limit])


def profiling_objection(*, customer: Customer) -> Consent | None:
    """The customer's objection to profiling, if they object now."""
    return Consent.objects.filter(
        customer=customer, purpose=Purpose.PROFILING, is_granted=False
    ).first()
