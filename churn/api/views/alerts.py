"""Alert API: the inbox and its actions, preferences, and a customer's score."""

from typing import Any

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from churn import services
from churn.models import (
    Alert,
    AlertPreference,
    CustomerScore,
    ScoreHistory,
)
from churn.reasons import reason_text
from churn.selectors import (
    ALERT_TABS,
    alert_get_for_user,
    alert_page_for_user,
    alert_preference_get,
    customer_score_panel,
)
from crm.lib.keyset import InvalidCursorError
from customers.selectors import customer_get_for_user

ALERT_PAGE_SIZE = 50


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- IsAuthenticated ran before
    return request.user


class ChurnReasonOutput(serializers.Serializer[Any]):
    code = serializers.CharField()
    weight = serializers.FloatField(allow_null=True)
    values = serializers.DictField()
    text = serializers.CharField()


def _reasons(stored: Any) -> list[dict[str, Any]]:
    if not isinstance(stored, list):
        return []
    return [
        {
            "code": str(r.get("code", "")),
            "weight": r.get("weight"),
            "values": r.get("values") or {},
            "text": reason_text(r),
        }
        for r in stored
        if isinstance(r, dict)
    ]


class ChurnAlertOutput(serializers.ModelSerializer[Alert]):
    customer_name = serializers.CharField(source="customer.name")
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    escalated_to = serializers.CharField(
        source="escalated_to.username", allow_null=True, default=None
    )
    # Plain strings: several models have a "kind" and a "status" with their own choices.
    kind = serializers.CharField()
    status = serializers.CharField()
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "customer_id",
            "customer_name",
            "kind",
            "status",
            "raised_at",
            "assignee",
            "escalated_to",
            "escalated_at",
            "reasons",
            "churn_probability",
            "expected_value_cents",
            "expected_loss_cents",
            "reaction",
            "instructions",
            "due_on",
            "read_at",
            "acknowledged_at",
            "snoozed_until",
            "resolved_at",
            "outcome",
            "note",
        ]

    @extend_schema_field(ChurnReasonOutput(many=True))
    def get_reasons(self, obj: Alert) -> list[dict[str, Any]]:
        return _reasons(obj.reasons)


class ChurnAlertPageOutput(serializers.Serializer[Any]):
    next_cursor = serializers.CharField(allow_null=True)
    results = ChurnAlertOutput(many=True)


class AlertListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=list(ALERT_TABS)),
            OpenApiParameter("cursor", str),
        ],
        responses=ChurnAlertPageOutput,
        operation_id="alerts_list",
    )
    def get(self, request: Request) -> Response:
        tab = request.query_params.get("status", "open")
        if tab not in ALERT_TABS:
            raise ValidationError({"status": f"One of {', '.join(ALERT_TABS)}."})
        try:
            page = alert_page_for_user(
                user=_user(request),
                status=tab,
                cursor=request.query_params.get("cursor") or None,
                size=ALERT_PAGE_SIZE,
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        return Response(
            {
                "next_cursor": page.next_cursor,
                "results": ChurnAlertOutput(page.rows, many=True).data,
            }
        )


class AlertDetailApi(APIView):
    @extend_schema(responses=ChurnAlertOutput)
    def get(self, request: Request, alert_id: int) -> Response:
        alert = alert_get_for_user(user=request.user, alert_id=alert_id)
        return Response(ChurnAlertOutput(alert).data)


def _alert_response(request: Request, alert: Alert) -> Response:
    fresh = alert_get_for_user(user=request.user, alert_id=alert.pk)
    return Response(ChurnAlertOutput(fresh).data)


class AlertAcknowledgeApi(APIView):
    @extend_schema(request=None, responses=ChurnAlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
        services.alert_acknowledge(alert=alert, acting_user=_user(request))
        return _alert_response(request, alert)


class AlertSnoozeApi(APIView):
    class SnoozeInput(serializers.Serializer[Any]):
        until = serializers.DateField()

    @extend_schema(request=SnoozeInput, responses=ChurnAlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
        body = self.SnoozeInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.alert_snooze(alert=alert, acting_user=_user(request), **body.validated_data)
        return _alert_response(request, alert)


class AlertResolveApi(APIView):
    class ResolveInput(serializers.Serializer[Any]):
        outcome = serializers.ChoiceField(choices=Alert.Outcome.choices)
        note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    @extend_schema(request=ResolveInput, responses=ChurnAlertOutput)
    def post(self, request: Request, alert_id: int) -> Response:
        alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
        body = self.ResolveInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.alert_resolve(alert=alert, acting_user=_user(request), **body.validated_data)
        return _alert_response(request, alert)


class AlertPreferenceApi(APIView):
    class PreferenceBody(serializers.Serializer[Any]):
        delivery = serializers.ChoiceField(choices=AlertPreference.Delivery.choices)

    @extend_schema(responses=PreferenceBody)
    def get(self, request: Request) -> Response:
        return Response({"delivery": alert_preference_get(user=_user(request))})

    @extend_schema(request=PreferenceBody, responses=PreferenceBody)
    def put(self, request: Request) -> Response:
        body = self.PreferenceBody(data=request.data)
        body.is_valid(raise_exception=True)
        preference = services.alert_preference_set(
            user=_user(request), delivery=body.validated_data["delivery"]
        )
        return Response({"delivery": preference.delivery})


class ChurnScoreOutput(serializers.ModelSerializer[CustomerScore]):
    reasons = serializers.SerializerMethodField()

    class Meta:
        model = CustomerScore
        fields = [
            "as_of",
            "scored_at",
            "model_version_id",
            "churn_probability",
            "p_alive",
            "is_cold_start",
            "expected_orders",
            "expected_next_on",
            "expected_value_cents",
            "value_tier",
            "is_most_valuable",
            "reasons",
        ]

    @extend_schema_field(ChurnReasonOutput(many=True))
    def get_reasons(self, obj: CustomerScore) -> list[dict[str, Any]]:
        return _reasons(obj.reasons)


class ChurnScorePointOutput(serializers.ModelSerializer[ScoreHistory]):
    class Meta:
        model = ScoreHistory
        fields = ["as_of", "churn_probability", "p_alive", "expected_value_cents"]


class ChurnCustomerScoreOutput(serializers.Serializer[Any]):
    score = ChurnScoreOutput(allow_null=True)
    is_silent = serializers.BooleanField()
    silent_since = serializers.DateField(allow_null=True)
    is_cold_start = serializers.BooleanField()
    profiling_objected_at = serializers.DateTimeField(allow_null=True)
    history = ChurnScorePointOutput(many=True)
    open_alerts = ChurnAlertOutput(many=True)


class CustomerScoreApi(APIView):
    @extend_schema(responses=ChurnCustomerScoreOutput)
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        panel = customer_score_panel(customer=customer)
        for alert in panel.open_alerts:
            alert.customer = customer  # the serializer shows its name; no query per row
        return Response(ChurnCustomerScoreOutput(panel).data)
