"""Reads of scores, alerts, tasks, models, runs and backtests, scoped to the user.

Alerts are reached through the customer door: an alert is visible when its customer is
(``customer_list_for_user``), and acting on it needs being its assignee (or the manager it
was escalated to) or the right to change the customer. Models, runs and backtests are
the scoring staff's (``churn.view_scoring``)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from churn.models import (
    Alert,
    AlertPreference,
    Backtest,
    CustomerScore,
    FollowUpTask,
    ModelVersion,
    ScoreHistory,
    ScoringRun,
)
from crm.lib.keyset import Page, keyset_page
from customers.consent import profiling_objection
from customers.models import Customer
from customers.permissions import CHANGE
from customers.selectors import AnyUser, customer_list_for_user, customer_user_may

VIEW_SCORING = "churn.view_scoring"
MANAGE_SCORING = "churn.manage_scoring"
ALERT_TABS = ("open", "snoozed", "resolved")
HISTORY_POINTS = 52  # a year of weekly scores on the customer's chart
RECENT_ROWS = 50  # models, runs and backtests listed on their pages


def _mine(user: AnyUser) -> Q:
    return Q(assignee_id=user.pk) | Q(escalated_to_id=user.pk)


def _visible_alerts(user: AnyUser) -> "QuerySet[Alert]":
    return Alert.objects.filter(customer__in=customer_list_for_user(user=user).values("pk"))


def _by_tab(qs: "QuerySet[Alert]", status: str) -> "QuerySet[Alert]":
    """ "open": still to act on (snoozed ones whose day has come count again, before the
    wake-up task reopens them); "snoozed": hidden until a later day; "resolved"."""
    today = timezone.localdate()
    asleep = Q(status=Alert.Status.SNOOZED, snoozed_until__gt=today)
    if status == "snoozed":
        return qs.filter(asleep)
    if status == "resolved":
        return qs.filter(status=Alert.Status.RESOLVED)
    return qs.filter(status__in=Alert.OPEN_STATUSES).exclude(asleep)


def alert_list_for_user(*, user: AnyUser, status: str = "open") -> "QuerySet[Alert]":
    """The inbox: alerts assigned or escalated to ``user``, biggest expected loss first."""
    if not isinstance(user, User) or not user.is_active:
        return Alert.objects.none()
    qs = _by_tab(_visible_alerts(user).filter(_mine(user)), status)
    return qs.select_related("customer", "customer__owner", "assignee", "escalated_to").order_by(
        "-expected_loss_cents", "-raised_at", "-pk"
    )


def alert_page_for_user(
    *, user: AnyUser, status: str = "open", cursor: str | None = None, size: int = 25
) -> Page[Alert]:
    """One page of the inbox in a constant number of queries (keyset on expected loss)."""
    qs = alert_list_for_user(user=user, status=status)
    return keyset_page(qs, key="expected_loss_cents", descending=True, cursor=cursor, size=size)


def alert_unread_count_for_user(*, user: AnyUser) -> int:
    """Unread alerts assigned to ``user`` still to act on (the badge). Escalated ones are
    not counted: "read" is the assignee's state (``alerts_mark_read``)."""
    if not isinstance(user, User) or not user.is_active:
        return 0
    qs = Alert.objects.filter(assignee_id=user.pk, read_at__isnull=True)
    return _by_tab(qs, "open").count()


