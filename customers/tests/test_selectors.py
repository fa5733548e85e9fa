import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from conftest import World
from customers.selectors import CustomerFilters, customer_get_for_user, customer_page_for_user
from tests.factories import make_customer


def test_stranger_gets_404_and_read_only_write_gets_403(world: World) -> None:
    with pytest.raises(Http404):
        customer_get_for_user(user=world.charlie, customer_id=world.customer.pk)
    with pytest.raises(PermissionDenied):
        customer_get_for_user(user=world.bob, customer_id=world.customer.pk, perm="change_customer")
    assert customer_get_for_user(
        user=world.manager, customer_id=world.customer.pk, perm="reassign_customer"
    )


@pytest.mark.parametrize(
    ("search", "expected"),
    [
        ("petrai", ["Aldona Petraitė"]),
        ("aldona@ex", ["Aldona Petraitė"]),
        ("+3706", ["Jonas Jonaitis"]),
        ("612 000", ["Jonas Jonaitis"]),
        ("+370 612 00001", ["Jonas Jonaitis"]),
        ("REF-7", ["Ona"]),
        ("zzz", []),
    ],
)
def test_search_by_name_email_phone_reference(
    world: World, search: str, expected: list[str]
) -> None:
    make_customer(
        owner=world.alice, team=world.north, name="Jonas Jonaitis", phones=["+370 612 00001"]
    )
    make_customer(owner=world.alice, team=world.north, name="Ona", external_ref="REF-7")
    page = customer_page_for_user(
        user=world.alice, filters=CustomerFilters(search=search), cursor=None, size=10
    )
    assert [c.name for c in page.rows] == expected


def test_keyset_pages_cover_everything_once(world: World) -> None:
    for i in range(7):
        make_customer(owner=world.alice, team=world.north, name=f"Same name {i % 2}")
    seen: list[int] = []
    cursor = None
    for sort in ["name", "-created_at", "-updated_at"]:
        seen, cursor = [], None
        while True:
            page = customer_page_for_user(
                user=world.bob, filters=CustomerFilters(sort=sort), cursor=cursor, size=3
            )
            seen += [c.pk for c in page.rows]
            cursor = page.next_cursor
            if cursor is None:
                break
        assert len(seen) == len(set(seen)) == 8


def test_filters_narrow_the_list(world: World) -> None:
    make_customer(owner=world.charlie, team=world.south, name="Southern")
    page = customer_page_for_user(
        user=world.admin, filters=CustomerFilters(team_id=world.south.pk), cursor=None, size=10
    )
    assert [c.name for c in page.rows] == ["Southern"]
    page = customer_page_for_user(
        user=world.admin,
        filters=CustomerFilters(owner_id=world.alice.pk, stage="lead"),
        cursor=None,
        size=10,
    )
    assert [c.name for c in page.rows] == ["Aldona Petraitė"]
