"""Campaign API: list and create, detail and update (drafts), launch, cancel, duplicate,
the preview for one recipient and the progress counts. Permissions as on the pages."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import services
from campaigns.api.views._common import acting_user, require
from campaigns.delivery.launch import campaign_launch
from campaigns.delivery.rendering import message_preview
from campaigns.delivery.selectors import campaign_progress
from campaigns.models import Campaign, Channel, MessageTemplate
from campaigns.segments.api import VisibleSegmentField
from campaigns.selectors import (
    ADD_CAMPAIGN,
    CHANGE_CAMPAIGN,
    LAUNCH_CAMPAIGN,
    VIEW_CAMPAIGN,
    campaign_get_for_user,
    campaign_page_for_user,
)
from crm.lib.keyset import InvalidCursorError
from customers.selectors import customer_get_for_user


class CampaignOutput(serializers.ModelSerializer[Campaign]):
    # Plain strings: several models have a "kind" and a "status" with their own choices.
    kind = serializers.CharField()
    status = serializers.CharField()
    goal = serializers.CharField()
    channel = serializers.CharField()
    segment_name = serializers.CharField(source="segment.name", allow_null=True, default=None)
    template_name = serializers.CharField(source="template.name", allow_null=True, default=None)
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    launched_by = serializers.CharField(
        source="launched_by.username", allow_null=True, default=None
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "kind",
            "goal",
            "channel",
            "status",
            "segment_id",
            "segment_name",
            "template_id",
            "template_name",
            "control_percent",
            "attribution_days",
            "coupon_value_cents",
            "coupon_percent",
            "coupon_valid_days",
            "created_by",
            "created_at",
            "launched_by",
            "launched_at",
            "completed_at",
        ]


class CampaignPageOutput(serializers.Serializer[Any]):
    next_cursor = serializers.CharField(allow_null=True)
    results = CampaignOutput(many=True)


class CampaignInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    channel = serializers.ChoiceField(choices=Channel.choices)
    goal = serializers.ChoiceField(choices=Campaign.Goal.choices, default=Campaign.Goal.WIN_BACK)
    segment = VisibleSegmentField(allow_null=True, required=False, default=None)
    template = serializers.PrimaryKeyRelatedField(
        queryset=MessageTemplate.objects.all(), allow_null=True, required=False, default=None
    )
    control_percent = serializers.IntegerField(default=10)
    attribution_days = serializers.IntegerField(default=30)
    coupon_value_cents = serializers.IntegerField(allow_null=True, required=False, default=None)
    coupon_percent = serializers.IntegerField(allow_null=True, required=False, default=None)
    coupon_valid_days = serializers.IntegerField(default=30)

    def campaign_data(self) -> services.CampaignData:
        return services.CampaignData(**self.validated_data)


def _campaign_response(request: Request, campaign: Campaign, code: int = 200) -> Response:
    fresh = campaign_get_for_user(user=request.user, campaign_id=campaign.pk)
    return Response(CampaignOutput(fresh).data, status=code)


class CampaignListApi(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=Campaign.Status.values),
            OpenApiParameter("cursor", str),
        ],
        responses=CampaignPageOutput,
        operation_id="campaigns_list",
    )
    def get(self, request: Request) -> Response:
        user = require(request, VIEW_CAMPAIGN)
        state = request.query_params.get("status", "")
        if state and state not in Campaign.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        try:
            page = campaign_page_for_user(
                user=user, cursor=request.query_params.get("cursor") or None, status=state
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        results = CampaignOutput(page.rows, many=True).data
        return Response({"next_cursor": page.next_cursor, "results": results})

    @extend_schema(request=CampaignInput, responses={201: CampaignOutput})
    def post(self, request: Request) -> Response:
        user = require(request, ADD_CAMPAIGN)
        body = CampaignInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        campaign = services.campaign_create(acting_user=user, data=body.campaign_data())
        return _campaign_response(request, campaign, status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    @extend_schema(responses=CampaignOutput)
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_get_for_user(user=request.user, campaign_id=campaign_id)
        return Response(CampaignOutput(campaign).data)

    @extend_schema(request=CampaignInput, responses=CampaignOutput)
    def put(self, request: Request, campaign_id: int) -> Response:
        user = require(request, CHANGE_CAMPAIGN)
        campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=CHANGE_CAMPAIGN)
        body = CampaignInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        services.campaign_update(campaign=campaign, acting_user=user, data=body.campaign_data())
        return _campaign_response(request, campaign)


class CampaignLaunchApi(APIView):
    @extend_schema(request=None, responses={202: CampaignOutput})
    def post(self, request: Request, campaign_id: int) -> Response:
        user = require(request, LAUNCH_CAMPAIGN)
        campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=LAUNCH_CAMPAIGN)
        campaign_launch(campaign=campaign, acting_user=user)
        return _campaign_response(request, campaign, status.HTTP_202_ACCEPTED)


class CampaignCancelApi(APIView):
    @extend_schema(request=None, responses=CampaignOutput)
    def post(self, request: Request, campaign_id: int) -> Response:
        user = require(request, CHANGE_CAMPAIGN)
        campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=CHANGE_CAMPAIGN)
        services.campaign_cancel(campaign=campaign, acting_user=user)
        return _campaign_response(request, campaign)


class CampaignDuplicateApi(APIView):
    @extend_schema(request=None, responses={201: CampaignOutput})
    def post(self, request: Request, campaign_id: int) -> Response:
        user = require(request, ADD_CAMPAIGN)
        campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=ADD_CAMPAIGN)
        copy = services.campaign_duplicate(campaign=campaign, acting_user=user)
        return _campaign_response(request, copy, status.HTTP_201_CREATED)


class CampaignPreviewOutput(serializers.Serializer[Any]):
    customer_id = serializers.IntegerField()
    subject = serializers.CharField()
    body = serializers.CharField()
    language = serializers.CharField()
    address = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())
    held_reasons = serializers.ListField(child=serializers.CharField())
    would_send = serializers.BooleanField()


class CampaignPreviewApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("customer", int, required=True)],
        responses=CampaignPreviewOutput,
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        user = require(request, VIEW_CAMPAIGN)
        campaign = campaign_get_for_user(user=user, campaign_id=campaign_id)
        try:
            customer_id = int(request.query_params.get("customer", ""))
        except ValueError as exc:
            raise ValidationError({"customer": _("Give a customer id.")}) from exc
        customer = customer_get_for_user(user=user, customer_id=customer_id)
        if campaign.template_id is None:
            raise ValidationError({"template": _("The campaign has no message yet.")})
        preview = message_preview(campaign=campaign, customer=customer)
        payload = {
            "customer_id": customer.pk,
            "subject": preview.subject,
            "body": preview.body,
            "language": preview.language,
            "address": preview.address,
            "missing": preview.missing,
            "held_reasons": preview.held_reasons,
            "would_send": preview.would_send,
        }
        return Response(CampaignPreviewOutput(payload).data)


class CampaignProgressOutput(serializers.Serializer[Any]):
    status = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())


class CampaignProgressApi(APIView):
    @extend_schema(responses=CampaignProgressOutput)
    def get(self, request: Request, campaign_id: int) -> Response:
        campaign = campaign_get_for_user(user=acting_user(request), campaign_id=campaign_id)
        counts = campaign_progress(campaign=campaign)
        return Response(CampaignProgressOutput({"status": campaign.status, "counts": counts}).data)
