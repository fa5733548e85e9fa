"""Consent on the customer page and in the API, and scoring that honours an objection to
profiling: objectors are not scored, trained on or alerted about, and their stored scores
go at once (page, API) or at the next run (imports)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from churn import services
from churn.extract import Scope, aggregates_as_of
from churn.models import Alert, CustomerScore, ScoreHistory, ScoringRun
from churn.tests.factories import make_alert
from churn.tests.history import make_history
from conftest import World
from customers.consent import consent_record
from customers.models import Consent, ConsentChange, Customer

PROFILING = Consent.Purpose.PROFILING


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _full_run() -> ScoringRun:
    run = ScoringRun.objects.create(
        kind=ScoringRun.Kind.FULL, as_of=timezone.localdate(), changes_until=timezone.now()
    )
    for chunk_id in services.scoring_run_plan(run_id=run.pk):
        services.scoring_chunk_process(chunk_id=chunk_id)
    run.refresh_from_db()
    return run


def _object(customer: Customer, user=None) -> None:
    services.customer_consent_record(
        customer=customer,
        purpose=PROFILING,
        is_granted=False,
        source=Consent.Source.FORM,
        acting_user=user,
    )


# --- the panel ---------------------------------------------------------------------------


def test_panel_shows_each_purpose_never_asked_and_profiling_allowed(world: World) -> None:
    response = _client(world.alice).get(reverse("churn:consent-panel", args=[world.customer.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("never asked") == 4  # the four opt-in purposes
    assert "allowed (no objection)" in body
    assert "Record an answer" in body


def test_support_records_an_answer_with_htmx_and_the_panel_comes_back(world: World) -> None:
    url = reverse("churn:consent-panel", args=[world.customer.pk])
    data = {
        "purpose": "marketing_email",
        "answer": "granted",
        "source": "form",
        "wording_version": "2026-01",
    }
    response = _client(world.bob).post(url, data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Trigger"] == "consent-changed"
    assert "Consent recorded." in response.content.decode()
    consent = Consent.objects.get(customer=world.customer, purpose="marketing_email")
    assert (consent.is_granted, consent.source, consent.wording_version, consent.recorded_by) == (
        True,
        "form",
        "2026-01",
        world.bob,
    )
    assert ConsentChange.objects.filter(customer=world.customer).count() == 1


def test_a_plain_post_goes_back_to_the_customer_and_a_stranger_gets_404(world: World) -> None:
    url = reverse("churn:consent-panel", args=[world.customer.pk])
    data = {"purpose": "phone", "answer": "withdrawn", "source": "form"}
    response = _client(world.alice).post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[world.customer.pk])
    assert _client(world.charlie).post(url, data).status_code == 404
    assert Consent.objects.filter(customer=world.customer).count() == 1


def test_recording_consent_needs_the_change_consent_capability(world: World) -> None:
    support = world.bob.groups.get(name="Support")
    support.permissions.remove(
        Permission.objects.get(codename="change_consent", content_type__app_label="customers")
    )
    url = reverse("churn:consent-panel", args=[world.customer.pk])
    response = _client(world.bob).post(url, {"purpose": "phone", "answer": "granted"})
    assert response.status_code == 403


# --- the API -----------------------------------------------------------------------------


def test_api_records_an_objection_and_lists_answers_and_history(world: World) -> None:
    client = _client(world.alice)
    url = reverse("api:customer-consents", args=[world.customer.pk])
    response = client.post(
        url, {"purpose": "profiling", "is_granted": False, "wording_version": "v3"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["objects_to_profiling"] is True
    assert body["current"][0]["source"] == "api"
    assert [h["is_granted"] for h in body["history"]] == [False]

    detail = client.get(reverse("api:customer-detail", args=[world.customer.pk])).json()
    assert detail["consents"][0]["purpose"] == "profiling"
    assert client.post(url, {"purpose": "nope", "is_granted": True}).status_code == 400
    future = (timezone.now() + timedelta(days=1)).isoformat()
    bad = client.post(url, {"purpose": "post", "is_granted": True, "recorded_at": future})
    assert bad.status_code == 400


# --- scoring -------------------------------------------------------------------------------


@pytest.fixture
def history(world: World):
    return make_history(owner=world.alice, team=world.north, count=120, today=timezone.localdate())


def test_an_objector_is_not_scored_and_the_page_says_so(history, world: World) -> None:
    objector = history.customers[0]
    _object(objector, world.alice)

    _full_run()

    assert not CustomerScore.objects.filter(customer=objector).exists()
    assert CustomerScore.objects.filter(customer=history.customers[1]).exists()
    assert not Alert.objects.filter(customer=objector).exists()
    panel = _client(world.alice).get(reverse("churn:risk-panel", args=[objector.pk]))
    assert "Not scored: objected to profiling on" in panel.content.decode()
    score = _client(world.alice).get(reverse("api:customer-score", args=[objector.pk])).json()
    assert score["score"] is None
    assert score["profiling_objected_at"] is not None


def test_an_objection_removes_the_score_and_risk_alerts_at_once(history, world: World) -> None:
    _full_run()
    customer = history.customers[2]
    assert CustomerScore.objects.filter(customer=customer).exists()
    Alert.objects.filter(customer=customer).delete()
    alert = make_alert(customer, world.alice)
    event = make_alert(customer, world.alice, kind=Alert.Kind.COMPLAINT_SPIKE)

    _object(customer, world.alice)

    assert not CustomerScore.objects.filter(customer=customer).exists()
    assert not ScoreHistory.objects.filter(customer=customer).exists()
    alert.refresh_from_db()
    event.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert alert.task.done_at is not None
    assert event.status == Alert.Status.OPEN  # a fact about the customer, not a profile
    assert CustomerScore.objects.filter(customer=history.customers[3]).exists()


def test_withdrawing_the_objection_makes_them_scored_at_the_next_run(history, world: World) -> None:
    customer = history.customers[0]
    _object(customer)
    _full_run()
    assert not CustomerScore.objects.filter(customer=customer).exists()

    services.customer_consent_record(
        customer=customer,
        purpose=PROFILING,
        is_granted=True,
        source=Consent.Source.FORM,
        acting_user=world.alice,
    )
    _full_run()

    assert CustomerScore.objects.filter(customer=customer).exists()


def test_an_objection_recorded_elsewhere_is_applied_when_the_next_run_plans(
    history, world: World
) -> None:
    _full_run()
    customer = history.customers[4]
    # An import records consent below churn: the score stays until the next run.
    consent_record(
        customer=customer,
        purpose=PROFILING,
        is_granted=False,
        source=Consent.Source.IMPORT,
        acting_user=None,
    )
    assert CustomerScore.objects.filter(customer=customer).exists()
    panel = _client(world.alice).get(reverse("churn:risk-panel", args=[customer.pk]))
    assert "Not scored: objected to profiling on" in panel.content.decode()

    _full_run()

    assert not CustomerScore.objects.filter(customer=customer).exists()
    assert not ScoreHistory.objects.filter(customer=customer).exists()


def test_training_and_backtests_read_no_objector(history) -> None:
    objector = history.customers[5]
    _object(objector)
    as_of = timezone.localdate()
    agg = aggregates_as_of(as_of=as_of, include_former=True)
    assert objector.pk not in agg.index
    assert history.customers[6].pk in agg.index
    assert aggregates_as_of(as_of=as_of, scope=Scope(ids=[objector.pk])).empty
