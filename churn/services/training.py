"""Training model versions on the company's own history, time-split, and promoting them.

With horizon H and training date T: the model learns from features as of T−2H and who
churned within (T−2H, T−H]; it is judged on features as of T−H against (T−H, T], next to
two baselines (recency alone; the silence probability alone) and to the current model on
the same holdout. It replaces the current version only if it beats it there."""

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from churn.configuration import scoring_settings_get
from churn.extract import aggregates_as_of, churned_after, former_by
from churn.models import ModelVersion
from churn.pipeline import ScoringInputs, expected_value, tier_cuts_for
from churn.scoring.features import FEATURE_COLUMNS, features_from_aggregates
from churn.scoring.metrics import quality_report
from churn.scoring.model import ChurnModel, churn_model_fit, churn_predict, model_dump, model_load
from churn.scoring.repeat_buying import (
    RepeatBuyingParams,
    p_alive,
    repeat_buying_fit,
    rfm_from_aggregates,
)
from churn.scoring.spend import SpendParams, spend_fit
from churn.scoring.training import TrainingData, TrainingResult, beats, churn_train
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from customers.models import Customer

log = logging.getLogger(__name__)

TRAIN_ROWS_MAX = 200_000  # PERFORMANCE.md: training on 200k × 12 takes about a second
FIT_ROWS_MAX = 300_000  # repeat-buying and spend fits: more rows move the estimates little
REFERENCE_ROWS = 1_000  # holdout rows kept per feature for drift (PSI) checks
SEED = 20_261_202
MIN_HORIZON_DAYS = 7  # shorter than a week, "no order" is noise for most businesses


@dataclass(frozen=True)
class Window:
    """Aggregates, features and P(alive) of the buyers known at one cutoff."""

    agg: pd.DataFrame
    features: pd.DataFrame
    p_alive: pd.Series
    repeat: RepeatBuyingParams | None


def _sample(frame: pd.DataFrame, rows: int) -> pd.DataFrame:
    return frame if len(frame) <= rows else frame.sample(n=rows, random_state=SEED)


def repeat_fit(agg: pd.DataFrame) -> RepeatBuyingParams | None:
    rfm = _sample(rfm_from_aggregates(agg), FIT_ROWS_MAX)
    try:
        return repeat_buying_fit(rfm["frequency"], rfm["recency"], rfm["age"])
    except (ValueError, FloatingPointError) as problem:
        log.warning("repeat-buying fit failed: %s", problem)
        return None


def spend_fit_or_none(agg: pd.DataFrame) -> SpendParams | None:
    rfm = _sample(rfm_from_aggregates(agg), FIT_ROWS_MAX)
    try:
        return spend_fit(rfm["frequency"], rfm["monetary_cents"])
    except (ValueError, FloatingPointError) as problem:
        log.warning("spend fit failed: %s", problem)
        return None


def window_at(cutoff: date) -> Window:
    """Buyers as of ``cutoff`` who were still customers then, with their features."""
    agg = aggregates_as_of(as_of=cutoff, include_former=True)
    gone = former_by(as_of=cutoff)
    agg = agg[(agg["order_days"] >= 1) & ~agg.index.isin(list(gone))]
    repeat = repeat_fit(agg)
    if repeat is None:
        alive = pd.Series(np.nan, index=agg.index)
    else:
        rfm = rfm_from_aggregates(agg)
        alive = pd.Series(p_alive(repeat, rfm["frequency"], rfm["recency"], rfm["age"]), rfm.index)
    features = features_from_aggregates(agg)
    return Window(agg=agg, features=features, p_alive=alive, repeat=repeat)


def _training_data(as_of: date, horizon_days: int) -> tuple[TrainingData, Window]:
    horizon = timedelta(days=horizon_days)
    train = window_at(as_of - 2 * horizon)
    holdout = window_at(as_of - horizon)
    train_features = _sample(train.features, TRAIN_ROWS_MAX)
    data = TrainingData(
        train_features=train_features,
        train_labels=churned_after(
            as_of=as_of - 2 * horizon, horizon_days=horizon_days, customer_ids=train_features.index
        ),
        holdout_features=holdout.features,
        holdout_labels=churned_after(
            as_of=as_of - horizon, horizon_days=horizon_days, customer_ids=holdout.features.index
        ),
        holdout_recency_days=holdout.agg["last_order_days_ago"],
        holdout_p_alive=holdout.p_alive.fillna(0.5),
    )
    return data, holdout


def final_model(result: TrainingResult, data: TrainingData) -> ChurnModel | None:
    """The model to score with: judged by training on the earlier window and testing on
    the later one, then refitted the same way on the later window, the behaviour closest
    to today (customers' tenure and the season move on; an old window drifts). The stored
    metrics are those of the judged fit: the honest estimate of how the procedure does."""
    if result.model is None:
        return None
    labels = data.holdout_labels.reindex(data.holdout_features.index)
    if labels.nunique() < 2:  # one class only: nothing to refit on
        return result.model
    return churn_model_fit(data.holdout_features, labels, seed=SEED % 2**31)


