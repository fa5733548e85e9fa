"""Import API: the same services and door as the pages. Create a job from a file with a
mapping and options (a dry run by default, else the import itself), read it, commit it."""

import json
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts.models import Team
from interactions.imports import services
from interactions.imports.forms import possible_owners
from interactions.imports.models import DateFormat, DecimalSeparator, ImportJob, ImportKind
from interactions.imports.models import ImportMapping as SavedMapping
from interactions.imports.permissions import user_may_import
from interactions.imports.selectors import (
    JOB_LIST_SIZE,
    import_job_get_for_user,
    import_job_list_for_user,
)


def _importer(request: Request) -> User:
    user = request.user
    if not isinstance(user, User) or not user_may_import(user):
        raise PermissionDenied(_("You may not import data."))
    return user


class ImportJobOutput(serializers.ModelSerializer[ImportJob]):
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    progress_percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "kind",
            "status",
            "is_dry_run",
            "original_name",
            "file_format",
            "encoding",
            "delimiter",
            "headers",
            "mapping",
            "date_format",
            "decimal_separator",
            "create_missing_customers",
            "team",
            "owner",
            "rows_total",
            "rows_read",
            "progress_percent",
            "phase",
            "report",
            "created_at",
            "finished_at",
        ]


class MappingField(serializers.JSONField):
    """A JSON object {target field: source column}, also accepted as a JSON string (the
    natural way to send it in a multipart form next to the file)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError as exc:
                raise serializers.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise serializers.ValidationError(_("Expected an object of column names."))
        return data


class ImportCreateInput(serializers.Serializer[Any]):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=ImportKind.choices)
    mapping = MappingField(required=False, help_text="{target: column}; guessed when left out")
    mapping_name = serializers.CharField(max_length=100, required=False)
    save_mapping_as = serializers.CharField(max_length=100, required=False)
    date_format = serializers.ChoiceField(choices=DateFormat.choices, required=False)
    decimal_separator = serializers.ChoiceField(choices=DecimalSeparator.choices, required=False)
    create_missing_customers = serializers.BooleanField(default=False)
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True, default=None
    )
    owner = serializers.PrimaryKeyRelatedField(
        queryset=possible_owners(), required=False, allow_null=True, default=None
    )
    dry_run = serializers.BooleanField(default=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        saved = None
        if attrs.get("mapping_name"):
            saved = SavedMapping.objects.filter(
                kind=attrs["kind"], name=attrs["mapping_name"]
            ).first()
            if saved is None:
                raise serializers.ValidationError({"mapping_name": _("No such saved mapping.")})
        attrs["saved_mapping"] = saved
        for name in ("date_format", "decimal_separator"):
            attrs.setdefault(name, getattr(saved, name) if saved else None)
        attrs["date_format"] = attrs["date_format"] or DateFormat.ISO
        attrs["decimal_separator"] = attrs["decimal_separator"] or DecimalSeparator.POINT
        return attrs


def _mapping(job: ImportJob, data: dict[str, Any]) -> dict[str, str]:
    if "mapping" in data:
        return dict(data["mapping"])
    if data["saved_mapping"] is not None:
        return services.mapping_apply(job, data["saved_mapping"])
    return dict(job.mapping)


class ImportJobListApi(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=ImportJobOutput(many=True))
    def get(self, request: Request) -> Response:
        _importer(request)
        jobs = import_job_list_for_user(user=request.user).select_related("owner")
        return Response(ImportJobOutput(jobs[:JOB_LIST_SIZE], many=True).data)

    @extend_schema(request=ImportCreateInput, responses={201: ImportJobOutput})
    def post(self, request: Request) -> Response:
        user = _importer(request)
        body = ImportCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        job = services.import_job_create(
            acting_user=user,
            kind=data["kind"],
            original_name=data["file"].name,
            chunks=data["file"].chunks(),
            options=services.ImportOptions(
                date_format=data["date_format"],
                decimal_separator=data["decimal_separator"],
                create_missing_customers=data["create_missing_customers"],
                team=data["team"],
                owner=data["owner"],
            ),
        )
        options = {
            "mapping": _mapping(job, data),
            "date_format": data["date_format"],
            "decimal_separator": data["decimal_separator"],
        }
        job = services.import_job_set_mapping(job=job, acting_user=user, **options)
        if data.get("save_mapping_as"):
            services.import_mapping_save(
                acting_user=user, name=data["save_mapping_as"], kind=job.kind, **options
            )
        if data["dry_run"]:
            job = services.import_job_preview(job=job, acting_user=user)
        else:
            job = services.import_job_commit(job=job, acting_user=user)
        job.refresh_from_db()
        return Response(ImportJobOutput(job).data, status=status.HTTP_201_CREATED)


class ImportJobDetailApi(APIView):
    @extend_schema(responses=ImportJobOutput)
    def get(self, request: Request, job_id: int) -> Response:
        _importer(request)
        job = import_job_get_for_user(user=request.user, job_id=job_id)
        return Response(ImportJobOutput(job).data)


class ImportJobCommitApi(APIView):
    @extend_schema(request=None, responses={202: ImportJobOutput})
    def post(self, request: Request, job_id: int) -> Response:
        user = _importer(request)
        job = import_job_get_for_user(user=user, job_id=job_id, act=True)
        if job.status != ImportJob.Status.PREVIEWED or job.error_count:
            raise serializers.ValidationError(
                {"status": _("Only an import whose dry run found no errors can be run.")}
            )
        services.import_job_commit(job=job, acting_user=user)
        job.refresh_from_db()
        return Response(ImportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)


urlpatterns = [
    path("imports/", ImportJobListApi.as_view(), name="import-list"),
    path("imports/<int:job_id>/", ImportJobDetailApi.as_view(), name="import-detail"),
    path("imports/<int:job_id>/commit/", ImportJobCommitApi.as_view(), name="import-commit"),
]
