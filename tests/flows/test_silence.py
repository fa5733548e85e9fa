"""Silence on the customer row: scoring sets it with the day it began, any sign of life
ends it at once, from the staff UI services and the bulk ingestion path alike."""

from datetime import date, timedelta

from django.utils import timezone

from conftest import World
from customers.models import Customer
from customers.silence import customer_activity_touch, customer_silence_set
from interactions.ingest.events import InteractionEvent
from interactions.ingest.services.batch import events_ingest
from interactions.services import interaction_log


def _silence(world: World, began: date) -> Customer:
    customer = world.customer
    Customer.objects.filter(pk=customer.pk).update(stage=Customer.Stage.ACTIVE)
    customer_silence_set(began_on={customer.pk: began}, cleared=[])
    customer.refresh_from_db()
    return customer


def test_silence_is_recorded_with_its_first_day_and_moves_the_stage(world: World) -> None:
    began = timezone.localdate() - timedelta(days=20)
    customer = _silence(world, began)
    assert customer.silent_since == began
    assert customer.stage == Customer.Stage.SILENT
    # Found silent again by a later run: the day it began stays.
    customer_silence_set(began_on={customer.pk: timezone.localdate()}, cleared=[])
    customer.refresh_from_db()
    assert customer.silent_since == began


def test_an_outbound_call_is_no_sign_of_life(world: World) -> None:
    customer = _silence(world, timezone.localdate() - timedelta(days=5))
    interaction_log(customer=customer, acting_user=world.alice, channel="call", direction="out")
    customer.refresh_from_db()
    assert customer.silent_since is not None
    assert customer.history_changed_at is not None


def test_an_inbound_email_ends_silence_at_once(world: World) -> None:
    customer = _silence(world, timezone.localdate() - timedelta(days=5))
    interaction_log(customer=customer, acting_user=world.alice, channel="email", direction="in")
    customer.refresh_from_db()
    assert customer.silent_since is None
    assert customer.stage == Customer.Stage.ACTIVE


def test_ingested_inbound_event_ends_silence(world: World) -> None:
    customer = _silence(world, timezone.localdate() - timedelta(days=5))
    Customer.objects.filter(pk=customer.pk).update(external_ref="C-9")
    event = InteractionEvent(
        source="shop",
        idempotency_key="k1",
        customer_ref="C-9",
        channel="chat",
        direction="in",
        occurred_at=timezone.now(),
    )
    events_ingest(acting_user=world.admin, events=[event])
    customer.refresh_from_db()
    assert customer.silent_since is None
    assert customer.stage == Customer.Stage.ACTIVE


def test_touch_without_sign_of_life_only_marks_for_rescoring(world: World) -> None:
    customer = _silence(world, timezone.localdate())
    assert customer_activity_touch(customer_ids=[customer.pk], is_sign_of_life=False) == 0
    customer.refresh_from_db()
    assert customer.silent_since is not None
    assert customer.history_changed_at is not None
