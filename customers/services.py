"""Writes and workflows on customers. Every change is atomic and writes its audit entry."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.accounts.models import Team
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from crm.lib.phones import InvalidPhoneError, normalize_phone
from customers import permissions
from customers.models import ContactPerson, Customer, CustomerEmail, CustomerPhone, StageChange, Tag
from customers.selectors import customer_list_for_user

# Profile fields a user edits directly; owner/team go through customer_assign_owner and
# stage through customer_change_stage, so their side effects cannot be skipped.
PROFILE_FIELDS = (
    "kind",
    "external_ref",
    "name",
    "first_name",
    "street",
    "city",
    "postal_code",
    "country",
    "time_zone",
    "language",
    "birthday",
)


@dataclass
class CustomerData:
    """A customer's editable profile, as validated by a form or serializer."""

    name: str
    kind: str = Customer.Kind.PERSON
    external_ref: str = ""
    first_name: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    time_zone: str = ""  # IANA name; blank: the country's usual zone
    language: str = "en"
    birthday: date | None = None
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def normalize_emails(raw: Sequence[str]) -> list[str]:
    emails: list[str] = []
    for value in raw:
        email = value.strip().lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                {"emails": _("“%(email)s” is not a valid email address.") % {"email": value}}
            ) from exc
        if email not in emails:
            emails.append(email)
    return emails


def normalize_phones(raw: Sequence[str]) -> list[str]:
    phones: list[str] = []
    for value in raw:
        if not value.strip():
            continue
        try:
            phone = normalize_phone(value)
        except InvalidPhoneError as exc:
            raise ValidationError(
                {"phones": _("“%(phone)s” is not a valid phone number.") % {"phone": value}}
            ) from exc
        if phone not in phones:
            phones.append(phone)
    return phones


def _describe_duplicate(*, acting_user: User, customer: Customer) -> str:
    """Name the existing customer only to someone allowed to see it."""
    if customer_list_for_user(user=acting_user).filter(pk=customer.pk).exists():
        return _("“%(name)s” (#%(id)s)") % {"name": customer.name, "id": customer.pk}
    return _("another customer you cannot see")


def _check_duplicates(*, acting_user: User, data: CustomerData, exclude_pk: int | None) -> None:
    exclude_pk = exclude_pk or 0  # 0 is never a primary key
    errors: dict[str, str] = {}
    if data.external_ref:
        clash = (
            Customer.objects.filter(external_ref=data.external_ref).exclude(pk=exclude_pk).first()
        )
        if clash:
            errors["external_ref"] = _("This reference already belongs to %(who)s.") % {
                "who": _describe_duplicate(acting_user=acting_user, customer=clash)
            }
    email_clash = (
        CustomerEmail.objects.filter(email__in=data.emails, is_active=True)
        .exclude(customer_id=exclude_pk)
        .select_related("customer")
        .first()
    )
    if email_clash:
        errors["emails"] = _("%(email)s already belongs to %(who)s.") % {
            "email": email_clash.email,
            "who": _describe_duplicate(acting_user=acting_user, customer=email_clash.customer),
        }
    phone_clash = (
        CustomerPhone.objects.filter(phone__in=data.phones, is_active=True)
        .exclude(customer_id=exclude_pk)
        .select_related("customer")
        .first()
    )
    if phone_clash:
        errors["phones"] = _("%(phone)s already belongs to %(who)s.") % {
            "phone": phone_clash.phone,
            "who": _describe_duplicate(acting_user=acting_user, customer=phone_clash.customer),
        }
    if errors:
        raise ValidationError(errors)


def _set_contacts(*, customer: Customer, emails: list[str], phones: list[str]) -> None:
    is_active = customer.stage != Customer.Stage.FORMER
    customer.emails.all().delete()
    customer.phones.all().delete()
    CustomerEmail.objects.bulk_create(
        CustomerEmail(customer=customer, email=e, is_primary=i == 0, is_active=is_active)
        for i, e in enumerate(emails)
    )
    CustomerPhone.objects.bulk_create(
        CustomerPhone(customer=customer, phone=p, is_primary=i == 0, is_active=is_active)
        for i, p in enumerate(phones)
    )
    customer.primary_email = emails[0] if emails else ""
    customer.primary_phone = phones[0] if phones else ""


