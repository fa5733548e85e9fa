from typing import Any

from django import forms
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from interactions.models import Channel, Complaint, Interaction
from interactions.services import COMPLAINT_TRANSITIONS

QUICK_CHANNELS = [
    (c.value, c.label)
    for c in (
        Channel.CALL,
        Channel.NOTE,
        Channel.MEETING,
        Channel.EMAIL,
        Channel.CHAT,
        Channel.SMS,
        Channel.SOCIAL,
    )
]


class QuickLogForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=QUICK_CHANNELS)
    direction = forms.ChoiceField(
        label=_("Direction"),
        choices=Interaction.Direction.choices,
        initial=Interaction.Direction.OUTBOUND,
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for now."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Notes or minutes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes)"), min_value=0, max_value=24 * 60, required=False
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("subject") and not data.get("body"):
            raise forms.ValidationError(_("Write a subject or notes."))
        return data


class ComplaintOpenForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Complaint.Severity.choices, initial=Complaint.Severity.MEDIUM
    )
    channel = forms.ChoiceField(
        label=_("Received via"), choices=Channel.choices, initial=Channel.CALL
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ComplaintRespondForm(forms.Form):
    body = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 4}))
    channel = forms.ChoiceField(label=_("Sent via"), choices=QUICK_CHANNELS, initial=Channel.EMAIL)


class ComplaintStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=Complaint.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        """Offer only the statuses that may follow ``current``."""
        super().__init__(*args, **kwargs)
        allowed = COMPLAINT_TRANSITIONS.get(current, set())
        status_field = self.fields["status"]
        assert isinstance(status_field, forms.ChoiceField)  # noqa: S101
        status_field.choices = [(v, label) for v, label in Complaint.Status.choices if v in allowed]


class ComplaintAssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assignee"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )


class ServiceLevelForm(forms.Form):
    severity = forms.ChoiceField(choices=Complaint.Severity.choices, widget=forms.HiddenInput)
    first_response_hours = forms.IntegerField(
        label=_("First response within (hours)"), min_value=1, max_value=24 * 90
    )
    resolution_hours = forms.IntegerField(
        label=_("Resolution within (hours)"), min_value=1, max_value=24 * 365
    )
