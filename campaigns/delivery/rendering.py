"""Message templates rendered in a sandbox, with a fixed set of personal variables.

Staff write templates, customers' data fills them: Jinja's immutable sandbox refuses
attribute tricks (``{{ ''.__class__ }}``), StrictUndefined turns an unknown name into an
error instead of an empty gap, and only the names in ``TEMPLATE_VARIABLES`` are ever
passed in. Text is rendered without escaping (it is a plain-text email, an SMS or a
letter); the HTML part of an email is built from the rendered text by a Django template
(templates/campaigns/email/message.html), which escapes every character of it.

A recipient whose profile lacks a variable the template uses (no first name, no order
yet) is held back, never sent "Dear ," — ``missing_variables`` says which."""

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from campaigns.models import Campaign, MessageTemplateVariant
from crm.lib.money import format_money
from customers.models import Customer

# name -> label, for the template editor's help text. Order is the order shown.
TEMPLATE_VARIABLES: dict[str, Promise] = {
    "first_name": gettext_lazy("The customer's first name"),
    "name": gettext_lazy("The customer's full name (or company name)"),
    "last_order_on": gettext_lazy("Date of the customer's last order"),
    "last_order_amount": gettext_lazy("Amount of the customer's last order, with currency"),
    "owner_name": gettext_lazy("Name of the customer's account owner"),
    "company_name": gettext_lazy("Our company's name"),
    "coupon_code": gettext_lazy("The customer's personal coupon code"),
    "coupon_value": gettext_lazy("What the coupon is worth (amount or percentage)"),
    "coupon_expires_on": gettext_lazy("The coupon's last valid day"),
    "unsubscribe_url": gettext_lazy("Link that unsubscribes the customer at once"),
}
COUPON_VARIABLES = frozenset({"coupon_code", "coupon_value", "coupon_expires_on"})
MAX_RENDERED_CHARS = 100_000  # a multiplied string beyond this is a mistake or an attack
SUBJECT_MAX_CHARS = 200  # CampaignSend.subject


class _MessageEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``*`` and ``**`` bounded: ``{{ 'x' * 10**9 }}`` would
    otherwise take the worker's memory."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator_name: str, left: Any, right: Any) -> Any:
        if operator_name == "**":
            if isinstance(right, int) and right > 100:
                raise SecurityError(_("The exponent is too large."))
            return operator.pow(left, right)
        size = (len(left) if isinstance(left, str) else 1) * (
            len(right) if isinstance(right, str) else 1
        )
        factor = right if isinstance(left, str) else left
        if isinstance(factor, int) and size * factor > MAX_RENDERED_CHARS:
            raise SecurityError(_("The repeated text is too long."))
        return operator.mul(left, right)


_ENVIRONMENT = _MessageEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
)


@dataclass(frozen=True)
class CompiledMessage:
    """One language variant, parsed once and rendered for many recipients."""

    language: str
    subject: Any  # jinja2.Template
    body: Any
    variables: frozenset[str]  # the TEMPLATE_VARIABLES this variant uses

    def render(self, context: Mapping[str, object]) -> tuple[str, str]:
        """(subject, body); raises TemplateError or SecurityError. The subject is one line."""
        subject = " ".join(self.subject.render(context).split())[:SUBJECT_MAX_CHARS]
        return subject, self.body.render(context).strip()


def _used_variables(parsed: nodes.Template) -> set[str]:
    return set(meta.find_undeclared_variables(parsed))


def template_check(*, subject: str, body: str) -> list[str]:
    """What is wrong with a template, as messages for its author (empty when it is fine):
    syntax errors, unknown variables, and anything the sandbox refuses when the
    template is rendered with sample values."""
    errors: list[str] = []
    parsed: dict[str, nodes.Template] = {}
    for label, source in ((_("Subject"), subject), (_("Message"), body)):
        try:
            parsed[label] = _ENVIRONMENT.parse(source)
        except TemplateSyntaxError as exc:
            errors.append(
                _("%(part)s, line %(line)s: %(error)s")
                % {"part": label, "line": exc.lineno, "error": exc.message}
            )
    for label, tree in parsed.items():
        for name in sorted(_used_variables(tree) - set(TEMPLATE_VARIABLES)):
            errors.append(
                _("%(part)s: unknown variable “%(name)s”; use one of: %(known)s.")
                % {"part": label, "name": name, "known": ", ".join(TEMPLATE_VARIABLES)}
            )
    if errors:
        return errors
    try:
        message_compile(subject=subject, body=body).render(_sample_context())
    except (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError) as exc:
        errors.append(_("The template cannot be rendered: %(error)s") % {"error": exc})
    return errors


def message_compile(*, subject: str, body: str, language: str = "") -> CompiledMessage:
    """Parse a variant once; raises TemplateSyntaxError."""
    subject_tree = _ENVIRONMENT.parse(subject)
    body_tree = _ENVIRONMENT.parse(body)
    used = (_used_variables(subject_tree) | _used_variables(body_tree)) & set(TEMPLATE_VARIABLES)
    return CompiledMessage(
        language=language,
        subject=_ENVIRONMENT.from_string(subject_tree),
        body=_ENVIRONMENT.from_string(body_tree),
        variables=frozenset(used),
    )


