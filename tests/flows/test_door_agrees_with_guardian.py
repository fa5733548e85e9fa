"""The list door scopes by owner and team; single objects are checked in guardian's grant
tables. The two must agree for every persona, permission and shape of ownership."""

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import PERSONAS, World
from customers.models import Customer
from customers.permissions import CHANGE, REASSIGN, VIEW
from customers.selectors import customer_has_perm, customer_list_for_user
from customers.services import customer_assign_owner
from tests.factories import make_customer, make_user


@pytest.mark.parametrize("perm", [VIEW, CHANGE, REASSIGN])
def test_list_scope_equals_guardian_grants(world: World, perm: str) -> None:
    dana = make_user("dana", "Sales")
    world.south.members_group.user_set.add(dana)
    make_customer(owner=world.charlie, team=world.south, name="Southern")
    make_customer(owner=dana, team=world.south, name="Dana's")
    unassigned = make_customer(owner=world.alice, team=world.north, name="Soon unassigned")
    customer_assign_owner(customer=unassigned, acting_user=world.admin, owner=None, team=None)
    moved = make_customer(owner=world.alice, team=world.north, name="Moved south")
    customer_assign_owner(
        customer=moved, acting_user=world.admin, owner=world.charlie, team=world.south
    )
    everyone = list(Customer.objects.all())
    for persona in [*PERSONAS, "dana"]:
        user = dana if persona == "dana" else world.persona(persona) or AnonymousUser()
        listed = set(customer_list_for_user(user=user, perm=perm).values_list("pk", flat=True))
        granted = {c.pk for c in everyone if customer_has_perm(user=user, customer=c, perm=perm)}
        assert listed == granted, f"{persona} / {perm}"