def _set_tags(*, customer: Customer, names: list[str]) -> None:
    cleaned = sorted({n.strip() for n in names if n.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=cleaned)}
    missing = [Tag(name=n) for n in cleaned if n not in existing]
    Tag.objects.bulk_create(missing, ignore_conflicts=True)
    customer.tags.set(Tag.objects.filter(name__in=cleaned))


def _snapshot(customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(customer, name) for name in PROFILE_FIELDS}
    values["birthday"] = customer.birthday.isoformat() if customer.birthday else None
    values["emails"] = list(customer.emails.values_list("email", flat=True))
    values["phones"] = list(customer.phones.values_list("phone", flat=True))
    values["tags"] = sorted(customer.tags.values_list("name", flat=True))
    return values


def _clean(*, acting_user: User, data: CustomerData, exclude_pk: int | None) -> CustomerData:
    data.name = data.name.strip()
    if not data.name:
        raise ValidationError({"name": _("A customer needs a name.")})
    data.external_ref = data.external_ref.strip()
    data.country = data.country.strip().upper()
    data.emails = normalize_emails(data.emails)
    data.phones = normalize_phones(data.phones)
    _check_duplicates(acting_user=acting_user, data=data, exclude_pk=exclude_pk)
    return data


def _validate_owner(*, owner: User | None, team: Team | None) -> None:
    if owner is not None and not (owner.is_active and owner.has_perm("customers.own_customer")):
        raise ValidationError({"owner": _("%(user)s may not own customers.") % {"user": owner}})
    if owner is not None and team is not None and not owner.has_perm("customers.view_customer"):
        in_team = (
            team.members_group.user_set.filter(pk=owner.pk).exists() or team.manager_id == owner.pk
        )
        if not in_team:
            raise ValidationError(
                {"owner": _("%(user)s is not in team %(team)s.") % {"user": owner, "team": team}}
            )


@transaction.atomic
def customer_create(
    *,
    acting_user: User,
    data: CustomerData,
    owner: User | None = None,
    team: Team | None = None,
    stage: str = Customer.Stage.LEAD,
) -> Customer:
    """Create a customer with its contacts, grant access to owner and team, audit it."""
    data = _clean(acting_user=acting_user, data=data, exclude_pk=None)
    _validate_owner(owner=owner, team=team)
    customer = Customer(owner=owner, team=team, stage=stage)
    for name in PROFILE_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.full_clean(exclude=["owner", "team", "stage", "tags"], validate_unique=False)
    customer.save()
    _set_contacts(customer=customer, emails=data.emails, phones=data.phones)
    customer.save(update_fields=["primary_email", "primary_phone"])
    _set_tags(customer=customer, names=data.tags)
    StageChange.objects.create(customer=customer, to_stage=stage, changed_by=acting_user)
    if owner is not None:
        permissions.grant_owner(customer_ids=[customer.pk], owner=owner)
    if team is not None:
        permissions.grant_team(customer_ids=[customer.pk], team=team)
    after = {**_snapshot(customer), "owner": str(owner or ""), "team": str(team or "")}
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=customer,
        changes=diff_fields({}, {k: v for k, v in after.items() if v not in (None, "", [])}),
    )
    return customer


