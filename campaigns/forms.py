"""Forms of the campaign, message-template, coupon and settings pages. They parse input
only; the rules live in campaigns.services, whose ValidationErrors come back onto the
fields (``errors_onto``)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campaigns.models import Campaign, CampaignSettings, Channel, MessageTemplate, Segment
from campaigns.services import CampaignData, VariantData

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CENTS = Decimal(100)


def errors_onto(form: forms.BaseForm, exc: ValidationError, aliases: dict[str, str]) -> None:
    """Put a service's errors on the form's fields (``aliases`` maps a service field to
    the form's name for it); errors of fields the form lacks go to the top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        name = aliases.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


class CampaignForm(forms.Form):
    COUPON_NONE, COUPON_VALUE, COUPON_PERCENT = "none", "value", "percent"

    name = forms.CharField(label=_("Name"), max_length=120)
    goal = forms.ChoiceField(label=_("Goal"), choices=Campaign.Goal.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    segment = forms.ModelChoiceField(
        label=_("Segment"),
        queryset=Segment.objects.order_by("name", "id"),
        empty_label=_("Choose a segment…"),
        help_text=_("Who receives it: the members you may reach when you launch."),
    )
    template = forms.ModelChoiceField(
        label=_("Message"),
        queryset=MessageTemplate.objects.order_by("name", "id"),
        empty_label=_("Choose a message template…"),
        help_text=_("Written for the same channel as the campaign."),
    )
    control_percent = forms.IntegerField(
        label=_("Control group (%)"),
        min_value=0,
        max_value=90,
        initial=10,
        help_text=_("Chosen at random and sent nothing, to measure what the campaign changed."),
    )
    attribution_days = forms.IntegerField(
        label=_("Attribution window (days)"),
        min_value=1,
        max_value=365,
        initial=30,
        help_text=_("Orders within this many days after the message count as its result."),
    )
    coupon_kind = forms.ChoiceField(
        label=_("Coupon"),
        choices=[
            (COUPON_NONE, _("No coupon")),
            (COUPON_VALUE, _("A fixed value (EUR)")),
            (COUPON_PERCENT, _("A percentage off")),
        ],
        initial=COUPON_NONE,
        widget=forms.RadioSelect,
    )
    coupon_amount = forms.DecimalField(
        label=_("Coupon value or discount"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        help_text=_("In euros for a fixed value, in per cent for a discount."),
    )
    coupon_valid_days = forms.IntegerField(
        label=_("Coupon valid (days)"), min_value=1, max_value=365, initial=30
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind, amount = cleaned.get("coupon_kind"), cleaned.get("coupon_amount")
        if kind in (self.COUPON_VALUE, self.COUPON_PERCENT) and amount is None:
            self.add_error("coupon_amount", _("Enter the coupon's value or discount."))
        if kind == self.COUPON_PERCENT and amount is not None and amount != amount.to_integral():
            self.add_error("coupon_amount", _("A discount is a whole percentage."))
        return cleaned

    def campaign_data(self) -> CampaignData:
        data = self.cleaned_data
        kind, amount = data["coupon_kind"], data.get("coupon_amount") or Decimal(0)
        return CampaignData(
            name=data["name"],
            channel=data["channel"],
            segment=data["segment"],
            template=data["template"],
            goal=data["goal"],
            control_percent=data["control_percent"],
            attribution_days=data["attribution_days"],
            coupon_value_cents=int(amount * CENTS) if kind == self.COUPON_VALUE else None,
            coupon_percent=int(amount) if kind == self.COUPON_PERCENT else None,
            coupon_valid_days=data["coupon_valid_days"],
        )

    @classmethod
    def initial_of(cls, campaign: Campaign) -> dict[str, Any]:
        kind, amount = cls.COUPON_NONE, None
        if campaign.coupon_value_cents is not None:
            kind, amount = cls.COUPON_VALUE, Decimal(campaign.coupon_value_cents) / CENTS
        elif campaign.coupon_percent is not None:
            kind, amount = cls.COUPON_PERCENT, Decimal(campaign.coupon_percent)
        return {
            "name": campaign.name,
            "goal": campaign.goal,
            "channel": campaign.channel,
            "segment": campaign.segment_id,
            "template": campaign.template_id,
            "control_percent": campaign.control_percent,
            "attribution_days": campaign.attribution_days,
            "coupon_kind": kind,
            "coupon_amount": amount,
            "coupon_valid_days": campaign.coupon_valid_days,
        }


# The service's names for what this form calls otherwise.
CAMPAIGN_ALIASES = {"coupon_value_cents": "coupon_amount", "coupon_percent": "coupon_amount"}


class MessageTemplateForm(forms.Form):
    """Name and channel; the texts are one ``VariantForm`` per language (prefix = code)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)


class VariantForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=_("Text"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )

    def variant(self) -> VariantData:
        return VariantData(
            subject=self.cleaned_data.get("subject", ""), body=self.cleaned_data.get("body", "")
        )


def variant_forms(
    data: Any, template: MessageTemplate | None
) -> list[tuple[str, str, VariantForm]]:
    """(language code, language name, form) for every language of the CRM."""
    texts = {v.language: v for v in template.variants.all()} if template else {}
    forms_: list[tuple[str, str, VariantForm]] = []
    for code, name in settings.LANGUAGES:
        variant = texts.get(code)
        initial = {"subject": variant.subject, "body": variant.body} if variant else {}
        forms_.append((code, str(name), VariantForm(data, prefix=code, initial=initial)))
    return forms_


class CouponOrderForm(forms.Form):
    code = forms.CharField(label=_("Coupon code"), max_length=24)
    ordered_on = forms.DateField(label=_("Ordered on"), widget=DATE_INPUT)
    amount = forms.DecimalField(
        label=_("Order amount"), min_value=Decimal(0), max_digits=12, decimal_places=2
    )
    currency = forms.RegexField(
        label=_("Currency"), regex=r"^[A-Za-z]{3}$", initial="EUR", max_length=3
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("ordered_on", timezone.localdate())
        self.fields["code"].widget.attrs.update(
            {"autocapitalize": "characters", "spellcheck": "false"}
        )
        self.fields["currency"].widget.attrs["size"] = 4

    def amount_cents(self) -> int:
        return int(self.cleaned_data["amount"] * CENTS)


COUPON_ORDER_ALIASES = {"amount_cents": "amount"}


class CampaignSettingsForm(forms.ModelForm[CampaignSettings]):
    class Meta:
        model = CampaignSettings
        fields = ["max_messages", "window_days", "quiet_from_hour", "quiet_until_hour"]
        widgets = {
            "quiet_from_hour": forms.NumberInput(attrs={"min": 0, "max": 23}),
            "quiet_until_hour": forms.NumberInput(attrs={"min": 0, "max": 23}),
        }
        help_texts = {
            "max_messages": _("Counted across all campaigns and automations."),
            "quiet_from_hour": _("In the customer's own time zone; messages wait until morning."),
        }
