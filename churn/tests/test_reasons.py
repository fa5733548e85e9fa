"""Reasons in plain words: every model feature has its own sentence, numbers fill named
placeholders, a missing value falls back to a short form, and the language follows the
active one."""

from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from churn.reasons import SENTENCES, reason_text, reasons_text
from churn.scoring.explain import REASON_FEATURES
from churn.scoring.features import FEATURE_COLUMNS

SAMPLE_VALUES: dict[str, Any] = {
    "recency_days": 94,
    "cadence_days": 21,
    "frequency": 4,
    "monetary_avg_euros": 42.5,
    "tenure_days": 400,
    "orders_last_90": 1,
    "orders_prev_90": 5,
    "revenue_last_90_cents": 4_000,
    "revenue_prev_90_cents": 25_000,
    "contact_recency_days": 60,
    "inbound_last_90": 0,
    "inbound_prev_90": 4,
    "complaints_last_90": 3,
    "complaints_unresolved": 1,
    "complaint_response_hours": 30.5,
    "returns_last_90": 2,
    "nps_recent": 4,
    "nps_change": -3,
    "active_days_last_30": 1,
    "active_days_prev_60": 12,
    "campaign_responses_last_90": 0,
    "p_alive": 0.18,
}


def _reason(code: str, values: dict[str, Any] | None = None) -> dict[str, Any]:
    if values is None:
        values = {name: SAMPLE_VALUES[name] for name in REASON_FEATURES.get(code, ())}
    return {"code": code, "weight": 0.5, "values": values}


@pytest.mark.parametrize("code", FEATURE_COLUMNS)
def test_every_feature_has_its_own_sentence(code: str) -> None:
    unknown = reason_text({"code": "no_such_feature", "weight": 1, "values": {}})
    with_values = reason_text(_reason(code))
    without_values = reason_text(_reason(code, {}))
    assert code in SENTENCES
    assert with_values
    assert with_values != unknown
    assert without_values
    assert without_values != unknown
    assert "%(" not in with_values
    assert "%(" not in without_values


def test_gap_reads_as_the_issue_says() -> None:
    text = reason_text(_reason("gap_ratio"))
    assert text == "no order for 94 days; usually orders every 21 days"


def test_complaints_use_plural_forms() -> None:
    many = reason_text(_reason("complaints_last_90"))
    one = reason_text(
        _reason("complaints_last_90", {"complaints_last_90": 1, "complaints_unresolved": 0})
    )
    assert many == "3 complaints in 90 days, 1 unresolved"
    assert one == "1 complaint in 90 days, 0 unresolved"


def test_missing_value_gives_the_short_form_without_numbers() -> None:
    text = reason_text(_reason("order_trend", {"orders_last_90": 1}))
    assert text == "fewer orders in the last 90 days than before"


def test_silence_model_and_p_alive_logit_have_sentences() -> None:
    silence = reason_text(
        {"code": "silence_model", "weight": 0.8, "values": {"recency_days": 94,
         "cadence_days": 21, "p_alive": 0.18}}
    )  # fmt: skip
    assert silence.startswith("no order for 94 days against a usual 21")
    assert "18 %" in silence
    assert reason_text({"code": "p_alive_logit", "weight": 0.3, "values": {}}) == (
        "their own buying rhythm makes this gap unlikely"
    )


def test_unknown_code_and_junk_do_not_raise() -> None:
    assert (
        reason_text({"code": "brand_new_signal", "values": {}}) == "other factor: brand new signal"
    )
    assert reason_text(_reason("gap_ratio", {"recency_days": "n/a", "cadence_days": None}))
    assert reasons_text("not a list") == []
    assert reasons_text([{"code": "returns_last_90", "values": {"returns_last_90": 1}}, 3]) == [
        "1 return in 90 days"
    ]


def test_numbers_follow_the_active_language() -> None:
    reason = _reason("complaint_response_hours", {"complaint_response_hours": 30.5})
    with translation.override("lt"):
        assert "30,5" in reason_text(reason)
    with translation.override("en"):
        assert "30.5" in reason_text(reason)


def test_template_filters() -> None:
    template = Template("{% load churn_tags %}{{ reason|reason_text }} · {{ p|percent }}")
    html = template.render(Context({"reason": _reason("returns_last_90"), "p": 0.345}))
    assert html == "2 returns in 90 days · 34 %"
    assert Template("{% load churn_tags %}{{ p|percent }}").render(Context({"p": None})) == "—"
