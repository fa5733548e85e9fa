"""Message template API: list and create, detail and update, with one variant per language
(``variants`` maps a language code to its subject and text; a language left out or left
empty has no variant)."""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import services
from campaigns.api.views._common import require
from campaigns.models import Channel, MessageTemplate
from campaigns.selectors import (
    ADD_TEMPLATE,
    CHANGE_TEMPLATE,
    VIEW_TEMPLATE,
    message_template_get_for_user,
    message_template_list_for_user,
)

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


class MessageVariantBody(serializers.Serializer[Any]):
    subject = serializers.CharField(max_length=200, allow_blank=True, default="")
    body = serializers.CharField(allow_blank=True, default="")


class MessageTemplateOutput(serializers.ModelSerializer[MessageTemplate]):
    channel = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username", allow_null=True, default=None)
    campaign_count = serializers.IntegerField()
    variants = serializers.SerializerMethodField()

    class Meta:
        model = MessageTemplate
        fields = [
            "id",
            "name",
            "channel",
            "created_by",
            "created_at",
            "updated_at",
            "campaign_count",
            "variants",
        ]

    @extend_schema_field(serializers.DictField(child=MessageVariantBody()))
    def get_variants(self, obj: MessageTemplate) -> dict[str, dict[str, str]]:
        return {v.language: {"subject": v.subject, "body": v.body} for v in obj.variants.all()}


class MessageTemplateInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    channel = serializers.ChoiceField(choices=Channel.choices)
    variants = serializers.DictField(child=MessageVariantBody())

    def validate_variants(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(LANGUAGE_CODES))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown languages: {', '.join(unknown)}; use {', '.join(LANGUAGE_CODES)}."
            )
        return value

    def service_fields(self) -> dict[str, Any]:
        data = self.validated_data
        variants = {
            code: services.VariantData(subject=text["subject"], body=text["body"])
            for code, text in data["variants"].items()
        }
        return {"name": data["name"], "channel": data["channel"], "variants": variants}


def _template_response(request: Request, template: MessageTemplate, code: int = 200) -> Response:
    fresh = message_template_get_for_user(user=request.user, template_id=template.pk)
    return Response(MessageTemplateOutput(fresh).data, status=code)


class MessageTemplateListApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("channel", str, enum=Channel.values)],
        responses=MessageTemplateOutput(many=True),
        operation_id="campaign_message_templates_list",
    )
    def get(self, request: Request) -> Response:
        user = require(request, VIEW_TEMPLATE)
        channel = request.query_params.get("channel", "")
        templates = message_template_list_for_user(
            user=user, channel=channel if channel in Channel.values else ""
        )
        return Response(MessageTemplateOutput(templates, many=True).data)

    @extend_schema(request=MessageTemplateInput, responses={201: MessageTemplateOutput})
    def post(self, request: Request) -> Response:
        user = require(request, ADD_TEMPLATE)
        body = MessageTemplateInput(data=request.data)
        body.is_valid(raise_exception=True)
        template = services.message_template_create(acting_user=user, **body.service_fields())
        return _template_response(request, template, status.HTTP_201_CREATED)


class MessageTemplateDetailApi(APIView):
    @extend_schema(responses=MessageTemplateOutput)
    def get(self, request: Request, template_id: int) -> Response:
        template = message_template_get_for_user(user=request.user, template_id=template_id)
        return Response(MessageTemplateOutput(template).data)

    @extend_schema(request=MessageTemplateInput, responses=MessageTemplateOutput)
    def put(self, request: Request, template_id: int) -> Response:
        user = require(request, CHANGE_TEMPLATE)
        template = message_template_get_for_user(
            user=user, template_id=template_id, perm=CHANGE_TEMPLATE
        )
        body = MessageTemplateInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.message_template_update(
            template=template, acting_user=user, **body.service_fields()
        )
        return _template_response(request, template)
