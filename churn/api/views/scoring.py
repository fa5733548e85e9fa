"""Scoring API: models, runs, backtests and settings (churn.view_scoring to read,
churn.manage_scoring to change)."""

from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from churn import configuration, services
from churn.models import (
    Alert,
    Backtest,
    ModelVersion,
    PlaybookEntry,
    ScoringRun,
    ScoringSettings,
    ValueTier,
)
from churn.selectors import (
    MANAGE_SCORING,
    VIEW_SCORING,
    backtest_list_for_user,
    model_version_get_for_user,
    model_version_list_for_user,
    scoring_run_get_for_user,
    scoring_run_list_for_user,
)
from churn.services.backtest import MAX_BACKTEST_HORIZON_DAYS


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- IsAuthenticated ran before
    return request.user


def _require(request: Request, perm: str) -> User:
    user = _user(request)
    if not user.has_perm(perm):
        raise PermissionDenied("You lack the permission for this.")
    return user


class ChurnModelVersionOutput(serializers.ModelSerializer[ModelVersion]):
    status = serializers.CharField()
    trained_by = serializers.CharField(source="trained_by.username", allow_null=True, default=None)

    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "status",
            "trained_at",
            "trained_by",
            "as_of",
            "horizon_days",
            "train_cutoff_on",
            "holdout_cutoff_on",
            "feature_columns",
            "metrics",
            "baselines",
            "drift",
            "drift_checked_at",
            "is_cold_start",
            "cold_start_reason",
            "n_train",
            "n_holdout",
            "n_train_churners",
        ]


class ModelListApi(APIView):
    @extend_schema(responses=ChurnModelVersionOutput(many=True))
    def get(self, request: Request) -> Response:
        versions = model_version_list_for_user(user=request.user)
        return Response(ChurnModelVersionOutput(versions, many=True).data)


class ModelTrainApi(APIView):
    @extend_schema(
        request=None,
        responses={202: None},
        description="Queue a training run; the new version appears in the list when done.",
    )
    def post(self, request: Request) -> Response:
        services.model_train_request(acting_user=_require(request, MANAGE_SCORING))
        return Response(status=status.HTTP_202_ACCEPTED)


class ModelPromoteApi(APIView):
    @extend_schema(request=None, responses=ChurnModelVersionOutput)
    def post(self, request: Request, version_id: int) -> Response:
        user = _require(request, MANAGE_SCORING)
        version = model_version_get_for_user(user=user, version_id=version_id)
        version = services.model_promote(version=version, acting_user=user)
        return Response(ChurnModelVersionOutput(version).data)


class ChurnRunOutput(serializers.ModelSerializer[ScoringRun]):
    kind = serializers.CharField()
    status = serializers.CharField()
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ScoringRun
        fields = [
            "id",
            "kind",
            "status",
            "as_of",
            "model_version_id",
            "started_at",
            "finished_at",
            "chunks_total",
            "chunks_done",
            "progress_percent",
            "customers_total",
            "customers_scored",
            "alerts_raised",
            "silences_begun",
            "stage_seconds",
            "error",
        ]


