from typing import Any

import pytest
from django.core.exceptions import ValidationError

from conftest import World
from crm.audit.models import AuditEntry
from customers.models import Customer, CustomerEmail
from customers.selectors import customer_list_for_user
from customers.services import (
    CustomerData,
    contact_person_add,
    customer_assign_owner,
    customer_change_stage,
    customer_create,
    customer_update,
)
from tests.factories import make_user


def _data(**overrides: Any) -> CustomerData:
    values: dict[str, Any] = {
        "name": "Jurgis Kazlauskas",
        "emails": ["Jurgis@Example.LT"],
        "phones": ["8 612 34567"],
    }
    values.update(overrides)
    return CustomerData(**values)


def test_customer_create_normalises_contacts_and_audits(world: World) -> None:
    customer = customer_create(
        acting_user=world.alice,
        data=_data(tags=["vip", " vip ", "b2b"]),
        owner=world.alice,
        team=world.north,
    )
    assert customer.primary_email == "jurgis@example.lt"
    assert customer.primary_phone == "+37061234567"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["b2b", "vip"]
    entry = AuditEntry.objects.filter(
        object_id=str(customer.pk), content_type__model="customer", action="create"
    ).get()
    assert entry.actor == world.alice
    assert entry.changes["name"] == {"before": None, "after": "Jurgis Kazlauskas"}
    assert customer.stage_changes.get().to_stage == Customer.Stage.LEAD


def test_customer_create_grants_owner_and_team_access(world: World) -> None:
    customer = customer_create(
        acting_user=world.alice, data=_data(), owner=world.alice, team=world.north
    )
    for user, perm in [
        (world.alice, "change_customer"),
        (world.bob, "view_customer"),
        (world.manager, "reassign_customer"),
    ]:
        assert customer_list_for_user(user=user, perm=perm).filter(pk=customer.pk).exists()
    assert (
        not customer_list_for_user(user=world.bob, perm="change_customer")
        .filter(pk=customer.pk)
        .exists()
    )
    assert not customer_list_for_user(user=world.charlie).filter(pk=customer.pk).exists()


