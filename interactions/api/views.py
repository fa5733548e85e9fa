"""History API: the same doors and services as the pages."""

from typing import Any

from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.lib.keyset import InvalidCursorError
from customers.selectors import customer_get_for_user
from interactions import services
from interactions.models import Channel, Complaint, Interaction, Order, SurveyResponse
from interactions.permissions import customer_get_for_history_write
from interactions.selectors import (
    TIMELINE_KINDS,
    complaint_get_for_user,
    complaint_queue_for_user,
    customer_key_figures,
    timeline_page,
)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- IsAuthenticated ran before
    return request.user


class InteractionOutput(serializers.ModelSerializer[Interaction]):
    staff = serializers.CharField(source="staff.username", allow_null=True, default=None)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "channel",
            "direction",
            "occurred_at",
            "staff",
            "subject",
            "body",
            "duration_seconds",
            "complaint_id",
            "source",
            "created_at",
        ]


class OrderOutput(serializers.ModelSerializer[Order]):
    lines = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "external_ref",
            "ordered_on",
            "amount_cents",
            "currency",
            "status",
            "lines",
            "source",
        ]

    def get_lines(self, obj: Order) -> list[dict[str, Any]]:
        return [
            {
                "product": li.product,
                "quantity": li.quantity,
                "unit_price_cents": li.unit_price_cents,
            }
            for li in obj.lines.all()
        ]


class ComplaintOutput(serializers.ModelSerializer[Complaint]):
    assignee = serializers.CharField(source="assignee.username", allow_null=True, default=None)
    response_breached = serializers.BooleanField(read_only=True)
    resolution_breached = serializers.BooleanField(read_only=True)
    response_hours = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "customer_id",
            "subject",
            "description",
            "category",
            "severity",
            "channel",
            "status",
            "opened_at",
            "assignee",
            "first_response_at",
            "resolved_at",
            "respond_by",
            "resolve_by",
            "response_breached",
            "resolution_breached",
            "response_hours",
        ]


class SurveyOutput(serializers.ModelSerializer[SurveyResponse]):
    class Meta:
        model = SurveyResponse
        fields = ["id", "kind", "score", "comment", "responded_at", "source"]


class InteractionCreateInput(serializers.Serializer[Any]):
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Interaction.Direction.choices)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    subject = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    duration_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=86_400, default=None
    )


class CustomerInteractionsApi(APIView):
    @extend_schema(responses=InteractionOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        rows = customer.interactions.select_related("staff").order_by("-occurred_at", "-id")[:100]
        return Response(InteractionOutput(rows, many=True).data)

    @extend_schema(request=InteractionCreateInput, responses={201: InteractionOutput})
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_history_write(user=request.user, customer_id=pk)
        body = InteractionCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        interaction = services.interaction_log(
            customer=customer, acting_user=_user(request), source="api", **body.validated_data
        )
        return Response(InteractionOutput(interaction).data, status=status.HTTP_201_CREATED)


class TimelineItemOutput(serializers.Serializer[Any]):
    at = serializers.DateTimeField()
    kind = serializers.ChoiceField(choices=list(TIMELINE_KINDS))
    id = serializers.IntegerField(source="obj.pk")
    summary = serializers.CharField(source="obj")


class CustomerTimelineApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str, many=True, enum=list(TIMELINE_KINDS)),
            OpenApiParameter("cursor", str),
        ],
        responses=inline_serializer(
            "TimelinePage",
            {
                "next_cursor": serializers.CharField(allow_null=True),
                "items": TimelineItemOutput(many=True),
            },
        ),
    )
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        kinds = {k for k in request.query_params.getlist("kind") if k in TIMELINE_KINDS} or set(
            TIMELINE_KINDS
        )
        try:
            page = timeline_page(
                customer=customer,
                kinds=kinds,
                cursor=request.query_params.get("cursor") or None,
                size=50,
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        return Response(
            {
                "next_cursor": page.next_cursor,
                "items": TimelineItemOutput(page.items, many=True).data,
            }
        )


class CustomerSummaryApi(APIView):
    class SummaryOutput(serializers.Serializer[Any]):
        last_contact_at = serializers.DateTimeField(allow_null=True)
        last_order_on = serializers.DateField(allow_null=True)
        orders_12m = serializers.IntegerField()
        revenue_12m_cents = serializers.IntegerField()
        currency = serializers.CharField()
        open_complaints = serializers.IntegerField()
        median_response_hours = serializers.FloatField(allow_null=True)
        latest_nps = serializers.IntegerField(allow_null=True)

    @extend_schema(responses=SummaryOutput)
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        return Response(self.SummaryOutput(customer_key_figures(customer=customer)).data)


class OrderLineInput(serializers.Serializer[Any]):
    product = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price_cents = serializers.IntegerField(min_value=0, max_value=10**12)


class OrderCreateInput(serializers.Serializer[Any]):
    ordered_on = serializers.DateField()
    amount_cents = serializers.IntegerField(min_value=0, max_value=10**12)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="EUR")
    status = serializers.ChoiceField(choices=Order.Status.choices, default=Order.Status.PLACED)
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    lines = OrderLineInput(many=True, required=False, default=list)


