"""Campaign, message-template and coupon-order services: their rules, and that a refused
change leaves everything as it was."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from campaigns import services
from campaigns.models import Campaign, CampaignSend, Channel, MessageTemplate
from campaigns.tests.factories import add_send, make_coupon, make_draft, make_segment, make_template
from conftest import World
from crm.audit.models import AuditEntry
from interactions.models import Order
from tests.factories import make_customer


def _data(world: World, **fields: object) -> services.CampaignData:
    defaults: dict[str, object] = {
        "name": "Autumn win-back",
        "channel": Channel.EMAIL,
        "segment": make_segment(),
        "template": make_template(world.manager),
    }
    return services.CampaignData(**{**defaults, **fields})  # type: ignore[arg-type]


def test_campaign_create_saves_a_draft_and_audits_it(world: World) -> None:
    campaign = services.campaign_create(
        acting_user=world.manager, data=_data(world, coupon_percent=15)
    )
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.kind == Campaign.Kind.ONE_OFF
    assert campaign.created_by == world.manager
    assert campaign.coupon_percent == 15
    entry = AuditEntry.objects.get(
        content_type__model="campaign", object_id=str(campaign.pk), action="create"
    )
    assert entry.actor == world.manager
    assert entry.changes["coupon_percent"]["after"] == 15


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"control_percent": 91}, "control_percent"),
        ({"attribution_days": 0}, "attribution_days"),
        ({"attribution_days": 366}, "attribution_days"),
        ({"coupon_value_cents": 500, "coupon_percent": 10}, "coupon_percent"),
        ({"coupon_value_cents": 0}, "coupon_value_cents"),
        ({"coupon_percent": 0}, "coupon_percent"),
        ({"coupon_percent": 101}, "coupon_percent"),
        ({"coupon_valid_days": 0}, "coupon_valid_days"),
        ({"name": "  "}, "name"),
    ],
)
def test_campaign_create_refuses_bad_settings(
    world: World, fields: dict[str, object], field: str
) -> None:
    before = Campaign.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(acting_user=world.manager, data=_data(world, **fields))
    assert field in caught.value.message_dict
    assert Campaign.objects.count() == before


def test_campaign_template_must_be_for_the_campaigns_channel(world: World) -> None:
    sms = make_template(world.manager, name="SMS", channel=Channel.SMS, subject="")
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(acting_user=world.manager, data=_data(world, template=sms))
    assert "another channel" in caught.value.message_dict["template"][0]


def test_campaign_update_changes_a_draft_only(world: World) -> None:
    campaign = make_draft(world.manager)
    updated = services.campaign_update(
        campaign=campaign,
        acting_user=world.admin,
        data=_data(world, name="Renamed", control_percent=20),
    )
    assert (updated.name, updated.control_percent) == ("Renamed", 20)
    entry = AuditEntry.objects.filter(content_type__model="campaign").latest("id")
    assert entry.changes["name"] == {"before": "Spring win-back", "after": "Renamed"}
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.campaign_update(
            campaign=campaign, acting_user=world.admin, data=_data(world, name="Again")
        )
    campaign.refresh_from_db()
    assert campaign.name == "Renamed"


def test_refused_update_changes_nothing(world: World) -> None:
    campaign = make_draft(world.manager)
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        services.campaign_update(
            campaign=campaign, acting_user=world.manager, data=_data(world, control_percent=95)
        )
    campaign.refresh_from_db()
    assert campaign.control_percent == 10
    assert AuditEntry.objects.count() == audited


def test_cancel_stops_a_sending_campaign_and_leaves_queued_rows_unsent(world: World) -> None:
    campaign = make_draft(world.manager)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.SENDING)
    queued = add_send(campaign, world.customer, CampaignSend.State.QUEUED)
    cancelled = services.campaign_cancel(campaign=campaign, acting_user=world.manager)
    assert cancelled.status == Campaign.Status.CANCELLED
    queued.refresh_from_db()
    assert queued.state == CampaignSend.State.QUEUED
    assert queued.sent_at is None
    with pytest.raises(ValidationError):
        services.campaign_cancel(campaign=campaign, acting_user=world.manager)


def test_cancel_refuses_a_completed_campaign(world: World) -> None:
    campaign = make_draft(world.manager)
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.COMPLETED)
    with pytest.raises(ValidationError):
        services.campaign_cancel(campaign=campaign, acting_user=world.manager)
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.COMPLETED


def test_duplicate_copies_settings_as_a_new_draft(world: World) -> None:
    campaign = make_draft(world.manager, control_percent=25)
    Campaign.objects.filter(pk=campaign.pk).update(
        status=Campaign.Status.COMPLETED, launched_at=timezone.now()
    )
    campaign.refresh_from_db()
    copy = services.campaign_duplicate(campaign=campaign, acting_user=world.admin)
    assert copy.pk != campaign.pk
    assert copy.status == Campaign.Status.DRAFT
    assert copy.launched_at is None
    assert copy.name == "Copy of Spring win-back"
    assert (copy.segment_id, copy.template_id) == (campaign.segment_id, campaign.template_id)
    assert (copy.control_percent, copy.coupon_value_cents) == (25, 500)
    assert copy.created_by == world.admin


def _variants(**texts: tuple[str, str]) -> dict[str, services.VariantData]:
    return {code: services.VariantData(subject=s, body=b) for code, (s, b) in texts.items()}


def test_template_create_saves_one_variant_per_written_language(world: World) -> None:
    template = services.message_template_create(
        acting_user=world.manager,
        name="Thank you",
        channel=Channel.EMAIL,
        variants=_variants(
            en=("Thanks, {{ first_name }}", "Hello {{ first_name }}"),
            lt=("Ačiū, {{ first_name }}", "Sveiki, {{ first_name }}"),
            pl=("", ""),  # left empty: no Polish variant
        ),
    )
    assert sorted(template.variants.values_list("language", flat=True)) == ["en", "lt"]


def test_template_errors_name_the_language_and_save_nothing(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.message_template_create(
            acting_user=world.manager,
            name="Broken",
            channel=Channel.EMAIL,
            variants=_variants(
                en=("Hi", "Hello {{ first_name }}"),
                lt=("Labas", "Sveiki, {{ vardas }}"),
                lv=("", "Sveiki {{ first_name "),
            ),
        )
    errors = caught.value.message_dict
    assert "en" not in errors
    assert errors["lt"][0].startswith("Lithuanian: ")
    assert "vardas" in errors["lt"][0]
    assert any(e.startswith("Latvian: ") for e in errors["lv"])
    assert any("subject" in e for e in errors["lv"])  # an email needs one
    assert not MessageTemplate.objects.filter(name="Broken").exists()


def test_template_needs_at_least_one_language(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        services.message_template_create(
            acting_user=world.manager, name="Empty", channel=Channel.SMS, variants={}
        )
    assert "variants" in caught.value.message_dict


def test_template_update_replaces_texts_and_keeps_channel_while_used(world: World) -> None:
    campaign = make_draft(world.manager)
    template = campaign.template
    assert template is not None
    services.message_template_update(
        template=template,
        acting_user=world.manager,
        name="Win-back v2",
        channel=Channel.EMAIL,
        variants=_variants(pl=("Tęsknimy", "Cześć {{ first_name }}")),
    )
    assert list(template.variants.values_list("language", flat=True)) == ["pl"]
    with pytest.raises(ValidationError) as caught:
        services.message_template_update(
            template=template,
            acting_user=world.manager,
            name="Win-back v2",
            channel=Channel.SMS,
            variants=_variants(pl=("", "Cześć {{ first_name }}")),
        )
    assert "channel" in caught.value.message_dict
    template.refresh_from_db()
    assert template.channel == Channel.EMAIL


def test_template_delete_is_refused_while_a_campaign_uses_it(world: World) -> None:
    campaign = make_draft(world.manager)
    assert campaign.template is not None
    with pytest.raises(ValidationError, match="campaigns use this message"):
        services.message_template_delete(template=campaign.template, acting_user=world.manager)
    unused = make_template(world.manager, name="Unused")
    services.message_template_delete(template=unused, acting_user=world.manager)
    assert not MessageTemplate.objects.filter(pk=unused.pk).exists()
    assert MessageTemplate.objects.filter(pk=campaign.template.pk).exists()


def test_coupon_order_record_records_the_order_and_redeems_the_coupon(world: World) -> None:
    campaign = make_draft(world.manager)
    coupon = make_coupon(campaign, world.customer, "ABCDE23456")
    today = timezone.localdate()
    redeemed = services.coupon_order_record(
        customer=world.customer,
        acting_user=world.alice,
        code="abcde23456",
        ordered_on=today,
        amount_cents=3_000,
        currency="EUR",
    )
    assert redeemed.pk == coupon.pk
    assert redeemed.redeemed_at is not None
    assert redeemed.order is not None
    assert (redeemed.order.amount_cents, redeemed.discount_cents) == (3_000, 500)


@pytest.mark.parametrize(
    ("code", "fields", "currency"),
    [
        ("NOSUCHCODE", {}, "EUR"),
        ("USED234567", {"redeemed_at": timezone.now()}, "EUR"),
        ("OLD2345678", {"expires_on": date(2020, 1, 1)}, "EUR"),
        ("PLN2345678", {}, "PLN"),
    ],
)
def test_bad_coupon_leaves_no_order_behind(
    world: World, code: str, fields: dict[str, object], currency: str
) -> None:
    make_coupon(None, world.customer, code if code != "NOSUCHCODE" else "OTHER23456", **fields)
    orders = Order.objects.count()
    with pytest.raises(ValidationError):
        services.coupon_order_record(
            customer=world.customer,
            acting_user=world.alice,
            code=code,
            ordered_on=timezone.localdate() - timedelta(days=1),
            amount_cents=3_000,
            currency=currency,
        )
    assert Order.objects.count() == orders


def test_another_customers_coupon_leaves_no_order(world: World) -> None:
    stranger = make_customer(owner=world.charlie, team=world.south)
    make_coupon(None, stranger, "THEIRS2345")
    orders = Order.objects.count()
    with pytest.raises(ValidationError, match="another customer"):
        services.coupon_order_record(
            customer=world.customer,
            acting_user=world.alice,
            code="THEIRS2345",
            ordered_on=timezone.localdate(),
            amount_cents=1_000,
        )
    assert Order.objects.count() == orders
