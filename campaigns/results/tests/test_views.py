"""Results panel, overview, CSV and API."""

import csv
import io
import json
import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign
from campaigns.results.tests.factories import GROUP, add_send, make_campaign, measured_campaign
from conftest import World

HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_panel_shows_figures_chart_data_and_small_group_warning(world: World) -> None:
    measured = measured_campaign(owner=world.alice, team=world.north)
    html = (
        _client(world.manager)
        .get(f"/campaigns/results/{measured.campaign.pk}/panel/", headers=HTMX)
        .content.decode()
    )
    assert "Too few customers to tell" in html
    assert "25.0 %" in html  # reactivated, treated
    assert "33.3 %" in html  # and control
    assert "−8.3 pp" in html  # the uplift, with a real minus sign
    assert "created within 90 days before the message" in html
    found = re.search(
        r'<script id="results-chart-\d+" type="application/json">(.*?)</script>', html
    )
    assert found is not None
    data = json.loads(found.group(1))
    assert data["treated"] == [25.0, 50.0]
    assert data["control"] == [33.33, 33.33]
    assert len(data["treated_ci"]) == 2
    assert "<html" not in html  # a fragment for htmx


def test_panel_of_a_window_still_open_is_provisional(world: World) -> None:
    campaign = make_campaign(world.manager, launched_at=timezone.now())
    add_send(campaign, world.customer, GROUP.TREATED, timezone.now() - timedelta(days=1))
    html = _client(world.admin).get(f"/campaigns/results/{campaign.pk}/panel/").content.decode()
    assert "provisional" in html


def test_overview_lists_campaigns_and_compares_by_new_customers(world: World) -> None:
    measured_campaign(owner=world.alice, team=world.north)
    make_campaign(world.manager, name="Draft", status=Campaign.Status.DRAFT, launched_at=None)
    html = _client(world.manager).get("/campaigns/results/?by=new").content.decode()
    assert "Win back spring" in html
    assert "Draft" not in html
    assert "New customers" in html
    assert "Existing customers" in html
    assert 'id="uplift-data"' in html


def test_overview_query_count_is_constant(world: World, django_assert_max_num_queries) -> None:
    measured = measured_campaign(owner=world.alice, team=world.north)
    for n in range(4):
        extra = make_campaign(world.manager, name=f"Extra {n}")
        add_send(extra, world.customer, GROUP.CONTROL, measured.reference_at)
    client = _client(world.manager)
    client.get("/campaigns/results/")
    with django_assert_max_num_queries(12):
        response = client.get("/campaigns/results/?by=segment")
    assert response.content.decode().count('id="campaign-') == 5


def test_csv_neutralises_formulas_and_keeps_negative_numbers(world: World) -> None:
    measured = measured_campaign(owner=world.alice, team=world.north)
    Campaign.objects.filter(pk=measured.campaign.pk).update(name='=HYPERLINK("x")')
    response = _client(world.manager).get("/campaigns/results/export.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["campaign"] == '\'=HYPERLINK("x")'
    assert float(rows[0]["reactivation_uplift"]) < 0  # written as a number, not "'-0.08"
    assert rows[0]["coupon_cost_cents"] == "1000"
    assert rows[0]["too_few_to_tell"] == "1"


def test_api_results_and_overview(world: World) -> None:
    measured = measured_campaign(owner=world.alice, team=world.north)
    client = _client(world.manager)
    body = client.get(f"/api/v1/campaigns/{measured.campaign.pk}/results/?by=new").json()
    assert body["overall"]["treated"]["n"] == 4
    assert body["coupon_cost_cents"] == 1000
    assert [s["key"] for s in body["breakdown"]] == ["new", "existing"]
    assert (
        client.get(f"/api/v1/campaigns/{measured.campaign.pk}/results/?by=moon").status_code == 400
    )
    overview = client.get("/api/v1/campaign-results/?by=goal").json()
    assert overview["rows"][0]["comparison"]["reactivation"]["interval"]["low"] < 0
    assert _client(world.alice).get("/api/v1/campaign-results/").status_code == 403
