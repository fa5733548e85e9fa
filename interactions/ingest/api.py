"""The bulk ingestion API, ``POST /api/v1/events/``: a list of typed events, validated as
a whole before ``events_ingest`` stores it as a whole."""

from typing import Any

from django.contrib.auth.models import User
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from interactions.ingest import services
from interactions.ingest.events import (
    EVENT_TYPES,
    MAX_EVENTS_PER_BATCH,
    ActivityEvent,
    Event,
    EventsInvalidError,
    InteractionEvent,
    OrderEvent,
    SurveyEvent,
)
from interactions.ingest.fields import IsoDateTimeField, PatternField, TextField
from interactions.ingest.models import EVENT_KEY_MAX_LENGTH, SOURCE_NAME_MAX_LENGTH
from interactions.ingest.permissions import INGEST_EVENTS, user_for_capability
from interactions.models import Channel, Interaction, Order, SurveyResponse
from interactions.services import OrderLineData


class _EventInput(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["interaction", "order", "activity", "survey"])
    # DRF's metaclass takes declared fields off the class, so this shadows no Field.source.
    source = PatternField(  # type: ignore[assignment]
        r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        max_length=SOURCE_NAME_MAX_LENGTH,
        help_text="The sending system, e.g. 'webshop': keys are unique per source.",
    )
    idempotency_key = TextField(max_length=EVENT_KEY_MAX_LENGTH)
    customer_ref = TextField(max_length=64, help_text="Customer.external_ref")

    def run_validators(self, value: Any) -> None:
        # These serializers have no object-level validators; DRF would still gather the
        # read-only defaults for them, item after item of a 5,000-event batch.
        if self.validators:
            super().run_validators(value)


class InteractionEventInput(_EventInput):
    channel = serializers.ChoiceField(choices=Channel.choices)
    direction = serializers.ChoiceField(choices=Interaction.Direction.choices)
    occurred_at = IsoDateTimeField()
    subject = TextField(max_length=200, required=False, allow_blank=True)
    body = TextField(max_length=10_000, required=False, allow_blank=True)
    duration_seconds = serializers.IntegerField(
        min_value=0, max_value=86_400, required=False, allow_null=True
    )


class IngestOrderLineInput(serializers.Serializer[Any]):
    product = TextField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    unit_price_cents = serializers.IntegerField(min_value=0, max_value=10**12)


class OrderEventInput(_EventInput):
    ordered_on = serializers.DateField()
    amount_cents = serializers.IntegerField(min_value=0, max_value=10**12)
    currency = PatternField(r"^[A-Za-z]{3}$", required=False)
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
    external_ref = TextField(
        max_length=64, required=False, allow_blank=True, help_text="The order number."
    )
    lines = serializers.ListField(child=IngestOrderLineInput(), required=False, max_length=1_000)


class ActivityEventInput(_EventInput):
    occurred_at = IsoDateTimeField(help_text="Counted on this day in the CRM's zone.")
    logins = serializers.IntegerField(min_value=0, max_value=10_000, required=False)
    page_views = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    seconds_active = serializers.IntegerField(min_value=0, max_value=86_400, required=False)


class SurveyEventInput(_EventInput):
    kind = serializers.ChoiceField(choices=SurveyResponse.Kind.choices)
    score = serializers.IntegerField(min_value=0, max_value=10)
    responded_at = IsoDateTimeField()
    comment = TextField(max_length=10_000, required=False, allow_blank=True)


# The types the API takes (complaints come from helpdesk webhooks only), their input
# serializers (built once: a serializer's fields are costly to build per item) and events.
INPUTS: dict[str, tuple[serializers.Serializer[Any], type[Event]]] = {
    "interaction": (InteractionEventInput(), InteractionEvent),
    "order": (OrderEventInput(), OrderEvent),
    "activity": (ActivityEventInput(), ActivityEvent),
    "survey": (SurveyEventInput(), SurveyEvent),
}


@extend_schema_field(
    PolymorphicProxySerializer(
        component_name="Event",
        serializers={name: type(s) for name, (s, _cls) in INPUTS.items()},
        resource_type_field_name="type",
    )
)
class EventField(serializers.Field):  # type: ignore[type-arg]
    """One event: validated by its type's serializer, returned as its event dataclass."""

    def to_internal_value(self, data: Any) -> Event:
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": [_("Expected an object.")]})
        entry = INPUTS.get(data.get("type"))  # type: ignore[arg-type]
        if entry is None:
            raise ValidationError(
                {"type": [_("Expected one of: %(types)s.") % {"types": ", ".join(INPUTS)}]}
            )
        serializer, event_class = entry
        attrs = dict(serializer.run_validation(data))
        del attrs["type"]
        if "lines" in attrs:
            attrs["lines"] = tuple(OrderLineData(**line) for line in attrs["lines"])
        return event_class(**attrs)

    def to_representation(self, value: Any) -> Any:
        return value


class _BoundedListField(serializers.ListField):
    """A list whose length is checked before its items: an oversized batch is refused
    without validating thousands of items first (DRF checks max_length after them)."""

    def to_internal_value(self, data: Any) -> list[Any]:
        if self.max_length is not None and isinstance(data, list) and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class EventsInput(serializers.Serializer[Any]):
    events = _BoundedListField(child=EventField(), min_length=1, max_length=MAX_EVENTS_PER_BATCH)


_COUNTS = inline_serializer(
    "IngestCounts",
    {"created": serializers.IntegerField(), "duplicate": serializers.IntegerField()},
)


class EventsIngestApi(APIView):
    @extend_schema(
        request=EventsInput,
        responses={200: inline_serializer("IngestResult", dict.fromkeys(EVENT_TYPES, _COUNTS))},
        description=(
            "Store up to 5,000 events at once, all or nothing. Errors name the item index "
            "and field. A retried request stores nothing twice: its events come back as "
            "duplicates. Needs the ingest.ingest_events capability."
        ),
    )
    def post(self, request: Request) -> Response:
        user: User = user_for_capability(user=request.user, perm=INGEST_EVENTS)
        body = EventsInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            result = services.events_ingest(acting_user=user, events=body.validated_data["events"])
        except EventsInvalidError as exc:
            errors = {str(index): fields for index, fields in exc.item_errors.items()}
            raise ValidationError({"events": errors}) from exc
        return Response(result.as_dict())


urlpatterns = [path("events/", EventsIngestApi.as_view(), name="events")]
