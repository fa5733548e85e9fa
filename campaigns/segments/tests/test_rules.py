"""The rules format: validation messages, each field's filter, and the permission door."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns.segments.rules import (
    FIELDS,
    segment_members,
    segment_rules_clean,
    segment_rules_q,
)
from campaigns.segments.tests.conftest import Base
from campaigns.segments.tests.factories import make_cluster, make_segment
from customers.consent import consent_record
from customers.models import Consent, Customer
from interactions.models import Complaint
from interactions.services import complaint_open


def _one(field: str, op: str, value: Any, match: str = "all") -> dict[str, Any]:
    return {"match": match, "conditions": [{"field": field, "op": op, "value": value}]}


def _names(rules: dict[str, Any]) -> set[str]:
    return set(Customer.objects.filter(segment_rules_q(rules)).values_list("name", flat=True))


def test_empty_rules_mean_everyone() -> None:
    assert segment_rules_clean({}) == {"match": "all", "conditions": []}
    assert segment_rules_clean(None) == {"match": "all", "conditions": []}


def test_clean_normalises_form_strings() -> None:
    rules = {
        "match": "any",
        "conditions": [
            {"field": "stage", "op": "in", "value": "active"},
            {"field": "order_count", "op": "gte", "value": "3"},
            {"field": "churn_probability", "op": "gt", "value": "0.5"},
            {"field": "is_silent", "op": "is", "value": "false"},
            {"field": "country", "op": "in", "value": "lt, lv"},
            {"field": "owner", "op": "in", "value": ["4", 2, "4"]},
        ],
    }
    cleaned = segment_rules_clean(rules)["conditions"]
    assert [c["value"] for c in cleaned] == [["active"], 3, 0.5, False, ["LT", "LV"], [2, 4]]


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "shoe_size", "op": "gt", "value": 1}, 'Condition 1: unknown field "shoe_size".'),
        ({"field": "stage", "op": "gt", "value": "lead"}, 'Condition 1 (stage): "gt" is not'),
        ({"field": "order_count", "op": "gt", "value": "many"}, "(order_count): enter a whole"),
        ({"field": "order_count", "op": "gt", "value": -1}, "(order_count): enter a number of 0"),
        ({"field": "order_count", "op": "gt", "value": True}, "(order_count): enter a whole"),
        ({"field": "churn_probability", "op": "gt", "value": 2}, "from 0 to 1"),
        ({"field": "stage", "op": "in", "value": ["sleepy"]}, "(stage): choose one or more of"),
        ({"field": "last_order_on", "op": "before", "value": "yesterday"}, "YYYY-MM-DD"),
        ({"field": "consent", "op": "allowed", "value": "telepathy"}, "(consent): choose one"),
        ({"field": "country", "op": "in", "value": "Lithuania"}, "two-letter"),
        ({"field": "tag", "op": "in", "value": []}, "(tag): choose one or more"),
        ("stage", "Condition 1: not a condition object."),
    ],
)
def test_validation_names_condition_field_and_problem(condition: Any, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        segment_rules_clean({"match": "all", "conditions": [condition]})
    assert message in caught.value.messages[0]
    assert caught.value.error_list[0].params == {"condition": 1}


def test_validation_lists_every_wrong_condition() -> None:
    rules = {
        "conditions": [
            {"field": "stage", "op": "in", "value": ["lead"]},
            {"field": "nope", "op": "in", "value": 1},
            {"field": "order_count", "op": "in", "value": 1},
        ]
    }
    with pytest.raises(ValidationError) as caught:
        segment_rules_clean(rules)
    assert [(e.params or {})["condition"] for e in caught.value.error_list] == [2, 3]


@pytest.mark.parametrize(
    "rules",
    [[], "all", {"match": "most", "conditions": []}, {"conditions": {}}],
)
def test_rule_set_shape_errors(rules: Any) -> None:
    with pytest.raises(ValidationError):
        segment_rules_clean(rules)


def test_too_many_conditions_are_refused() -> None:
    condition = {"field": "stage", "op": "in", "value": ["lead"]}
    with pytest.raises(ValidationError, match="at most"):
        segment_rules_clean({"conditions": [condition] * 31})


def test_profile_fields(base: Base) -> None:
    world = base.world
    assert _names(_one("stage", "in", ["active", "silent"])) == {"Loyal", "Lapsed"}
    assert "Loyal" not in _names(_one("stage", "not_in", ["active"]))
    assert _names(_one("tag", "in", [base.vip.pk])) == {"Loyal"}
    assert "Loyal" not in _names(_one("tag", "not_in", [base.vip.pk]))
    assert _names(_one("language", "in", ["lt"])) == {"Lapsed"}
    assert _names(_one("country", "in", "lt,lv")) == {"Loyal", "Lapsed"}
    assert _names(_one("owner", "in", [world.charlie.pk])) == {"Southern"}
    # "not one of" keeps customers without an owner
    assert "Unscored" in _names(_one("owner", "not_in", [world.alice.pk]))
    assert _names(_one("team", "in", [world.south.pk])) == {"Southern"}


def test_behaviour_fields_read_the_latest_score(base: Base) -> None:
    assert _names(_one("recency_days", "gt", 100)) == {"Lapsed"}
    assert _names(_one("recency_days", "lte", 60)) == {"Loyal", "Southern"}
    assert _names(_one("recency_days", "eq", 5)) == {"Loyal"}
    assert _names(_one("order_count", "gte", 3)) == {"Loyal", "Southern"}
    assert _names(_one("revenue_cents", "lt", 10_000)) == {"Lapsed", "Southern"}
    assert _names(_one("expected_value_cents", "gt", 100_000)) == {"Loyal"}
    assert _names(_one("value_tier", "in", ["top"])) == {"Loyal"}
    assert _names(_one("is_most_valuable", "is", True)) == {"Loyal"}
    assert _names(_one("churn_probability", "gte", 0.6)) == {"Lapsed", "Southern"}
    before = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert _names(_one("last_order_on", "before", before)) == {"Lapsed", "Southern"}
    assert _names(_one("last_order_on", "after", before)) == {"Loyal"}
    # never scored: no behaviour, so no behaviour condition matches
    assert "Unscored" not in _names(_one("order_count", "lte", 100))


def test_silence(base: Base) -> None:
    assert _names(_one("is_silent", "is", True)) == {"Lapsed"}
    assert "Lapsed" not in _names(_one("is_silent", "is", False))
    assert _names(_one("silent_days", "gte", 40)) == {"Lapsed"}
    assert _names(_one("silent_days", "gt", 40)) == set()


def test_complaint_counts(base: Base) -> None:
    world = base.world  # world.customer has one open complaint
    for subject in ("a", "b"):
        complaint_open(
            customer=base.loyal,
            acting_user=world.alice,
            subject=subject,
            category="delivery",
            severity="low",
        )
    Complaint.objects.filter(customer=base.loyal, subject="b").update(
        status=Complaint.Status.RESOLVED
    )
    assert _names(_one("open_complaints", "gte", 1)) == {world.customer.name, "Loyal"}
    assert _names(_one("open_complaints", "eq", 1)) == {world.customer.name, "Loyal"}
    assert _names(_one("open_complaints", "gt", 1)) == set()
    assert "Loyal" not in _names(_one("open_complaints", "eq", 0))
    assert "Lapsed" in _names(_one("open_complaints", "lt", 1))
    assert _names(_one("open_complaints", "lt", 0)) == set()
    assert _names(_one("complaints_90d", "gte", 2)) == {"Loyal"}
    Complaint.objects.filter(customer=base.loyal).update(
        opened_at=timezone.now() - timedelta(days=120)
    )
    assert _names(_one("complaints_90d", "lte", 0)) >= {"Loyal", "Lapsed"}


def test_consent(base: Base) -> None:
    world = base.world
    email = Consent.Purpose.MARKETING_EMAIL
    consent_record(
        customer=base.loyal, purpose=email, is_granted=True, source="form", acting_user=world.alice
    )
    assert _names(_one("consent", "allowed", email)) == {"Loyal"}
    assert "Loyal" not in _names(_one("consent", "not_allowed", email))
    profiling = Consent.Purpose.PROFILING  # allowed until the customer objects
    consent_record(
        customer=base.lapsed,
        purpose=profiling,
        is_granted=False,
        source="form",
        acting_user=world.alice,
    )
    assert "Lapsed" not in _names(_one("consent", "allowed", profiling))
    assert "Loyal" in _names(_one("consent", "allowed", profiling))


def test_customer_since_days(base: Base) -> None:
    Customer.objects.filter(pk=base.lapsed.pk).update(
        created_at=timezone.now() - timedelta(days=400)
    )
    assert "Lapsed" in _names(_one("customer_since_days", "gte", 365))
    assert "Loyal" not in _names(_one("customer_since_days", "gte", 365))
    assert "Loyal" in _names(_one("customer_since_days", "lt", 1))


def test_behaviour_cluster_follows_the_description_across_runs(base: Base) -> None:
    old = make_cluster(run=1, members=(base.loyal,))
    assert _names(_one("behaviour_cluster", "in", [old.pk])) == {"Loyal"}
    # the next run moves members to new clusters; the old id stands for its label
    new = make_cluster(run=2, members=(base.lapsed,))
    make_cluster(run=2, index=1, label="new one-time low spenders", members=(base.loyal,))
    assert _names(_one("behaviour_cluster", "in", [old.pk])) == {"Lapsed"}
    assert _names(_one("behaviour_cluster", "in", [new.pk])) == {"Lapsed"}
    assert "Lapsed" not in _names(_one("behaviour_cluster", "not_in", [new.pk]))


def test_match_all_and_any(base: Base) -> None:
    conditions = [
        {"field": "stage", "op": "in", "value": ["active"]},
        {"field": "churn_probability", "op": "gte", "value": 0.7},
    ]
    assert _names({"match": "all", "conditions": conditions}) == set()
    assert _names({"match": "any", "conditions": conditions}) == {"Loyal", "Lapsed"}
    # an "everyone" condition in "any" means everyone
    everyone = [*conditions, {"field": "open_complaints", "op": "gte", "value": 0}]
    assert len(_names({"match": "any", "conditions": everyone})) == Customer.objects.count()


@pytest.mark.django_db
def test_every_field_builds_a_filter() -> None:
    samples = {
        "choices": None, "ids": [1], "texts": "LT", "integer": 1, "fraction": 0.5,
        "date": "2026-01-01", "boolean": True, "purpose": "post",
    }  # fmt: skip
    for field in FIELDS.values():
        for op in field.ops:
            value: Any = samples[field.value_type]
            if value is None and field.choices is not None:
                value = [field.choices()[0][0]]
            Customer.objects.filter(segment_rules_q(_one(field.name, op, value))).count()


def test_members_go_through_the_permission_door(base: Base) -> None:
    world = base.world
    segment = make_segment(world.manager, rules=_one("order_count", "gte", 1))
    counts = {
        name: segment_members(user=getattr(world, name), segment=segment).count()
        for name in ("alice", "bob", "charlie", "manager", "admin")
    }
    # alice owns Loyal and Lapsed (North); bob sees North; charlie only South; the
    # manager his team North; admin all three scored customers.
    assert counts == {"alice": 2, "bob": 2, "charlie": 1, "manager": 2, "admin": 3}
    assert segment_members(user=world.alice, rules={}).count() == 4  # world.customer too


def test_members_need_a_segment_or_rules(base: Base) -> None:
    with pytest.raises(TypeError):
        segment_members(user=base.world.admin)


def test_count_is_one_query(base: Base, django_assert_num_queries: Any) -> None:
    rules = {
        "match": "all",
        "conditions": [
            {"field": "tag", "op": "not_in", "value": [base.vip.pk]},
            {"field": "open_complaints", "op": "lte", "value": 2},
            {"field": "churn_probability", "op": "gte", "value": 0.1},
            {"field": "consent", "op": "allowed", "value": "profiling"},
        ],
    }
    admin = base.world.admin
    admin.has_perm("customers.view_customer")  # the role's permissions, cached per user
    with django_assert_num_queries(1):
        segment_members(user=admin, rules=rules).count()