def alert_get_for_user(*, user: AnyUser, alert_id: int, for_change: bool = False) -> Alert:
    """The alert if its customer is visible to ``user`` (else 404); with ``for_change``,
    only for its assignee, the manager it was escalated to, or who may change the
    customer (else 403)."""
    qs = _visible_alerts(user).select_related(
        "customer", "customer__owner", "assignee", "escalated_to", "resolved_by"
    )
    try:
        alert = qs.get(pk=alert_id)
    except (Alert.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such alert.") from exc
    if for_change and not alert_user_may_act(user=user, alert=alert):
        raise PermissionDenied("You may see this alert but not act on it.")
    return alert


def alert_user_may_act(*, user: AnyUser, alert: Alert) -> bool:
    """For showing or hiding the action buttons; the actions go through the door again."""
    if user.pk is not None and user.pk in (alert.assignee_id, alert.escalated_to_id):
        return True
    return customer_user_may(user=user, customer=alert.customer, perm=CHANGE)


def customer_alerts_for_user(*, user: AnyUser, customer: Customer) -> list[Alert]:
    """The open alerts of a customer already authorised for ``user`` (their assignees
    included)."""
    if not isinstance(user, User) or not user.is_active:
        return []
    return list(
        Alert.objects.filter(customer=customer, status__in=Alert.OPEN_STATUSES)
        .select_related("assignee")
        .order_by("-expected_loss_cents", "-raised_at")
    )


def task_list_for_user(*, user: AnyUser, limit: int = 50) -> list[FollowUpTask]:
    """The user's follow-up tasks not done yet, soonest due first."""
    if not isinstance(user, User) or not user.is_active:
        return []
    return list(
        FollowUpTask.objects.filter(assignee_id=user.pk, done_at__isnull=True)
        .filter(customer__in=customer_list_for_user(user=user).values("pk"))
        .select_related("customer", "alert")
        .order_by("due_on", "pk")[:limit]
    )


def task_get_for_user(*, user: AnyUser, task_id: int) -> FollowUpTask:
    """A task to tick off: 404 unless its customer is visible; 403 unless it is the
    user's own or the user may change the customer."""
    qs = FollowUpTask.objects.filter(
        customer__in=customer_list_for_user(user=user).values("pk")
    ).select_related("customer")
    try:
        task = qs.get(pk=task_id)
    except (FollowUpTask.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such task.") from exc
    if task.assignee_id != user.pk and not customer_user_may(
        user=user, customer=task.customer, perm=CHANGE
    ):
        raise PermissionDenied("This task is somebody else's.")
    return task


@dataclass(frozen=True)
class ScorePanel:
    """What the customer page's risk panel shows."""

    score: CustomerScore | None
    history: list[ScoreHistory]
    open_alerts: list[Alert]
    is_silent: bool
    silent_since: date | None
    is_cold_start: bool
    model_version: ModelVersion | None
    # When the customer objected to profiling (None: no objection): then not scored.
    profiling_objected_at: datetime | None = None


def model_version_current() -> ModelVersion | None:
    return (
        ModelVersion.objects.defer("artefact", "reference")
        .filter(status=ModelVersion.Status.CURRENT)
        .first()
    )


def customer_score_panel(*, customer: Customer) -> ScorePanel:
    """The customer must have come through the door already. A customer who objects to
    profiling shows no score, even one a run has not yet removed (an imported objection)."""
    objection = profiling_objection(customer=customer)
    score: CustomerScore | None = None
    history: list[ScoreHistory] = []
    if objection is None:
        score = CustomerScore.objects.filter(customer=customer).first()
        points = ScoreHistory.objects.filter(customer=customer).order_by("-as_of", "-pk")
        history = list(points[:HISTORY_POINTS])[::-1]
    alerts = list(
        Alert.objects.filter(customer=customer, status__in=Alert.OPEN_STATUSES)
        .select_related("assignee")
        .order_by("-expected_loss_cents", "-raised_at")
    )
    version = model_version_current()
    if score is not None:
        is_cold_start = score.is_cold_start
    else:
        is_cold_start = version is None or version.is_cold_start
    return ScorePanel(
        score=score,
        history=history,
        open_alerts=alerts,
        is_silent=customer.silent_since is not None,
        silent_since=customer.silent_since,
        is_cold_start=is_cold_start,
        model_version=version,
        profiling_objected_at=None if objection is None else objection.recorded_at,
    )


def _require_view_scoring(user: AnyUser) -> None:
    if not (isinstance(user, User) and user.is_active and user.has_perm(VIEW_SCORING)):
        raise PermissionDenied("Scoring is for managers and admins.")


def model_version_list_for_user(*, user: AnyUser, limit: int = RECENT_ROWS) -> list[ModelVersion]:
    _require_view_scoring(user)
    qs = ModelVersion.objects.defer("artefact", "reference").select_related("trained_by")
    return list(qs.order_by("-trained_at", "-pk")[:limit])


def model_version_get_for_user(*, user: AnyUser, version_id: int) -> ModelVersion:
    _require_view_scoring(user)
    try:
        return ModelVersion.objects.defer("artefact").get(pk=version_id)
    except (ModelVersion.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such model version.") from exc


def scoring_run_list_for_user(*, user: AnyUser, limit: int = RECENT_ROWS) -> list[ScoringRun]:
    _require_view_scoring(user)
    qs = ScoringRun.objects.select_related("model_version", "created_by").defer(
        "model_version__artefact", "model_version__reference"
    )
    return list(qs.order_by("-started_at", "-pk")[:limit])


def scoring_run_get_for_user(*, user: AnyUser, run_id: int) -> ScoringRun:
    _require_view_scoring(user)
    try:
        return ScoringRun.objects.get(pk=run_id)
    except (ScoringRun.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such scoring run.") from exc


def backtest_list_for_user(*, user: AnyUser, limit: int = RECENT_ROWS) -> list[Backtest]:
    _require_view_scoring(user)
    return list(
        Backtest.objects.select_related("created_by").order_by("-created_at", "-pk")[:limit]
    )


def backtest_get_for_user(*, user: AnyUser, backtest_id: int) -> Backtest:
    _require_view_scoring(user)
    try:
        return Backtest.objects.get(pk=backtest_id)
    except (Backtest.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such backtest.") from exc


def alert_preference_get(*, user: AnyUser) -> str:
    """The user's chosen delivery of alert emails (the default until they choose)."""
    if not isinstance(user, User):
        return AlertPreference.Delivery.IMMEDIATE
    saved = AlertPreference.objects.filter(user_id=user.pk).values_list("delivery", flat=True)
    return next(iter(saved), AlertPreference.Delivery.IMMEDIATE)
