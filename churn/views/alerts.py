"""Alert pages: the inbox and its inline actions, the alert page, email preferences, and
the risk panel on the customer page. Thin: selectors read, services write."""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from churn import services
from churn.forms import AlertPreferenceForm, ResolveForm, SnoozeForm
from churn.models import Alert, ScoreHistory
from churn.selectors import (
    ALERT_TABS,
    alert_get_for_user,
    alert_page_for_user,
    alert_preference_get,
    alert_unread_count_for_user,
    alert_user_may_act,
    customer_score_panel,
    task_get_for_user,
    task_list_for_user,
)
from crm.lib.keyset import InvalidCursorError
from customers.selectors import customer_get_for_user

INBOX_PAGE_SIZE = 25


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


@dataclass(frozen=True)
class AlertItem:
    """An alert with its action forms (element ids kept apart per alert)."""

    alert: Alert
    may_act: bool
    is_new: bool
    snooze_form: SnoozeForm
    resolve_form: ResolveForm


def _item(
    alert: Alert,
    *,
    may_act: bool,
    is_new: bool = False,
    snooze_form: SnoozeForm | None = None,
    resolve_form: ResolveForm | None = None,
) -> AlertItem:
    ids = f"alert-{alert.pk}-%s"
    return AlertItem(
        alert=alert,
        may_act=may_act,
        is_new=is_new,
        snooze_form=snooze_form or SnoozeForm(auto_id=ids),
        resolve_form=resolve_form or ResolveForm(auto_id=ids),
    )


def _tab(request: HttpRequest) -> str:
    tab = request.GET.get("status", "open")
    return tab if tab in ALERT_TABS else "open"


@login_required
@require_GET
def alert_inbox(request: HttpRequest) -> HttpResponse:
    user, tab = _acting_user(request), _tab(request)
    try:
        page = alert_page_for_user(
            user=user, status=tab, cursor=request.GET.get("cursor"), size=INBOX_PAGE_SIZE
        )
    except InvalidCursorError:
        page = alert_page_for_user(user=user, status=tab, cursor=None, size=INBOX_PAGE_SIZE)
    # Shown means read: marked now, still highlighted as new on this page.
    unread = {a.pk for a in page.rows if a.read_at is None and a.assignee_id == user.pk}
    if unread:
        services.alerts_mark_read(user=user, alert_ids=unread)
    context = {
        "tab": tab,
        "tabs": [("open", _("Open")), ("snoozed", _("Snoozed")), ("resolved", _("Resolved"))],
        # Everything in the inbox is the user's own or escalated to them: they may act.
        "items": [_item(a, may_act=True, is_new=a.pk in unread) for a in page.rows],
        "next_cursor": page.next_cursor,
        "tasks": task_list_for_user(user=user) if tab == "open" else [],
        "today": timezone.localdate(),
        "next_url": request.get_full_path(),
    }
    return render(request, "churn/inbox.html", context)


@login_required
@require_GET
def alert_badge(request: HttpRequest) -> HttpResponse:
    count = alert_unread_count_for_user(user=request.user)
    return render(request, "churn/_badge.html", {"count": count})


@login_required
@require_GET
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for_user(user=request.user, alert_id=alert_id)
    context = {
        "item": _item(alert, may_act=alert_user_may_act(user=request.user, alert=alert)),
        "alert": alert,
        "today": timezone.localdate(),
        "next_url": request.get_full_path(),
    }
    return render(request, "churn/alert_detail.html", context)


def _after_action(
    request: HttpRequest, alert: Alert, *, done: str | None, **forms: Any
) -> HttpResponse:
    """htmx: the alert's card again, with the form errors if any. Without htmx: back to
    where the form was (errors as messages)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = ""
    if request.headers.get("HX-Request"):
        fresh = alert_get_for_user(user=request.user, alert_id=alert.pk)
        context = {
            "item": _item(fresh, may_act=True, **forms),
            "today": timezone.localdate(),
            "next_url": target,
            "show_detail_link": not target.startswith(reverse("churn:alert", args=[alert.pk])),
        }
        response = render(request, "churn/_alert_card.html", context)
        if done:
            response["HX-Trigger"] = "alerts-changed"  # the badge reloads
        return response
    if done:
        messages.success(request, done)
    for form in forms.values():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
    if target:
        return redirect(target)
    return redirect("churn:alert", alert_id=alert.pk)


def _service_errors(form: SnoozeForm | ResolveForm, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@require_POST
def alert_acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
    try:
        services.alert_acknowledge(alert=alert, acting_user=_acting_user(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return _after_action(request, alert, done=None)
    return _after_action(request, alert, done=_("Alert acknowledged."))


@login_required
@require_POST
def alert_snooze(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
    form = SnoozeForm(request.POST, auto_id=f"alert-{alert.pk}-%s")
    if form.is_valid():
        try:
            services.alert_snooze(
                alert=alert, acting_user=_acting_user(request), until=form.cleaned_data["until"]
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            return _after_action(request, alert, done=_("Alert snoozed."))
    return _after_action(request, alert, done=None, snooze_form=form)


@login_required
@require_POST
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = alert_get_for_user(user=request.user, alert_id=alert_id, for_change=True)
    form = ResolveForm(request.POST, auto_id=f"alert-{alert.pk}-%s")
    if form.is_valid():
        try:
            services.alert_resolve(
                alert=alert, acting_user=_acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            return _after_action(request, alert, done=_("Alert resolved."))
    return _after_action(request, alert, done=None, resolve_form=form)


@login_required
@require_POST
def task_done(request: HttpRequest, task_id: int) -> HttpResponse:
    task = task_get_for_user(user=request.user, task_id=task_id)
    services.task_complete(task=task, acting_user=_acting_user(request))
    if request.headers.get("HX-Request"):
        return HttpResponse("")  # the task's row disappears
    messages.success(request, _("Task done."))
    return redirect("churn:alerts")


@login_required
@require_http_methods(["GET", "POST"])
def alert_preferences(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    if request.method == "POST":
        form = AlertPreferenceForm(request.POST)
        if form.is_valid():
            services.alert_preference_set(user=user, delivery=form.cleaned_data["delivery"])
            messages.success(request, _("Alert preferences saved."))
            return redirect("churn:alert-preferences")
    else:
        form = AlertPreferenceForm(initial={"delivery": alert_preference_get(user=user)})
    return render(request, "churn/preferences.html", {"form": form})


def score_chart(history: list[ScoreHistory]) -> dict[str, list[Any]]:
    """Chart.js series for the customer's score over time (probabilities as percents)."""

    def pct(value: float | None) -> float | None:
        return None if value is None else round(100 * value, 1)

    return {
        "labels": [point.as_of.isoformat() for point in history],
        "churn": [pct(point.churn_probability) for point in history],
        "alive": [pct(point.p_alive) for point in history],
    }


@login_required
@require_GET
def risk_panel(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get_for_user(user=request.user, customer_id=pk)
    panel = customer_score_panel(customer=customer)
    context = {
        "customer": customer,
        "panel": panel,
        "chart": score_chart(panel.history),
        "chart_id": f"risk-chart-{customer.pk}",
    }
    return render(request, "churn/_risk_panel.html", context)
