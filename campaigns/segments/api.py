"""Segments API: the same doors and services as the pages (campaigns.view_segment to read,
add_segment to create; change/delete for managers and admins, or the segment's author)."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.models import BehaviourCluster, Segment
from campaigns.segments import services
from campaigns.segments.rules import segment_members
from campaigns.segments.selectors import (
    ADD_SEGMENT,
    CHANGE_SEGMENT,
    DELETE_SEGMENT,
    VIEW_SEGMENT,
    behaviour_cluster_get_for_user,
    behaviour_cluster_list_latest,
    segment_get_for_user,
    segment_list_for_user,
    segment_members_page_for_user,
)
from crm.lib.keyset import InvalidCursorError
from customers.models import Customer


def _user(request: Request, perm: str = VIEW_SEGMENT) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- IsAuthenticated ran before
    if not user.has_perm(perm):
        raise PermissionDenied("You lack the permission for this.")
    return user


@extend_schema_field(OpenApiTypes.INT)
class VisibleSegmentField(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
    """A segment the requesting user may see, by id: for the API inputs that pick one
    (campaigns, automations)."""

    def get_queryset(self) -> "QuerySet[Segment]":
        return segment_list_for_user(user=self.context["request"].user)


class RulesField(serializers.JSONField):
    """``{"match": "all"|"any", "conditions": [{"field", "op", "value"}]}``, validated by
    campaigns.segments.rules (errors name the condition)."""


class SegmentInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rules = RulesField(default=dict)


class SegmentOutput(serializers.ModelSerializer[Segment]):
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "rules", "created_by", "created_at", "updated_at"]


class SegmentDetailOutput(SegmentOutput):
    member_count = serializers.IntegerField()

    class Meta(SegmentOutput.Meta):
        fields = [*SegmentOutput.Meta.fields, "member_count"]


class SegmentListApi(APIView):
    @extend_schema(operation_id="segments_list", responses=SegmentOutput(many=True))
    def get(self, request: Request) -> Response:
        segments = segment_list_for_user(user=_user(request))
        return Response(SegmentOutput(segments, many=True).data)

    @extend_schema(request=SegmentInput, responses={201: SegmentOutput})
    def post(self, request: Request) -> Response:
        user = _user(request, ADD_SEGMENT)
        body = SegmentInput(data=request.data)
        body.is_valid(raise_exception=True)
        segment = services.segment_create(acting_user=user, **body.validated_data)
        return Response(SegmentOutput(segment).data, status=status.HTTP_201_CREATED)


def _detail(user: User, segment: Segment) -> dict[str, Any]:
    segment.member_count = segment_members(user=user, segment=segment).count()  # type: ignore[attr-defined]
    return dict(SegmentDetailOutput(segment).data)


class SegmentDetailApi(APIView):
    @extend_schema(responses=SegmentDetailOutput)
    def get(self, request: Request, segment_id: int) -> Response:
        user = _user(request)
        segment = segment_get_for_user(user=user, segment_id=segment_id)
        return Response(_detail(user, segment))

    @extend_schema(request=SegmentInput, responses=SegmentDetailOutput)
    def put(self, request: Request, segment_id: int) -> Response:
        user = _user(request)
        segment = segment_get_for_user(user=user, segment_id=segment_id, perm=CHANGE_SEGMENT)
        body = SegmentInput(data=request.data)
        body.is_valid(raise_exception=True)
        segment = services.segment_update(segment=segment, acting_user=user, **body.validated_data)
        return Response(_detail(user, segment))

    @extend_schema(responses={204: None})
    def delete(self, request: Request, segment_id: int) -> Response:
        user = _user(request)
        segment = segment_get_for_user(user=user, segment_id=segment_id, perm=DELETE_SEGMENT)
        services.segment_delete(segment=segment, acting_user=user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SegmentCountInput(serializers.Serializer[Any]):
    rules = RulesField()


class SegmentCountApi(APIView):
    @extend_schema(
        request=SegmentCountInput,
        responses=inline_serializer("SegmentCount", {"count": serializers.IntegerField()}),
        description="How many of the customers you may see match unsaved rules (400 with "
        "the errors, each naming its condition, when the rules do not validate).",
    )
    def post(self, request: Request) -> Response:
        user = _user(request)
        body = SegmentCountInput(data=request.data)
        body.is_valid(raise_exception=True)
        count = segment_members(user=user, rules=body.validated_data["rules"]).count()
        return Response({"count": count})


class SegmentMemberOutput(serializers.ModelSerializer[Customer]):
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.name", allow_null=True, default=None)

    class Meta:
        model = Customer
        fields = ["id", "name", "stage", "language", "country", "owner", "team"]


class SegmentMembersApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("cursor", str, required=False)],
        responses=inline_serializer(
            "SegmentMemberPage",
            {
                "next": serializers.CharField(allow_null=True),
                "results": SegmentMemberOutput(many=True),
            },
        ),
    )
    def get(self, request: Request, segment_id: int) -> Response:
        user = _user(request)
        segment = segment_get_for_user(user=user, segment_id=segment_id)
        try:
            page = segment_members_page_for_user(
                user=user,
                segment=segment,
                cursor=request.query_params.get("cursor") or None,
                size=settings.CUSTOMER_PAGE_SIZE,
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {"next": next_url, "results": SegmentMemberOutput(page.rows, many=True).data}
        )


class BehaviourClusterOutput(serializers.ModelSerializer[BehaviourCluster]):
    class Meta:
        model = BehaviourCluster
        fields = ["id", "clustering_run", "index", "label", "size", "centre", "computed_at"]


class BehaviourClusterListApi(APIView):
    @extend_schema(
        responses=BehaviourClusterOutput(many=True),
        description="The suggested behavioural segments of the latest clustering run "
        "(empty before the first). Labels are English; the pages translate them.",
    )
    def get(self, request: Request) -> Response:
        _user(request)
        return Response(BehaviourClusterOutput(behaviour_cluster_list_latest(), many=True).data)


class BehaviourClusterSaveApi(APIView):
    @extend_schema(request=None, responses={201: SegmentOutput})
    def post(self, request: Request, cluster_id: int) -> Response:
        user = _user(request, ADD_SEGMENT)
        cluster = behaviour_cluster_get_for_user(user=user, cluster_id=cluster_id)
        segment = services.segment_create_from_cluster(cluster=cluster, acting_user=user)
        return Response(SegmentOutput(segment).data, status=status.HTTP_201_CREATED)
