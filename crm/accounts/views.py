"""Administration pages: the role matrix, teams and users' roles."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from crm.accounts import services
from crm.accounts.forms import TeamForm, UserRolesForm
from crm.accounts.models import Role, Team
from crm.accounts.selectors import matrix_permission_ids, role_matrix, team_list, user_list


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
@require_http_methods(["GET", "POST"])
def role_matrix_edit(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        allowed = matrix_permission_ids()
        for role in Role.values:
            ids = {int(v) for v in request.POST.getlist(f"role-{role}") if v.isdigit()} & allowed
            services.role_permissions_set(
                acting_user=_acting_user(request), role=role, permission_ids=ids
            )
        messages.success(request, _("Role permissions saved."))
        return redirect("accounts:roles")
    roles, rows = role_matrix()
    return render(request, "accounts/roles.html", {"roles": roles, "rows": rows})


@login_required
@permission_required("accounts.manage_teams", raise_exception=True)
def team_index(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/teams.html", {"teams": team_list()})


def _team_form_submit(request: HttpRequest, form: TeamForm, team: Team | None) -> Team | None:
    if not form.is_valid():
        return None
    try:
        if team is None:
            return services.team_create(acting_user=_acting_user(request), **form.cleaned_data)
        return services.team_update(
            team=team, acting_user=_acting_user(request), **form.cleaned_data
        )
    except ValidationError as exc:
        for field, errors in exc.error_dict.items():
            for error in errors:
                form.add_error(field, error)
    return None


@login_required
@permission_required("accounts.manage_teams", raise_exception=True)
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk) if pk is not None else None
    initial = {}
    if team is not None:
        initial = {
            "name": team.name,
            "manager": team.manager_id,
            "members": team.members_group.user_set.all(),
        }
    form = TeamForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and _team_form_submit(request, form, team):
        messages.success(request, _("Team saved."))
        return redirect("accounts:teams")
    return render(request, "accounts/team_form.html", {"form": form, "team": team})


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
def user_index(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/users.html", {"users": user_list(), "roles": Role.choices})


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
@require_http_methods(["GET", "POST"])
def user_roles_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = get_object_or_404(User, pk=pk)
    form = UserRolesForm(
        request.POST if request.method == "POST" else None,
        initial={"roles": services.user_roles(user)},
    )
    if request.method == "POST" and form.is_valid():
        services.user_set_roles(
            acting_user=_acting_user(request), user=user, roles=form.cleaned_data["roles"]
        )
        messages.success(request, _("Roles saved."))
        return redirect("accounts:users")
    return render(request, "accounts/user_roles.html", {"form": form, "subject": user})
