"""Automation API: list and create, detail and update, switch on or off. Permissions as
on the pages (view_campaign, add_campaign, change_campaign, launch_campaign)."""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.views._common import require
from campaigns.automations import services
from campaigns.automations.selectors import automation_get_for_user, automation_list_for_user
from campaigns.models import Automation, Campaign, Channel, MessageTemplate
from campaigns.segments.api import VisibleSegmentField
from campaigns.selectors import ADD_CAMPAIGN, CHANGE_CAMPAIGN, LAUNCH_CAMPAIGN, VIEW_CAMPAIGN


@extend_schema_field(OpenApiTypes.INT)
class AutomationOutput(serializers.Serializer[Automation]):
    id = serializers.IntegerField()
    campaign_id = serializers.IntegerField()
    name = serializers.CharField(source="campaign.name")
    trigger = serializers.CharField()
    delay_days = serializers.IntegerField()
    is_active = serializers.BooleanField()
    last_run_at = serializers.DateTimeField(allow_null=True)
    channel = serializers.CharField(source="campaign.channel")
    goal = serializers.CharField(source="campaign.goal")
    segment_id = serializers.IntegerField(source="campaign.segment_id", allow_null=True)
    segment_name = serializers.CharField(
        source="campaign.segment.name", allow_null=True, default=None
    )
    template_id = serializers.IntegerField(source="campaign.template_id", allow_null=True)
    control_percent = serializers.IntegerField(source="campaign.control_percent")
    attribution_days = serializers.IntegerField(source="campaign.attribution_days")
    coupon_value_cents = serializers.IntegerField(
        source="campaign.coupon_value_cents", allow_null=True
    )
    coupon_percent = serializers.IntegerField(source="campaign.coupon_percent", allow_null=True)
    coupon_valid_days = serializers.IntegerField(source="campaign.coupon_valid_days")
    switched_on_at = serializers.DateTimeField(source="campaign.launched_at", allow_null=True)
    sent_count = serializers.IntegerField(help_text="Messages sent so far.")
    control_count = serializers.IntegerField(help_text="Occasions kept as control.")


def _output(request: Request, automation: Automation, code: int = 200) -> Response:
    fresh = automation_get_for_user(user=request.user, automation_id=automation.pk)
    return Response(AutomationOutput(fresh).data, status=code)


class AutomationListApi(APIView):
    class AutomationInput(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=120)
        trigger = serializers.ChoiceField(choices=Automation.Trigger.choices)
        delay_days = serializers.IntegerField(default=0)
        channel = serializers.ChoiceField(choices=Channel.choices)
        goal = serializers.ChoiceField(
            choices=Campaign.Goal.choices,
            required=False,
            allow_null=True,
            default=None,
            help_text="Defaults from the trigger.",
        )
        segment = VisibleSegmentField(allow_null=True, required=False, default=None)
        template = serializers.PrimaryKeyRelatedField(
            queryset=MessageTemplate.objects.all(), allow_null=True, required=False, default=None
        )
        control_percent = serializers.IntegerField(default=10)
        attribution_days = serializers.IntegerField(default=30)
        coupon_value_cents = serializers.IntegerField(allow_null=True, required=False, default=None)
        coupon_percent = serializers.IntegerField(allow_null=True, required=False, default=None)
        coupon_valid_days = serializers.IntegerField(default=30)

    @extend_schema(responses=AutomationOutput(many=True), operation_id="automations_list")
    def get(self, request: Request) -> Response:
        user = require(request, VIEW_CAMPAIGN)
        automations = automation_list_for_user(user=user)
        return Response(AutomationOutput(automations, many=True).data)  # type: ignore[arg-type]

    @extend_schema(request=AutomationInput, responses={201: AutomationOutput})
    def post(self, request: Request) -> Response:
        user = require(request, ADD_CAMPAIGN)
        body = self.AutomationInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        automation = services.automation_create(acting_user=user, **body.validated_data)
        return _output(request, automation, status.HTTP_201_CREATED)


class AutomationDetailApi(APIView):
    @extend_schema(responses=AutomationOutput)
    def get(self, request: Request, automation_id: int) -> Response:
        automation = automation_get_for_user(user=request.user, automation_id=automation_id)
        return Response(AutomationOutput(automation).data)

    @extend_schema(request=AutomationListApi.AutomationInput, responses=AutomationOutput)
    def put(self, request: Request, automation_id: int) -> Response:
        user = require(request, CHANGE_CAMPAIGN)
        automation = automation_get_for_user(
            user=user, automation_id=automation_id, perm=CHANGE_CAMPAIGN
        )
        body = AutomationListApi.AutomationInput(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        services.automation_update(automation=automation, acting_user=user, **body.validated_data)
        return _output(request, automation)


class AutomationSetActiveApi(APIView):
    class SwitchInput(serializers.Serializer[Any]):
        is_active = serializers.BooleanField()

    @extend_schema(request=SwitchInput, responses=AutomationOutput)
    def post(self, request: Request, automation_id: int) -> Response:
        user = require(request, LAUNCH_CAMPAIGN)
        automation = automation_get_for_user(
            user=user, automation_id=automation_id, perm=LAUNCH_CAMPAIGN
        )
        body = self.SwitchInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.automation_set_active(
            automation=automation, is_active=body.validated_data["is_active"], acting_user=user
        )
        return _output(request, automation)
