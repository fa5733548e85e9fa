from django.test import Client

from conftest import World
from customers.models import Customer
from tests.factories import make_customer


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_page_query_count_is_constant(world: World, django_assert_max_num_queries) -> None:
    for i in range(60):
        make_customer(owner=world.alice, team=world.north, name=f"Bulk {i:02}", tags=["vip"])
    client = _client(world.manager)
    with django_assert_max_num_queries(12):
        first = client.get("/customers/")
    assert first.status_code == 200
    cursor = first.context["page"].next_cursor
    with django_assert_max_num_queries(12):
        second = client.get(f"/customers/?cursor={cursor}")
    assert len(first.context["page"].rows) == 50
    assert len(second.context["page"].rows) == 11


def test_htmx_search_returns_only_the_rows(world: World) -> None:
    response = _client(world.alice).get(
        "/customers/?q=aldona", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="customer-rows"
    )
    body = response.content.decode()
    assert "Aldona Petraitė" in body
    assert "<html" not in body


def test_edit_form_shows_field_errors_and_changes_nothing(world: World) -> None:
    response = _client(world.alice).post(
        f"/customers/{world.customer.pk}/edit/",
        {"kind": "person", "name": "Aldona", "emails": "broken@", "language": "lt"},
    )
    assert response.status_code == 200
    assert "is not a valid email address" in response.content.decode()
    assert Customer.objects.get(pk=world.customer.pk).name == "Aldona Petraitė"


def test_create_form_creates_and_redirects(world: World) -> None:
    response = _client(world.alice).post(
        "/customers/new/",
        {
            "kind": "company",
            "name": "UAB Saulė",
            "emails": "info@saule.lt",
            "phones": "+370 5 2123456",
            "language": "lt",
            "tags": "b2b, vip",
        },
    )
    customer = Customer.objects.get(name="UAB Saulė")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert customer.owner == world.alice
    assert customer.team == world.north


def test_detail_page_shows_history_and_hides_edit_for_read_only(world: World) -> None:
    body = _client(world.bob).get(f"/customers/{world.customer.pk}/").content.decode()
    assert "Aldona Petraitė" in body
    assert "Change history" in body
    assert f"/customers/{world.customer.pk}/edit/" not in body


def test_stage_change_from_the_page(world: World) -> None:
    _client(world.alice).post(
        f"/customers/{world.customer.pk}/stage/", {"stage": "at_risk", "reason": "fewer orders"}
    )
    assert Customer.objects.get(pk=world.customer.pk).stage == "at_risk"
