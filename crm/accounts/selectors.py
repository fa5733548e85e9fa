from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Prefetch

from crm.accounts.models import Role, Team

# Apps whose permissions the role matrix shows; later apps add themselves here.
MATRIX_APPS = ("customers", "interactions", "accounts", "audit")


@dataclass(frozen=True)
class MatrixRow:
    permission: Permission
    granted: dict[str, bool]


def role_matrix() -> tuple[list[str], list[MatrixRow]]:
    """Rows: permissions of the CRM's apps; columns: roles; cells: granted?"""
    roles = [str(r) for r in Role.values]
    groups = Group.objects.filter(name__in=roles).prefetch_related("permissions")
    granted = {g.name: {p.pk for p in g.permissions.all()} for g in groups}
    permissions = Permission.objects.filter(content_type__app_label__in=MATRIX_APPS).select_related(
        "content_type"
    )
    rows = [
        MatrixRow(permission=p, granted={r: p.pk in granted.get(r, set()) for r in roles})
        for p in permissions.order_by("content_type__app_label", "codename")
    ]
    return roles, rows


def matrix_permission_ids() -> set[int]:
    return set(
        Permission.objects.filter(content_type__app_label__in=MATRIX_APPS).values_list(
            "pk", flat=True
        )
    )


def team_list() -> list[Team]:
    members = Prefetch("members_group__user_set", queryset=User.objects.order_by("username"))
    return list(Team.objects.select_related("manager", "members_group").prefetch_related(members))


def user_list() -> list[User]:
    roles = Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values))
    return list(User.objects.order_by("username").prefetch_related(roles))
