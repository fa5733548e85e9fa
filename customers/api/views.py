"""Customer API: one view per operation, nested Input/Output serializers, same doors and
services as the pages."""

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.accounts.models import Team
from crm.audit.selectors import audit_entries_for_object
from crm.lib.keyset import InvalidCursorError
from customers import services
from customers.consent import VIEW_CONSENT
from customers.exports import customer_csv_response
from customers.list_filters import list_filter_values
from customers.models import Consent, ContactPerson, Customer, StageChange
from customers.permissions import CHANGE, REASSIGN
from customers.selectors import (
    SORTS,
    CustomerFilters,
    customer_get_for_user,
    customer_page_for_user,
    customer_stage_history,
)


def _user(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated ran before
        raise ValidationError("Not a staff user.")
    return user


class ConsentOutput(serializers.ModelSerializer[Consent]):
    """One current answer (the customer detail and the consent API show these)."""

    recorded_by = serializers.CharField(
        source="recorded_by.username", allow_null=True, default=None
    )

    class Meta:
        model = Consent
        fields = [
            "purpose",
            "is_granted",
            "source",
            "wording_version",
            "recorded_at",
            "recorded_by",
        ]


class CustomerOutput(serializers.ModelSerializer[Customer]):
    emails = serializers.SerializerMethodField()
    phones = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.name", allow_null=True, default=None)

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "external_ref",
            "name",
            "first_name",
            "primary_email",
            "primary_phone",
            "emails",
            "phones",
            "street",
            "city",
            "postal_code",
            "country",
            "time_zone",
            "language",
            "birthday",
            "stage",
            "stage_changed_at",
            "owner",
            "owner_id",
            "team",
            "team_id",
            "tags",
            "created_at",
            "updated_at",
        ]

    def get_emails(self, obj: Customer) -> list[str]:
        return [e.email for e in obj.emails.all()]

    def get_phones(self, obj: Customer) -> list[str]:
        return [p.phone for p in obj.phones.all()]

    def get_tags(self, obj: Customer) -> list[str]:
        return [t.name for t in obj.tags.all()]


class CustomerDetailOutput(CustomerOutput):
    """The customer with their current consent answers (for users who may see consent;
    a purpose without an answer is absent: never asked)."""

    consents = serializers.SerializerMethodField()

    class Meta(CustomerOutput.Meta):
        fields = [*CustomerOutput.Meta.fields, "consents"]

    @extend_schema_field(ConsentOutput(many=True))
    def get_consents(self, obj: Customer) -> list[dict[str, Any]]:
        answers = obj.consents.select_related("recorded_by").order_by("purpose")
        return list(ConsentOutput(answers, many=True).data)


class CustomerListOutput(serializers.ModelSerializer[Customer]):
    owner = serializers.CharField(source="owner.username", allow_null=True, default=None)
    team = serializers.CharField(source="team.name", allow_null=True, default=None)
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "external_ref",
            "name",
            "primary_email",
            "primary_phone",
            "stage",
            "owner",
            "owner_id",
            "team",
            "team_id",
            "tags",
            "created_at",
            "updated_at",
        ]

    def get_tags(self, obj: Customer) -> list[str]:
        return [t.name for t in obj.tags.all()]


class CustomerInput(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=Customer.Kind.choices, default=Customer.Kind.PERSON)
    name = serializers.CharField(max_length=200)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    external_ref = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )
    emails = serializers.ListField(
        child=serializers.CharField(max_length=254), required=False, default=list
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=32), required=False, default=list
    )
    street = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    city = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, default="")
    time_zone = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="IANA name, e.g. Europe/Vilnius; blank: the country's usual zone.",
    )
    language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
    birthday = serializers.DateField(required=False, allow_null=True, default=None)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list
    )

    def to_data(self) -> services.CustomerData:
        return services.CustomerData(**self.validated_data)


class CustomerFilterInput(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    owner = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)
    team = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)
    stage = serializers.ChoiceField(
        choices=Customer.Stage.choices, required=False, allow_blank=True, default=""
    )
    tag = serializers.IntegerField(required=False, min_value=1, allow_null=True, default=None)
    # Registered by campaigns (customers.list_filters); documented here for the schema.
    segment = serializers.IntegerField(
        required=False, min_value=1, allow_null=True, default=None, help_text="A segment's id."
    )
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="name")
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


def _filters_from(request: Request) -> tuple[CustomerFilters, dict[str, Any]]:
    """The list's filters from the query string, validated (400 on bad values)."""
    params = CustomerFilterInput(data=request.query_params)
    params.is_valid(raise_exception=True)
    p = params.validated_data
    filters = CustomerFilters(
        search=p["q"],
        owner_id=p["owner"],
        team_id=p["team"],
        stage=p["stage"],
        tag_id=p["tag"],
        sort=p["sort"],
        extra=list_filter_values(request.query_params),
    )
    return filters, p


