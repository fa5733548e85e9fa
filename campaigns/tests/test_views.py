"""Campaign, message-template, coupon and settings pages."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from campaigns.models import Campaign, CampaignSend, CampaignSettings, Coupon, MessageTemplate
from campaigns.tests.factories import (
    EVERYONE_RULES,
    add_send,
    make_coupon,
    make_draft,
    make_segment,
    make_template,
)
from conftest import World
from interactions.models import Order
from tests.factories import make_customer

HTMX = {"HX-Request": "true"}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Winter win-back",
        "goal": "win_back",
        "channel": "email",
        "control_percent": 10,
        "attribution_days": 30,
        "coupon_kind": "value",
        "coupon_amount": "7.50",
        "coupon_valid_days": 30,
    }
    return {**data, **overrides}


def test_manager_creates_a_campaign_with_a_fixed_value_coupon(world: World) -> None:
    segment, template = make_segment(), make_template(world.manager)
    response = _client(world.manager).post(
        "/campaigns/new/", _form(segment=segment.pk, template=template.pk)
    )
    campaign = Campaign.objects.get(name="Winter win-back")
    assert response.status_code == 302
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.coupon_value_cents, campaign.coupon_percent) == (750, None)
    assert campaign.status == Campaign.Status.DRAFT


def test_campaign_form_shows_the_services_errors_on_the_fields(world: World) -> None:
    sms = make_template(world.manager, name="SMS text", channel="sms", subject="")
    response = _client(world.manager).post(
        "/campaigns/new/",
        _form(segment=make_segment().pk, template=sms.pk, coupon_kind="percent", coupon_amount=""),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter the coupon&#x27;s value or discount." in html
    response = _client(world.manager).post(
        "/campaigns/new/", _form(segment=make_segment().pk, template=sms.pk)
    )
    assert "another channel than the campaign" in response.content.decode()
    assert not Campaign.objects.filter(name="Winter win-back").exists()


def test_edit_prefills_and_saves_a_draft(world: World) -> None:
    campaign = make_draft(world.manager)
    client = _client(world.manager)
    html = client.get(f"/campaigns/{campaign.pk}/edit/").content.decode()
    assert 'name="coupon_amount" value="5"' in html
    assert "Spring win-back" in html
    assert campaign.segment is not None
    assert campaign.template is not None
    response = client.post(
        f"/campaigns/{campaign.pk}/edit/",
        _form(
            name="Spring v2",
            segment=campaign.segment.pk,
            template=campaign.template.pk,
            coupon_kind="percent",
            coupon_amount="15",
        ),
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert (campaign.name, campaign.coupon_percent, campaign.coupon_value_cents) == (
        "Spring v2",
        15,
        None,
    )


def test_launched_campaign_cannot_be_edited(world: World) -> None:
    campaign = make_draft(world.manager)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    response = _client(world.manager).get(f"/campaigns/{campaign.pk}/edit/")
    assert response.status_code == 302


def test_list_shows_progress_counts_with_a_constant_number_of_queries(
    world: World, django_assert_max_num_queries
) -> None:
    client = _client(world.alice)
    client.get("/campaigns/")  # warm the session and permission caches
    for n in range(3):
        campaign = make_draft(world.manager, name=f"Campaign {n}")
        add_send(campaign, world.customer, CampaignSend.State.SENT)
    with django_assert_max_num_queries(8) as few:
        client.get("/campaigns/")
    for n in range(3, 12):
        campaign = make_draft(world.manager, name=f"Campaign {n}")
        add_send(campaign, world.customer, CampaignSend.State.HELD, held_reason="no consent")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/campaigns/").content.decode()
    assert "Campaign 11" in html
    assert "Campaign 0" in html


def test_detail_shows_summary_progress_held_reasons_and_launch(world: World) -> None:
    campaign = make_draft(world.manager, segment=make_segment(rules=EVERYONE_RULES))
    add_send(campaign, world.customer, CampaignSend.State.HELD, held_reason="no email consent")
    html = _client(world.manager).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Spring win-back" in html
    assert "no email consent" in html
    assert "Aldona Petraitė" in html
    assert "Launch now" in html
    assert "Stop sending" not in html
    assert "Cancel draft" in html
    assert 'hx-trigger="every 3s"' not in html  # a draft does not poll


def test_detail_hides_held_back_names_the_user_may_not_see(world: World) -> None:
    campaign = make_draft(world.manager)
    add_send(campaign, world.customer, CampaignSend.State.HELD, held_reason="no email consent")
    html = _client(world.charlie).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "no email consent" in html
    assert "Aldona Petraitė" not in html
    assert "Launch now" not in html
    assert "Edit" not in html


def test_sending_campaign_polls_its_progress(world: World) -> None:
    campaign = make_draft(world.manager)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    add_send(campaign, world.customer, CampaignSend.State.QUEUED)
    client = _client(world.alice)
    assert 'hx-trigger="every 3s"' in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    fragment = client.get(f"/campaigns/{campaign.pk}/progress/", headers=HTMX).content.decode()
    assert "every 3s" in fragment
    assert "Queued" in fragment


def test_preview_search_and_preview_go_through_the_customer_door(world: World) -> None:
    campaign = make_draft(world.manager, segment=make_segment(rules=EVERYONE_RULES))
    client = _client(world.alice)
    found = client.get(f"/campaigns/{campaign.pk}/preview/customers/?q=aldona").content.decode()
    assert "Aldona Petraitė" in found
    preview = client.get(f"/campaigns/{campaign.pk}/preview/?customer={world.customer.pk}")
    assert preview.status_code == 200
    assert "As Aldona Petraitė would get it" in preview.content.decode()
    stranger = _client(world.charlie)
    nothing = stranger.get(f"/campaigns/{campaign.pk}/preview/customers/?q=aldona")
    assert "Aldona" not in nothing.content.decode().replace("“aldona”", "")
    refused = stranger.get(f"/campaigns/{campaign.pk}/preview/?customer={world.customer.pk}")
    assert refused.status_code == 404


def test_cancel_and_duplicate_from_the_detail_page(world: World) -> None:
    campaign = make_draft(world.manager)
    client = _client(world.manager)
    response = client.post(f"/campaigns/{campaign.pk}/duplicate/")
    copy = Campaign.objects.exclude(pk=campaign.pk).get()
    assert response["Location"] == f"/campaigns/{copy.pk}/edit/"
    client.post(f"/campaigns/{campaign.pk}/cancel/")
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CANCELLED
    again = client.post(f"/campaigns/{campaign.pk}/cancel/", follow=True)
    assert "cannot be cancelled" in again.content.decode()


def test_direct_mail_campaign_links_its_csv_once_launched(world: World) -> None:
    template = make_template(world.manager, name="Letter", channel="direct_mail")
    campaign = make_draft(world.manager, channel="direct_mail", template=template)
    client = _client(world.manager)
    assert "direct-mail.csv" not in client.get(f"/campaigns/{campaign.pk}/").content.decode()
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.COMPLETED, launched_at=timezone.now()
    )
    assert "direct-mail.csv" in client.get(f"/campaigns/{campaign.pk}/").content.decode()


def test_template_editor_saves_variants_and_shows_errors_per_language(world: World) -> None:
    client = _client(world.manager)
    page = client.get("/campaigns/templates/new/").content.decode()
    assert "coupon_code" in page
    assert "Lithuanian" in page
    assert "Greek" in page
    data = {
        "name": "Birthday",
        "channel": "email",
        "en-subject": "Happy birthday, {{ first_name }}",
        "en-body": "Dear {{ first_name }}, all the best!",
        "lt-subject": "Su gimtadieniu",
        "lt-body": "Sveiki, {{ vardas }}",
    }
    html = client.post("/campaigns/templates/new/", data).content.decode()
    assert "Lithuanian: " in html
    assert "vardas" in html
    assert not MessageTemplate.objects.filter(name="Birthday").exists()
    data["lt-body"] = "Sveiki, {{ first_name }}, su gimtadieniu!"
    response = client.post("/campaigns/templates/new/", data)
    template = MessageTemplate.objects.get(name="Birthday")
    assert response["Location"] == f"/campaigns/templates/{template.pk}/"
    assert sorted(template.variants.values_list("language", flat=True)) == ["en", "lt"]


def test_template_list_query_count_is_constant(world: World, django_assert_max_num_queries) -> None:
    client = _client(world.manager)
    make_template(world.manager, name="One")
    client.get("/campaigns/templates/")
    with django_assert_max_num_queries(8) as few:
        client.get("/campaigns/templates/")
    for n in range(6):
        make_template(world.manager, name=f"T{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/campaigns/templates/").content.decode()
    assert "T5" in html


def test_template_delete_refused_while_used(world: World) -> None:
    campaign = make_draft(world.manager)
    assert campaign.template is not None
    client = _client(world.manager)
    client.post(f"/campaigns/templates/{campaign.template.pk}/delete/")
    assert MessageTemplate.objects.filter(pk=campaign.template.pk).exists()
    unused = make_template(world.manager, name="Unused")
    response = client.post(f"/campaigns/templates/{unused.pk}/delete/")
    assert response["Location"] == "/campaigns/templates/"
    assert not MessageTemplate.objects.filter(pk=unused.pk).exists()


def test_coupon_list_shows_only_coupons_of_visible_customers(
    world: World, django_assert_max_num_queries
) -> None:
    campaign = make_draft(world.manager)
    mine = make_coupon(campaign, world.customer, "MINE234567")
    stranger = make_customer(owner=world.charlie, team=world.south, name="Stranger Oy")
    make_coupon(campaign, stranger, "THEIRS2345")
    client = _client(world.alice)
    html = client.get("/campaigns/coupons/").content.decode()
    assert mine.code in html
    assert "THEIRS2345" not in html
    with django_assert_max_num_queries(10) as few:
        client.get("/campaigns/coupons/")
    for n in range(8):
        make_coupon(campaign, world.customer, f"MORE{n}23456")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/campaigns/coupons/")


def test_record_an_order_with_a_coupon_on_the_customers_behalf(world: World) -> None:
    coupon = make_coupon(None, world.customer, "SPRING2345")
    client = _client(world.alice)
    found = client.get("/campaigns/coupons/order/?q=Aldona").content.decode()
    assert f"?customer={world.customer.pk}" in found
    data = {
        "customer": world.customer.pk,
        "code": "spring2345",
        "ordered_on": timezone.localdate().isoformat(),
        "amount": "42.00",
        "currency": "EUR",
    }
    response = client.post(f"/campaigns/coupons/order/?customer={world.customer.pk}", data)
    assert response.status_code == 302
    coupon.refresh_from_db()
    assert coupon.order is not None
    assert coupon.order.amount_cents == 4200


def test_bad_coupon_on_the_order_form_records_no_order(world: World) -> None:
    orders = Order.objects.count()
    data = {
        "customer": world.customer.pk,
        "code": "NOPE234567",
        "ordered_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "amount": "42.00",
        "currency": "EUR",
    }
    response = _client(world.alice).post("/campaigns/coupons/order/", data)
    assert response.status_code == 200
    assert "No coupon has this code." in response.content.decode()
    assert Order.objects.count() == orders
    assert not Coupon.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [("charlie", 404), ("bob", 403)])
def test_order_form_is_behind_the_history_door(world: World, persona: str, status: int) -> None:
    response = _client(world.persona(persona)).get(
        f"/campaigns/coupons/order/?customer={world.customer.pk}"
    )
    assert response.status_code == status


def test_admin_saves_the_campaign_settings(world: World) -> None:
    data = {"max_messages": 2, "window_days": 14, "quiet_from_hour": 20, "quiet_until_hour": 9}
    response = _client(world.admin).post("/campaigns/settings/", data)
    assert response.status_code == 302
    saved = CampaignSettings.objects.get(pk=1)
    assert (saved.max_messages, saved.window_days, saved.quiet_from_hour) == (2, 14, 20)
    bad = _client(world.admin).post("/campaigns/settings/", {**data, "quiet_from_hour": 24})
    assert bad.status_code == 200
    assert CampaignSettings.objects.get(pk=1).quiet_from_hour == 20


def test_navigation_shows_the_campaigns_area_by_permission(world: World) -> None:
    manager = _client(world.manager).get("/campaigns/").content.decode()
    assert 'class="subnav"' in manager
    assert "/campaigns/templates/" in manager
    assert "/campaigns/settings/" not in manager
    assert "/campaigns/settings/" in _client(world.admin).get("/campaigns/").content.decode()
    sales = _client(world.alice).get("/campaigns/").content.decode()
    assert "/campaigns/templates/" not in sales
    assert "/campaigns/coupons/" in sales
    support = _client(world.bob).get("/campaigns/coupons/").content.decode()
    assert 'href="/campaigns/"' not in support
