"""Delivery reports: an ESP's webhook (or a mail-log parser) marks a message bounced."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.delivery.tracking import send_mark_bounced
from campaigns.models import CampaignSend

CHANGE_CAMPAIGN = "campaigns.change_campaign"


class ChangesCampaigns(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(request.user and request.user.has_perm(CHANGE_CAMPAIGN))


class SendBounceApi(APIView):
    permission_classes = [IsAuthenticated, ChangesCampaigns]

    class BounceInput(serializers.Serializer[Any]):
        message_id = serializers.CharField(max_length=255)

    class SendOutput(serializers.ModelSerializer[CampaignSend]):
        class Meta:
            model = CampaignSend
            fields = ["id", "campaign", "customer", "state", "bounced_at"]

    @extend_schema(request=BounceInput, responses={200: SendOutput})
    def post(self, request: Request) -> Response:
        data = self.BounceInput(data=request.data)
        data.is_valid(raise_exception=True)
        send = send_mark_bounced(message_id=data.validated_data["message_id"])
        if send is None:
            return Response(
                {"detail": "No sent message has this Message-ID."},
                status=status.HTTP_404_NOT_FOUND,
            )
        return Response(self.SendOutput(send).data)
