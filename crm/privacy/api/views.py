"""Privacy API: retention policies, the preview and runs (privacy.manage_retention), and
data subject requests (Managers and Admins)."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.privacy import requests, retention
from crm.privacy.models import (
    Action,
    Category,
    DataSubjectRequest,
    DataSubjectRequestEvent,
    RetentionPolicy,
    RetentionRun,
    StartEvent,
)
from crm.privacy.tasks import retention_run_enqueue
from customers.selectors import customer_get_for_user

MANAGE_RETENTION = "privacy.manage_retention"


def _require(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- IsAuthenticated ran before
    if not user.has_perm(MANAGE_RETENTION):
        raise PermissionDenied("You may not manage retention.")
    return user


class RetentionPolicyOutput(serializers.ModelSerializer[RetentionPolicy]):
    class Meta:
        model = RetentionPolicy
        fields = ["category", "period_days", "start_event", "action", "is_active"]


class RetentionPolicyInput(serializers.Serializer[None]):
    category = serializers.ChoiceField(choices=Category.choices)
    period_days = serializers.IntegerField(min_value=1, max_value=36500)
    start_event = serializers.ChoiceField(choices=StartEvent.choices)
    action = serializers.ChoiceField(choices=Action.choices)
    is_active = serializers.BooleanField()


class RetentionPoliciesApi(APIView):
    @extend_schema(responses=RetentionPolicyOutput(many=True), operation_id="retention_policies")
    def get(self, request: Request) -> Response:
        _require(request)
        policies = retention.retention_policies()
        return Response(RetentionPolicyOutput(policies, many=True).data)

    @extend_schema(request=RetentionPolicyInput, responses=RetentionPolicyOutput)
    def put(self, request: Request) -> Response:
        user = _require(request)
        data = RetentionPolicyInput(data=request.data)
        data.is_valid(raise_exception=True)
        policy = retention.retention_policy_set(acting_user=user, **data.validated_data)
        return Response(RetentionPolicyOutput(policy).data)


class RetentionPreviewLineOutput(serializers.Serializer[Any]):
    category = serializers.CharField(source="policy.category")
    action = serializers.CharField(source="policy.action")
    cutoff = serializers.DateTimeField()
    rows = serializers.IntegerField()
    extra_rows = serializers.IntegerField()
    sample = serializers.ListField(child=serializers.CharField())


class RetentionPreviewApi(APIView):
    @extend_schema(responses=RetentionPreviewLineOutput(many=True))
    def get(self, request: Request) -> Response:
        _require(request)
        lines = retention.retention_preview()
        return Response(RetentionPreviewLineOutput(lines, many=True).data)


class RetentionRunOutput(serializers.ModelSerializer[RetentionRun]):
    class Meta:
        model = RetentionRun
        fields = ["id", "is_dry_run", "state", "started_at", "finished_at", "report"]


class RetentionRunInput(serializers.Serializer[None]):
    dry_run = serializers.BooleanField(default=False)


class RetentionRunsApi(APIView):
    @extend_schema(responses=RetentionRunOutput(many=True), operation_id="retention_runs")
    def get(self, request: Request) -> Response:
        _require(request)
        return Response(RetentionRunOutput(retention.retention_runs(), many=True).data)

    @extend_schema(request=RetentionRunInput, responses={202: RetentionRunOutput})
    def post(self, request: Request) -> Response:
        user = _require(request)
        data = RetentionRunInput(data=request.data)
        data.is_valid(raise_exception=True)
        run = retention_run_enqueue(acting_user=user, dry_run=data.validated_data["dry_run"])
        run.refresh_from_db()
        return Response(RetentionRunOutput(run).data, status=status.HTTP_202_ACCEPTED)


class DataSubjectRequestEventOutput(serializers.ModelSerializer[DataSubjectRequestEvent]):
    class Meta:
        model = DataSubjectRequestEvent
        fields = ["at", "status", "actor", "note"]


class DataSubjectRequestOutput(serializers.ModelSerializer[DataSubjectRequest]):
    package_url = serializers.SerializerMethodField()
    events = DataSubjectRequestEventOutput(many=True, read_only=True)

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "customer",
            "kind",
            "status",
            "received_on",
            "due_on",
            "details",
            "created_by",
            "approved_by",
            "completed_at",
            "package_url",
            "package_expires_at",
            "events",
        ]

    def get_package_url(self, obj: DataSubjectRequest) -> str:
        if not obj.package_name:
            return ""
        http_request = self.context.get("request")
        path = requests.package_path(obj)
        return http_request.build_absolute_uri(path) if http_request else path


class DataSubjectRequestInput(serializers.Serializer[None]):
    customer = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=DataSubjectRequest.Kind.choices)
    received_on = serializers.DateField(required=False)
    details = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class NoteInput(serializers.Serializer[None]):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


def _dsr_user(request: Request, perm: str) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 -- IsAuthenticated ran before
    if not user.has_perm(perm):
        raise PermissionDenied("You lack the permission for this.")
    return user


class DataSubjectRequestListApi(APIView):
    @extend_schema(responses=DataSubjectRequestOutput(many=True), operation_id="dsr_list")
    def get(self, request: Request) -> Response:
        user = _dsr_user(request, requests.VIEW_REQUESTS)
        overdue = request.query_params.get("overdue") == "1"
        rows = requests.dsr_list_for_user(user=user, overdue_only=overdue).prefetch_related(
            "events"
        )[:500]
        return Response(
            DataSubjectRequestOutput(rows, many=True, context={"request": request}).data
        )

    @extend_schema(request=DataSubjectRequestInput, responses={201: DataSubjectRequestOutput})
    def post(self, request: Request) -> Response:
        user = _dsr_user(request, requests.ADD_REQUEST)
        data = DataSubjectRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = customer_get_for_user(user=user, customer_id=values.pop("customer"))
        made = requests.dsr_create(customer=customer, acting_user=user, **values)
        output = DataSubjectRequestOutput(made, context={"request": request})
        return Response(output.data, status=status.HTTP_201_CREATED)


class DataSubjectRequestDetailApi(APIView):
    @extend_schema(responses=DataSubjectRequestOutput)
    def get(self, request: Request, request_id: int) -> Response:
        user = _dsr_user(request, requests.VIEW_REQUESTS)
        subject = requests.dsr_get_for_user(user=user, request_id=request_id)
        return Response(DataSubjectRequestOutput(subject, context={"request": request}).data)


class DataSubjectRequestActionApi(APIView):
    action_name = ""
    perm = requests.CHANGE_REQUEST

    @extend_schema(request=NoteInput, responses=DataSubjectRequestOutput)
    def post(self, request: Request, request_id: int) -> Response:
        user = _dsr_user(request, self.perm)
        subject = requests.dsr_get_for_user(user=user, request_id=request_id)
        data = NoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        note = data.validated_data.get("note", "")
        if self.action_name == "approve":
            subject = requests.dsr_approve_erasure(request=subject, acting_user=user)
        elif self.action_name == "reject":
            subject = requests.dsr_reject(request=subject, acting_user=user, note=note)
        else:
            subject = requests.dsr_complete(request=subject, acting_user=user, note=note)
        return Response(DataSubjectRequestOutput(subject, context={"request": request}).data)


class DataSubjectRequestApproveApi(DataSubjectRequestActionApi):
    action_name = "approve"
    perm = requests.APPROVE_ERASURE


class DataSubjectRequestRejectApi(DataSubjectRequestActionApi):
    action_name = "reject"


class DataSubjectRequestCompleteApi(DataSubjectRequestActionApi):
    action_name = "complete"
