from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission, User
from django.db.models import Prefetch, Q, QuerySet

from crm.accounts.models import Role, Team
from crm.accounts.roles import DEFAULT_ROLE_PERMISSIONS

# The role matrix shows capabilities: every custom permission of the CRM's apps, plus the
# model permissions some role holds by default (crm.accounts.roles), which are the ones
# that mean something to a role. Not the rest (editing the audit log, guardian's internal
# tables), which no role should be handed by a stray tick.
MATRIX_APPS = (
    "customers",
    "interactions",
    "imports",
    "ingest",
    "accounts",
    "audit",
    "churn",
    "campaigns",
    "privacy",
)
MATRIX_MODEL_PERMISSIONS = tuple(
    sorted(
        {dotted.split(".")[1] for names in DEFAULT_ROLE_PERMISSIONS.values() for dotted in names}
        | {"view_customer", "change_customer"}
    )
)
_DEFAULT_ACTIONS = ("add_", "change_", "delete_", "view_")


def _matrix_permissions() -> "QuerySet[Permission]":
    custom = ~Q(codename__startswith=_DEFAULT_ACTIONS[0])
    for prefix in _DEFAULT_ACTIONS[1:]:
        custom &= ~Q(codename__startswith=prefix)
    return Permission.objects.filter(content_type__app_label__in=MATRIX_APPS).filter(
        custom | Q(codename__in=MATRIX_MODEL_PERMISSIONS)
    )


@dataclass(frozen=True)
class MatrixRow:
    permission: Permission
    granted: dict[str, bool]


def role_matrix() -> tuple[list[str], list[MatrixRow]]:
    """Rows: permissions of the CRM's apps; columns: roles; cells: granted?"""
    roles = [str(r) for r in Role.values]
    groups = Group.objects.filter(name__in=roles).prefetch_related("permissions")
    granted = {g.name: {p.pk for p in g.permissions.all()} for g in groups}
    permissions = _matrix_permissions().select_related("content_type")
    rows = [
        MatrixRow(permission=p, granted={r: p.pk in granted.get(r, set()) for r in roles})
        for p in permissions.order_by("content_type__app_label", "codename")
    ]
    return roles, rows


def matrix_permission_ids() -> set[int]:
    return set(_matrix_permissions().values_list("pk", flat=True))


def team_list() -> list[Team]:
    members = Prefetch("members_group__user_set", queryset=User.objects.order_by("username"))
    return list(Team.objects.select_related("manager", "members_group").prefetch_related(members))


def user_list() -> list[User]:
    roles = Prefetch("groups", queryset=Group.objects.filter(name__in=Role.values))
    return list(User.objects.order_by("username").prefetch_related(roles))
