"""The inbox, the alert door and the risk panel's reads."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from churn.models import Alert
from churn.selectors import (
    alert_get_for_user,
    alert_list_for_user,
    alert_page_for_user,
    alert_unread_count_for_user,
    customer_alerts_for_user,
    customer_score_panel,
    model_version_list_for_user,
    scoring_run_list_for_user,
    task_get_for_user,
    task_list_for_user,
)
from churn.tests.factories import (
    make_alert,
    make_history,
    make_model_version,
    make_run,
    make_score,
)
from conftest import World
from tests.factories import make_customer


def test_inbox_ranks_by_expected_loss_and_shows_only_mine(world: World) -> None:
    other = make_customer(owner=world.alice, team=world.north)
    small = make_alert(world.customer, world.alice, expected_value_cents=10_000)
    big = make_alert(other, world.alice, expected_value_cents=500_000)
    make_alert(world.customer, world.manager, kind=Alert.Kind.SILENCE)
    assert list(alert_list_for_user(user=world.alice)) == [big, small]
    assert list(alert_list_for_user(user=world.bob)) == []


def test_inbox_includes_alerts_escalated_to_me(world: World) -> None:
    alert = make_alert(world.customer, world.alice, escalated_to=world.manager)
    assert list(alert_list_for_user(user=world.manager)) == [alert]


def test_snoozed_alerts_leave_open_until_their_day(world: World) -> None:
    today = timezone.localdate()
    asleep = make_alert(
        world.customer, world.alice, status=Alert.Status.SNOOZED,
        snoozed_until=today + timedelta(days=3),
    )  # fmt: skip
    woken = make_alert(
        world.customer, world.alice, kind=Alert.Kind.SILENCE, status=Alert.Status.SNOOZED,
        snoozed_until=today,
    )  # fmt: skip
    done = make_alert(
        world.customer, world.alice, kind=Alert.Kind.RETURN, status=Alert.Status.RESOLVED
    )
    assert list(alert_list_for_user(user=world.alice)) == [woken]
    assert list(alert_list_for_user(user=world.alice, status="snoozed")) == [asleep]
    assert list(alert_list_for_user(user=world.alice, status="resolved")) == [done]


def test_alert_of_a_customer_moved_away_leaves_the_inbox(world: World) -> None:
    stranger_customer = make_customer(owner=world.charlie, team=world.south)
    make_alert(stranger_customer, world.alice)  # assigned before the customer moved
    assert list(alert_list_for_user(user=world.alice)) == []


def test_inbox_pages_with_a_cursor(world: World) -> None:
    customers = [make_customer(owner=world.alice, team=world.north) for _ in range(5)]
    alerts = [
        make_alert(c, world.alice, expected_value_cents=1_000 * (i + 1))
        for i, c in enumerate(customers)
    ]
    first = alert_page_for_user(user=world.alice, size=3)
    second = alert_page_for_user(user=world.alice, cursor=first.next_cursor, size=3)
    assert first.rows == alerts[::-1][:3]
    assert second.rows == alerts[::-1][3:]
    assert second.next_cursor is None


def test_unread_count_counts_my_open_unread_alerts(world: World) -> None:
    make_alert(world.customer, world.alice)
    make_alert(world.customer, world.alice, kind=Alert.Kind.SILENCE, read_at=timezone.now())
    make_alert(world.customer, world.alice, kind=Alert.Kind.RETURN, status=Alert.Status.RESOLVED)
    assert alert_unread_count_for_user(user=world.alice) == 1
    assert alert_unread_count_for_user(user=world.bob) == 0


def test_alert_door_404_for_strangers_403_for_read_only_changes(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    assert alert_get_for_user(user=world.bob, alert_id=alert.pk) == alert
    with pytest.raises(Http404):
        alert_get_for_user(user=world.charlie, alert_id=alert.pk)
    with pytest.raises(PermissionDenied):
        alert_get_for_user(user=world.bob, alert_id=alert.pk, for_change=True)
    assert alert_get_for_user(user=world.manager, alert_id=alert.pk, for_change=True) == alert
    with pytest.raises(Http404):
        alert_get_for_user(user=world.alice, alert_id="nope")  # type: ignore[arg-type]


def test_escalated_manager_may_act_on_a_customer_he_cannot_change(world: World) -> None:
    alert = make_alert(world.customer, world.alice, escalated_to=world.bob)
    assert alert_get_for_user(user=world.bob, alert_id=alert.pk, for_change=True) == alert


def test_tasks_are_mine_and_only_mine_to_tick(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    assert [t.pk for t in task_list_for_user(user=world.alice)] == [alert.task.pk]
    assert task_list_for_user(user=world.bob) == []
    with pytest.raises(PermissionDenied):
        task_get_for_user(user=world.bob, task_id=alert.task.pk)
    with pytest.raises(Http404):
        task_get_for_user(user=world.charlie, task_id=alert.task.pk)


def test_score_panel_without_score_is_not_scored_yet(world: World) -> None:
    panel = customer_score_panel(customer=world.customer)
    assert panel.score is None
    assert panel.history == []
    assert panel.is_cold_start  # no model at all: the silence model is all there is
    assert not panel.is_silent


def test_score_panel_has_history_oldest_first_and_open_alerts(world: World) -> None:
    make_model_version(is_cold_start=False)
    make_score(world.customer)
    make_history(world.customer, weeks=60)
    open_alert = make_alert(world.customer, world.alice)
    make_alert(world.customer, world.alice, kind=Alert.Kind.SILENCE, status="resolved")
    world.customer.silent_since = timezone.localdate() - timedelta(days=20)
    panel = customer_score_panel(customer=world.customer)
    assert len(panel.history) == 52
    assert panel.history[0].as_of < panel.history[-1].as_of
    assert panel.history[-1].as_of == timezone.localdate()
    assert panel.open_alerts == [open_alert]
    assert panel.is_silent
    assert panel.silent_since == world.customer.silent_since
    assert not panel.is_cold_start
    assert customer_alerts_for_user(user=world.alice, customer=world.customer) == [open_alert]


def test_scoring_lists_need_view_scoring(world: World) -> None:
    version, run = make_model_version(), make_run()
    assert model_version_list_for_user(user=world.manager) == [version]
    assert scoring_run_list_for_user(user=world.admin) == [run]
    with pytest.raises(PermissionDenied):
        model_version_list_for_user(user=world.alice)
    with pytest.raises(PermissionDenied):
        scoring_run_list_for_user(user=world.bob)
