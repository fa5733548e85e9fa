"""The data map stays true: every model that refers to a customer is mapped (or declared
not personal), every mapped field exists, and the page shows tables and retention."""

import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from django.urls import reverse

from conftest import World
from crm.privacy.datamap import DATA_CATEGORIES, NOT_PERSONAL, data_map
from customers.models import Customer


def _refers_to_customer(model: type[models.Model]) -> bool:
    return model is Customer or any(
        isinstance(field, models.ForeignKey) and field.related_model is Customer
        for field in model._meta.fields
    )


def test_every_model_about_a_customer_is_mapped() -> None:
    mapped = {path.rsplit(".", 1)[0] for c in DATA_CATEGORIES for path in c.fields}
    about_customers = {m._meta.label for m in apps.get_models() if _refers_to_customer(m)}
    unmapped = about_customers - mapped - NOT_PERSONAL
    assert unmapped == set(), "map these models in crm/privacy/datamap.py"


@pytest.mark.django_db
def test_data_map_names_tables_roles_and_retention(world: World) -> None:
    entries = {entry.category.key: entry for entry in data_map()}
    identity = entries["identity"]
    assert ("customers_customer", "primary_email") in {
        (f.table, f.column) for f in identity.stored_in
    }
    assert entries["audit"].seen_by == ["Admin", "Manager"]
    assert "policy not enforced" in entries["contact_history"].retention
    client = Client()
    client.force_login(world.admin)
    page = client.get(reverse("privacy:data-map"))
    assert b"interactions_interaction.body" in page.content
