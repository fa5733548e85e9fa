import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from campaigns.delivery.selectors import campaign_held_list, campaign_progress
from campaigns.delivery.tests.factories import make_campaign, make_send, public_tokens_for_walk
from campaigns.models import CampaignSend
from conftest import World
from customers.models import Consent
from interactions.models import Interaction


@pytest.fixture
def tokens(world: World) -> dict[str, str]:
    return public_tokens_for_walk(world.customer)


def _send(world: World) -> CampaignSend:
    return CampaignSend.objects.get(customer=world.customer)


def _withdrawals(world: World) -> int:
    return world.customer.consent_changes.filter(is_granted=False).count()


def test_unsubscribe_page_then_confirm(world: World, tokens: dict[str, str]) -> None:
    url = reverse("public:unsubscribe", kwargs={"token": tokens["unsubscribe"]})
    client = Client(enforce_csrf_checks=True)
    page = client.get(url)
    assert page.status_code == 200
    assert b"csrfmiddlewaretoken" in page.content
    assert b"mainnav" not in page.content
    assert _send(world).unsubscribed_at is None  # a GET changes nothing
    csrf = page.cookies["csrftoken"].value
    done = client.post(url, {"csrfmiddlewaretoken": csrf})
    assert done.status_code == 200
    consent = Consent.objects.get(customer=world.customer, purpose="marketing_email")
    assert (consent.is_granted, consent.source) == (False, Consent.Source.UNSUBSCRIBE)
    assert _send(world).unsubscribed_at is not None
    client.post(url, {"csrfmiddlewaretoken": csrf})
    assert _withdrawals(world) == 1  # idempotent


def test_one_click_post_without_csrf(world: World, tokens: dict[str, str]) -> None:
    url = reverse("public:unsubscribe-one-click", kwargs={"token": tokens["unsubscribe"]})
    client = Client(enforce_csrf_checks=True)
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert _send(world).unsubscribed_at is not None
    assert _withdrawals(world) == 1


@pytest.mark.parametrize("name", ["unsubscribe", "unsubscribe-one-click", "open", "click"])
def test_tampered_token_is_refused_and_changes_nothing(
    world: World, tokens: dict[str, str], name: str
) -> None:
    salt_of = {"unsubscribe-one-click": "unsubscribe"}
    token = tokens[salt_of.get(name, name)]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    client = Client()
    method = client.get if name in ("open", "click") else client.post
    response = method(reverse(f"public:{name}", kwargs={"token": tampered}))
    assert response.status_code == 400
    send = _send(world)
    assert (send.opened_at, send.clicked_at, send.unsubscribed_at) == (None, None, None)
    assert _withdrawals(world) == 0


def test_tokens_of_one_kind_do_not_work_for_another(world: World, tokens: dict[str, str]) -> None:
    url = reverse("public:unsubscribe", kwargs={"token": tokens["open"]})
    assert Client().post(url).status_code == 400


def test_open_pixel_records_the_first_open_on_the_timeline(
    world: World, tokens: dict[str, str]
) -> None:
    url = reverse("public:open", kwargs={"token": tokens["open"]})
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert "no-cache" in response["Cache-Control"]
    first = _send(world).opened_at
    assert first is not None
    Client().get(url)
    assert _send(world).opened_at == first
    opened = Interaction.objects.get(customer=world.customer, subject__startswith="Opened")
    assert opened.campaign_id == _send(world).campaign_id
    assert (opened.channel, opened.direction) == ("email", "in")


def test_click_redirects_only_to_the_signed_target(world: World, tokens: dict[str, str]) -> None:
    url = reverse("public:click", kwargs={"token": tokens["click"]})
    response = Client().get(url + "?next=https://evil.example.com")
    assert response.status_code == 302
    assert response["Location"] == "https://shop.example.com/offer"
    send = _send(world)
    assert send.clicked_at is not None
    assert send.opened_at is not None
    Client().get(url)
    subjects = sorted(
        Interaction.objects.filter(
            customer=world.customer, campaign_id=send.campaign_id
        ).values_list("subject", flat=True)
    )
    assert subjects == ["Clicked: Come back", "Opened: Come back"]


def test_click_token_for_a_javascript_url_is_refused(world: World) -> None:
    from campaigns.delivery.tokens import SendKey, click_token

    token = click_token(key=SendKey(1, world.customer.pk, ""), url="javascript:alert(1)")
    assert Client().get(reverse("public:click", kwargs={"token": token})).status_code == 400


def test_bounce_report_marks_the_send(world: World) -> None:
    campaign = make_campaign()
    send = make_send(campaign, world.customer, message_id="<abc@crm.example.com>")
    client = APIClient()
    url = reverse("api:campaign-send-bounce")
    client.force_authenticate(world.alice)
    assert client.post(url, {"message_id": "<abc@crm.example.com>"}).status_code == 403
    client.force_authenticate(world.manager)
    assert client.post(url, {"message_id": "<nope@x>"}).status_code == 404
    response = client.post(url, {"message_id": "<abc@crm.example.com>"})
    assert response.status_code == 200
    assert response.json()["state"] == "bounced"
    send.refresh_from_db()
    assert send.bounced_at is not None


def test_progress_and_held_list(world: World, django_assert_num_queries: object) -> None:
    campaign = make_campaign()
    make_send(campaign, world.customer, opened_at=world.order.created_at)
    from tests.factories import make_customer

    for i in range(3):
        make_send(
            campaign,
            make_customer(owner=world.alice, team=world.north),
            state=CampaignSend.State.HELD,
            held_reason=f"reason {i}",
        )
    with django_assert_num_queries(1):  # type: ignore[operator]
        progress = campaign_progress(campaign=campaign)
    assert progress["sent"] == 1
    assert progress["held"] == 3
    assert progress["opened"] == 1
    assert progress["total"] == 4
    assert progress["clicked"] == 0
    with django_assert_num_queries(1):  # type: ignore[operator]
        page = campaign_held_list(campaign=campaign, cursor=None, size=2)
        names = [s.customer.name for s in page.rows]
    assert len(names) == 2
    assert page.next_cursor
    rest = campaign_held_list(campaign=campaign, cursor=page.next_cursor, size=2)
    assert [s.held_reason for s in rest.rows] == ["reason 2"]
