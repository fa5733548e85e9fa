"""Forms parse and validate HTTP input; the services decide and write."""

from functools import cache
from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team
from customers.models import Consent, ContactPerson, Customer
from customers.services import CustomerData


@cache
def _zone_names() -> list[str]:
    return sorted(available_timezones())


def _zone_choices() -> list[tuple[str, str]]:
    """The IANA zones, after a blank choice that means "the country's usual zone"."""
    return [("", str(_("From the country"))), *((z, z) for z in _zone_names())]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.replace(",", "\n").splitlines() if line.strip()]


class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    external_ref = forms.CharField(label=_("External reference"), max_length=64, required=False)
    emails = forms.CharField(
        label=_("Emails"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line; the first is the primary address."),
    )
    phones = forms.CharField(
        label=_("Phones"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line, with country code; the first is the primary number."),
    )
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        min_length=2,
        required=False,
        help_text=_("ISO code, e.g. LT"),
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_zone_choices,
        required=False,
        help_text=_("Leave it to follow the country's usual zone."),
    )
    language = forms.ChoiceField(label=_("Preferred language"), choices=settings.LANGUAGES)
    birthday = forms.DateField(
        label=_("Birthday"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))

    @classmethod
    def initial_for(cls, customer: Customer) -> dict[str, Any]:
        return {
            "kind": customer.kind,
            "name": customer.name,
            "first_name": customer.first_name,
            "external_ref": customer.external_ref,
            "emails": "\n".join(e.email for e in customer.emails.all()),
            "phones": "\n".join(p.phone for p in customer.phones.all()),
            "street": customer.street,
            "city": customer.city,
            "postal_code": customer.postal_code,
            "country": customer.country,
            "time_zone": customer.time_zone,
            "language": customer.language,
            "birthday": customer.birthday,
            "tags": ", ".join(t.name for t in customer.tags.all()),
        }

    def to_data(self) -> CustomerData:
        d = self.cleaned_data
        return CustomerData(
            kind=d["kind"],
            name=d["name"],
            first_name=d["first_name"],
            external_ref=d["external_ref"],
            emails=_lines(d["emails"]),
            phones=_lines(d["phones"]),
            street=d["street"],
            city=d["city"],
            postal_code=d["postal_code"],
            country=d["country"],
            time_zone=d["time_zone"],
            language=d["language"],
            birthday=d["birthday"],
            tags=[t.strip() for t in d["tags"].split(",") if t.strip()],
        )


class AssignmentForm(forms.Form):
    """Owner and team; choices limited to what the acting user works with."""

    def __init__(self, *args: Any, owners: list[User], teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = forms.ModelChoiceField(
            label=_("Owner"),
            queryset=User.objects.filter(pk__in=[u.pk for u in owners]).order_by("username"),
            required=False,
        )
        self.fields["team"] = forms.ModelChoiceField(
            label=_("Team"),
            queryset=Team.objects.filter(pk__in=[t.pk for t in teams]),
            required=False,
        )


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=Customer.Stage.choices)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ContactPersonForm(forms.ModelForm[ContactPerson]):
    class Meta:
        model = ContactPerson
        fields = ["name", "role", "email", "phone"]


class ConsentForm(forms.Form):
    """One answer of the customer's, as staff record it on the customer page."""

    STAFF_SOURCES = (Consent.Source.FORM, Consent.Source.WEB)

    purpose = forms.ChoiceField(label=_("Purpose"), choices=Consent.Purpose.choices)
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[("granted", _("Granted")), ("withdrawn", _("Refused or withdrawn"))],
    )
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(s.value, s.label) for s in STAFF_SOURCES],
        initial=Consent.Source.FORM,
    )
    wording_version = forms.CharField(
        label=_("Wording version"),
        max_length=40,
        required=False,
        help_text=_("Which text the customer agreed to, e.g. “2026-01”."),
    )

    @property
    def is_granted(self) -> bool:
        return bool(self.cleaned_data["answer"] == "granted")