def _current_on(holdout: TrainingData) -> dict[str, Any] | None:
    """The current version's quality on the new holdout, so both are judged alike."""
    current = ModelVersion.objects.filter(status=ModelVersion.Status.CURRENT).first()
    if current is None:
        return None
    if current.is_cold_start or current.artefact is None:
        return quality_report(holdout.holdout_labels, 1 - holdout.holdout_p_alive)
    try:
        model = model_load(bytes(current.artefact))
    except ValueError:  # its features are not today's: any working candidate is better
        return None
    return quality_report(holdout.holdout_labels, churn_predict(model, holdout.holdout_features))


def _reference(features: pd.DataFrame) -> dict[str, list[float]]:
    sample = _sample(features, REFERENCE_ROWS)
    return {c: [round(float(v), 6) for v in sample[c]] for c in sample.columns}


def _value_cuts(
    agg_now: pd.DataFrame, repeat: RepeatBuyingParams | None, spend: SpendParams | None
) -> dict[str, float]:
    config = scoring_settings_get()
    inputs = ScoringInputs(
        model=None,
        repeat=repeat,
        spend=spend,
        tier_cuts={},
        silence_threshold=config.silence_threshold,
        horizon_days=config.horizon_days,
        value_horizon_days=config.value_horizon_days,
    )
    value = expected_value(inputs, agg_now)
    return tier_cuts_for(value, most_valuable_share=config.most_valuable_share)


def model_train(
    *, as_of: date | None = None, horizon_days: int | None = None, acting_user: User | None
) -> ModelVersion:
    """Train, evaluate and store a version; promote it if it beats the current one."""
    as_of = as_of or timezone.localdate()
    horizon_days = horizon_days or scoring_settings_get().horizon_days
    if horizon_days < MIN_HORIZON_DAYS:
        raise ValidationError({"horizon_days": _("The horizon must be at least 7 days.")})
    data, holdout = _training_data(as_of, horizon_days)
    result = churn_train(data, seed=SEED % 2**31)
    model = final_model(result, data)
    current_quality = _current_on(data)
    # The silence model is fitted to the whole base, former customers included: they are
    # the drop-outs it has to learn about.
    agg_all = aggregates_as_of(as_of=as_of, include_former=True)
    repeat_now = repeat_fit(agg_all[agg_all["order_days"] >= 1])
    spend_now = spend_fit_or_none(agg_all)
    # Today's customers are the base less the former ones: no second pass over the history.
    former = Customer.objects.filter(stage=Customer.Stage.FORMER).values_list("pk", flat=True)
    agg_now = agg_all[~agg_all.index.isin(list(former))]
    with transaction.atomic():
        version = ModelVersion.objects.create(
            status=ModelVersion.Status.REJECTED,
            trained_by=acting_user,
            as_of=as_of,
            horizon_days=horizon_days,
            train_cutoff_on=as_of - timedelta(days=2 * horizon_days),
            holdout_cutoff_on=as_of - timedelta(days=horizon_days),
            feature_columns=list(FEATURE_COLUMNS),
            metrics={**result.metrics, "current_on_holdout": current_quality},
            baselines=result.baselines,
            repeat_buying=repeat_now.to_dict() if repeat_now else {},
            spend=spend_now.to_dict() if spend_now else {},
            tier_cuts=_value_cuts(agg_now, repeat_now, spend_now),
            reference=_reference(holdout.features),
            is_cold_start=result.is_cold_start,
            cold_start_reason=result.cold_start_reason,
            n_train=result.n_train,
            n_holdout=result.n_holdout,
            n_train_churners=result.n_train_churners,
            artefact=model_dump(model) if model is not None else None,
        )
        if beats(result.metrics, current_quality):
            model_promote(version=version, acting_user=acting_user)
    version.refresh_from_db()
    return version


@transaction.atomic
def model_promote(*, version: ModelVersion, acting_user: User | None) -> ModelVersion:
    """Make ``version`` current (a newly trained one, or a rollback to an older one)."""
    version = ModelVersion.objects.select_for_update().get(pk=version.pk)
    if version.status == ModelVersion.Status.CURRENT:
        return version
    if not version.is_cold_start and version.artefact is None:
        raise ValidationError(_("This version has no stored model to use."))
    if version.feature_columns != list(FEATURE_COLUMNS):
        raise ValidationError(_("This version was trained on other features than today's."))
    current = (
        ModelVersion.objects.select_for_update().filter(status=ModelVersion.Status.CURRENT).first()
    )
    if current is not None:
        current.status = ModelVersion.Status.RETIRED
        current.save(update_fields=["status"])
    before = version.status
    version.status = ModelVersion.Status.CURRENT
    version.replaced = current
    version.save(update_fields=["status", "replaced"])
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=version,
        changes={
            "status": {"before": before, "after": version.status},
            "replaced": {"before": None, "after": current.pk if current else None},
        },
    )
    return version


def model_train_request(*, acting_user: User) -> None:
    """Queue a training run on the scoring queue (it reads the whole base)."""
    from churn.tasks import model_train_task  # tasks import services

    user_id = acting_user.pk
    transaction.on_commit(lambda: model_train_task.delay(user_id=user_id))
