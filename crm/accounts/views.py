"""Administration pages: the role matrix, teams and users' roles; the two-factor page."""

from base64 import b32encode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device
from rest_framework.authtoken.models import Token

from crm.accounts import services
from crm.accounts.forms import TeamForm, UserRolesForm
from crm.accounts.models import Role, Team
from crm.accounts.selectors import matrix_permission_ids, role_matrix, team_list, user_list
from crm.accounts.two_factor import device_for_enrolment, enrolment_qr_svg, two_factor_verify


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


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (first time) or type its code (every login)."""
    user = _acting_user(request)
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    enrolled = user_has_device(user, confirmed=True)
    error = ""
    if request.method == "POST":
        if two_factor_verify(request=request, user=user, token=request.POST.get("token", "")):
            return redirect(next_url or "home")
        error = _("That code is not right. Check the time on your phone and try again.")
    context = {"enrolled": enrolled, "next": next_url, "error": error}
    if not enrolled:
        device = device_for_enrolment(user)
        context["qr_svg"] = enrolment_qr_svg(device)
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_token_own(request: HttpRequest) -> HttpResponse:
    """The user's own API token: issue (or replace) it — its key is shown once — or
    revoke it."""
    user = _acting_user(request)
    new_key = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.api_token_revoke(user=user, acting_user=user)
            messages.success(request, _("Your API token is revoked."))
            return redirect("api-token")
        new_key = services.api_token_issue(user=user, acting_user=user)
    token = Token.objects.filter(user=user).first()
    return render(request, "accounts/api_token.html", {"token": token, "new_key": new_key})


@login_required
@permission_required("accounts.manage_roles", raise_exception=True)
@require_http_methods(["GET", "POST"])
def api_token_index(request: HttpRequest) -> HttpResponse:
    """Every user's API token, for admins: when it was issued, and a revoke button."""
    if request.method == "POST":
        owner = get_object_or_404(User, pk=request.POST.get("user_id", "0") or "0")
        services.api_token_revoke(user=owner, acting_user=_acting_user(request))
        messages.success(request, _("The API token of %(user)s is revoked.") % {"user": owner})
        return redirect("accounts:api-tokens")
    tokens = Token.objects.select_related("user").order_by("user__username")
    return render(request, "accounts/api_tokens.html", {"tokens": tokens})
