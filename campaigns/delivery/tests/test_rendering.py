from datetime import date

import pytest

from campaigns.delivery.rendering import (
    TEMPLATE_VARIABLES,
    ProfileFacts,
    message_compile,
    message_context,
    message_preview,
    missing_variables,
    template_check,
)
from campaigns.delivery.tests.factories import grant, make_campaign, make_template
from conftest import World
from customers.models import Customer
from interactions.services import order_record
from tests.factories import make_customer


def test_template_check_accepts_known_variables() -> None:
    body = "Hi {{ first_name }}, your code {{ coupon_code }}. {{ unsubscribe_url }}"
    assert template_check(subject="For {{ name }}", body=body) == []


def test_template_check_reports_syntax_errors_and_unknown_variables() -> None:
    errors = template_check(subject="Hi {{ first_name", body="{{ password }}")
    assert any("Subject, line 1" in e for e in errors)
    assert any("unknown variable “password”" in e for e in errors)


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ name.__init__.__globals__ }}",
        "{{ first_name.format_map }}{{ cycler.__init__.__globals__ }}",
        "{{ 'x' * 100000000 }}",
    ],
)
def test_sandbox_refuses_attribute_tricks(body: str) -> None:
    errors = template_check(subject="", body=body)
    assert errors, body


def test_sandbox_refuses_tricks_at_render_time_too() -> None:
    message = message_compile(subject="", body="{{ first_name.__class__ }}")
    with pytest.raises(Exception, match="__class__"):
        message.render({"first_name": "Ann"})


def test_text_is_not_escaped_and_subject_is_one_line() -> None:
    message = message_compile(subject="Hi\n{{ name }}", body="{{ name }} & co <b>")
    assert message.render({"name": "Tom & Jerry"}) == ("Hi Tom & Jerry", "Tom & Jerry & co <b>")


def test_missing_variables_lists_what_the_profile_lacks() -> None:
    message = message_compile(subject="{{ first_name }}", body="Last order {{ last_order_on }}")
    context = message_context(facts=ProfileFacts(name="Ann Lee"), language="en")
    assert missing_variables(message.variables, context) == ["first_name", "last_order_on"]


def test_every_variable_has_a_label() -> None:
    assert all(str(label) for label in TEMPLATE_VARIABLES.values())
    assert "unsubscribe_url" in TEMPLATE_VARIABLES


def test_preview_in_the_customers_language_with_facts(world: World) -> None:
    template = make_template(
        variants={
            "en": ("Hello {{ first_name }}", "Your last order: {{ last_order_amount }}"),
            "lt": ("Labas {{ first_name }}", "Paskutinis: {{ last_order_on }}"),
        }
    )
    campaign = make_campaign(template=template, coupon_value_cents=500)
    customer = make_customer(owner=world.alice, team=world.north, first_name="Ona", language="lt")
    order_record(customer=customer, acting_user=None, ordered_on=date(2026, 1, 5), amount_cents=900)
    grant(customer)
    preview = message_preview(campaign=campaign, customer=customer)
    assert preview.language == "lt"
    assert preview.subject == "Labas Ona"
    assert "2026" in preview.body
    assert preview.address == customer.primary_email
    assert preview.would_send


def test_preview_falls_back_to_english_and_says_why_it_would_be_held(world: World) -> None:
    template = make_template(variants={"en": ("Hi {{ first_name }}", "{{ last_order_on }}")})
    campaign = make_campaign(template=template)
    customer = make_customer(owner=world.alice, team=world.north, language="pl")
    Customer.objects.filter(pk=customer.pk).update(stage=Customer.Stage.OFFBOARDING)
    customer.refresh_from_db()
    preview = message_preview(campaign=campaign, customer=customer)
    assert preview.language == "en"
    assert preview.missing == ["first_name", "last_order_on"]
    joined = " ".join(preview.held_reasons)
    assert "offboarding" in joined
    assert "no consent" in joined
    assert "profile lacks first_name, last_order_on" in joined
    assert not preview.would_send
