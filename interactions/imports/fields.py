"""What each kind of import can fill in (its target fields), and a first guess of which
column of a file goes where, from the column names."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from customers.models import Consent
from interactions.imports.models import ImportKind


@dataclass(frozen=True)
class TargetField:
    name: str
    label: StrOrPromise
    required: bool = False
    synonyms: tuple[str, ...] = ()
    help_text: StrOrPromise = ""


_REF = (
    "customer", "customer ref", "customer reference", "customer id", "customer number",
    "customerid", "customer no", "cust id", "user id", "household key",
)  # fmt: skip
_CUSTOMER_REF = TargetField(
    "customer_ref",
    gettext_lazy("Customer reference"),
    required=True,
    synonyms=(*_REF, "client", "client id", "customer external ref"),
    help_text=gettext_lazy("The customer's external reference."),
)

_CONSENT_HELP = gettext_lazy(
    "yes or no; empty keeps the current answer. Recorded with source “import”."
)


def _consent_label(purpose: StrOrPromise) -> str:
    return _("Consent: %(purpose)s (yes/no)") % {"purpose": purpose}


_consent_label_lazy = lazy(_consent_label, str)  # translated when shown, not at import
_CONSENT_FIELDS = tuple(
    TargetField(
        f"{purpose}_consent",
        _consent_label_lazy(label),
        synonyms=(f"{purpose} consent", f"consent {purpose}"),
        help_text=_CONSENT_HELP,
    )
    for purpose, label in Consent.Purpose.choices
)

KIND_FIELDS: dict[str, tuple[TargetField, ...]] = {
    ImportKind.CUSTOMERS: (
        TargetField(
            "external_ref",
            gettext_lazy("External reference"),
            required=True,
            synonyms=("reference", "ref", "id", "external id", *_REF, "client id", "code"),
        ),
        TargetField("name", gettext_lazy("Name"), required=True, synonyms=("full name",)),
        TargetField("first_name", gettext_lazy("First name"), synonyms=("firstname", "given name")),
        TargetField("kind", gettext_lazy("Kind (person/company)"), synonyms=("type",)),
        TargetField(
            "emails",
            gettext_lazy("Email(s)"),
            synonyms=("email", "e mail", "email address", "mail"),
            help_text=gettext_lazy("Several separated by “;” or “,”; the first is primary."),
        ),
        TargetField(
            "phones",
            gettext_lazy("Phone(s)"),
            synonyms=("phone", "telephone", "tel", "mobile", "phone number"),
            help_text=gettext_lazy("Several separated by “;” or “,”; the first is primary."),
        ),
        TargetField("street", gettext_lazy("Street"), synonyms=("address", "street address")),
        TargetField("city", gettext_lazy("City"), synonyms=("town",)),
        TargetField(
            "postal_code",
            gettext_lazy("Postal code"),
            synonyms=("zip", "zip code", "postcode", "post code"),
        ),
        TargetField("country", gettext_lazy("Country (ISO code)"), synonyms=("country code",)),
        TargetField("language", gettext_lazy("Language"), synonyms=("lang",)),
        TargetField(
            "birthday", gettext_lazy("Birthday"), synonyms=("date of birth", "birth date", "dob")
        ),
        TargetField("tags", gettext_lazy("Tags"), synonyms=("labels", "segments")),
        TargetField("stage", gettext_lazy("Stage"), synonyms=("status", "lifecycle stage")),
        TargetField(
            "time_zone",
            gettext_lazy("Time zone"),
            synonyms=("timezone", "tz", "zone", "iana time zone"),
            help_text=gettext_lazy("An IANA name, e.g. Europe/Vilnius; empty: the country's."),
        ),
        *_CONSENT_FIELDS,
    ),
    ImportKind.ORDERS: (
        TargetField(
            "external_ref",
            gettext_lazy("Order number"),
            required=True,
            synonyms=(
                "order",
                "order no",
                "order id",
                "number",
                "order ref",
                "order number",
                "invoice",
                "invoice no",
                "invoiceno",
                "invoice number",
                "invoice id",
                "transaction id",
                "receipt",
            ),
        ),
        _CUSTOMER_REF,
        TargetField(
            "ordered_on",
            gettext_lazy("Ordered on"),
            required=True,
            synonyms=(
                "date",
                "order date",
                "ordered",
                "invoice date",
                "invoicedate",
                "transaction date",
                "purchase date",
            ),
        ),
        TargetField(
            "amount",
            gettext_lazy("Amount"),
            synonyms=("total", "sum", "value", "revenue", "sales", "order total", "dollar value"),
            help_text=gettext_lazy("With decimals, e.g. 12.50; map this or the amount in cents."),
        ),
        TargetField("amount_cents", gettext_lazy("Amount (cents)"), synonyms=("cents",)),
        TargetField("currency", gettext_lazy("Currency"), synonyms=("ccy",)),
        TargetField("status", gettext_lazy("Status"), synonyms=("state", "order status")),
    ),
    ImportKind.INTERACTIONS: (
        _CUSTOMER_REF,
        TargetField(
            "occurred_at",
            gettext_lazy("When"),
            required=True,
            synonyms=("date", "time", "timestamp", "datetime", "occurred"),
        ),
        TargetField("channel", gettext_lazy("Channel"), required=True, synonyms=("type",)),
        TargetField("direction", gettext_lazy("Direction (in/out)")),
        TargetField("subject", gettext_lazy("Subject"), synonyms=("title", "topic")),
        TargetField(
            "body", gettext_lazy("Notes"), synonyms=("notes", "text", "description", "message")
        ),
        TargetField("duration_seconds", gettext_lazy("Duration (seconds)"), synonyms=("duration",)),
        TargetField(
            "external_id",
            gettext_lazy("External id"),
            synonyms=("id", "interaction id"),
            help_text=gettext_lazy(
                "Recognises rows imported before; without it, customer, time, channel and "
                "subject do."
            ),
        ),
    ),
    ImportKind.COMPLAINTS: (
        TargetField(
            "external_ref",
            gettext_lazy("Complaint reference"),
            required=True,
            synonyms=("ref", "id", "complaint id", "ticket", "ticket id", "case", "reference"),
        ),
        _CUSTOMER_REF,
        TargetField(
            "opened_at",
            gettext_lazy("Opened at"),
            required=True,
            synonyms=("date", "opened", "created", "created at"),
        ),
        TargetField("subject", gettext_lazy("Subject"), required=True, synonyms=("title",)),
        TargetField("category", gettext_lazy("Category"), required=True),
        TargetField("severity", gettext_lazy("Severity"), required=True, synonyms=("priority",)),
        TargetField("channel", gettext_lazy("Channel")),
        TargetField("status", gettext_lazy("Status")),
        TargetField(
            "description", gettext_lazy("Description"), synonyms=("details", "text", "body")
        ),
    ),
}


def _normalised(name: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())


def mapping_guess(kind: str, headers: Sequence[str]) -> dict[str, str]:
    """{target: column} for columns whose names match a target's name, label or synonyms;
    each column is used once, the earlier target first."""
    by_name = {_normalised(h): h for h in reversed(headers)}
    guess: dict[str, str] = {}
    for target in KIND_FIELDS[kind]:
        names = (target.name, str(target.label), *target.synonyms)
        for name in names:
            column = by_name.get(_normalised(name))
            if column is not None and column not in guess.values():
                guess[target.name] = column
                break
    return guess


def mapping_problems(
    kind: str, mapping: Mapping[str, str], headers: Sequence[str]
) -> dict[str, str]:
    """{target: why} for a mapping that cannot run; empty when it can."""
    targets = {t.name: t for t in KIND_FIELDS[kind]}
    problems: dict[str, str] = {}
    for target, column in mapping.items():
        if target not in targets:
            problems[target] = _("There is no field “%(field)s”.") % {"field": target}
        elif column not in headers:
            problems[target] = _("The file has no column “%(column)s”.") % {"column": column}
    for field in targets.values():
        if field.required and not mapping.get(field.name):
            problems[field.name] = _("Choose the column for %(field)s.") % {"field": field.label}
    if kind == ImportKind.ORDERS and bool(mapping.get("amount")) == bool(
        mapping.get("amount_cents")
    ):
        problems["amount"] = _("Choose a column for the amount or for the amount in cents.")
    return problems
