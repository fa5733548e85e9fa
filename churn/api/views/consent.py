"""A customer's consent: the current answers and their history, and recording an answer.
Same door and service as the customer page's consent panel."""

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from churn import services
from customers.api.views import ConsentOutput
from customers.consent import consent_customer_get_for_user, consent_history
from customers.models import Consent, ConsentChange, Customer

# Sources an API client may claim; "unsubscribe" belongs to the unsubscribe link and
# "import" to imports.
API_SOURCES = (Consent.Source.API, Consent.Source.FORM, Consent.Source.WEB)


def _user(request: Request) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- IsAuthenticated ran before
    return request.user


class ConsentChangeOutput(serializers.ModelSerializer[ConsentChange]):
    recorded_by = serializers.CharField(
        source="recorded_by.username", allow_null=True, default=None
    )

    class Meta:
        model = ConsentChange
        fields = [
            "purpose", "is_granted", "source", "wording_version", "recorded_at",
            "recorded_by",
        ]  # fmt: skip


class CustomerConsentApi(APIView):
    class CustomerConsentOutput(serializers.Serializer[Any]):
        current = ConsentOutput(many=True, help_text="Current answers; absent: never asked.")
        history = ConsentChangeOutput(many=True, help_text="Every answer, newest first.")
        objects_to_profiling = serializers.BooleanField()

    class ConsentInput(serializers.Serializer[Any]):
        purpose = serializers.ChoiceField(choices=Consent.Purpose.choices)
        is_granted = serializers.BooleanField(
            help_text="For profiling, false records the customer's objection."
        )
        # "source" is also Field.source in the stubs; on a Serializer it is a field.
        source = serializers.ChoiceField(  # type: ignore[assignment]
            choices=[(s.value, s.label) for s in API_SOURCES], default=Consent.Source.API
        )
        wording_version = serializers.CharField(
            max_length=40, required=False, allow_blank=True, default=""
        )
        recorded_at = serializers.DateTimeField(
            required=False,
            allow_null=True,
            default=None,
            help_text="When the customer answered (default: now); not in the future.",
        )

        def validate_recorded_at(self, value: Any) -> Any:
            if value is not None and value > timezone.now():
                raise serializers.ValidationError("This cannot be in the future.")
            return value

    def _output(self, customer: Customer) -> dict[str, Any]:
        current = list(customer.consents.select_related("recorded_by").order_by("purpose"))
        return {
            "current": ConsentOutput(current, many=True).data,
            "history": ConsentChangeOutput(consent_history(customer=customer), many=True).data,
            "objects_to_profiling": any(
                c.purpose == Consent.Purpose.PROFILING and not c.is_granted for c in current
            ),
        }

    @extend_schema(operation_id="customer_consents_list", responses=CustomerConsentOutput)
    def get(self, request: Request, pk: int) -> Response:
        customer = consent_customer_get_for_user(user=request.user, customer_id=pk)
        return Response(self._output(customer))

    @extend_schema(
        operation_id="customer_consents_record",
        request=ConsentInput,
        responses={201: CustomerConsentOutput},
    )
    def post(self, request: Request, pk: int) -> Response:
        customer = consent_customer_get_for_user(user=request.user, customer_id=pk, for_change=True)
        body = self.ConsentInput(data=request.data)
        body.is_valid(raise_exception=True)
        services.customer_consent_record(
            customer=customer, acting_user=_user(request), **body.validated_data
        )
        return Response(self._output(customer), status=status.HTTP_201_CREATED)
