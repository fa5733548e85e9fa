"""Importing customers, keyed by their external reference: new references become
customers, known ones are updated when a mapped field differs, and skipped when not.

Each row goes through the customers' own rules (``normalize_emails``/``normalize_phones``
and the model's ``full_clean``, as ``customer_create`` and ``customer_update`` apply
them); emails and phones must be unique among the file's rows and among other active
customers. Unmapped fields keep their values. One engine serves SQLite and PostgreSQL:
the file is read twice, to check and then (only when clean) to write in one transaction.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.consent import CHANGE_CONSENT, consent_bulk_record
from customers.models import Consent, Customer, CustomerEmail, CustomerPhone, StageChange, Tag
from interactions.imports.context import RunContext, RunProgress
from interactions.imports.converters import CONSENT_TARGETS
from interactions.imports.newcustomers import BATCH_SIZE, STAGE_CHANGE_REASON, customers_insert
from interactions.imports.reading import file_rows
from interactions.imports.report import ErrorLog, Report, RowError
from interactions.imports.rows import PROGRESS_EVERY_ROWS, parse_row

PROFILE = (
    *("kind", "name", "first_name", "street", "city", "postal_code", "country"),
    *("language", "birthday", "time_zone"),
)
# Fields that are not columns of Customer: contacts, tags, and consent answers.
MANY = ("emails", "phones", "tags", *CONSENT_TARGETS)


@dataclass
class CustomerRecord:
    row: int
    fields: dict[str, Any]  # the mapped targets' values

    @property
    def ref(self) -> str:
        return str(self.fields["external_ref"])


def _snapshot(customer: Customer) -> dict[str, Any]:
    values = {name: getattr(customer, name) for name in PROFILE}
    values["stage"] = customer.stage
    values["emails"] = [e.email for e in customer.emails.all()]
    values["phones"] = [p.phone for p in customer.phones.all()]
    values["tags"] = sorted(t.name for t in customer.tags.all())
    answers = {c.purpose: c.is_granted for c in customer.consents.all()}
    for target, purpose in CONSENT_TARGETS.items():
        values[target] = answers.get(purpose)
    return values


def _changes(record: CustomerRecord, customer: Customer) -> dict[str, Any]:
    """The mapped fields whose value differs from the customer's (an empty consent cell,
    None, is no answer and so no change)."""
    before = _snapshot(customer)
    return {
        name: value
        for name, value in record.fields.items()
        if name != "external_ref"
        and before[name] != value
        and not (value is None and name in CONSENT_TARGETS)
    }


def _consent_answers(fields: dict[str, Any]) -> dict[str, bool]:
    """{purpose: granted?} of a row's filled consent cells."""
    return {
        purpose: fields[target]
        for target, purpose in CONSENT_TARGETS.items()
        if fields.get(target) is not None
    }


def _existing(refs: set[str]) -> dict[str, Customer]:
    contacts = (
        Prefetch("emails", CustomerEmail.objects.order_by("-is_primary", "id")),
        Prefetch("phones", CustomerPhone.objects.order_by("-is_primary", "id")),
        "tags",
        "consents",
    )
    customers = Customer.objects.filter(external_ref__in=refs).prefetch_related(*contacts)
    return {c.external_ref: c for c in customers}


