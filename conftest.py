"""Personas shared by every test: alice owns records, bob is a teammate with view-only
rights (Support), charlie a stranger in another team, plus a manager and an admin."""

from dataclasses import dataclass
from datetime import date

import pytest
from django.contrib.auth.models import Group, User

from crm.accounts.models import Team
from crm.accounts.roles import roles_seed
from customers.models import ContactPerson, Customer
from customers.permissions import customer_permission_id
from interactions.models import Complaint, Order
from interactions.services import complaint_open, order_record
from tests.factories import make_customer, make_team, make_user


@dataclass
class World:
    alice: User
    bob: User
    charlie: User
    manager: User
    admin: User
    north: Team
    south: Team
    customer: Customer  # alice's, in North
    contact: ContactPerson
    complaint: Complaint  # about alice's customer
    order: Order

    def persona(self, name: str) -> User | None:
        return None if name == "anonymous" else getattr(self, name)


PERSONAS = ["alice", "bob", "charlie", "manager", "admin", "anonymous"]


@pytest.fixture
def world(db: None) -> World:
    if not Group.objects.filter(name="Admin").exists():
        roles_seed()  # a transactional test before this one flushed the seeded roles
    customer_permission_id.cache_clear()  # a flush recreates permissions with new ids
    admin = make_user("admin", "Admin", is_superuser=False)
    alice = make_user("alice", "Sales")
    bob = make_user("bob", "Support")
    charlie = make_user("charlie", "Sales")
    manager = make_user("manager", "Manager")
    north = make_team("North", manager=manager, members=(alice, bob))
    south = make_team("South", members=(charlie,))
    customer = make_customer(
        owner=alice, team=north, name="Aldona Petraitė", emails=["aldona@example.lt"]
    )
    contact = ContactPerson.objects.create(customer=customer, name="Jonas")
    complaint = complaint_open(
        customer=customer,
        acting_user=bob,
        subject="Late delivery",
        category="delivery",
        severity="high",
    )
    order = order_record(
        customer=customer, acting_user=alice, ordered_on=date(2026, 1, 5), amount_cents=12_500
    )
    return World(
        alice, bob, charlie, manager, admin, north, south, customer, contact, complaint, order
    )
