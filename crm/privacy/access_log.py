"""Reads of the access log for managers and admins: Admins (global view_customer) see
every entry; a Manager sees the entries about customers he may see, and his own."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from crm.audit.models import AccessLogEntry
from crm.lib.keyset import Page, keyset_page
from customers.selectors import customer_list_for_user

VIEW_ACCESS_LOG = "audit.view_accesslogentry"


@dataclass(frozen=True)
class AccessLogFilters:
    username: str = ""
    customer_id: int | None = None
    action: str = ""
    since: date | None = None
    until: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def access_log_for_user(*, user: User, filters: AccessLogFilters) -> QuerySet[AccessLogEntry]:
    qs = AccessLogEntry.objects.select_related("user")
    if not user.has_perm("customers.view_customer"):
        visible = customer_list_for_user(user=user).values("pk")
        qs = qs.filter(Q(customer_id__in=visible) | Q(user=user))
    if filters.username:
        qs = qs.filter(user__username=filters.username)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.action:
        qs = qs.filter(action=filters.action)
    if filters.since:
        qs = qs.filter(occurred_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(occurred_at__lt=_day_start(filters.until + timedelta(days=1)))
    return qs


def access_log_page_for_user(
    *, user: User, filters: AccessLogFilters, cursor: str | None, size: int = 50
) -> Page[AccessLogEntry]:
    qs = access_log_for_user(user=user, filters=filters)
    return keyset_page(qs, key="occurred_at", descending=True, cursor=cursor, size=size)
