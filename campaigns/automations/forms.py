"""The automation form: the campaign form's fields plus the rule (trigger, delay), with the
segment optional. It parses input only; rules live in campaigns.automations.services."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from campaigns.automations.services import MAX_DELAY_DAYS
from campaigns.forms import CampaignForm
from campaigns.models import Automation, Campaign

FIELD_ORDER = [
    "name",
    "trigger",
    "delay_days",
    "channel",
    "segment",
    "template",
    "goal",
    "control_percent",
    "attribution_days",
    "coupon_kind",
    "coupon_amount",
    "coupon_valid_days",
]


class AutomationForm(CampaignForm):
    trigger = forms.ChoiceField(label=_("When"), choices=Automation.Trigger.choices)
    delay_days = forms.IntegerField(
        label=_("Delay (days)"),
        min_value=0,
        max_value=MAX_DELAY_DAYS,
        initial=0,
        help_text=_("Days after the event; 0 sends at the next hourly run."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(FIELD_ORDER)
        segment = self.fields["segment"]
        segment.required = False
        assert isinstance(segment, forms.ModelChoiceField)  # noqa: S101 -- declared so
        segment.empty_label = _("Every customer the creator may see")
        goal = self.fields["goal"]
        assert isinstance(goal, forms.ChoiceField)  # noqa: S101 -- declared so
        goal.required = False
        goal.choices = [("", _("Following the trigger")), *Campaign.Goal.choices]
        segment.help_text = _(
            "Only its members get the message; a customer who joins it later is included "
            "from the next run."
        )

    def automation_fields(self) -> dict[str, Any]:
        """Keyword arguments of automation_create / automation_update."""
        data = self.campaign_data()
        return {
            "name": data.name,
            "trigger": self.cleaned_data["trigger"],
            "delay_days": self.cleaned_data["delay_days"],
            "channel": data.channel,
            "segment": data.segment,
            "template": data.template,
            "goal": self.cleaned_data.get("goal") or None,
            "control_percent": data.control_percent,
            "attribution_days": data.attribution_days,
            "coupon_value_cents": data.coupon_value_cents,
            "coupon_percent": data.coupon_percent,
            "coupon_valid_days": data.coupon_valid_days,
        }

    @classmethod
    def initial_of_automation(cls, automation: Automation) -> dict[str, Any]:
        return {
            **cls.initial_of(automation.campaign),
            "trigger": automation.trigger,
            "delay_days": automation.delay_days,
        }
