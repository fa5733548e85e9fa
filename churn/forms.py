"""Forms of the alert actions and the scoring pages. Rules live in the services; these
only parse input (the services' ValidationErrors are added back onto the fields)."""

from datetime import timedelta
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from churn.models import Alert, AlertPreference, PlaybookEntry, ScoringSettings
from churn.services.backtest import MAX_BACKTEST_HORIZON_DAYS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"), widget=DATE_INPUT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("until", timezone.localdate() + timedelta(days=7))


class ResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("", _("Outcome…")), *Alert.Outcome.choices]
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(attrs={"placeholder": _("Note (optional)")}),
    )


class AlertPreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label=_("Alert emails"),
        choices=AlertPreference.Delivery.choices,
        widget=forms.RadioSelect,
    )


class BacktestForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), widget=DATE_INPUT)
    horizon_days = forms.IntegerField(
        label=_("Horizon (days)"), min_value=7, max_value=MAX_BACKTEST_HORIZON_DAYS, initial=90
    )


class ScoringSettingsForm(forms.ModelForm[ScoringSettings]):
    class Meta:
        model = ScoringSettings
        fields = [
            "horizon_days",
            "silence_threshold",
            "value_horizon_days",
            "most_valuable_share",
            "complaint_spike_count",
            "alert_cooldown_days",
            "escalation_business_days",
        ]
        widgets = {
            "silence_threshold": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1}),
            "most_valuable_share": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 1}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The table's check constraints, said on the field rather than as a page error.
        for name in ("silence_threshold", "most_valuable_share"):
            field = self.fields[name]
            field.validators.append(MinValueValidator(0.01))
            field.validators.append(MaxValueValidator(0.99))


class ThresholdForm(forms.Form):
    churn_probability = forms.FloatField(
        label=_("Alert at churn probability"),
        min_value=0.01,
        max_value=0.99,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )


class PlaybookForm(forms.Form):
    reaction = forms.ChoiceField(label=_("Reaction"), choices=PlaybookEntry.Reaction.choices)
    instructions = forms.CharField(
        label=_("Instructions"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    due_days = forms.IntegerField(label=_("Due within (days)"), min_value=0, max_value=60)
