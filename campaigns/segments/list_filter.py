"""The "segment" filter of customer lists (customers.list_filters), registered by
campaigns.apps.CampaignsConfig.ready(): ``?segment=<id>`` on the customer list page, its
export and the customer list API narrows the list to the segment's members."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from campaigns.segments.rules import AnyUser, segment_rules_q
from campaigns.segments.selectors import segment_get_for_user, segment_list_for_user
from customers.list_filters import CustomerListFilter
from customers.models import CustomerQuerySet

SEGMENT_OPTIONS_LIMIT = 500  # segments offered in the list's select


def segment_options_for_user(user: AnyUser) -> list[tuple[str, str]]:
    segments = segment_list_for_user(user=user).values_list("pk", "name")
    return [(str(pk), name) for pk, name in segments[:SEGMENT_OPTIONS_LIMIT]]


def segment_filter_apply(qs: CustomerQuerySet, *, user: AnyUser, value: str) -> CustomerQuerySet:
    """``qs`` (already behind the door) narrowed to the segment; nobody for a segment the
    user may not see or whose stored rules no longer validate."""
    if not value.isdigit():
        return qs.none()
    try:
        segment = segment_get_for_user(user=user, segment_id=int(value))
        return qs.filter(segment_rules_q(segment.rules))
    except (Http404, ValidationError):
        return qs.none()


SEGMENT_LIST_FILTER = CustomerListFilter(
    name="segment",
    label=_("Segment"),
    empty_label=_("Any segment"),
    options=segment_options_for_user,
    apply=segment_filter_apply,
)
