"""Forms parse and validate HTTP input; the services decide and write."""

from typing import Any

from django import forms
from django.contrib.auth.models import Permission, User
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import Team
from interactions.imports.fields import KIND_FIELDS
from interactions.imports.models import (
    DateFormat,
    DecimalSeparator,
    ImportJob,
    ImportKind,
    ImportMapping,
)
from interactions.imports.permissions import import_teams_for_user


def possible_owners() -> QuerySet[User]:
    """Users whose role lets them own customers (the service checks the team)."""
    own = Permission.objects.filter(codename="own_customer", content_type__app_label="customers")
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions__in=own) | Q(user_permissions__in=own) | Q(is_superuser=True))
        .distinct()
        .order_by("username")
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (separated by commas, semicolons or tabs; UTF-8 or a Windows code page) "
            "or Excel .xlsx. The first row names the columns."
        ),
    )
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices)
    saved_mapping = forms.ModelChoiceField(
        label=_("Saved mapping"),
        queryset=ImportMapping.objects.all(),
        required=False,
        help_text=_("Reuse the columns, date format and decimal separator of an earlier import."),
    )
    date_format = forms.ChoiceField(label=_("Dates are written"), choices=DateFormat.choices)
    decimal_separator = forms.ChoiceField(
        label=_("Decimal separator"), choices=DecimalSeparator.choices
    )
    create_missing_customers = forms.BooleanField(
        label=_("Create customers for unknown references"),
        required=False,
        help_text=_("Otherwise a row for an unknown customer is an error."),
    )
    team = forms.ModelChoiceField(
        label=_("Team of new customers"), queryset=Team.objects.none(), required=False
    )
    owner = forms.ModelChoiceField(
        label=_("Owner of new customers"), queryset=User.objects.none(), required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        team_field.queryset = import_teams_for_user(user)
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ModelChoiceField)  # noqa: S101 -- declared above
        owner_field.queryset = possible_owners()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        saved = data.get("saved_mapping")
        if saved is not None and saved.kind != data.get("kind"):
            self.add_error("saved_mapping", _("This mapping is for another kind of import."))
        return data


class MappingForm(forms.Form):
    """One select per target field, listing the file's columns."""

    date_format = forms.ChoiceField(label=_("Dates are written"), choices=DateFormat.choices)
    decimal_separator = forms.ChoiceField(
        label=_("Decimal separator"), choices=DecimalSeparator.choices
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        max_length=100,
        required=False,
        help_text=_("Optional; a mapping with this name is replaced."),
    )

    def __init__(self, *args: Any, job: ImportJob, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                **{f"map_{target}": column for target, column in job.mapping.items()},
                "date_format": job.date_format,
                "decimal_separator": job.decimal_separator,
            },
        )
        super().__init__(*args, **kwargs)
        columns = [("", _("— not in the file —")), *((h, h) for h in job.headers)]
        for target in KIND_FIELDS[job.kind]:
            self.fields[f"map_{target.name}"] = forms.ChoiceField(
                label=target.label,
                choices=columns,
                required=False,
                help_text=target.help_text,
            )
            if target.required:
                self.fields[f"map_{target.name}"].widget.attrs["required"] = True
        self.order_fields([f"map_{t.name}" for t in KIND_FIELDS[job.kind]])

    def mapping(self) -> dict[str, str]:
        return {
            name.removeprefix("map_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("map_") and value
        }

    def target_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("map_")]

    def option_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith("map_")]
