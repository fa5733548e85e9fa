"""What ``events_ingest`` takes and returns: one frozen dataclass per event type.

Every event names the external system it comes from (``source``), its own key there
(``idempotency_key``: the same key again is a duplicate, never a second row) and the
customer it concerns by ``Customer.external_ref`` (``customer_ref``).
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _

from crm.lib.errors import ApplicationError
from interactions.models import Channel, Complaint, Order
from interactions.services import OrderLineData

# One request's worth: the API refuses longer lists (PostgreSQL statements stay well
# within its 65,535 parameters at this size, whatever the driver's binding mode).
MAX_EVENTS_PER_BATCH = 5_000


@dataclass(frozen=True, kw_only=True)
class _Event:
    source: str
    idempotency_key: str
    customer_ref: str


@dataclass(frozen=True, kw_only=True)
class InteractionEvent(_Event):
    channel: str
    direction: str
    occurred_at: datetime
    subject: str = ""
    body: str = ""
    duration_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class OrderEvent(_Event):
    ordered_on: date
    amount_cents: int
    currency: str = "EUR"
    status: str = Order.Status.PLACED
    external_ref: str = ""  # the order number; unique across all orders when given
    lines: tuple[OrderLineData, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ActivityEvent(_Event):
    """Web or app activity, added to the customer's ``ActivityDaily`` row of that day."""

    occurred_at: datetime
    logins: int = 0
    page_views: int = 0
    seconds_active: int = 0


@dataclass(frozen=True, kw_only=True)
class SurveyEvent(_Event):
    kind: str
    score: int
    responded_at: datetime
    comment: str = ""


@dataclass(frozen=True, kw_only=True)
class ComplaintEvent(_Event):
    """A helpdesk ticket: opened through ``complaint_open`` (with its service levels and
    audit entry), ``idempotency_key`` becoming the complaint's ``external_ref``."""

    subject: str
    category: str = Complaint.Category.OTHER
    severity: str = Complaint.Severity.MEDIUM
    channel: str = Channel.EMAIL
    description: str = ""
    opened_at: datetime


Event = InteractionEvent | OrderEvent | ActivityEvent | SurveyEvent | ComplaintEvent

# Names used in requests, responses and counts, in the order responses list them.
EVENT_TYPES: dict[str, type[Event]] = {
    "interaction": InteractionEvent,
    "order": OrderEvent,
    "activity": ActivityEvent,
    "survey": SurveyEvent,
    "complaint": ComplaintEvent,
}


def event_type_name(event: Event) -> str:
    return next(name for name, cls in EVENT_TYPES.items() if isinstance(event, cls))


@dataclass(frozen=True)
class TypeCounts:
    created: int = 0
    duplicate: int = 0


@dataclass(frozen=True)
class IngestResult:
    counts: dict[str, TypeCounts] = field(default_factory=dict)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {
            name: {"created": c.created, "duplicate": c.duplicate}
            for name, c in self.counts.items()
        }


# {item index: {field: [messages]}}, the shape DRF gives a list's item errors.
ItemErrors = dict[int, dict[str, list[str]]]


class EventsInvalidError(ApplicationError):
    """Some events cannot be stored (an unknown customer, a date in the future); nothing
    of the batch was written."""

    def __init__(self, item_errors: ItemErrors) -> None:
        super().__init__(_("Some events are invalid; nothing was stored."))
        self.item_errors = item_errors

    def summary(self) -> str:
        return "; ".join(
            f"#{index} {name}: {' '.join(messages)}"
            for index, fields in sorted(self.item_errors.items())
            for name, messages in fields.items()
        )
