"""Consent answers recorded from the customer page and the API, with what an objection
to profiling means for scoring: the customer's score, score history and open risk alerts
go at once, in the transaction that records the objection (no signal: the pages and the
API call this service, not ``customers.consent.consent_record`` directly).

Objections that arrive by another path (an import, below churn) are applied set-based
when each scoring run is planned (``scoring_run_plan``); from then on the run's
population leaves objectors out (``churn.extract``)."""

from collections.abc import Collection
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from churn.models import Alert, CustomerScore, FollowUpTask, ScoreHistory
from customers.consent import consent_allows, consent_record
from customers.models import Consent, Customer

# Alerts that rest on the churn model's or the value model's verdict about the customer.
# Event alerts (complaints, returns, detractors) and silence rest on facts, but a run no
# longer raises them for an objector either: the whole run leaves the objector out.
PROFILING_ALERT_KINDS = (Alert.Kind.CHURN_RISK, Alert.Kind.MVC_AT_RISK)
OBJECTION_NOTE = gettext_noop("Closed: the customer objected to profiling.")


def _objectors(customer_ids: Collection[int] | None) -> QuerySet[Customer]:
    qs = Customer.objects.exclude(consent_allows(Consent.Purpose.PROFILING))
    if customer_ids is not None:
        qs = qs.filter(pk__in=list(customer_ids))
    return qs


@transaction.atomic
def profiling_objections_apply(
    *, customer_ids: Collection[int] | None = None, at: datetime | None = None
) -> int:
    """Remove what scoring stored about customers who object to profiling (all of them, or
    those among ``customer_ids``): the current score, the score history, and open churn
    risk alerts (resolved with a note, their follow-up tasks done). Set-based: a handful
    of statements whatever the number of customers. Returns the number of scores removed."""
    at = at or timezone.now()
    objectors = _objectors(customer_ids).values("pk")
    removed, _by_model = CustomerScore.objects.filter(customer_id__in=objectors).delete()
    ScoreHistory.objects.filter(customer_id__in=objectors).delete()
    alerts = Alert.objects.filter(
        customer_id__in=objectors, kind__in=PROFILING_ALERT_KINDS, status__in=Alert.OPEN_STATUSES
    )
    FollowUpTask.objects.filter(alert__in=alerts, done_at__isnull=True).update(done_at=at)
    alerts.update(
        status=Alert.Status.RESOLVED, resolved_at=at, snoozed_until=None, note=OBJECTION_NOTE
    )
    return removed


@transaction.atomic
def customer_consent_record(
    *,
    customer: Customer,
    purpose: str,
    is_granted: bool,
    source: str,
    acting_user: User | None,
    wording_version: str = "",
    recorded_at: datetime | None = None,
) -> Consent:
    """Record the customer's answer; an objection to profiling takes effect on scoring at
    once. The caller got ``customer`` through ``consent_customer_get_for_user``."""
    consent = consent_record(
        customer=customer,
        purpose=purpose,
        is_granted=is_granted,
        source=source,
        acting_user=acting_user,
        wording_version=wording_version,
        recorded_at=recorded_at,
    )
    if purpose == Consent.Purpose.PROFILING and not is_granted:
        profiling_objections_apply(customer_ids=[customer.pk])
    return consent
