"""The access log's one writer: a middleware that records reads of customer data.

Which requests count is declared here, by route name, so that it is one list to review:
the customer page itself (its htmx panels are part of that view and are not logged
again), every API read of one customer, and every export. Only successful GETs are
logged; a refused or failed request showed nothing."""

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse

from crm.audit.models import AccessLogEntry

VIEW_ROUTES = frozenset({"customers:detail"})
EXPORT_ROUTES = frozenset(
    {
        "customers:export",
        "api:customer-export",
        "interactions:export",
        "privacy:access-log-export",
        "campaigns:direct-mail-export",
        "campaigns:results-export",
    }
)
API_CUSTOMER_PREFIX = "api:customer-"  # api:customer-detail, -timeline, -orders, -score...


def access_action(route: str) -> str | None:
    if route in EXPORT_ROUTES:
        return AccessLogEntry.Action.EXPORT
    if route in VIEW_ROUTES:
        return AccessLogEntry.Action.VIEW
    if route.startswith(API_CUSTOMER_PREFIX) and route != "api:customer-list":
        return AccessLogEntry.Action.API_READ
    return None


class AccessLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if request.method != "GET" or response.status_code != 200 or match is None:
            return response
        action = access_action(match.view_name)
        if action is not None and isinstance(request.user, User):
            customer_id = match.kwargs.get("pk")
            AccessLogEntry.objects.create(
                user=request.user,
                action=action,
                customer_id=customer_id if isinstance(customer_id, int) else None,
                route=match.view_name[:100],
                query=request.META.get("QUERY_STRING", "")[:300],
                remote_addr=request.META.get("REMOTE_ADDR") or None,
            )
        return response
