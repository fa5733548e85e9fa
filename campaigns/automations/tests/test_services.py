"""Creating, changing and switching automations: permissions, validation, audit."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns.automations.services import (
    automation_create,
    automation_set_active,
    automation_update,
)
from campaigns.automations.tests.factories import make_automation
from campaigns.delivery.tests.factories import make_template
from campaigns.models import Automation, Campaign, Channel, MessageTemplate, Segment
from conftest import World
from crm.audit.models import AuditEntry


def _entries(automation: Automation):
    kind = ContentType.objects.get_for_model(Automation)
    return AuditEntry.objects.filter(content_type=kind, object_id=str(automation.pk))


def test_create_makes_an_automation_campaign_that_is_off(world: World) -> None:
    template = make_template()
    segment = Segment.objects.create(name="Everyone", rules={"match": "all", "conditions": []})
    automation = automation_create(
        acting_user=world.manager,
        name="  Birthday greeting ",
        trigger=Automation.Trigger.BIRTHDAY,
        channel=Channel.EMAIL,
        template=template,
        segment=segment,
        delay_days=2,
        coupon_percent=10,
    )
    campaign = automation.campaign
    assert (campaign.kind, campaign.status, campaign.name) == (
        Campaign.Kind.AUTOMATION,
        Campaign.Status.DRAFT,
        "Birthday greeting",
    )
    assert campaign.goal == Campaign.Goal.LOYALTY  # from the trigger
    assert (campaign.segment, campaign.template, campaign.coupon_percent) == (segment, template, 10)
    assert (automation.delay_days, automation.is_active) == (2, False)
    entry = _entries(automation).get(action=AuditEntry.Action.CREATE)
    assert entry.actor == world.manager
    assert entry.changes["trigger"]["after"] == "birthday"


def test_create_refuses_bad_input_and_writes_nothing(world: World) -> None:
    sms_template = make_template(channel=Channel.SMS)
    with pytest.raises(ValidationError) as caught:
        automation_create(
            acting_user=world.manager,
            name="",
            trigger="full_moon",
            channel=Channel.EMAIL,
            template=sms_template,
            delay_days=400,
        )
    assert set(caught.value.message_dict) == {"name", "trigger", "template", "delay_days"}
    assert not Automation.objects.exists()
    assert not Campaign.objects.exists()


def test_update_changes_rule_and_campaign_and_is_audited(world: World) -> None:
    automation = make_automation(world.manager)
    automation_update(
        automation=automation,
        acting_user=world.admin,
        name="Anniversary thanks",
        trigger=Automation.Trigger.PURCHASE_ANNIVERSARY,
        channel=Channel.EMAIL,
        template=automation.campaign.template,
        delay_days=1,
        control_percent=20,
    )
    automation.refresh_from_db()
    assert (automation.trigger, automation.delay_days) == ("purchase_anniversary", 1)
    assert (automation.campaign.name, automation.campaign.control_percent) == (
        "Anniversary thanks",
        20,
    )
    entry = _entries(automation).latest("pk")
    assert entry.actor == world.admin
    assert set(entry.changes) == {"name", "trigger", "delay_days", "control_percent"}


def test_switching_on_needs_the_launch_permission(world: World) -> None:
    automation = make_automation(world.manager)
    with pytest.raises(PermissionDenied):
        automation_set_active(automation=automation, is_active=True, acting_user=world.alice)
    automation.refresh_from_db()
    assert not automation.is_active


def test_switching_on_needs_a_message_with_text_for_the_channel(world: World) -> None:
    empty = MessageTemplate.objects.create(name="Empty", channel=Channel.EMAIL)
    automation = make_automation(world.manager, template=empty)
    with pytest.raises(ValidationError):
        automation_set_active(automation=automation, is_active=True, acting_user=world.manager)
    no_template = make_automation(world.manager, template=None)
    with pytest.raises(ValidationError):
        automation_set_active(automation=no_template, is_active=True, acting_user=world.manager)


def test_switch_on_and_off_marks_the_campaign_and_audits(world: World) -> None:
    automation = make_automation(world.manager)
    automation = automation_set_active(
        automation=automation, is_active=True, acting_user=world.manager
    )
    campaign = automation.campaign
    assert automation.is_active
    assert campaign.status == Campaign.Status.SENDING
    assert campaign.launched_by == world.manager
    assert campaign.launched_at is not None
    automation = automation_set_active(
        automation=automation, is_active=False, acting_user=world.admin
    )
    assert not automation.is_active
    assert automation.campaign.status == Campaign.Status.COMPLETED
    changes = [
        e.changes["is_active"]["after"]
        for e in _entries(automation).order_by("pk")
        if "is_active" in e.changes
    ]
    assert changes == [True, False]


def test_an_automation_that_is_on_must_stay_sendable(world: World) -> None:
    automation = make_automation(world.manager)
    automation_set_active(automation=automation, is_active=True, acting_user=world.manager)
    with pytest.raises(ValidationError) as caught:
        automation_update(
            automation=automation,
            acting_user=world.manager,
            name="No message",
            trigger=automation.trigger,
            channel=Channel.EMAIL,
            template=None,
        )
    assert "template" in caught.value.message_dict
