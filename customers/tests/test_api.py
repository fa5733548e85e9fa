from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from conftest import World
from customers.models import Customer
from tests.factories import make_customer


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_token_auth_lists_only_visible_customers(world: World) -> None:
    make_customer(owner=world.charlie, team=world.south, name="Southern")
    token = Token.objects.create(user=world.charlie)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    names = [c["name"] for c in client.get("/api/v1/customers/").json()["results"]]
    assert names == ["Southern"]


def test_create_validates_and_reports_fields(world: World) -> None:
    response = _client(world.alice).post(
        "/api/v1/customers/", {"name": "", "emails": ["bad"], "language": "xx"}, format="json"
    )
    assert response.status_code == 400
    assert {"name", "language"} <= set(response.json())


def test_create_refuses_duplicate_email_with_a_field_error(world: World) -> None:
    response = _client(world.alice).post(
        "/api/v1/customers/", {"name": "Other", "emails": ["aldona@example.lt"]}, format="json"
    )
    assert response.status_code == 400
    assert "Aldona Petraitė" in str(response.json()["emails"])


def test_create_and_update_round_trip(world: World) -> None:
    client = _client(world.alice)
    created = client.post(
        "/api/v1/customers/",
        {
            "name": "Łukasz Nowak",
            "emails": ["lukasz@example.pl"],
            "phones": ["+48 512 345 678"],
            "language": "pl",
            "tags": ["vip"],
        },
        format="json",
    ).json()
    assert created["owner"] == "alice"
    assert created["team"] == "North"
    assert created["phones"] == ["+48512345678"]
    body = {**created, "city": "Kraków", "birthday": "1990-02-03"}
    updated = client.put(f"/api/v1/customers/{created['id']}/", body, format="json")
    assert updated.status_code == 200, updated.json()
    assert updated.json()["city"] == "Kraków"
    history = client.get(f"/api/v1/customers/{created['id']}/history/").json()
    assert [e["action"] for e in history["audit"]] == ["update", "create"]


def test_read_only_teammate_cannot_update_over_api(world: World) -> None:
    response = _client(world.bob).put(
        f"/api/v1/customers/{world.customer.pk}/", {"name": "X"}, format="json"
    )
    assert response.status_code == 403
    assert Customer.objects.get(pk=world.customer.pk).name == "Aldona Petraitė"


def test_manager_reassigns_over_api(world: World) -> None:
    response = _client(world.manager).post(
        f"/api/v1/customers/{world.customer.pk}/reassign/",
        {"owner": world.manager.pk, "team": world.north.pk},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["owner"] == "manager"


def test_list_pages_with_cursor_and_rejects_a_bad_cursor(world: World, settings) -> None:
    settings.CUSTOMER_PAGE_SIZE = 2
    for i in range(4):
        make_customer(owner=world.alice, team=world.north, name=f"C{i}")
    client = _client(world.alice)
    first = client.get("/api/v1/customers/?sort=name").json()
    second = client.get(first["next"]).json()
    assert [c["name"] for c in first["results"] + second["results"]][:4] == [
        "Aldona Petraitė",
        "C0",
        "C1",
        "C2",
    ]
    assert client.get("/api/v1/customers/?cursor=garbage").status_code == 400


def test_list_query_count_is_constant(world: World, django_assert_max_num_queries) -> None:
    for i in range(30):
        make_customer(owner=world.alice, team=world.north, name=f"Bulk {i}", tags=["a", "b"])
    client = _client(world.alice)
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/customers/")
    assert len(response.json()["results"]) == 31


def test_schema_is_served(world: World) -> None:
    response = _client(world.alice).get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/customers/" in response.content
