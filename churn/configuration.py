"""The admins' scoring knobs: settings, per-tier alert thresholds and the playbook. Reads
fall back to the defaults below until an admin saves a value; writes are audited."""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from churn.models import Alert, AlertThreshold, PlaybookEntry, ScoringSettings, ValueTier
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields

# Churn probability at which each tier is alerted: the more a customer is worth, the
# earlier someone should call.
DEFAULT_THRESHOLDS = {
    ValueTier.TOP: 0.35,
    ValueTier.HIGH: 0.5,
    ValueTier.MEDIUM: 0.6,
    ValueTier.LOW: 0.75,
}
R = PlaybookEntry.Reaction
DEFAULT_PLAYBOOK: dict[str, tuple[str, str, int]] = {
    Alert.Kind.CHURN_RISK: (R.CALL, gettext_noop("Call to ask how things are going."), 3),
    Alert.Kind.SILENCE: (R.NEEDS, gettext_noop("Ask whether their needs have changed."), 5),
    Alert.Kind.COMPLAINT_SPIKE: (
        R.CALL,
        gettext_noop("Call about the open complaints; make sure each has an owner."),
        1,
    ),
    Alert.Kind.MVC_AT_RISK: (
        R.OFFER,
        gettext_noop("A personal call from the owner, with an offer if it fits."),
        2,
    ),
    Alert.Kind.NPS_DETRACTOR: (R.CALL, gettext_noop("Call to hear what went wrong."), 3),
    Alert.Kind.RETURN: (R.NEEDS, gettext_noop("Ask why the goods came back."), 5),
}


@dataclass(frozen=True)
class Play:
    kind: str
    reaction: str
    instructions: str
    due_days: int


def scoring_settings_get() -> ScoringSettings:
    settings, _created = ScoringSettings.objects.get_or_create(pk=1)
    return settings


def alert_thresholds_get() -> dict[str, float]:
    saved = dict(AlertThreshold.objects.values_list("tier", "churn_probability"))
    return {tier: saved.get(tier, default) for tier, default in DEFAULT_THRESHOLDS.items()}


def playbook_get() -> dict[str, Play]:
    saved = {entry.kind: entry for entry in PlaybookEntry.objects.all()}
    plays = {}
    for kind, (reaction, instructions, due_days) in DEFAULT_PLAYBOOK.items():
        entry = saved.get(kind)
        plays[kind] = (
            Play(kind, entry.reaction, entry.instructions, entry.due_days)
            if entry is not None
            else Play(kind, reaction, _(instructions), due_days)
        )
    return plays


SETTINGS_FIELDS = (
    "horizon_days",
    "silence_threshold",
    "value_horizon_days",
    "most_valuable_share",
    "complaint_spike_count",
    "alert_cooldown_days",
    "escalation_business_days",
)


@transaction.atomic
def scoring_settings_update(*, acting_user: User, **values: object) -> ScoringSettings:
    unknown = set(values) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(names)s") % {"names": ", ".join(unknown)})
    settings = ScoringSettings.objects.select_for_update().get(pk=scoring_settings_get().pk)
    before = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_by = acting_user
    settings.full_clean()
    settings.save()
    after = {name: getattr(settings, name) for name in SETTINGS_FIELDS}
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=settings,
        changes=diff_fields(before, after),
    )
    return settings


@transaction.atomic
def alert_threshold_set(*, acting_user: User, tier: str, churn_probability: float) -> None:
    if tier not in ValueTier.values:
        raise ValidationError({"tier": _("Unknown value tier.")})
    if not 0 < churn_probability < 1:
        raise ValidationError({"churn_probability": _("Enter a probability between 0 and 1.")})
    before = alert_thresholds_get()[tier]
    threshold, _created = AlertThreshold.objects.update_or_create(
        tier=tier, defaults={"churn_probability": churn_probability}
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=threshold,
        changes={"churn_probability": {"before": before, "after": churn_probability}},
    )


@transaction.atomic
def playbook_entry_set(
    *, acting_user: User, kind: str, reaction: str, instructions: str, due_days: int
) -> PlaybookEntry:
    if kind not in Alert.Kind.values:
        raise ValidationError({"kind": _("Unknown alert kind.")})
    if reaction not in PlaybookEntry.Reaction.values:
        raise ValidationError({"reaction": _("Unknown reaction.")})
    if not 0 <= due_days <= 60:
        raise ValidationError({"due_days": _("Enter between 0 and 60 days.")})
    entry, _created = PlaybookEntry.objects.update_or_create(
        kind=kind,
        defaults={"reaction": reaction, "instructions": instructions.strip(), "due_days": due_days},
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=entry,
        changes={"reaction": {"before": None, "after": reaction}},
    )
    return entry
