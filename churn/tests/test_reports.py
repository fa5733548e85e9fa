"""The outcome report and customer equity, scoped through the customer door."""

from django.utils import timezone

from churn import services
from churn.models import Alert, CustomerScore
from churn.reports import alert_outcomes_for_user, customer_equity_for_user
from conftest import World


def _alert(world: World, kind: str) -> Alert:
    return Alert.objects.create(
        customer=world.customer, kind=kind, raised_at=timezone.now(), assignee=world.alice,
        reaction="call", due_on=timezone.localdate(),
    )  # fmt: skip


def test_outcomes_count_saved_and_lost_per_kind(world: World) -> None:
    saved = _alert(world, Alert.Kind.CHURN_RISK)
    services.alert_resolve(alert=saved, acting_user=world.alice, outcome="saved")
    lost = _alert(world, Alert.Kind.CHURN_RISK)
    services.alert_resolve(alert=lost, acting_user=world.alice, outcome="lost")
    _alert(world, Alert.Kind.CHURN_RISK)
    _alert(world, Alert.Kind.SILENCE)
    rows = {row.kind: row for row in alert_outcomes_for_user(user=world.manager)}
    churn = rows["churn_risk"]
    assert (churn.raised, churn.open, churn.saved, churn.lost) == (3, 1, 1, 1)
    assert churn.saved_share == 0.5
    assert rows["silence"].saved_share is None
    assert alert_outcomes_for_user(user=world.charlie) == []  # a stranger sees none


def test_equity_sums_value_and_value_at_risk(world: World) -> None:
    CustomerScore.objects.create(
        customer=world.customer, as_of=timezone.localdate(), scored_at=timezone.now(),
        churn_probability=0.25, p_alive=0.9, expected_value_cents=40_000, is_most_valuable=True,
    )  # fmt: skip
    equity = customer_equity_for_user(user=world.alice)
    assert equity.equity_cents == 40_000
    assert equity.at_risk_cents == 10_000
    assert equity.most_valuable == 1
    assert customer_equity_for_user(user=world.charlie).customers == 0
