"""A signed webhook delivery processed by a real Celery worker on Redis, against the real
PostgreSQL test database: accepted by the endpoint, enqueued once committed, turned into an
order by the worker; sent again, the task changes nothing."""

import re

import pytest
from django.test import Client

from conftest import World
from interactions.ingest.models import WebhookDelivery, WebhookSource
from interactions.ingest.tasks import webhook_process_task
from interactions.ingest.tests import factories as f
from interactions.models import Order
from tests.integration.worker import CeleryWorker, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _status(delivery_id: str) -> str:
    return str(WebhookDelivery.objects.get(delivery_id=delivery_id).status)


def test_webhook_delivery_is_processed_by_the_worker_once(
    celery_worker: CeleryWorker, world: World
) -> None:
    f.give_refs(world)
    shop = f.make_source(WebhookSource.Kind.SHOP_ORDERS, slug="shop")

    response = f.signed_post(shop, f.shop_payload("7001"), client=Client())

    assert response.status_code == 202
    wait_until(lambda: _status("evt-7001") == "processed", what="the worker processed it")
    order = Order.objects.get(external_ref="7001")
    assert (order.customer_id, order.source, order.amount_cents) == (
        world.customer.pk,
        "webhook",
        12_000,
    )
    delivery = WebhookDelivery.objects.get(delivery_id="evt-7001")
    assert delivery.result["order"] == {"created": 1, "duplicate": 0}

    again = webhook_process_task.delay(delivery.pk)

    done = re.compile(rf"webhook_process_task\[{again.id}\] succeeded in [\d.]+s: '(\w+)'")
    wait_until(
        lambda: done.search(celery_worker.current_log()) is not None,
        what="the worker ran the task again",
    )
    match = done.search(celery_worker.current_log())
    assert match is not None
    assert match.group(1) == "skipped"  # it found the delivery processed already
    assert Order.objects.filter(external_ref="7001").count() == 1