class CustomerOrdersApi(APIView):
    @extend_schema(responses=OrderOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        rows = customer.orders.prefetch_related("lines").order_by("-ordered_on", "-id")[:100]
        return Response(OrderOutput(rows, many=True).data)

    @extend_schema(request=OrderCreateInput, responses={201: OrderOutput})
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_history_write(user=request.user, customer_id=pk)
        body = OrderCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        lines = [services.OrderLineData(**line) for line in data.pop("lines")]
        order = services.order_record(
            customer=customer, acting_user=_user(request), lines=lines, source="api", **data
        )
        return Response(OrderOutput(order).data, status=status.HTTP_201_CREATED)


class RefundCreateInput(serializers.Serializer[Any]):
    refunded_on = serializers.DateField()
    amount_cents = serializers.IntegerField(min_value=1, max_value=10**12)
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_return = serializers.BooleanField(default=True)


class OrderRefundApi(APIView):
    @extend_schema(
        request=RefundCreateInput,
        responses={201: inline_serializer("RefundOutput", {"id": serializers.IntegerField()})},
    )
    def post(self, request: Request, order_id: int) -> Response:
        order = get_object_or_404(Order.objects.only("id", "customer_id"), pk=order_id)
        customer_get_for_history_write(user=request.user, customer_id=order.customer_id)
        body = RefundCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        refund = services.refund_record(
            order=Order.objects.get(pk=order.pk), acting_user=_user(request), **body.validated_data
        )
        return Response({"id": refund.pk}, status=status.HTTP_201_CREATED)


class ComplaintCreateInput(serializers.Serializer[Any]):
    subject = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    severity = serializers.ChoiceField(choices=Complaint.Severity.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.CALL)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=100_000
    )


class CustomerComplaintsApi(APIView):
    @extend_schema(responses=ComplaintOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        rows = customer.complaints.select_related("assignee").order_by("-opened_at", "-id")[:100]
        return Response(ComplaintOutput(rows, many=True).data)

    @extend_schema(request=ComplaintCreateInput, responses={201: ComplaintOutput})
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_history_write(user=request.user, customer_id=pk)
        body = ComplaintCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = services.complaint_open(
            customer=customer, acting_user=_user(request), source="api", **body.validated_data
        )
        return Response(ComplaintOutput(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintQueueApi(APIView):
    @extend_schema(responses=ComplaintOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            ComplaintOutput(complaint_queue_for_user(user=request.user)[:200], many=True).data
        )


class ComplaintDetailApi(APIView):
    @extend_schema(responses=ComplaintOutput)
    def get(self, request: Request, complaint_id: int) -> Response:
        return Response(
            ComplaintOutput(
                complaint_get_for_user(user=request.user, complaint_id=complaint_id)
            ).data
        )


def _complaint_for_write(request: Request, complaint_id: int) -> Complaint:
    complaint = complaint_get_for_user(user=request.user, complaint_id=complaint_id)
    customer_get_for_history_write(user=request.user, customer_id=complaint.customer_id)
    return complaint


class ComplaintRespondInput(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=100_000)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)


class ComplaintRespondApi(APIView):
    @extend_schema(request=ComplaintRespondInput, responses=ComplaintOutput)
    def post(self, request: Request, complaint_id: int) -> Response:
        complaint = _complaint_for_write(request, complaint_id)
        body = ComplaintRespondInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.complaint_respond(
            complaint=complaint, acting_user=_user(request), **body.validated_data
        )
        return Response(ComplaintOutput(Complaint.objects.get(pk=complaint.pk)).data)


class ComplaintStatusInput(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ComplaintStatusApi(APIView):
    @extend_schema(request=ComplaintStatusInput, responses=ComplaintOutput)
    def post(self, request: Request, complaint_id: int) -> Response:
        complaint = _complaint_for_write(request, complaint_id)
        body = ComplaintStatusInput(data=request.data)
        body.is_valid(raise_exception=True)
        complaint = services.complaint_set_status(
            complaint=complaint, acting_user=_user(request), **body.validated_data
        )
        return Response(ComplaintOutput(complaint).data)


class SurveyCreateInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SurveyResponse.Kind.choices)
    score = serializers.IntegerField(min_value=0, max_value=10)
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    responded_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class CustomerSurveysApi(APIView):
    @extend_schema(responses=SurveyOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        return Response(
            SurveyOutput(customer.surveys.order_by("-responded_at", "-id")[:100], many=True).data
        )

    @extend_schema(request=SurveyCreateInput, responses={201: SurveyOutput})
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_history_write(user=request.user, customer_id=pk)
        body = SurveyCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        survey = services.survey_record(
            customer=customer, acting_user=_user(request), source="api", **body.validated_data
        )
        return Response(SurveyOutput(survey).data, status=status.HTTP_201_CREATED)
