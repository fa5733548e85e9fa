"""The customer's time zone in the form and the API, and the consent vocabulary."""

from django.test import Client

from conftest import World
from customers.consent import consent_allows, consent_bulk_record, consent_record
from customers.models import Consent, ConsentChange, Customer


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**fields: str) -> dict[str, str]:
    return {"kind": "person", "name": "Aldona", "language": "lt", **fields}


def test_edit_form_saves_a_time_zone_and_blank_means_the_country(world: World) -> None:
    client = _client(world.alice)
    url = f"/customers/{world.customer.pk}/edit/"
    assert 'value="Europe/Vilnius"' in client.get(url).content.decode()

    assert client.post(url, _form(time_zone="America/Chicago")).status_code == 302
    world.customer.refresh_from_db()
    assert world.customer.time_zone == "America/Chicago"
    assert "America/Chicago" in client.get(f"/customers/{world.customer.pk}/").content.decode()

    client.post(url, _form(time_zone=""))
    world.customer.refresh_from_db()
    assert world.customer.time_zone == ""


def test_edit_form_refuses_an_unknown_time_zone(world: World) -> None:
    response = _client(world.alice).post(
        f"/customers/{world.customer.pk}/edit/", _form(time_zone="Mars/Olympus")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["time_zone"]
    world.customer.refresh_from_db()
    assert world.customer.time_zone == ""


def test_api_takes_and_shows_the_time_zone(world: World) -> None:
    client = _client(world.alice)
    url = f"/api/v1/customers/{world.customer.pk}/"
    body = {"name": "Aldona", "time_zone": "Europe/Riga"}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert response.json()["time_zone"] == "Europe/Riga"
    bad = client.put(url, {**body, "time_zone": "Nowhere"}, content_type="application/json")
    assert bad.status_code == 400


def test_bulk_record_skips_unchanged_answers(world: World) -> None:
    pk = world.customer.pk
    consent_record(
        customer=world.customer,
        purpose="marketing_email",
        is_granted=True,
        source=Consent.Source.FORM,
        acting_user=world.alice,
    )
    made = consent_bulk_record(
        answers={pk: {"marketing_email": True, "profiling": False}},
        source=Consent.Source.IMPORT,
        acting_user=None,
    )
    assert made == 1
    assert ConsentChange.objects.filter(customer_id=pk).count() == 2
    assert not Customer.objects.filter(consent_allows("profiling"), pk=pk).exists()
    assert Consent.objects.get(customer_id=pk, purpose="marketing_email").source == "form"
