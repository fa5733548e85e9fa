import pytest
from django.template import Context, Template
from django.utils import translation

from crm.lib.money import format_money
from crm.lib.phones import InvalidPhoneError, normalize_phone


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "€1,234.50"),
        ("lt", "1\xa0234,50\xa0€"),
        ("pl", "1\xa0234,50\xa0€"),
        ("el", "1.234,50\xa0€"),
    ],
)
def test_money_is_formatted_per_locale(language: str, expected: str) -> None:
    assert format_money(123450, "EUR", language=language) == expected


def test_money_tag_uses_the_active_language() -> None:
    with translation.override("lv"):
        rendered = Template("{% load money %}{% money 250 'EUR' %}").render(Context())
    assert rendered == "2,50\xa0€"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("8 612 34567", "+37061234567"),
        ("+48 512-345-678", "+48512345678"),
        ("+30 691 234 5678", "+306912345678"),
    ],
)
def test_phones_normalise_to_e164(raw: str, expected: str) -> None:
    assert normalize_phone(raw) == expected


def test_impossible_phone_is_refused() -> None:
    with pytest.raises(InvalidPhoneError):
        normalize_phone("123")
