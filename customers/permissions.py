"""Object-permission grants for customers (django-guardian, direct FK tables).

Who may do what with a customer:
- its owner: view and change;
- every member of its team (Sales, Support): view, through the team's members group;
- the team's manager: view, change and reassign, through the team's managers group;
- a holder of the global (model) permission, by default only Admin: every customer.

Grants are written in bulk by the services that create or transfer ownership; nothing
else writes these tables.
"""

from collections.abc import Iterable
from functools import cache

from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType

from crm.accounts.models import Team
from customers.models import Customer, CustomerGroupObjectPermission, CustomerUserObjectPermission

VIEW = "view_customer"
CHANGE = "change_customer"
REASSIGN = "reassign_customer"
OWNER_CODENAMES = (VIEW, CHANGE)
TEAM_MEMBER_CODENAMES = (VIEW,)
TEAM_MANAGER_CODENAMES = (VIEW, CHANGE, REASSIGN)


@cache
def customer_permission_id(codename: str) -> int:
    content_type = ContentType.objects.get_for_model(Customer)
    return int(Permission.objects.get(content_type=content_type, codename=codename).pk)


def _team_grants(team: Team) -> list[tuple[Group, tuple[str, ...]]]:
    return [
        (team.members_group, TEAM_MEMBER_CODENAMES),
        (team.managers_group, TEAM_MANAGER_CODENAMES),
    ]


def grant_owner(*, customer_ids: Iterable[int], owner: User) -> None:
    CustomerUserObjectPermission.objects.bulk_create(
        [
            CustomerUserObjectPermission(
                user=owner,
                permission_id=customer_permission_id(codename),
                content_object_id=customer_id,
            )
            for customer_id in customer_ids
            for codename in OWNER_CODENAMES
        ],
        ignore_conflicts=True,
    )


def revoke_owner(*, customer_ids: Iterable[int], owner: User) -> None:
    CustomerUserObjectPermission.objects.filter(
        user=owner, content_object_id__in=list(customer_ids)
    ).delete()


def grant_team(*, customer_ids: Iterable[int], team: Team) -> None:
    ids = list(customer_ids)
    CustomerGroupObjectPermission.objects.bulk_create(
        [
            CustomerGroupObjectPermission(
                group=group,
                permission_id=customer_permission_id(codename),
                content_object_id=customer_id,
            )
            for group, codenames in _team_grants(team)
            for codename in codenames
            for customer_id in ids
        ],
        ignore_conflicts=True,
    )


def revoke_team(*, customer_ids: Iterable[int], team: Team) -> None:
    CustomerGroupObjectPermission.objects.filter(
        group__in=[team.members_group_id, team.managers_group_id],
        content_object_id__in=list(customer_ids),
    ).delete()
