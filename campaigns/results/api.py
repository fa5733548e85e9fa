"""Results API: one campaign's results and the overview (campaigns.view_campaign_results).
Rates and differences of rates are fractions (0.25 = 25 %), money is in cents."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns.api.views._common import require
from campaigns.results.selectors import (
    CAMPAIGN_BREAKDOWNS,
    OVERVIEW_BREAKDOWNS,
    campaign_results_for_user,
    results_overview_for_user,
)
from campaigns.selectors import VIEW_RESULTS


class IntervalOutput(serializers.Serializer[Any]):
    low = serializers.FloatField()
    high = serializers.FloatField()


class GroupOutput(serializers.Serializer[Any]):
    n = serializers.IntegerField()
    reactivated = serializers.IntegerField()
    retained = serializers.IntegerField()
    reactivation_rate = serializers.FloatField(allow_null=True)
    retention_rate = serializers.FloatField(allow_null=True)
    mean_orders = serializers.FloatField(allow_null=True)
    mean_revenue_cents = serializers.FloatField(allow_null=True)
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()


class DifferenceOutput(serializers.Serializer[Any]):
    difference = serializers.FloatField(allow_null=True, help_text="treated - control")
    interval = IntervalOutput(allow_null=True, help_text="95 % interval of the difference")


class ComparisonOutput(serializers.Serializer[Any]):
    key = serializers.CharField()
    name = serializers.CharField(source="label")
    treated = GroupOutput()
    control = GroupOutput()
    reactivation = DifferenceOutput(help_text="Newcombe's hybrid score interval")
    retention = DifferenceOutput(help_text="Newcombe's hybrid score interval")
    orders = DifferenceOutput(help_text="Welch's interval")
    revenue_cents = DifferenceOutput(help_text="Welch's interval")
    incremental_revenue_cents = serializers.FloatField(allow_null=True)
    too_few = serializers.BooleanField(help_text="Fewer than 30 in a group: too few to tell.")


class CampaignResultsOutput(serializers.Serializer[Any]):
    campaign_id = serializers.IntegerField(source="campaign.pk")
    attribution_days = serializers.IntegerField(source="campaign.attribution_days")
    overall = ComparisonOutput()
    by = serializers.CharField(allow_null=True)
    breakdown = ComparisonOutput(many=True)
    coupon_cost_cents = serializers.IntegerField()
    roi = serializers.FloatField(allow_null=True)
    window_open_until = serializers.DateField(
        allow_null=True, help_text="Set while a window is open: the figures are provisional."
    )
    new_customer_days = serializers.IntegerField()


class OverviewRowOutput(serializers.Serializer[Any]):
    campaign_id = serializers.IntegerField(source="campaign.pk")
    name = serializers.CharField(source="campaign.name")
    kind = serializers.CharField(source="campaign.kind")
    channel = serializers.CharField(source="campaign.channel")
    goal = serializers.CharField(source="campaign.goal")
    segment_id = serializers.IntegerField(source="campaign.segment_id", allow_null=True)
    comparison = ComparisonOutput()
    coupon_cost_cents = serializers.IntegerField()
    roi = serializers.FloatField(allow_null=True)
    window_open_until = serializers.DateField(allow_null=True)


class OverviewOutput(serializers.Serializer[Any]):
    rows = OverviewRowOutput(many=True)
    by = serializers.CharField()
    breakdown = ComparisonOutput(many=True)
    new_customer_days = serializers.IntegerField()


def _by(request: Request, allowed: tuple[str, ...], default: str | None) -> str | None:
    by = request.query_params.get("by") or default
    if by is not None and by not in allowed:
        raise ValidationError({"by": f"One of: {', '.join(allowed)}."})
    return by


class CampaignResultsApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("by", str, enum=list(CAMPAIGN_BREAKDOWNS))],
        responses=CampaignResultsOutput,
    )
    def get(self, request: Request, campaign_id: int) -> Response:
        user = require(request, VIEW_RESULTS)
        by = _by(request, CAMPAIGN_BREAKDOWNS, None)
        results = campaign_results_for_user(user=user, campaign_id=campaign_id, by=by)
        return Response(CampaignResultsOutput(results).data)


class ResultsOverviewApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("by", str, enum=list(OVERVIEW_BREAKDOWNS))],
        responses=OverviewOutput,
    )
    def get(self, request: Request) -> Response:
        user = require(request, VIEW_RESULTS)
        by = _by(request, OVERVIEW_BREAKDOWNS, "channel") or "channel"
        overview = results_overview_for_user(user=user, by=by)
        return Response(OverviewOutput(overview).data)
