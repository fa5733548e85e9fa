"""webhook_process_task: each kind's payload becomes the right history, once."""

from typing import Any

import pytest

from conftest import World
from interactions.ingest.models import WebhookDelivery, WebhookSource
from interactions.ingest.tasks import ingest_records_prune_task, webhook_process_task
from interactions.ingest.tests import factories as f
from interactions.models import Complaint, Interaction, Order


def _delivered(world: World, kind: str, payload: dict[str, Any]) -> WebhookDelivery:
    """A delivery as the endpoint stores it, not processed yet (the callbacks are dropped)."""
    f.give_refs(world)
    source = f.make_source(kind, slug=kind.replace("_", "-"))
    response = f.signed_post(source, payload)
    assert response.status_code == 202, response.json()
    return WebhookDelivery.objects.get(source=source)


def _status(delivery: WebhookDelivery) -> str:
    delivery.refresh_from_db()
    return delivery.status


def test_shop_order_becomes_an_order_with_its_number_as_key(world: World) -> None:
    delivery = _delivered(world, WebhookSource.Kind.SHOP_ORDERS, f.shop_payload("1001"))

    assert webhook_process_task.delay(delivery.pk).get() == "processed"

    order = Order.objects.get(external_ref="1001")
    assert (order.customer_id, order.amount_cents, order.currency, order.status) == (
        world.customer.pk,
        12_000,
        "EUR",
        "paid",
    )
    assert (order.source, order.idempotency_key) == ("webhook", "shop-orders:1001")
    assert [line.product for line in order.lines.all()] == ["Kettle"]
    assert _status(delivery) == "processed"


def test_email_events_become_inbound_emails_named_after_the_campaign(world: World) -> None:
    delivery = _delivered(world, WebhookSource.Kind.EMAIL_EVENTS, f.email_payload())

    webhook_process_task.delay(delivery.pk)

    emails = Interaction.objects.filter(customer=world.customer, source="webhook")
    assert sorted(emails.values_list("subject", flat=True)) == [
        "Email bounced: Winter news",
        "Email link clicked: Spring sale",
        "Email opened: Spring sale",
        "Unsubscribed from emails: Winter news",
    ]
    assert set(emails.values_list("channel", "direction")) == {("email", "in")}
    assert emails.get(subject__startswith="Email link").body == "https://shop.example.com/tea"
    delivery.refresh_from_db()
    assert delivery.result["interaction"] == {"created": 4, "duplicate": 0}


def test_helpdesk_ticket_becomes_a_complaint_once(world: World) -> None:
    delivery = _delivered(world, WebhookSource.Kind.HELPDESK_TICKETS, f.ticket_payload("T-42"))
    webhook_process_task.delay(delivery.pk)
    again = f.ticket_payload("T-42", subject="Changed subject")
    again["delivery_id"] = "another-delivery"
    f.signed_post(WebhookSource.objects.get(), again)
    webhook_process_task.delay(WebhookDelivery.objects.get(delivery_id="another-delivery").pk)

    complaint = Complaint.objects.get(external_ref="T-42")
    assert (complaint.subject, complaint.severity, complaint.category, complaint.source) == (
        "Parcel arrived broken",
        "critical",
        "delivery",
        "webhook",
    )
    assert complaint.customer_id == world.customer.pk
    assert complaint.respond_by > complaint.opened_at  # service levels applied
    repeated = WebhookDelivery.objects.get(delivery_id="another-delivery")
    assert repeated.result["complaint"] == {"created": 0, "duplicate": 1}


def test_running_the_task_again_changes_nothing(world: World) -> None:
    delivery = _delivered(world, WebhookSource.Kind.EMAIL_EVENTS, f.email_payload())

    assert webhook_process_task.delay(delivery.pk).get() == "processed"
    assert webhook_process_task.delay(delivery.pk).get() == "skipped"

    assert Interaction.objects.filter(source="webhook").count() == 4


def test_reprocessing_a_delivery_stores_no_duplicates(world: World) -> None:
    """Should a delivery be processed twice (an admin's retry after a partial failure), the
    events' own keys keep the history single."""
    delivery = _delivered(world, WebhookSource.Kind.SHOP_ORDERS, f.shop_payload("1001"))
    webhook_process_task.delay(delivery.pk)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="received")

    webhook_process_task.delay(delivery.pk)

    assert Order.objects.filter(external_ref="1001").count() == 1
    delivery.refresh_from_db()
    assert delivery.result["order"] == {"created": 0, "duplicate": 1}


def test_unknown_customer_fails_the_delivery_with_a_reason(world: World) -> None:
    delivery = _delivered(
        world, WebhookSource.Kind.SHOP_ORDERS, f.shop_payload("1001", ref="NOBODY")
    )

    assert webhook_process_task.delay(delivery.pk).get() == "failed"

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "customer_ref" in delivery.error
    assert not Order.objects.filter(external_ref="1001").exists()


def test_a_failed_delivery_can_be_processed_again_once_fixed(
    world: World, django_capture_on_commit_callbacks
) -> None:
    from customers.models import Customer
    from interactions.ingest.services import webhook_delivery_retry

    delivery = _delivered(
        world, WebhookSource.Kind.SHOP_ORDERS, f.shop_payload("1001", ref="LATE-REF")
    )
    webhook_process_task.delay(delivery.pk)
    Customer.objects.filter(pk=world.customer.pk).update(external_ref="LATE-REF")

    with django_capture_on_commit_callbacks(execute=True):
        webhook_delivery_retry(acting_user=world.admin, delivery=WebhookDelivery.objects.get())

    assert _status(delivery) == "processed"
    assert Order.objects.get(external_ref="1001").customer_id == world.customer.pk


def test_a_gone_delivery_is_skipped_quietly(world: World) -> None:
    assert webhook_process_task.delay(987_654).get() == "skipped"


def test_prune_task_runs(world: World) -> None:
    assert webhook_process_task.name.endswith("webhook_process_task")
    assert ingest_records_prune_task.delay().get() == {
        "rejections": 0,
        "deliveries": 0,
        "processed_events": 0,
    }


@pytest.mark.parametrize("kind", list(WebhookSource.Kind))
def test_every_kind_has_a_payload_format(kind: str) -> None:
    from interactions.ingest.payloads import PAYLOADS

    assert kind in PAYLOADS