@dataclass
class CustomerImport:
    ctx: RunContext
    first_rows: dict[str, int] = field(default_factory=dict)
    consent_columns: list[str] = field(default_factory=list)
    email_rows: dict[str, int] = field(default_factory=dict)
    phone_rows: dict[str, int] = field(default_factory=dict)

    def _records(
        self, errors: ErrorLog, progress: RunProgress, report: Report
    ) -> Iterator[CustomerRecord]:
        count = 0
        for row in file_rows(self.ctx.path, self.ctx.info):
            count += 1
            if count % PROGRESS_EVERY_ROWS == 0:
                progress.seen(count)
            fields = parse_row(row, self.ctx.columns, errors)
            if fields is not None and self._clean(row.number, fields, errors):
                yield CustomerRecord(row.number, fields)
        report.rows = count
        progress.seen(count)

    def _clean(self, row: int, fields: dict[str, Any], errors: ErrorLog) -> bool:
        """The model's own validation of the mapped profile fields."""
        customer = Customer(**{k: v for k, v in fields.items() if k not in MANY})
        unmapped = [f.name for f in Customer._meta.fields if f.name not in fields]
        try:
            customer.clean_fields(exclude=unmapped)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = self.ctx.source(name) or self.ctx.source("name")
                errors.add("parse", RowError(row, column, " ".join(messages)))
            return False
        return True

    def _may_record_consent(self) -> bool:
        user = self.ctx.acting_user
        return user is None or user.has_perm(CHANGE_CONSENT)

    def check(self, report: Report, progress: RunProgress) -> None:
        errors = report.errors
        self.consent_columns = [self.ctx.source(t) for t in CONSENT_TARGETS if self.ctx.source(t)]
        rows = self._records(errors, progress, report)
        while batch := list(islice(rows, BATCH_SIZE)):
            existing = _existing({r.ref for r in batch})
            writable = set(
                self.ctx.writable_customers()
                .filter(pk__in=[c.pk for c in existing.values()])
                .values_list("pk", flat=True)
            )
            taken = self._taken_contacts(batch)
            for record in batch:
                problems = self._row_problems(record, existing, writable, taken)
                for column, message in problems:
                    errors.add("parse", RowError(record.row, column, message))
                if not problems:
                    self._count(record, existing.get(record.ref), report)
            progress.flush()

    def _taken_contacts(self, batch: list[CustomerRecord]) -> dict[str, str]:
        """{email or phone: reference of the active customer holding it}."""
        emails = {e for r in batch for e in r.fields.get("emails", [])}
        phones = {p for r in batch for p in r.fields.get("phones", [])}
        taken = dict(
            CustomerEmail.objects.filter(email__in=emails, is_active=True).values_list(
                "email", "customer__external_ref"
            )
        )
        taken.update(
            CustomerPhone.objects.filter(phone__in=phones, is_active=True).values_list(
                "phone", "customer__external_ref"
            )
        )
        return taken

    def _row_problems(
        self,
        record: CustomerRecord,
        existing: dict[str, Customer],
        writable: set[int],
        taken: dict[str, str],
    ) -> list[tuple[str, str]]:
        ref_column = self.ctx.source("external_ref")
        problems: list[tuple[str, str]] = []
        first = self.first_rows.setdefault(record.ref, record.row)
        if first != record.row:
            message = _("Reference “%(ref)s” is also on row %(first)s.")
            problems.append((ref_column, message % {"ref": record.ref, "first": first}))
        customer = existing.get(record.ref)
        if customer is not None and customer.pk not in writable:
            message = _("Customer “%(ref)s” exists and you may not change it.")
            problems.append((ref_column, message % {"ref": record.ref}))
        for target, seen in (("emails", self.email_rows), ("phones", self.phone_rows)):
            for value in record.fields.get(target, []):
                problem = self._contact_problem(value, record, seen, taken)
                if problem:
                    problems.append((self.ctx.source(target), problem))
        if _consent_answers(record.fields) and not self._may_record_consent():
            message = _("You may not record customers' consent.")
            problems.extend((column, message) for column in self.consent_columns)
        return problems

    def _contact_problem(
        self, value: str, record: CustomerRecord, seen: dict[str, int], taken: dict[str, str]
    ) -> str:
        first = seen.setdefault(value, record.row)
        if first != record.row:
            return _("%(value)s is also on row %(first)s.") % {"value": value, "first": first}
        holder = taken.get(value)
        if holder is not None and holder != record.ref:
            return _("%(value)s already belongs to another customer.") % {"value": value}
        return ""

    def _count(self, record: CustomerRecord, customer: Customer | None, report: Report) -> None:
        if customer is None:
            report.new += 1
        elif _changes(record, customer):
            report.updated += 1
        else:
            report.unchanged += 1

    # --- writing ----------------------------------------------------------------------------

    def write(self, report: Report, progress: RunProgress) -> int:
        """Create and update. Call inside the job's write transaction after a clean check."""
        written = 0
        rows = self._records(ErrorLog(), progress, Report())
        while batch := list(islice(rows, BATCH_SIZE)):
            existing = _existing({r.ref for r in batch})
            new = [r for r in batch if r.ref not in existing]
            written += self._create(new)
            for record in batch:
                customer = existing.get(record.ref)
                if customer is not None:
                    written += self._update(record, customer)
            self._consents_write(batch)
        return written

    def _consents_write(self, batch: list[CustomerRecord]) -> None:
        """The batch's consent answers, set-based; unchanged answers add no history."""
        answers = {r.ref: _consent_answers(r.fields) for r in batch}
        answers = {ref: given for ref, given in answers.items() if given}
        if not answers:
            return
        ids = dict(
            Customer.objects.filter(external_ref__in=list(answers)).values_list(
                "external_ref", "pk"
            )
        )
        consent_bulk_record(
            answers={ids[ref]: given for ref, given in answers.items()},
            source=Consent.Source.IMPORT,
            acting_user=self.ctx.acting_user,
        )

    def _create(self, records: list[CustomerRecord]) -> int:
        customers = []
        for record in records:
            customer = Customer(owner=self.ctx.owner, team=self.ctx.team, external_ref=record.ref)
            for name in (*PROFILE, "stage"):
                if name in record.fields:
                    setattr(customer, name, record.fields[name])
            customer.primary_email = next(iter(record.fields.get("emails", [])), "")
            customer.primary_phone = next(iter(record.fields.get("phones", [])), "")
            customers.append(customer)
        customers_insert(ctx=self.ctx, customers=customers)
        pairs = list(zip(customers, (r.fields for r in records), strict=True))
        _contacts_add(pairs)
        _tags_add({c.pk: f["tags"] for c, f in pairs if f.get("tags")})
        return len(customers)

    def _update(self, record: CustomerRecord, customer: Customer) -> int:
        changes = _changes(record, customer)
        if not changes:
            return 0
        for name in PROFILE:
            if name in changes:
                setattr(customer, name, changes[name])
        old_stage = customer.stage
        if "stage" in changes:
            customer.stage, customer.stage_changed_at = changes["stage"], timezone.now()
        if "emails" in changes or "phones" in changes:
            merged = {**_snapshot(customer), **changes}
            customer.emails.all().delete()
            customer.phones.all().delete()
            _contacts_add([(customer, merged)])
            customer.primary_email = next(iter(merged["emails"]), "")
            customer.primary_phone = next(iter(merged["phones"]), "")
        elif "stage" in changes:
            is_active = customer.stage != Customer.Stage.FORMER
            customer.emails.update(is_active=is_active)
            customer.phones.update(is_active=is_active)
        customer.save()
        if "stage" in changes:
            StageChange.objects.create(
                customer=customer,
                from_stage=old_stage,
                to_stage=customer.stage,
                changed_by=self.ctx.acting_user,
                reason=STAGE_CHANGE_REASON,
            )
        if "tags" in changes:
            customer.tags.clear()
            _tags_add({customer.pk: changes["tags"]})
        return 1

    def close(self) -> None:
        self.first_rows.clear()


def _contacts_add(pairs: list[tuple[Customer, dict[str, Any]]]) -> None:
    """Emails and phones of (customer, fields) pairs; the first of each is primary. A
    former customer's are inactive, so others may reuse them."""
    CustomerEmail.objects.bulk_create(
        CustomerEmail(
            customer=c, email=e, is_primary=i == 0, is_active=c.stage != Customer.Stage.FORMER
        )
        for c, fields in pairs
        for i, e in enumerate(fields.get("emails", []))
    )
    CustomerPhone.objects.bulk_create(
        CustomerPhone(
            customer=c, phone=p, is_primary=i == 0, is_active=c.stage != Customer.Stage.FORMER
        )
        for c, fields in pairs
        for i, p in enumerate(fields.get("phones", []))
    )


def _tags_add(tags_by_customer: dict[int, list[str]]) -> None:
    names = {name for names in tags_by_customer.values() for name in names}
    if not names:
        return
    Tag.objects.bulk_create([Tag(name=n) for n in sorted(names)], ignore_conflicts=True)
    ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    through = Customer.tags.through
    through.objects.bulk_create(
        through(customer_id=customer_id, tag_id=ids[name])
        for customer_id, names_of in tags_by_customer.items()
        for name in names_of
    )