def variant_choose(
    variants: Sequence[MessageTemplateVariant], language: str
) -> MessageTemplateVariant | None:
    """The customer's language, else English, else the first variant."""
    by_language = {v.language: v for v in variants}
    return (
        by_language.get(language)
        or by_language.get("en")
        or (min(variants, key=lambda v: (v.language, v.pk)) if variants else None)
    )


@dataclass(frozen=True)
class ProfileFacts:
    """What the variables are made of, for one customer (campaigns.delivery.recipients
    loads these in bulk)."""

    first_name: str = ""
    name: str = ""
    owner_name: str = ""
    last_order_on: Any = None  # date | None
    last_order_amount_cents: int | None = None
    last_order_currency: str = ""


@dataclass(frozen=True)
class CouponFacts:
    code: str
    value_cents: int | None
    percent: int | None
    currency: str
    expires_on: Any  # date


def message_context(
    *,
    facts: ProfileFacts,
    language: str,
    coupon: CouponFacts | None = None,
    unsubscribe_url: str = "",
) -> dict[str, object]:
    """Every variable's value as text ("" when the profile lacks it). Dates and amounts
    in the message's language; call inside ``translation.override(language)``."""
    context: dict[str, object] = {
        "first_name": facts.first_name.strip(),
        "name": facts.name.strip(),
        "owner_name": facts.owner_name.strip(),
        "company_name": settings.CAMPAIGN_COMPANY_NAME,
        "last_order_on": date_format(facts.last_order_on) if facts.last_order_on else "",
        "last_order_amount": (
            format_money(
                facts.last_order_amount_cents,
                facts.last_order_currency or settings.DEFAULT_CURRENCY,
                language=language,
            )
            if facts.last_order_amount_cents is not None
            else ""
        ),
        "coupon_code": "",
        "coupon_value": "",
        "coupon_expires_on": "",
        "unsubscribe_url": unsubscribe_url,
    }
    if coupon is not None:
        context.update(coupon_variables(coupon, language=language))
    return context


def coupon_variables(coupon: CouponFacts, *, language: str) -> dict[str, object]:
    value = (
        f"{coupon.percent} %"
        if coupon.percent is not None
        else format_money(coupon.value_cents or 0, coupon.currency, language=language)
    )
    return {
        "coupon_code": coupon.code,
        "coupon_value": value,
        "coupon_expires_on": date_format(coupon.expires_on),
    }


def missing_variables(
    used: frozenset[str], context: Mapping[str, object], *, ignore: frozenset[str] = frozenset()
) -> list[str]:
    """The variables the template uses that are empty for this recipient."""
    return sorted(name for name in used - ignore if not context.get(name))


def _sample_context() -> dict[str, object]:
    return {name: f"[{name}]" for name in TEMPLATE_VARIABLES}


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    language: str
    address: str
    missing: list[str] = field(default_factory=list)  # variables the profile lacks
    held_reasons: list[str] = field(default_factory=list)  # why it would be held back

    @property
    def would_send(self) -> bool:
        return not self.held_reasons


def message_preview(*, campaign: Campaign, customer: Customer) -> Preview:
    """The campaign's message as ``customer`` would receive it now, and every reason it
    would be held back instead. A coupon is shown with a sample code (none is issued)."""
    from campaigns.delivery import recipients, tokens  # they build on this module

    variants = list(campaign.template.variants.all()) if campaign.template else []
    variant = variant_choose(variants, customer.language)
    facts = recipients.recipients_load(channel=campaign.channel, customer_ids=[customer.pk])
    recipient = facts.get(customer.pk)
    if variant is None or recipient is None:
        reason = _("The campaign has no message in any language.")
        return Preview("", "", "", "", [], [reason])
    reasons = recipients.held_reasons(recipient, channel=campaign.channel)
    compiled = message_compile(subject=variant.subject, body=variant.body)
    sample = (
        CouponFacts(
            code=_("SAMPLECODE"),
            value_cents=campaign.coupon_value_cents,
            percent=campaign.coupon_percent,
            currency=settings.DEFAULT_CURRENCY,
            expires_on=recipients.coupon_expiry_preview(campaign),
        )
        if campaign.has_coupon
        else None
    )
    with translation.override(variant.language):
        context = message_context(
            facts=recipient.facts,
            language=variant.language,
            coupon=sample,
            unsubscribe_url=tokens.unsubscribe_url(
                campaign_id=campaign.pk, customer_id=customer.pk, occasion=""
            ),
        )
        missing = missing_variables(compiled.variables, context)
        if missing:
            reasons.append(recipients.missing_reason(missing))
        try:
            subject, body = compiled.render(context)
        except (TemplateError, SecurityError, ArithmeticError, TypeError, ValueError) as exc:
            subject, body = "", ""
            reasons.append(_("The template cannot be rendered: %(error)s") % {"error": exc})
    return Preview(subject, body, variant.language, recipient.address, missing, reasons)