class RunListApi(APIView):
    class RunStartInput(serializers.Serializer[Any]):
        kind = serializers.ChoiceField(choices=ScoringRun.Kind.choices)
        as_of = serializers.DateField(required=False, allow_null=True, default=None)

    @extend_schema(responses=ChurnRunOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            ChurnRunOutput(scoring_run_list_for_user(user=request.user), many=True).data
        )

    @extend_schema(request=RunStartInput, responses={201: ChurnRunOutput})
    def post(self, request: Request) -> Response:
        user = _require(request, MANAGE_SCORING)
        body = self.RunStartInput(data=request.data)
        body.is_valid(raise_exception=True)
        run = services.scoring_run_start(acting_user=user, **body.validated_data)
        return Response(ChurnRunOutput(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    @extend_schema(responses=ChurnRunOutput)
    def get(self, request: Request, run_id: int) -> Response:
        return Response(
            ChurnRunOutput(scoring_run_get_for_user(user=request.user, run_id=run_id)).data
        )


class ChurnBacktestOutput(serializers.ModelSerializer[Backtest]):
    status = serializers.CharField()

    class Meta:
        model = Backtest
        fields = [
            "id",
            "as_of",
            "horizon_days",
            "status",
            "created_at",
            "finished_at",
            "customers",
            "is_cold_start",
            "results",
            "error",
        ]


class BacktestListApi(APIView):
    class BacktestInput(serializers.Serializer[Any]):
        as_of = serializers.DateField()
        horizon_days = serializers.IntegerField(min_value=7, max_value=MAX_BACKTEST_HORIZON_DAYS)

    @extend_schema(responses=ChurnBacktestOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            ChurnBacktestOutput(backtest_list_for_user(user=request.user), many=True).data
        )

    @extend_schema(request=BacktestInput, responses={201: ChurnBacktestOutput})
    def post(self, request: Request) -> Response:
        user = _require(request, MANAGE_SCORING)
        body = self.BacktestInput(data=request.data)
        body.is_valid(raise_exception=True)
        backtest = services.backtest_create(acting_user=user, **body.validated_data)
        return Response(ChurnBacktestOutput(backtest).data, status=status.HTTP_201_CREATED)


class ChurnSettingsFields(serializers.ModelSerializer[ScoringSettings]):
    class Meta:
        model = ScoringSettings
        fields = list(configuration.SETTINGS_FIELDS)


class ChurnPlaybookEntryBody(serializers.Serializer[Any]):
    reaction = serializers.ChoiceField(choices=PlaybookEntry.Reaction.choices)
    instructions = serializers.CharField(max_length=2000, allow_blank=True)
    due_days = serializers.IntegerField(min_value=0, max_value=60)


class ChurnSettingsOutput(serializers.Serializer[Any]):
    settings = ChurnSettingsFields()
    thresholds = serializers.DictField(child=serializers.FloatField())
    playbook = serializers.DictField(child=ChurnPlaybookEntryBody())


class ChurnSettingsPatchInput(serializers.Serializer[Any]):
    settings = ChurnSettingsFields(required=False, partial=True)
    thresholds = serializers.DictField(
        child=serializers.FloatField(min_value=0.01, max_value=0.99), required=False
    )
    playbook = serializers.DictField(child=ChurnPlaybookEntryBody(), required=False)

    def validate_thresholds(self, value: dict[str, float]) -> dict[str, float]:
        unknown = set(value) - set(ValueTier.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown tiers: {', '.join(sorted(unknown))}")
        return value

    def validate_playbook(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = set(value) - set(Alert.Kind.values)
        if unknown:
            raise serializers.ValidationError(f"Unknown alert kinds: {', '.join(sorted(unknown))}")
        return value


def _settings_payload() -> dict[str, Any]:
    return {
        "settings": ChurnSettingsFields(configuration.scoring_settings_get()).data,
        "thresholds": configuration.alert_thresholds_get(),
        "playbook": {
            kind: {
                "reaction": play.reaction,
                "instructions": play.instructions,
                "due_days": play.due_days,
            }
            for kind, play in configuration.playbook_get().items()
        },
    }


class ScoringSettingsApi(APIView):
    @extend_schema(responses=ChurnSettingsOutput)
    def get(self, request: Request) -> Response:
        _require(request, VIEW_SCORING)
        return Response(_settings_payload())

    @extend_schema(request=ChurnSettingsPatchInput, responses=ChurnSettingsOutput)
    def patch(self, request: Request) -> Response:
        user = _require(request, MANAGE_SCORING)
        body = ChurnSettingsPatchInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with transaction.atomic():  # all of the request's changes or none
            if data.get("settings"):
                configuration.scoring_settings_update(acting_user=user, **data["settings"])
            for tier, probability in data.get("thresholds", {}).items():
                configuration.alert_threshold_set(
                    acting_user=user, tier=tier, churn_probability=probability
                )
            for kind, entry in data.get("playbook", {}).items():
                configuration.playbook_entry_set(acting_user=user, kind=kind, **entry)
        return Response(_settings_payload())
