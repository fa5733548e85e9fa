from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from conftest import World
from customers.selectors import customer_list_for_user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_roles_are_seeded_by_migration(db) -> None:
    assert set(
        Group.objects.filter(name__in=["Admin", "Manager", "Sales", "Support"]).values_list(
            "name", flat=True
        )
    ) == {"Admin", "Manager", "Sales", "Support"}


def test_admin_edits_role_matrix_and_it_takes_effect(world: World) -> None:
    view_all = Permission.objects.get(codename="view_customer")
    sales_perms = list(Group.objects.get(name="Sales").permissions.values_list("pk", flat=True))
    assert not customer_list_for_user(user=world.charlie).filter(pk=world.customer.pk).exists()
    response = _client(world.admin).post(
        "/admin/roles/", {"role-Sales": [*sales_perms, view_all.pk], "role-Admin": [view_all.pk]}
    )
    assert response.status_code == 302
    world.charlie = type(world.charlie).objects.get(pk=world.charlie.pk)  # fresh permission cache
    assert customer_list_for_user(user=world.charlie).filter(pk=world.customer.pk).exists()


def test_team_membership_change_grants_and_revokes_access(world: World) -> None:
    client = _client(world.admin)
    response = client.post(
        f"/admin/teams/{world.north.pk}/",
        {
            "name": "North",
            "manager": world.manager.pk,
            "members": [world.alice.pk, world.charlie.pk],
        },
    )
    assert response.status_code == 302
    assert customer_list_for_user(user=world.charlie).filter(pk=world.customer.pk).exists()
    assert not customer_list_for_user(user=world.bob).filter(pk=world.customer.pk).exists()


def test_team_name_must_be_unique(world: World) -> None:
    response = _client(world.admin).post("/admin/teams/new/", {"name": "north"})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_user_roles_over_api(world: World) -> None:
    client = APIClient()
    client.force_authenticate(world.admin)
    response = client.put(
        f"/api/v1/users/{world.bob.pk}/roles/", {"roles": ["Sales"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["roles"] == ["Sales", "team:North:members"]
    assert (
        client.put(
            f"/api/v1/users/{world.bob.pk}/roles/", {"roles": ["Boss"]}, format="json"
        ).status_code
        == 400
    )


def test_password_reset_sends_email(world: World, mailoutbox) -> None:
    world.alice.email = "alice@staff.example.com"
    world.alice.save()
    Client().post("/accounts/password_reset/", {"email": "alice@staff.example.com"})
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_login_page_logs_in(world: World) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "alice", "password": "pw-12345-secret"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
