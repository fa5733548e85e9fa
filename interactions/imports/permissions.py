"""Who may import, into which teams, and who sees which jobs.

- ``imports.run_import`` (Admin and Manager by default) opens the import pages and API.
- A holder of the global ``customers.change_customer`` (Admin) imports into any team;
  anyone else only into a team they belong to or manage, which they must name, so that
  the customers they create are theirs to see.
- Imported history may only be added to customers the user may change; imported
  customers may only update customers the user may change.
- A job is visible to its creator and to holders of ``imports.view_importjob`` (Admin);
  only its creator acts on it.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from crm.accounts.models import Team, TeamQuerySet
from customers.selectors import AnyUser

RUN_IMPORT = "imports.run_import"
VIEW_ALL_JOBS = "imports.view_importjob"
ANY_TEAM = "customers.change_customer"
OWN_CUSTOMERS = "customers.own_customer"


def user_may_import(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.has_perm(RUN_IMPORT)


def import_teams_for_user(user: User) -> TeamQuerySet:
    if user.has_perm(ANY_TEAM):
        return Team.objects.all()
    return Team.objects.with_member(user)


def _in_team(user: User, team: Team) -> bool:
    return team.manager_id == user.pk or team.members_group.user_set.filter(pk=user.pk).exists()


def import_target_check(*, user: User | None, team: Team | None, owner: User | None) -> None:
    """Raise ValidationError unless ``user`` may give imported customers this team and
    owner. ``user`` None is the operator on the command line, who may do anything."""
    errors: dict[str, str] = {}
    if user is not None and not user.has_perm(ANY_TEAM):
        if team is None:
            errors["team"] = _("Choose the team the imported customers belong to.")
        elif not import_teams_for_user(user).filter(pk=team.pk).exists():
            errors["team"] = _("You may only import into your own teams.")
    if owner is not None:
        if not (owner.is_active and owner.has_perm(OWN_CUSTOMERS)):
            errors["owner"] = _("%(user)s may not own customers.") % {"user": owner}
        elif team is not None and not _in_team(owner, team):
            errors["owner"] = _("%(user)s is not in team %(team)s.") % {
                "user": owner,
                "team": team,
            }
    if errors:
        raise ValidationError(errors)
