"""Administration API: teams, roles and users — the same services as the admin pages."""

from typing import Any

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts import services
from crm.accounts.models import Role, Team
from crm.accounts.selectors import matrix_permission_ids, role_matrix, team_list, user_list


class HasModelPerm(BasePermission):
    perm = ""

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm(self.perm))


class ManagesTeams(HasModelPerm):
    perm = "accounts.manage_teams"


class ManagesRoles(HasModelPerm):
    perm = "accounts.manage_roles"


def _acting(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- permission classes ran before
    return request.user


class MeApi(APIView):
    class MeOutput(serializers.Serializer[Any]):
        id = serializers.IntegerField()
        username = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        teams = serializers.ListField(child=serializers.CharField())

    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        user = _acting(request)
        teams = [t.name for t in Team.objects.with_member(user)]
        data = {
            "id": user.pk,
            "username": user.username,
            "roles": services.user_roles(user),
            "teams": teams,
        }
        return Response(self.MeOutput(data).data)


class TeamOutput(serializers.ModelSerializer[Team]):
    manager = serializers.CharField(source="manager.username", allow_null=True, default=None)
    members = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ["id", "name", "manager", "manager_id", "members"]

    def get_members(self, obj: Team) -> list[str]:
        return [u.username for u in obj.members_group.user_set.all()]


class TeamInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    manager = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), allow_null=True
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), many=True
    )


class TeamListApi(APIView):
    permission_classes = [IsAuthenticated, ManagesTeams]

    @extend_schema(responses=TeamOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(TeamOutput(team_list(), many=True).data)

    @extend_schema(request=TeamInput, responses={201: TeamOutput})
    def post(self, request: Request) -> Response:
        body = TeamInput(data=request.data)
        body.is_valid(raise_exception=True)
        team = services.team_create(acting_user=_acting(request), **body.validated_data)
        return Response(TeamOutput(team).data, status=status.HTTP_201_CREATED)


class TeamDetailApi(APIView):
    permission_classes = [IsAuthenticated, ManagesTeams]

    @extend_schema(responses=TeamOutput)
    def get(self, request: Request, pk: int) -> Response:
        return Response(TeamOutput(get_object_or_404(Team, pk=pk)).data)

    @extend_schema(request=TeamInput, responses=TeamOutput)
    def put(self, request: Request, pk: int) -> Response:
        team = get_object_or_404(Team, pk=pk)
        body = TeamInput(data=request.data)
        body.is_valid(raise_exception=True)
        team = services.team_update(team=team, acting_user=_acting(request), **body.validated_data)
        return Response(TeamOutput(team).data)


class RoleMatrixApi(APIView):
    """GET the matrix; PUT one role's column: {"role": "Sales", "permissions": [ids]}."""

    permission_classes = [IsAuthenticated, ManagesRoles]

    class RoleMatrixRow(serializers.Serializer[Any]):
        permission_id = serializers.IntegerField()
        codename = serializers.CharField()
        app_label = serializers.CharField()
        name = serializers.CharField()
        granted = serializers.DictField(child=serializers.BooleanField())

    class RoleMatrixInput(serializers.Serializer[Any]):
        role = serializers.ChoiceField(choices=Role.choices)
        permissions = serializers.ListField(child=serializers.IntegerField())

    @extend_schema(responses=RoleMatrixRow(many=True))
    def get(self, request: Request) -> Response:
        _roles, rows = role_matrix()
        data = [
            {
                "permission_id": r.permission.pk,
                "codename": r.permission.codename,
                "app_label": r.permission.content_type.app_label,
                "name": r.permission.name,
                "granted": r.granted,
            }
            for r in rows
        ]
        return Response(self.RoleMatrixRow(data, many=True).data)

    @extend_schema(request=RoleMatrixInput, responses=RoleMatrixRow(many=True))
    def put(self, request: Request) -> Response:
        body = self.RoleMatrixInput(data=request.data)
        body.is_valid(raise_exception=True)
        unknown = set(body.validated_data["permissions"]) - matrix_permission_ids()
        if unknown:
            raise serializers.ValidationError(
                {"permissions": f"Unknown permission ids: {sorted(unknown)}"}
            )
        services.role_permissions_set(
            acting_user=_acting(request),
            role=body.validated_data["role"],
            permission_ids=body.validated_data["permissions"],
        )
        return self.get(request)


class UserOutput(serializers.ModelSerializer[User]):
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "is_active", "roles"]

    def get_roles(self, obj: User) -> list[str]:
        return sorted(g.name for g in obj.groups.all())


class UserListApi(APIView):
    permission_classes = [IsAuthenticated, ManagesRoles]

    @extend_schema(responses=UserOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(UserOutput(user_list(), many=True).data)


class UserRolesApi(APIView):
    permission_classes = [IsAuthenticated, ManagesRoles]

    class UserRolesInput(serializers.Serializer[Any]):
        roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))

    @extend_schema(request=UserRolesInput, responses=UserOutput)
    def put(self, request: Request, pk: int) -> Response:
        user = get_object_or_404(User, pk=pk)
        body = self.UserRolesInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.user_set_roles(
            acting_user=_acting(request), user=user, roles=body.validated_data["roles"]
        )
        return Response(UserOutput(User.objects.prefetch_related("groups").get(pk=pk)).data)
