"""Teams, roles and users. Role permissions are edited as a matrix by admins."""

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from crm.accounts.models import Role, Team
from crm.accounts.selectors import matrix_permission_ids
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record


def _sync_managers_group(team: Team) -> None:
    team.managers_group.user_set.set([team.manager] if team.manager else [])


@transaction.atomic
def team_create(
    *,
    acting_user: User | None,
    name: str,
    manager: User | None = None,
    members: Iterable[User] = (),
) -> Team:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if Team.objects.filter(name__iexact=name).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    members_group = Group.objects.create(name=f"team:{name}:members")
    managers_group = Group.objects.create(name=f"team:{name}:managers")
    team = Team.objects.create(
        name=name, manager=manager, members_group=members_group, managers_group=managers_group
    )
    members_group.user_set.set(list(members))
    _sync_managers_group(team)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=team,
        changes={"manager": {"before": None, "after": str(manager or "")}},
    )
    return team


@transaction.atomic
def team_update(
    *, team: Team, acting_user: User, name: str, manager: User | None, members: Iterable[User]
) -> Team:
    """Rename a team, change its manager and members. Object permissions need no rewrite:
    they are held by the team's groups, whose membership is what changes here."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if Team.objects.filter(name__iexact=name).exclude(pk=team.pk).exists():
        raise ValidationError({"name": _("A team with this name already exists.")})
    before_members = sorted(team.members_group.user_set.values_list("username", flat=True))
    before = {"name": team.name, "manager": str(team.manager or ""), "members": before_members}
    team.name, team.manager = name, manager
    team.save(update_fields=["name", "manager"])
    team.members_group.user_set.set(list(members))
    _sync_managers_group(team)
    after_members = sorted(team.members_group.user_set.values_list("username", flat=True))
    after = {"name": team.name, "manager": str(team.manager or ""), "members": after_members}
    changes = {k: {"before": before[k], "after": after[k]} for k in before if before[k] != after[k]}
    if changes:
        audit_record(actor=acting_user, action=AuditEntry.Action.UPDATE, obj=team, changes=changes)
    return team


def role_group(role: str) -> Group:
    return Group.objects.get(name=role)


@transaction.atomic
def role_permissions_set(*, acting_user: User, role: str, permission_ids: Iterable[int]) -> Group:
    """Replace the model permissions of one role shown in the admin matrix (one column);
    permissions the matrix does not show are left as they are."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    group = role_group(role)
    before = sorted(group.permissions.values_list("codename", flat=True))
    shown = matrix_permission_ids()
    kept = set(group.permissions.values_list("pk", flat=True)) - shown
    wanted = kept | (set(permission_ids) & shown)
    group.permissions.set(Permission.objects.filter(pk__in=list(wanted)))
    after = sorted(group.permissions.values_list("codename", flat=True))
    if before != after:
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=group,
            changes={"permissions": {"before": before, "after": after}},
        )
    return group


@transaction.atomic
def user_set_roles(*, acting_user: User, user: User, roles: Iterable[str]) -> User:
    wanted = set(roles)
    unknown = wanted - set(Role.values)
    if unknown:
        raise ValidationError({"roles": _("Unknown role.")})
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name__in=wanted))
    user.groups.add(*Group.objects.filter(name__in=wanted))
    if before != sorted(wanted):
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=user,
            changes={"roles": {"before": before, "after": sorted(wanted)}},
        )
    return user


def user_roles(user: User) -> list[str]:
    return sorted(g.name for g in user.groups.all() if g.name in Role.values)


def session_cleanup() -> int:
    """Delete expired sessions; returns how many. Safe to run any number of times."""
    deleted, _detail = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@transaction.atomic
def api_token_issue(*, user: User, acting_user: User) -> str:
    """A new API token for ``user`` (replacing any old one); the key is shown once."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=user,
        changes={"api_token": {"before": None, "after": "issued"}},
    )
    return str(token.key)


@transaction.atomic
def api_token_revoke(*, user: User, acting_user: User) -> bool:
    deleted, _by_model = Token.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            obj=user,
            changes={"api_token": {"before": "issued", "after": "revoked"}},
        )
    return bool(deleted)
