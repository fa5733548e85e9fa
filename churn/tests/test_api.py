"""Churn API: the same doors and services as the pages."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from churn.models import Alert, AlertThreshold, ModelVersion, PlaybookEntry, ScoringRun
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


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_alert_list_is_my_inbox_with_reasons_as_code_values_and_text(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    body = _client(world.alice).get("/api/v1/alerts/").json()
    assert [a["id"] for a in body["results"]] == [alert.pk]
    assert body["next_cursor"] is None
    reason = body["results"][0]["reasons"][0]
    assert reason["code"] == "gap_ratio"
    assert reason["values"] == {"recency_days": 94, "cadence_days": 21}
    assert reason["text"] == "no order for 94 days; usually orders every 21 days"
    assert _client(world.bob).get("/api/v1/alerts/").json()["results"] == []


def test_alert_list_filters_by_status_and_rejects_bad_input(world: World) -> None:
    make_alert(world.customer, world.alice, status=Alert.Status.RESOLVED, outcome="saved")
    client = _client(world.alice)
    assert client.get("/api/v1/alerts/").json()["results"] == []
    assert len(client.get("/api/v1/alerts/?status=resolved").json()["results"]) == 1
    assert client.get("/api/v1/alerts/?status=everything").status_code == 400
    assert client.get("/api/v1/alerts/?cursor=%%%").status_code == 400


def test_alert_list_query_count_is_constant(world: World, django_assert_num_queries) -> None:
    client = _client(world.alice)
    customers = [make_customer(owner=world.alice, team=world.north) for _ in range(6)]
    make_alert(customers[0], world.alice)
    client.get("/api/v1/alerts/")
    # teams of the door, the alerts page (force_authenticate: no session or user query)
    with django_assert_num_queries(2):
        client.get("/api/v1/alerts/")
    for customer in customers[1:]:
        make_alert(customer, world.alice, escalated_to=world.manager)
    with django_assert_num_queries(2):
        assert len(client.get("/api/v1/alerts/").json()["results"]) == 6


def test_alert_list_pages_with_cursor(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("churn.api.views.alerts.ALERT_PAGE_SIZE", 2)
    for n in range(3):
        make_alert(make_customer(owner=world.alice, team=world.north), world.alice,
                   expected_value_cents=1_000 * (n + 1))  # fmt: skip
    client = _client(world.alice)
    first = client.get("/api/v1/alerts/").json()
    second = client.get(f"/api/v1/alerts/?cursor={first['next_cursor']}").json()
    assert len(first["results"]) == 2
    assert len(second["results"]) == 1


def test_acknowledge_snooze_resolve(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    client = _client(world.alice)
    url = f"/api/v1/alerts/{alert.pk}"
    assert client.post(f"{url}/acknowledge/").json()["status"] == "acknowledged"
    until = (timezone.localdate() + timedelta(days=4)).isoformat()
    snoozed = client.post(f"{url}/snooze/", {"until": until}, format="json").json()
    assert (snoozed["status"], snoozed["snoozed_until"]) == ("snoozed", until)
    resolved = client.post(
        f"{url}/resolve/", {"outcome": "saved", "note": "Called"}, format="json"
    ).json()
    assert (resolved["status"], resolved["outcome"], resolved["note"]) == (
        "resolved", "saved", "Called"
    )  # fmt: skip


def test_validation_errors_are_400_with_field_messages(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    client = _client(world.alice)
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(f"/api/v1/alerts/{alert.pk}/snooze/", {"until": past}, format="json")
    assert response.status_code == 400
    assert "until" in response.json()
    response = client.post(f"/api/v1/alerts/{alert.pk}/resolve/", {"outcome": "x"}, format="json")
    assert response.status_code == 400
    assert "outcome" in response.json()
    alert.refresh_from_db()
    assert alert.status == Alert.Status.OPEN


def test_stranger_404_read_only_403(world: World) -> None:
    alert = make_alert(world.customer, world.alice)
    assert _client(world.charlie).get(f"/api/v1/alerts/{alert.pk}/").status_code == 404
    assert _client(world.bob).get(f"/api/v1/alerts/{alert.pk}/").status_code == 200
    assert _client(world.bob).post(f"/api/v1/alerts/{alert.pk}/acknowledge/").status_code == 403
    score_url = f"/api/v1/customers/{world.customer.pk}/score/"
    assert _client(world.charlie).get(score_url).status_code == 404


def test_preferences_get_and_put(world: World) -> None:
    client = _client(world.alice)
    assert client.get("/api/v1/alerts/preferences/").json() == {"delivery": "immediate"}
    response = client.put("/api/v1/alerts/preferences/", {"delivery": "none"}, format="json")
    assert response.json() == {"delivery": "none"}
    bad = client.put("/api/v1/alerts/preferences/", {"delivery": "fax"}, format="json")
    assert bad.status_code == 400


def test_customer_score_has_history_alerts_and_worded_reasons(world: World) -> None:
    make_score(world.customer)
    make_history(world.customer, weeks=3)
    make_alert(world.customer, world.alice)
    body = _client(world.bob).get(f"/api/v1/customers/{world.customer.pk}/score/").json()
    assert body["score"]["churn_probability"] == 0.72
    assert body["score"]["reasons"][1]["text"] == "3 complaints in 90 days, 1 unresolved"
    assert len(body["history"]) == 3
    assert body["open_alerts"][0]["customer_name"] == world.customer.name
    assert body["is_silent"] is False


def test_customer_score_before_scoring_is_null(world: World) -> None:
    body = _client(world.alice).get(f"/api/v1/customers/{world.customer.pk}/score/").json()
    assert body["score"] is None
    assert body["is_cold_start"] is True


def test_models_list_train_promote(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    current = make_model_version()
    old = make_model_version(status=ModelVersion.Status.RETIRED)
    assert len(_client(world.manager).get("/api/v1/churn/models/").json()) == 2
    assert _client(world.alice).get("/api/v1/churn/models/").status_code == 403
    assert _client(world.manager).post(f"/api/v1/churn/models/{old.pk}/promote/").status_code == 403
    promoted = _client(world.admin).post(f"/api/v1/churn/models/{old.pk}/promote/").json()
    assert promoted["status"] == "current"
    current.refresh_from_db()
    assert current.status == "retired"
    assert _client(world.admin).post("/api/v1/churn/models/999999/promote/").status_code == 404
    calls = []
    monkeypatch.setattr("churn.services.model_train_request", lambda **kw: calls.append(kw))
    assert _client(world.admin).post("/api/v1/churn/models/train/").status_code == 202
    assert calls == [{"acting_user": world.admin}]


def test_rejected_promotion_is_400(world: World) -> None:
    version = make_model_version(status=ModelVersion.Status.RETIRED, feature_columns=["old"])
    response = _client(world.admin).post(f"/api/v1/churn/models/{version.pk}/promote/")
    assert response.status_code == 400


def test_runs_list_start_detail(world: World) -> None:
    run = make_run()
    assert _client(world.manager).get("/api/v1/churn/runs/").json()[0]["progress_percent"] == 40
    detail = _client(world.manager).get(f"/api/v1/churn/runs/{run.pk}/").json()
    assert detail["customers_scored"] == 2000
    assert _client(world.admin).post("/api/v1/churn/runs/", {"kind": "weekly"}).status_code == 400
    response = _client(world.admin).post("/api/v1/churn/runs/", {"kind": "changed"})
    assert response.status_code == 201
    assert ScoringRun.objects.get(pk=response.json()["id"]).kind == "changed"
    assert _client(world.manager).post("/api/v1/churn/runs/", {"kind": "full"}).status_code == 403


def test_backtests_list_and_create(world: World) -> None:
    make_backtest()
    assert len(_client(world.manager).get("/api/v1/churn/backtests/").json()) == 1
    future = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = _client(world.admin).post(
        "/api/v1/churn/backtests/", {"as_of": future, "horizon_days": 90}, format="json"
    )
    assert response.status_code == 400
    assert "as_of" in response.json()
    past = (timezone.localdate() - timedelta(days=200)).isoformat()
    response = _client(world.admin).post(
        "/api/v1/churn/backtests/", {"as_of": past, "horizon_days": 90}, format="json"
    )
    assert response.status_code == 201


def test_settings_get_and_patch(world: World) -> None:
    body = _client(world.manager).get("/api/v1/churn/settings/").json()
    assert body["settings"]["horizon_days"] == 90
    assert body["thresholds"]["top"] == 0.35
    assert body["playbook"]["silence"]["reaction"] == "needs"
    patch = {
        "settings": {"horizon_days": 120},
        "thresholds": {"low": 0.8},
        "playbook": {"silence": {"reaction": "event", "instructions": "Invite", "due_days": 7}},
    }
    assert (
        _client(world.manager).patch("/api/v1/churn/settings/", patch, format="json").status_code
        == 403
    )
    body = _client(world.admin).patch("/api/v1/churn/settings/", patch, format="json").json()
    assert body["settings"]["horizon_days"] == 120
    assert body["thresholds"]["low"] == 0.8
    assert PlaybookEntry.objects.get(kind="silence").reaction == "event"


def test_settings_patch_rejects_bad_values_and_saves_nothing(world: World) -> None:
    patch = {"thresholds": {"low": 0.8, "gold": 0.5}, "settings": {"horizon_days": -3}}
    response = _client(world.admin).patch("/api/v1/churn/settings/", patch, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"thresholds", "settings"}
    assert not AlertThreshold.objects.exists()
    response = _client(world.admin).patch(
        "/api/v1/churn/settings/", {"settings": {"silence_threshold": 1.5}}, format="json"
    )
    assert response.status_code == 400


def test_schema_lists_the_churn_api(world: World) -> None:
    response = _client(world.alice).get("/api/schema/")
    assert response.status_code == 200
    for path in (b"/api/v1/alerts/", b"/api/v1/customers/{id}/score/", b"/api/v1/churn/models/"):
        assert path in response.content