class CustomerListApi(APIView):
    @extend_schema(
        operation_id="customers_list",
        parameters=[CustomerFilterInput],
        responses=inline_serializer(
            "CustomerPage",
            {
                "next": serializers.CharField(allow_null=True),
                "results": CustomerListOutput(many=True),
            },
        ),
    )
    def get(self, request: Request) -> Response:
        filters, p = _filters_from(request)
        try:
            page = customer_page_for_user(
                user=request.user,
                filters=filters,
                cursor=p["cursor"] or None,
                size=settings.CUSTOMER_PAGE_SIZE,
            )
        except InvalidCursorError as exc:
            raise ValidationError({"cursor": str(exc)}) from exc
        next_url = None
        if page.next_cursor:
            query = request.query_params.copy()
            query["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response(
            {"next": next_url, "results": CustomerListOutput(page.rows, many=True).data}
        )

    @extend_schema(request=CustomerInput, responses={201: CustomerOutput})
    def post(self, request: Request) -> Response:
        user = _user(request)
        if not user.has_perm("customers.add_customer"):
            self.permission_denied(request, message="You may not create customers.")
        body = CustomerInput(data=request.data)
        body.is_valid(raise_exception=True)
        teams = list(Team.objects.with_member(user))
        customer = services.customer_create(
            acting_user=user,
            data=body.to_data(),
            owner=user if user.has_perm("customers.own_customer") else None,
            team=teams[0] if teams and not user.is_superuser else None,
        )
        return Response(CustomerOutput(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(APIView):
    @extend_schema(responses=CustomerDetailOutput)
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        if request.user.has_perm(VIEW_CONSENT):
            return Response(CustomerDetailOutput(customer).data)
        return Response(CustomerOutput(customer).data)

    @extend_schema(request=CustomerInput, responses=CustomerOutput)
    def put(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
        body = CustomerInput(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_update(
            customer=customer, acting_user=_user(request), data=body.to_data()
        )
        return Response(CustomerOutput(customer).data)


class CustomerReassignApi(APIView):
    class CustomerReassignInput(serializers.Serializer[Any]):
        owner = serializers.IntegerField(allow_null=True)
        team = serializers.IntegerField(allow_null=True)

    @extend_schema(request=CustomerReassignInput, responses=CustomerOutput)
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk, perm=REASSIGN)
        body = self.CustomerReassignInput(data=request.data)
        body.is_valid(raise_exception=True)
        owner_id, team_id = body.validated_data["owner"], body.validated_data["team"]
        owner = User.objects.filter(pk=owner_id).first() if owner_id else None
        team = Team.objects.filter(pk=team_id).first() if team_id else None
        if owner_id and owner is None:
            raise ValidationError({"owner": "No such user."})
        if team_id and team is None:
            raise ValidationError({"team": "No such team."})
        customer = services.customer_assign_owner(
            customer=customer, acting_user=_user(request), owner=owner, team=team
        )
        return Response(CustomerOutput(customer).data)


class CustomerStageApi(APIView):
    class CustomerStageInput(serializers.Serializer[Any]):
        stage = serializers.ChoiceField(choices=Customer.Stage.choices)
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=CustomerStageInput, responses=CustomerOutput)
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
        body = self.CustomerStageInput(data=request.data)
        body.is_valid(raise_exception=True)
        customer = services.customer_change_stage(
            customer=customer, acting_user=_user(request), **body.validated_data
        )
        return Response(CustomerOutput(customer).data)


class ContactPersonOutput(serializers.ModelSerializer[ContactPerson]):
    class Meta:
        model = ContactPerson
        fields = ["id", "name", "role", "email", "phone", "created_at"]


class ContactPersonListApi(APIView):
    class ContactPersonInput(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200)
        role = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        email = serializers.CharField(max_length=254, required=False, allow_blank=True, default="")
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")

    @extend_schema(responses=ContactPersonOutput(many=True))
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        return Response(ContactPersonOutput(customer.contacts.all(), many=True).data)

    @extend_schema(request=ContactPersonInput, responses={201: ContactPersonOutput})
    def post(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
        body = self.ContactPersonInput(data=request.data)
        body.is_valid(raise_exception=True)
        person = services.contact_person_add(
            customer=customer, acting_user=_user(request), **body.validated_data
        )
        return Response(ContactPersonOutput(person).data, status=status.HTTP_201_CREATED)


class ContactPersonDetailApi(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: Request, pk: int, contact_id: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk, perm=CHANGE)
        person = get_object_or_404(customer.contacts, pk=contact_id)
        services.contact_person_remove(person=person, acting_user=_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class StageChangeOutput(serializers.ModelSerializer[StageChange]):
    changed_by = serializers.CharField(source="changed_by.username", allow_null=True, default=None)

    class Meta:
        model = StageChange
        fields = ["from_stage", "to_stage", "changed_at", "changed_by", "reason"]


class AuditOutput(serializers.Serializer[Any]):
    occurred_at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    action = serializers.CharField()
    changes = serializers.JSONField()


class CustomerHistoryApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "CustomerHistory",
            {"stages": StageChangeOutput(many=True), "audit": AuditOutput(many=True)},
        )
    )
    def get(self, request: Request, pk: int) -> Response:
        customer = customer_get_for_user(user=request.user, customer_id=pk)
        return Response(
            {
                "stages": StageChangeOutput(
                    customer_stage_history(customer=customer), many=True
                ).data,
                "audit": AuditOutput(audit_entries_for_object(obj=customer), many=True).data,
            }
        )


class CustomerExportApi(APIView):
    """The filtered list as CSV (the same filters as the list), streamed."""

    @extend_schema(
        parameters=[CustomerFilterInput],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        if not request.user.has_perm("customers.export_customer"):
            self.permission_denied(request, message="You may not export customers.")
        filters, _params = _filters_from(request)
        return customer_csv_response(user=request.user, filters=filters)
