"""Automation pages and API: list with sends so far, the form, the switch."""

import pytest
from django.test import Client

from campaigns.automations.tests.factories import make_automation
from campaigns.delivery.tests.factories import make_template
from campaigns.models import Automation, CampaignSend
from conftest import World


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_shows_trigger_channel_state_and_sends(world: World) -> None:
    automation = make_automation(world.manager, name="Happy birthday", delay_days=2)
    CampaignSend.objects.create(
        campaign=automation.campaign,
        customer=world.customer,
        occasion="birthday:2026",
        state=CampaignSend.State.SENT,
        reference_at=world.customer.created_at,
    )
    html = _client(world.alice).get("/campaigns/automations/").content.decode()
    assert "Happy birthday" in html
    assert "Birthday" in html
    assert "2 days later" in html
    assert "Switch on" not in html  # alice may not switch automations
    manager_html = _client(world.manager).get("/campaigns/automations/").content.decode()
    assert "Switch on" in manager_html


def test_list_query_count_does_not_grow_with_automations(
    world: World, django_assert_max_num_queries
) -> None:
    for n in range(4):
        make_automation(world.manager, name=f"Automation {n}")
    client = _client(world.manager)
    client.get("/campaigns/automations/")
    with django_assert_max_num_queries(8):
        response = client.get("/campaigns/automations/")
    assert response.content.decode().count('id="automation-') == 4


def test_create_through_the_form_then_switch_on(world: World) -> None:
    template = make_template()
    client = _client(world.manager)
    response = client.post(
        "/campaigns/automations/new/",
        {
            "name": "Welcome",
            "trigger": "welcome",
            "delay_days": "1",
            "channel": "email",
            "segment": "",
            "template": str(template.pk),
            "goal": "welcome",
            "control_percent": "20",
            "attribution_days": "14",
            "coupon_kind": "none",
            "coupon_valid_days": "30",
        },
    )
    assert response.status_code == 302
    automation = Automation.objects.get()
    assert (automation.trigger, automation.delay_days) == ("welcome", 1)
    assert automation.campaign.segment is None
    response = client.post(
        f"/campaigns/automations/{automation.pk}/switch/", {"is_active": "1"}, follow=True
    )
    assert "Welcome is on." in response.content.decode()
    automation.refresh_from_db()
    assert automation.is_active


def test_form_errors_come_back_onto_the_fields(world: World) -> None:
    sms = make_template(channel="sms")
    response = _client(world.manager).post(
        "/campaigns/automations/new/",
        {
            "name": "Broken",
            "trigger": "birthday",
            "delay_days": "0",
            "channel": "email",
            "template": str(sms.pk),
            "goal": "loyalty",
            "control_percent": "10",
            "attribution_days": "30",
            "coupon_kind": "none",
            "coupon_valid_days": "30",
        },
    )
    assert response.status_code == 200
    assert "another channel" in response.content.decode()
    assert not Automation.objects.exists()


def test_switching_on_without_text_says_why(world: World) -> None:
    automation = make_automation(world.manager, template=None)
    response = _client(world.manager).post(
        f"/campaigns/automations/{automation.pk}/switch/", {"is_active": "1"}, follow=True
    )
    assert "Choose the automation" in response.content.decode()


def test_api_create_update_switch(world: World) -> None:
    template = make_template()
    client = _client(world.manager)
    created = client.post(
        "/api/v1/automations/",
        {
            "name": "NPS follow-up",
            "trigger": "nps_detractor",
            "channel": "email",
            "template": template.pk,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["goal"], body["is_active"], body["sent_count"]) == ("service", False, 0)
    updated = client.put(
        f"/api/v1/automations/{body['id']}/",
        {
            "name": "NPS follow-up",
            "trigger": "nps_detractor",
            "channel": "email",
            "template": template.pk,
            "delay_days": 3,
        },
        content_type="application/json",
    )
    assert updated.json()["delay_days"] == 3
    switched = client.post(
        f"/api/v1/automations/{body['id']}/switch/",
        {"is_active": True},
        content_type="application/json",
    )
    assert switched.json()["is_active"] is True
    listed = _client(world.alice).get("/api/v1/automations/").json()
    assert [a["name"] for a in listed] == ["NPS follow-up"]


@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_api_switch_refused_without_the_launch_permission(world: World, persona: str) -> None:
    automation = make_automation(world.manager)
    response = _client(getattr(world, persona)).post(
        f"/api/v1/automations/{automation.pk}/switch/",
        {"is_active": True},
        content_type="application/json",
    )
    assert response.status_code == 403
