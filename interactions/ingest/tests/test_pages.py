"""The integrations page: sources with a secret shown once, rotation, deactivation, and
recent deliveries and rejections, for holders of ingest.manage_integrations only."""

import pytest
from django.test import Client

from conftest import World
from crm.audit.models import AuditEntry
from interactions.ingest.models import WebhookDelivery, WebhookRejection, WebhookSource
from interactions.ingest.tests import factories as f

PAGE = "/integrations/"


@pytest.fixture
def admin(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


def test_creating_a_source_shows_its_secret_once(admin: Client) -> None:
    response = admin.post(
        "/integrations/sources/new/", {"name": "Web shop", "slug": "webshop", "kind": "shop_orders"}
    )

    source = WebhookSource.objects.get(slug="webshop")
    assert response.status_code == 200
    assert source.secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "http://testserver/webhooks/webshop/" in response.content.decode()
    listing = admin.get(PAGE).content.decode()
    assert "webshop" in listing
    assert source.secret not in listing
    entry = AuditEntry.objects.get(
        content_type__model="webhooksource", object_id=str(source.pk), action="create"
    )
    assert source.secret not in str(entry.changes)


def test_invalid_source_form_shows_errors(admin: Client) -> None:
    f.make_source(slug="webshop")

    response = admin.post(
        "/integrations/sources/new/", {"name": "Again", "slug": "webshop", "kind": "shop_orders"}
    )

    assert response.status_code == 200
    assert WebhookSource.objects.count() == 1
    assert "already exists" in response.content.decode()


def test_rotating_replaces_the_secret_and_shows_the_new_one(admin: Client) -> None:
    source = f.make_source()
    old = source.secret

    response = admin.post(f"/integrations/sources/{source.pk}/rotate/")

    source.refresh_from_db()
    assert source.secret != old
    assert source.secret in response.content.decode()
    assert f.signed_post(source, f.shop_payload(), secret=old).status_code == 401
    entry = AuditEntry.objects.get(
        content_type__model="webhooksource", object_id=str(source.pk), action="update"
    )
    assert old not in str(entry.changes)
    assert source.secret not in str(entry.changes)


def test_deactivating_and_activating_a_source(admin: Client, world: World) -> None:
    source = f.make_source()

    admin.post(f"/integrations/sources/{source.pk}/active/", {"is_active": "0"})
    source.refresh_from_db()
    assert not source.is_active
    assert f.signed_post(source, f.shop_payload()).status_code == 404

    admin.post(f"/integrations/sources/{source.pk}/active/", {"is_active": "1"})
    source.refresh_from_db()
    assert source.is_active


def test_page_lists_deliveries_and_rejections_in_constant_queries(
    admin: Client, world: World, django_assert_num_queries
) -> None:
    f.give_refs(world)
    source = f.make_source()
    for number in range(3):
        f.signed_post(source, f.shop_payload(str(number)))
    f.signed_post(source, None, body=b"<xml>not json</xml>")

    # Session, user, permissions (user's, groups'), sources, deliveries, rejections: the
    # same for one row or fifty.
    with django_assert_num_queries(7):
        response = admin.get(PAGE)

    html = response.content.decode()
    assert html.count("evt-") == 3
    assert "&lt;xml&gt;not json&lt;/xml&gt;" in html
    assert WebhookRejection.objects.count() == 1


def test_retrying_a_processed_delivery_is_refused(admin: Client, world: World) -> None:
    f.give_refs(world)
    source = f.make_source()
    f.signed_post(source, f.shop_payload())
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status="processed")

    response = admin.post(f"/integrations/deliveries/{delivery.pk}/retry/", follow=True)

    assert "processed already" in response.content.decode()


@pytest.mark.parametrize("persona", ["alice", "bob", "charlie", "manager"])
def test_others_may_not_see_the_page(world: World, persona: str) -> None:
    client = Client()
    client.force_login(getattr(world, persona))

    assert client.get(PAGE).status_code == 403
    assert "/integrations/" not in client.get("/customers/").content.decode()


def test_nav_links_the_page_for_admins(admin: Client) -> None:
    assert 'href="/integrations/"' in admin.get("/customers/").content.decode()