@transaction.atomic
def customer_update(*, customer: Customer, acting_user: User, data: CustomerData) -> Customer:
    """Change the profile. The caller got ``customer`` through the door with change rights."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    data = _clean(acting_user=acting_user, data=data, exclude_pk=customer.pk)
    before = _snapshot(customer)
    for name in PROFILE_FIELDS:
        setattr(customer, name, getattr(data, name))
    customer.full_clean(exclude=["owner", "team", "stage", "tags"], validate_unique=False)
    if data.emails != before["emails"] or data.phones != before["phones"]:
        _set_contacts(customer=customer, emails=data.emails, phones=data.phones)
    customer.save()
    _set_tags(customer=customer, names=data.tags)
    changes = diff_fields(before, _snapshot(customer))
    if changes:
        audit_record(
            actor=acting_user, action=AuditEntry.Action.UPDATE, obj=customer, changes=changes
        )
    return customer


@transaction.atomic
def customer_assign_owner(
    *, customer: Customer, acting_user: User, owner: User | None, team: Team | None
) -> Customer:
    """Move a customer to another owner and/or team; object permissions move with it in
    the same transaction, so there is no moment when both or neither hold them."""
    customer = (
        Customer.objects.select_for_update(of=("self",))
        .select_related("owner", "team")
        .get(pk=customer.pk)
    )
    _validate_owner(owner=owner, team=team)
    old_owner, old_team = customer.owner, customer.team
    if old_owner != owner:
        if old_owner is not None:
            permissions.revoke_owner(customer_ids=[customer.pk], owner=old_owner)
        if owner is not None:
            permissions.grant_owner(customer_ids=[customer.pk], owner=owner)
    if old_team != team:
        if old_team is not None:
            permissions.revoke_team(customer_ids=[customer.pk], team=old_team)
        if team is not None:
            permissions.grant_team(customer_ids=[customer.pk], team=team)
    customer.owner, customer.team = owner, team
    customer.save(update_fields=["owner", "team", "updated_at"])
    changes = diff_fields(
        {"owner": str(old_owner or ""), "team": str(old_team or "")},
        {"owner": str(owner or ""), "team": str(team or "")},
    )
    if changes:
        audit_record(
            actor=acting_user, action=AuditEntry.Action.ASSIGN, obj=customer, changes=changes
        )
    return customer


@transaction.atomic
def customer_change_stage(
    *, customer: Customer, acting_user: User | None, stage: str, reason: str = ""
) -> Customer:
    """Record a lifecycle move. Former customers release their email and phone for reuse."""
    if stage not in Customer.Stage.values:
        raise ValidationError({"stage": _("Unknown stage.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    old_stage = customer.stage
    if old_stage == stage:
        return customer
    customer.stage = stage
    customer.stage_changed_at = timezone.now()
    customer.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    is_active = stage != Customer.Stage.FORMER
    customer.emails.update(is_active=is_active)
    customer.phones.update(is_active=is_active)
    StageChange.objects.create(
        customer=customer,
        from_stage=old_stage,
        to_stage=stage,
        changed_by=acting_user,
        reason=reason,
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.STAGE,
        obj=customer,
        changes={
            "stage": {"before": old_stage, "after": stage},
            "reason": {"before": "", "after": reason},
        },
    )
    return customer


@transaction.atomic
def contact_person_add(
    *,
    customer: Customer,
    acting_user: User,
    name: str,
    role: str = "",
    email: str = "",
    phone: str = "",
) -> ContactPerson:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A contact person needs a name.")})
    emails = normalize_emails([email])
    phones = normalize_phones([phone])
    person = ContactPerson.objects.create(
        customer=customer,
        name=name,
        role=role.strip(),
        email=emails[0] if emails else "",
        phone=phones[0] if phones else "",
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"contact_person": {"before": None, "after": str(person)}},
    )
    return person


@transaction.atomic
def contact_person_remove(*, person: ContactPerson, acting_user: User) -> None:
    customer = person.customer
    name = str(person)
    person.delete()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"contact_person": {"before": name, "after": None}},
    )


@transaction.atomic
def customer_absorb_profile(*, survivor: Customer, duplicate: Customer, acting_user: User) -> None:
    """The profile half of a merge: the survivor keeps its own values and gains the
    duplicate's missing ones, emails, phones, tags, contact persons and stage history.
    The duplicate is deleted by the caller once every related record has moved."""
    survivor = Customer.objects.select_for_update(of=("self",)).get(pk=survivor.pk)
    for name in (
        "first_name",
        "external_ref",
        "street",
        "city",
        "postal_code",
        "country",
        "birthday",
    ):
        if not getattr(survivor, name) and getattr(duplicate, name):
            if name == "external_ref":
                Customer.objects.filter(pk=duplicate.pk).update(external_ref="")
            setattr(survivor, name, getattr(duplicate, name))
    emails = [*survivor.emails.values_list("email", flat=True)]
    phones = [*survivor.phones.values_list("phone", flat=True)]
    emails += [e for e in duplicate.emails.values_list("email", flat=True) if e not in emails]
    phones += [p for p in duplicate.phones.values_list("phone", flat=True) if p not in phones]
    duplicate.emails.all().delete()
    duplicate.phones.all().delete()
    _set_contacts(customer=survivor, emails=emails, phones=phones)
    survivor.save()
    survivor.tags.add(*duplicate.tags.all())
    ContactPerson.objects.filter(customer=duplicate).update(customer=survivor)
    StageChange.objects.filter(customer=duplicate).update(customer=survivor)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=survivor,
        changes={
            "merged": {"before": f"{duplicate.name} (#{duplicate.pk})", "after": survivor.name}
        },
    )