def test_duplicate_email_is_refused_naming_a_visible_customer(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        customer_create(
            acting_user=world.alice,
            data=_data(emails=["ALDONA@example.lt"]),
            owner=world.alice,
            team=world.north,
        )
    assert "Aldona Petraitė" in str(exc.value.message_dict["emails"])


def test_duplicate_email_hides_the_name_from_a_stranger(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        customer_create(
            acting_user=world.charlie,
            data=_data(emails=["aldona@example.lt"]),
            owner=world.charlie,
            team=world.south,
        )
    message = str(exc.value.message_dict["emails"])
    assert "Aldona" not in message
    assert "cannot see" in message


def test_duplicate_reference_and_phone_are_refused(world: World) -> None:
    customer_create(
        acting_user=world.alice, data=_data(external_ref="R-1"), owner=world.alice, team=world.north
    )
    with pytest.raises(ValidationError) as exc:
        customer_create(
            acting_user=world.alice,
            data=_data(emails=[], external_ref="R-1", phones=["+37061234567"]),
            owner=world.alice,
            team=world.north,
        )
    assert set(exc.value.message_dict) == {"external_ref", "phones"}


def test_invalid_input_writes_nothing(world: World) -> None:
    before = (Customer.objects.count(), AuditEntry.objects.count())
    for bad in [
        _data(emails=["not-an-email"]),
        _data(phones=["12"]),
        _data(name="  "),
        _data(country="LTU"),
    ]:
        with pytest.raises(ValidationError):
            customer_create(acting_user=world.alice, data=bad, owner=world.alice, team=world.north)
    assert (Customer.objects.count(), AuditEntry.objects.count()) == before


def test_customer_update_records_before_and_after(world: World) -> None:
    data = _data(
        name="Aldona Petraitė-Jonaitienė",
        emails=["aldona@example.lt", "a2@example.lt"],
        phones=[],
        city="Kaunas",
    )
    customer_update(customer=world.customer, acting_user=world.alice, data=data)
    entry = AuditEntry.objects.filter(
        object_id=str(world.customer.pk), content_type__model="customer", action="update"
    ).get()
    assert entry.changes["name"] == {
        "before": "Aldona Petraitė",
        "after": "Aldona Petraitė-Jonaitienė",
    }
    assert entry.changes["city"] == {"before": "", "after": "Kaunas"}
    assert entry.changes["emails"]["after"] == ["aldona@example.lt", "a2@example.lt"]


def test_customer_update_without_changes_writes_no_audit_entry(world: World) -> None:
    data = _data(name="Aldona Petraitė", emails=["aldona@example.lt"], phones=[])
    customer_update(customer=world.customer, acting_user=world.alice, data=data)
    assert not AuditEntry.objects.filter(
        object_id=str(world.customer.pk), content_type__model="customer", action="update"
    ).exists()


def test_owner_assign_moves_object_perms(world: World) -> None:
    dana = make_user("dana", "Sales")
    world.north.members_group.user_set.add(dana)
    customer_assign_owner(
        customer=world.customer, acting_user=world.manager, owner=dana, team=world.north
    )
    assert (
        customer_list_for_user(user=dana, perm="change_customer")
        .filter(pk=world.customer.pk)
        .exists()
    )
    assert (
        not customer_list_for_user(user=world.alice, perm="change_customer")
        .filter(pk=world.customer.pk)
        .exists()
    )
    # alice still sees it as a member of the team
    assert customer_list_for_user(user=world.alice).filter(pk=world.customer.pk).exists()


def test_team_change_moves_group_perms(world: World) -> None:
    customer_assign_owner(
        customer=world.customer, acting_user=world.admin, owner=world.charlie, team=world.south
    )
    assert not customer_list_for_user(user=world.bob).filter(pk=world.customer.pk).exists()
    assert not customer_list_for_user(user=world.manager).filter(pk=world.customer.pk).exists()
    assert (
        customer_list_for_user(user=world.charlie, perm="change_customer")
        .filter(pk=world.customer.pk)
        .exists()
    )
    entry = AuditEntry.objects.get(
        object_id=str(world.customer.pk), content_type__model="customer", action="assign"
    )
    assert entry.changes == {
        "owner": {"before": "alice", "after": "charlie"},
        "team": {"before": "North", "after": "South"},
    }


def test_support_user_cannot_own_and_owner_must_be_in_team(world: World) -> None:
    with pytest.raises(ValidationError):
        customer_assign_owner(
            customer=world.customer, acting_user=world.manager, owner=world.bob, team=world.north
        )
    with pytest.raises(ValidationError):
        customer_assign_owner(
            customer=world.customer,
            acting_user=world.manager,
            owner=world.charlie,
            team=world.north,
        )
    assert Customer.objects.get(pk=world.customer.pk).owner == world.alice


def test_former_customer_releases_email_for_reuse(world: World) -> None:
    customer_change_stage(
        customer=world.customer,
        acting_user=world.alice,
        stage=Customer.Stage.FORMER,
        reason="moved away",
    )
    assert not CustomerEmail.objects.get(email="aldona@example.lt").is_active
    again = customer_create(
        acting_user=world.alice,
        data=_data(emails=["aldona@example.lt"]),
        owner=world.alice,
        team=world.north,
    )
    assert again.primary_email == "aldona@example.lt"
    history = list(world.customer.stage_changes.values_list("from_stage", "to_stage"))
    assert history == [("", "lead"), ("lead", "former")]


def test_contact_person_add_validates(world: World) -> None:
    with pytest.raises(ValidationError):
        contact_person_add(
            customer=world.customer, acting_user=world.alice, name="Ona", email="nope"
        )
    person = contact_person_add(
        customer=world.customer, acting_user=world.alice, name="Ona", email="ONA@x.lt"
    )
    assert person.email == "ona@x.lt"
