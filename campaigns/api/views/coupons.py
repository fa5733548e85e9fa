"""Coupon API: the list (coupons of customers the user may see) and recording an order
that used a coupon, on the customer's behalf (one transaction: no order without the
coupon). Campaign settings (frequency cap, quiet hours) live here too: Admin only."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import services
from campaigns.api.views._common import require
from campaigns.configuration import SETTINGS_FIELDS, campaign_settings_get, campaign_settings_set
from campaigns.models import Coupon
from campaigns.selectors import CHANGE_SETTINGS, REDEEM_COUPON, VIEW_COUPON, coupon_page_for_user
from crm.lib.keyset import InvalidCursorError
from interactions.permissions import customer_get_for_history_write


class CouponOutput(serializers.ModelSerializer[Coupon]):
    customer_name = serializers.CharField(source="customer.name", allow_null=True, default=None)
    campaign_name = serializers.CharField(source="campaign.name", allow_null=True, default=None)
    order_ordered_on = serializers.DateField(
        source="order.ordered_on", allow_null=True, default=None
    )
    order_amount_cents = serializers.IntegerField(
        source="order.amount_cents", allow_null=True, default=None
    )

    class Meta:
        model = Coupon
        fields = [
            "id",
            "code",
            "customer_id",
            "customer_name",
            "campaign_id",
            "campaign_name",
            "value_cents",
            "percent",
            "currency",
            "expires_on",
            "created_at",
            "redeemed_at",
            "order_id",
            "order_ordered_on",
            "order_amount_cents",
            "discount_cents",
        ]


class CouponPageOutput(serializers.Serializer[Any]):
    next_cursor = serializers.CharField(allow_null=True)
    results = CouponOutput(many=True)


def _id_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError as exc:
        raise ValidationError({name: "An id is a whole number."}) from exc


class CouponListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("campaign", int),
            OpenApiParameter("customer", int),
            OpenApiParameter("cursor", str),
        ],
        responses=CouponPageOutput,
        operation_id="campaign_coupons_list",
    )
    def get(self, request: Request) -> Response:
        user = require(request, VIEW_COUPON)
        try:
            page = coupon_page_for_user(
                user=user,
                cursor=request.query_params.get("cursor") or None,
                campaign_id=_id_param(request, "campaign"),
                customer_id=_id_param(request, "customer"),
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        results = CouponOutput(page.rows, many=True).data
        return Response({"next_cursor": page.next_cursor, "results": results})


class CouponOrderApi(APIView):
    class CouponOrderInput(serializers.Serializer[Any]):
        customer = serializers.IntegerField()
        code = serializers.CharField(max_length=24)
        ordered_on = serializers.DateField()
        amount_cents = serializers.IntegerField(min_value=0, max_value=10**12)
        currency = serializers.RegexField(r"^[A-Za-z]{3}$", default="EUR")

    @extend_schema(request=CouponOrderInput, responses={201: CouponOutput})
    def post(self, request: Request) -> Response:
        user = require(request, REDEEM_COUPON)
        body = self.CouponOrderInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        customer = customer_get_for_history_write(user=user, customer_id=data.pop("customer"))
        coupon = services.coupon_order_record(customer=customer, acting_user=user, **data)
        fresh = Coupon.objects.select_related("campaign", "customer", "order").get(pk=coupon.pk)
        return Response(CouponOutput(fresh).data, status=status.HTTP_201_CREATED)


class CampaignSettingsBody(serializers.Serializer[Any]):
    max_messages = serializers.IntegerField(min_value=0, max_value=100)
    window_days = serializers.IntegerField(min_value=1, max_value=365)
    quiet_from_hour = serializers.IntegerField(min_value=0, max_value=23)
    quiet_until_hour = serializers.IntegerField(min_value=0, max_value=23)


class CampaignSettingsApi(APIView):
    @extend_schema(responses=CampaignSettingsBody)
    def get(self, request: Request) -> Response:
        require(request, CHANGE_SETTINGS)
        current = campaign_settings_get()
        return Response({name: getattr(current, name) for name in SETTINGS_FIELDS})

    @extend_schema(request=CampaignSettingsBody, responses=CampaignSettingsBody)
    def put(self, request: Request) -> Response:
        user = require(request, CHANGE_SETTINGS)
        body = CampaignSettingsBody(data=request.data)
        body.is_valid(raise_exception=True)
        saved = campaign_settings_set(acting_user=user, **body.validated_data)
        return Response({name: getattr(saved, name) for name in SETTINGS_FIELDS})
