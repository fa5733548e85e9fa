"""Churn pages: the inbox and its inline actions, the risk panel, the scoring pages."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from churn.models import (
    Alert,
    AlertPreference,
    AlertThreshold,
    Backtest,
    FollowUpTask,
    ModelVersion,
    PlaybookEntry,
    ScoringRun,
    ScoringSettings,
)
from churn.tests.factories import (
    make_alert,
    make_backtest,
    make_history,
    make_model_version,
    make_run,
    make_score,
)
from conftest import World
from tests.factories import make_customer

HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inbox_shows_reasons_in_words_and_marks_shown_alerts_read(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    client = _client(world.alice)
    assert client.get("/alerts/badge/").content.decode().strip().endswith(">1</span>")
    html = client.get("/alerts/").content.decode()
    assert "no order for 94 days; usually orders every 21 days" in html
    assert "3 complaints in 90 days, 1 unresolved" in html
    assert "72 %" in html
    assert "Aldona Petraitė" in html
    assert "Call to ask how things are going." in html  # the task, too
    alert.refresh_from_db()
    assert alert.read_at is not None
    assert client.get("/alerts/badge/").content.decode().strip() == ""


def test_inbox_query_count_does_not_grow_with_alerts(
    world: World, django_assert_num_queries
) -> None:
    client = _client(world.alice)
    customers = [make_customer(owner=world.alice, team=world.north) for _ in range(8)]
    make_alert(customers[0], world.alice)
    client.get("/alerts/")  # session, content types and the like warmed up
    make_alert(customers[1], world.alice)
    # session, user, its two permission sets, teams of the door, alerts page, mark read,
    # teams of the door again (tasks), tasks
    with django_assert_num_queries(9):
        client.get("/alerts/")
    for customer in customers[2:]:
        make_alert(customer, world.alice, escalated_to=world.manager)
    with django_assert_num_queries(9):
        response = client.get("/alerts/")
    assert response.content.decode().count('class="card alert-card') == 8


def test_acknowledge_inline_returns_the_card_and_refreshes_the_badge(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    response = _client(world.alice).post(
        f"/alerts/{alert.pk}/acknowledge/", {"next": "/alerts/"}, headers=HTMX
    )
    assert response.status_code == 200
    assert response["HX-Trigger"] == "alerts-changed"
    assert "Acknowledged" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED


def test_acknowledge_without_htmx_goes_back_to_next(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    response = _client(world.alice).post(
        f"/alerts/{alert.pk}/acknowledge/", {"next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/alerts/{alert.pk}/"  # not off-site


def test_snooze_in_the_past_explains_itself_and_changes_nothing(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    yesterday = timezone.localdate() - timedelta(days=1)
    response = _client(world.alice).post(
        f"/alerts/{alert.pk}/snooze/", {"until": yesterday.isoformat()}, headers=HTMX
    )
    assert "Snooze until a day after today" in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_snooze_hides_the_alert_until_the_day(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    until = timezone.localdate() + timedelta(days=5)
    client = _client(world.alice)
    client.post(f"/alerts/{alert.pk}/snooze/", {"until": until.isoformat()}, headers=HTMX)
    alert.refresh_from_db()
    assert (alert.status, alert.snoozed_until) == (Alert.Status.SNOOZED, until)
    assert "no order for 94 days" not in client.get("/alerts/").content.decode()
    assert "no order for 94 days" in client.get("/alerts/?status=snoozed").content.decode()


def test_resolve_saved_with_a_note_closes_the_task(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    response = _client(world.alice).post(
        f"/alerts/{alert.pk}/resolve/", {"outcome": "saved", "note": "Ordered again"}, headers=HTMX
    )
    assert "Saved" in response.content.decode()
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.note) == ("resolved", "saved", "Ordered again")
    assert FollowUpTask.objects.get(alert=alert).done_at is not None


def test_resolve_without_outcome_is_a_field_error(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    response = _client(world.alice).post(
        f"/alerts/{alert.pk}/resolve/", {"outcome": ""}, headers=HTMX
    )
    assert 'role="alert"' in response.content.decode()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_read_only_teammate_sees_the_alert_but_cannot_act(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    client = _client(world.bob)
    page = client.get(f"/alerts/{alert.pk}/")
    assert page.status_code == 200
    assert "Acknowledge" not in page.content.decode()
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 403
    assert client.post(f"/alerts/{alert.pk}/resolve/", {"outcome": "lost"}).status_code == 403


def test_stranger_gets_404_for_alert_and_panel(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    client = _client(world.charlie)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    assert client.post(f"/alerts/{alert.pk}/acknowledge/").status_code == 404
    assert client.get(f"/churn/customers/{world.customer.pk}/panel/").status_code == 404


def test_task_done_removes_the_row(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    response = _client(world.alice).post(f"/alerts/tasks/{alert.task.pk}/done/", headers=HTMX)
    assert response.content == b""
    assert FollowUpTask.objects.get(pk=alert.task.pk).done_at is not None


def test_preferences_save_the_delivery(world: World) -> None:
    client = _client(world.alice)
    page = client.get("/alerts/preferences/").content.decode()
    assert re.search(r'value="immediate"[^>]* checked', page)
    response = client.post("/alerts/preferences/", {"delivery": "digest"})
    assert response.status_code == 302
    assert AlertPreference.objects.get(user=world.alice).delivery == "digest"
    assert client.post("/alerts/preferences/", {"delivery": "pigeon"}).status_code == 200


def test_risk_panel_before_any_score(world: World) -> None:
    html = _client(world.bob).get(f"/churn/customers/{world.customer.pk}/panel/").content
    assert b"Not scored yet" in html
    assert b"Cold start" in html


def test_risk_panel_shows_score_reasons_chart_and_alerts(world: World) -> None:
    make_model_version(is_cold_start=False)
    make_score(world.customer, is_most_valuable=True, value_tier="top")
    make_history(world.customer, weeks=4)
    alert = make_alert(world.customer, world.alice)
    world.customer.silent_since = timezone.localdate() - timedelta(days=12)
    world.customer.save(update_fields=["silent_since"])
    response = _client(world.alice).get(f"/churn/customers/{world.customer.pk}/panel/")
    html = response.content.decode()
    assert "72 %" in html
    assert "31 %" in html
    assert "silent since" in html
    assert "Most valuable" in html
    assert "no order for 94 days" in html
    assert f"/alerts/{alert.pk}/" in html
    assert "Cold start" not in html
    chart = json.loads(html.split(f'id="risk-chart-{world.customer.pk}"')[1].split(">", 1)[1]
                       .split("</script>")[0])  # fmt: skip
    assert len(chart["labels"]) == 4
    assert chart["churn"][-1] == 75.0


def test_customer_page_loads_the_risk_panel(world: World) -> None:
    html = _client(world.alice).get(f"/customers/{world.customer.pk}/").content.decode()
    assert f'hx-get="/churn/customers/{world.customer.pk}/panel/"' in html
    assert "chart-4.5.1.umd.min.js" in html


def test_model_page_shows_quality_drift_and_versions(world: World) -> None:
    current = make_model_version()
    make_model_version(status=ModelVersion.Status.RETIRED)
    make_backtest()
    html = _client(world.manager).get("/churn/models/").content.decode()
    assert "0.810" in html
    assert "0.720" in html
    assert "nps_recent" in html.split("Drift")[1].split("</div>")[0]
    assert f"Current version v{current.pk}" in html
    assert "Cold start" in html
    assert "Make current" not in html  # the manager only looks
    assert 'id="calibration-data"' in html
    assert 'id="lift-data"' in html
    assert "Make current" in _client(world.admin).get("/churn/models/").content.decode()
    assert _client(world.alice).get("/churn/models/").status_code == 403


def test_model_page_copes_with_an_empty_report(world: World) -> None:
    make_model_version(metrics={}, baselines={"recency": None}, drift={"x": None})
    response = _client(world.admin).get("/churn/models/")
    assert response.status_code == 200
    assert "n/a" in response.content.decode()


def test_admin_rolls_back_to_a_retired_version(world: World) -> None:
    current = make_model_version()
    old = make_model_version(status=ModelVersion.Status.RETIRED)
    assert _client(world.admin).post(f"/churn/models/{old.pk}/promote/").status_code == 302
    old.refresh_from_db()
    current.refresh_from_db()
    assert (old.status, current.status) == ("current", "retired")
    assert _client(world.manager).post(f"/churn/models/{current.pk}/promote/").status_code == 403


def test_train_now_queues_training(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr("churn.services.model_train_request", lambda **kw: calls.append(kw))
    response = _client(world.admin).post("/churn/models/train/")
    assert response.status_code == 302
    assert calls == [{"acting_user": world.admin}]


def test_backtest_form_refuses_the_future_and_queues_the_past(world: World) -> None:
    client = _client(world.admin)
    future = timezone.localdate() + timedelta(days=3)
    response = client.post(
        "/churn/backtests/", {"as_of": future.isoformat(), "horizon_days": 90}, follow=True
    )
    assert "A backtest looks at the past" in response.content.decode()
    past = timezone.localdate() - timedelta(days=100)
    client.post("/churn/backtests/", {"as_of": past.isoformat(), "horizon_days": 90})
    assert Backtest.objects.get().as_of == past


def test_runs_page_polls_running_runs_only(world: World) -> None:
    running = make_run()
    done = make_run(status=ScoringRun.Status.DONE, chunks_done=10, finished_at=timezone.now())
    html = _client(world.manager).get("/churn/runs/").content.decode()
    assert f'hx-get="/churn/runs/{running.pk}/progress/"' in html
    assert f'hx-get="/churn/runs/{done.pk}/progress/"' not in html
    assert "Start full run" not in html
    fragment = _client(world.manager).get(f"/churn/runs/{running.pk}/progress/")
    assert 'value="40"' in fragment.content.decode()


def test_admin_starts_a_full_run(world: World) -> None:
    response = _client(world.admin).post("/churn/runs/start/")
    assert response.status_code == 302
    assert ScoringRun.objects.get().kind == ScoringRun.Kind.FULL


def _settings_post() -> dict[str, object]:
    data: dict[str, object] = {
        "settings-horizon_days": 60,
        "settings-silence_threshold": 0.3,
        "settings-value_horizon_days": 365,
        "settings-most_valuable_share": 0.05,
        "settings-complaint_spike_count": 3,
        "settings-alert_cooldown_days": 30,
        "settings-escalation_business_days": 2,
    }
    for tier, value in {"top": 0.3, "high": 0.5, "medium": 0.6, "low": 0.8}.items():
        data[f"tier-{tier}-churn_probability"] = value
    for kind in Alert.Kind.values:
        data[f"play-{kind}-reaction"] = "call"
        data[f"play-{kind}-instructions"] = f"Call about {kind}"
        data[f"play-{kind}-due_days"] = 2
    return data


def test_settings_save_through_the_configuration_services(world: World) -> None:
    response = _client(world.admin).post("/churn/settings/", _settings_post())
    assert response.status_code == 302
    settings = ScoringSettings.objects.get(pk=1)
    assert (settings.horizon_days, settings.escalation_business_days) == (60, 2)
    assert AlertThreshold.objects.get(tier="top").churn_probability == 0.3
    assert PlaybookEntry.objects.get(kind="silence").instructions == "Call about silence"


def test_settings_errors_stay_on_their_fields_and_nothing_is_saved(world: World) -> None:
    data = _settings_post()
    data["settings-silence_threshold"] = 1.5
    data["tier-low-churn_probability"] = 2
    response = _client(world.admin).post("/churn/settings/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="error" role="alert"') >= 2
    assert not AlertThreshold.objects.exists()
    assert _client(world.manager).get("/churn/settings/").status_code == 403


def test_run_duration_reads_in_seconds_minutes_hours(world: World) -> None:
    start = timezone.now()
    make_run(status=ScoringRun.Status.DONE, finished_at=start, chunks_done=10)
    ScoringRun.objects.update(started_at=start - timedelta(minutes=3, seconds=5))
    assert "3 min 5 s" in _client(world.manager).get("/churn/runs/").content.decode()
