"""The scoring staff's pages: model versions and their quality, backtests, runs and the
settings. Seen with churn.view_scoring; changed with churn.manage_scoring."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from churn import configuration, services
from churn.forms import BacktestForm, PlaybookForm, ScoringSettingsForm, ThresholdForm
from churn.models import Alert, ModelVersion, ScoringRun, ValueTier
from churn.reports import alert_outcomes_for_user, customer_equity_for_user
from churn.selectors import (
    MANAGE_SCORING,
    VIEW_SCORING,
    backtest_list_for_user,
    model_version_current,
    model_version_get_for_user,
    model_version_list_for_user,
    scoring_run_get_for_user,
    scoring_run_list_for_user,
)

DRIFT_PSI_WARNING = 0.25  # PSI above this: the feature's population has shifted


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _report(source: Any) -> dict[str, Any]:
    return source if isinstance(source, dict) else {}


def _figure(report: dict[str, Any], key: str) -> float | None:
    value = report.get(key)
    return float(value) if isinstance(value, int | float) else None


def _observed(point: dict[str, Any]) -> float | None:
    return _figure(point, "observed_rate" if "observed_rate" in point else "observed")


def _lift_series(report: dict[str, Any]) -> list[float | None]:
    rows = report.get("lift_by_decile") or report.get("lift") or []
    return [_figure(row, "lift") for row in rows if isinstance(row, dict)]


def model_charts(version: ModelVersion | None) -> dict[str, Any]:
    """Holdout quality of a version next to its baselines, shaped for the page and its
    charts; tolerant of reports with missing keys (older versions, degenerate holdouts)."""
    if version is None:
        return {}
    reports = {
        "model": _report(version.metrics),
        "recency": _report(_report(version.baselines).get("recency")),
        "silence": _report(_report(version.baselines).get("silence")),
    }
    rows = [
        (label, key, [_figure(reports[name], key) for name in reports])
        for key, label in (
            ("roc_auc", _("ROC AUC")),
            ("pr_auc", _("PR AUC")),
            ("brier", _("Brier score (lower is better)")),
            ("top_decile_lift", _("Lift in the top decile")),
            ("base_rate", _("Churn rate in the holdout")),
        )
    ]
    calibration = [
        {"x": _figure(point, "mean_predicted"), "y": _observed(point)}
        for point in reports["model"].get("calibration") or []
        if isinstance(point, dict)
    ]
    lift = {name: _lift_series(report) for name, report in reports.items()}
    deciles = max((len(series) for series in lift.values()), default=0)
    return {
        "rows": rows,
        "n": reports["model"].get("n"),
        "calibration": calibration,
        "lift": {"labels": [str(d) for d in range(1, deciles + 1)], **lift},
        "lift_rows": [
            (d, *(series[d - 1] if d <= len(series) else None for series in lift.values()))
            for d in range(1, deciles + 1)
        ],
    }


def _drifted(version: ModelVersion | None) -> list[tuple[str, float]]:
    if version is None or not isinstance(version.drift, dict):
        return []
    shifted = [
        (name, float(value))
        for name, value in version.drift.items()
        if isinstance(value, int | float) and value > DRIFT_PSI_WARNING
    ]
    return sorted(shifted, key=lambda pair: -pair[1])


@login_required
@permission_required(VIEW_SCORING, raise_exception=True)
@require_GET
def model_page(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    versions = model_version_list_for_user(user=user)
    current = model_version_current()
    context = {
        "current": current,
        "versions": versions,
        "drifted": _drifted(current),
        "drift_limit": DRIFT_PSI_WARNING,
        "charts": model_charts(current),
        "backtests": backtest_list_for_user(user=user),
        "backtest_form": BacktestForm(),
        "may_manage": user.has_perm(MANAGE_SCORING),
        "outcomes": alert_outcomes_for_user(user=user),
        "equity": customer_equity_for_user(user=user),
    }
    return render(request, "churn/models.html", context)


@login_required
@permission_required(MANAGE_SCORING, raise_exception=True)
@require_POST
def model_train(request: HttpRequest) -> HttpResponse:
    services.model_train_request(acting_user=_acting_user(request))
    messages.success(request, _("Training queued; the new version appears here when done."))
    return redirect("churn:models")


@login_required
@permission_required(MANAGE_SCORING, raise_exception=True)
@require_POST
def model_promote(request: HttpRequest, version_id: int) -> HttpResponse:
    user = _acting_user(request)
    version = model_version_get_for_user(user=user, version_id=version_id)
    try:
        services.model_promote(version=version, acting_user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Version %(pk)s is now current.") % {"pk": version.pk})
    return redirect("churn:models")


@login_required
@permission_required(MANAGE_SCORING, raise_exception=True)
@require_POST
def backtest_create(request: HttpRequest) -> HttpResponse:
    form = BacktestForm(request.POST)
    if form.is_valid():
        try:
            services.backtest_create(acting_user=_acting_user(request), **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Backtest queued."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            text = " ".join(str(e) for e in errors)
            messages.error(request, f"{label}: {text}" if label else text)
    return redirect("churn:models")


@login_required
@permission_required(VIEW_SCORING, raise_exception=True)
@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    user = _acting_user(request)
    context = {
        "runs": scoring_run_list_for_user(user=user),
        "may_manage": user.has_perm(MANAGE_SCORING),
    }
    return render(request, "churn/runs.html", context)


@login_required
@permission_required(MANAGE_SCORING, raise_exception=True)
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    run = services.scoring_run_start(kind=ScoringRun.Kind.FULL, acting_user=_acting_user(request))
    messages.success(request, _("Full scoring run %(pk)s started.") % {"pk": run.pk})
    return redirect("churn:runs")


@login_required
@permission_required(VIEW_SCORING, raise_exception=True)
@require_GET
def run_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    run = scoring_run_get_for_user(user=request.user, run_id=run_id)
    return render(request, "churn/_run_progress.html", {"run": run})


def _settings_forms(data: Any) -> dict[str, Any]:
    thresholds = configuration.alert_thresholds_get()
    kinds = dict(Alert.Kind.choices)
    return {
        "settings": ScoringSettingsForm(
            data, instance=configuration.scoring_settings_get(), prefix="settings"
        ),
        "thresholds": [
            (
                tier,
                label,
                ThresholdForm(
                    data, prefix=f"tier-{tier}", initial={"churn_probability": thresholds[tier]}
                ),
            )
            for tier, label in ValueTier.choices
        ],
        "playbook": [
            (
                kind,
                kinds[kind],
                PlaybookForm(
                    data,
                    prefix=f"play-{kind}",
                    initial={
                        "reaction": play.reaction,
                        "instructions": play.instructions,
                        "due_days": play.due_days,
                    },
                ),
            )
            for kind, play in configuration.playbook_get().items()
        ],
    }


def _settings_save(user: User, forms: dict[str, Any]) -> None:
    settings_form: ScoringSettingsForm = forms["settings"]
    configuration.scoring_settings_update(acting_user=user, **settings_form.cleaned_data)
    for tier, _label, form in forms["thresholds"]:
        configuration.alert_threshold_set(
            acting_user=user, tier=tier, churn_probability=form.cleaned_data["churn_probability"]
        )
    for kind, _label, form in forms["playbook"]:
        configuration.playbook_entry_set(acting_user=user, kind=kind, **form.cleaned_data)


@login_required
@permission_required(MANAGE_SCORING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def scoring_settings(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    forms = _settings_forms(data)
    every = [forms["settings"], *(f for *_rest, f in forms["thresholds"] + forms["playbook"])]
    if data is not None:
        if all(form.is_valid() for form in every):
            try:
                with transaction.atomic():  # all of the page's changes or none
                    _settings_save(_acting_user(request), forms)
            except ValidationError as exc:
                forms["settings"].add_error(None, exc.messages)
            else:
                messages.success(request, _("Scoring settings saved."))
                return redirect("churn:settings")
        messages.error(request, _("Please correct the errors below."))
    return render(request, "churn/settings.html", forms)
