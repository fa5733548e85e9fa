from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.audit.models import AccessLogEntry
from crm.privacy.models import Action, DataSubjectRequest, RetentionPolicy, StartEvent
from crm.privacy.retention import RULES


class RetentionPolicyForm(forms.Form):
    """One category's row of the policy table; the choices are the category's own."""

    period_days = forms.IntegerField(label=_("Keep for (days)"), min_value=1, max_value=36500)
    start_event = forms.ChoiceField(label=_("Counted from"))
    action = forms.ChoiceField(label=_("Then"))
    is_active = forms.BooleanField(label=_("Enforced"), required=False)

    def __init__(self, *args: Any, policy: RetentionPolicy, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", policy.category)
        kwargs.setdefault(
            "initial",
            {
                "period_days": policy.period_days,
                "start_event": policy.start_event,
                "action": policy.action,
                "is_active": policy.is_active,
            },
        )
        super().__init__(*args, **kwargs)
        rule = RULES[policy.category]
        self.policy = policy
        start_field = self.fields["start_event"]
        action_field = self.fields["action"]
        assert isinstance(start_field, forms.ChoiceField)  # noqa: S101 -- declared above
        assert isinstance(action_field, forms.ChoiceField)  # noqa: S101 -- declared above
        start_field.choices = [(v, StartEvent(v).label) for v in rule.start_events]
        action_field.choices = [(v, Action(v).label) for v in rule.actions]


class AccessLogFilterForm(forms.Form):
    username = forms.CharField(label=_("User"), required=False, max_length=150)
    customer_id = forms.IntegerField(label=_("Customer number"), required=False, min_value=1)
    action = forms.ChoiceField(
        label=_("Access"),
        required=False,
        choices=[("", _("Any")), *AccessLogEntry.Action.choices],
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput({"type": "date"})
    )
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput({"type": "date"}))


class DataSubjectRequestForm(forms.Form):
    customer_id = forms.IntegerField(label=_("Customer number"), min_value=1)
    kind = forms.ChoiceField(label=_("Request"), choices=DataSubjectRequest.Kind.choices)
    received_on = forms.DateField(
        label=_("Received on"), required=False, widget=forms.DateInput({"type": "date"})
    )
    details = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea({"rows": 3}), max_length=2000
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
