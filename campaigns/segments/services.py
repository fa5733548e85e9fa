"""Writes of segments: create, update, delete (each audited), and saving a suggested
behaviour cluster as a segment. Callers pass objects they got through the selectors'
doors (segment_get_for_user with the right perm)."""

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import BehaviourCluster, BehaviourClusterMember, Segment
from campaigns.segments.clustering import Clustering, behaviour_clusters
from campaigns.segments.rules import segment_rules_clean
from churn.extract import bulk_reads, frame_from_queryset
from churn.models import CustomerScore
from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff_fields
from crm.lib.errors import ApplicationError
from customers.consent import consent_allows
from customers.models import Consent, Customer

NAME_MAX_LENGTH = 120  # Segment.name


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the segment a name.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": _("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}})
    return name


def _snapshot(segment: Segment) -> dict[str, Any]:
    return {"name": segment.name, "description": segment.description, "rules": segment.rules}


@transaction.atomic
def segment_create(
    *, acting_user: User | None, name: str, rules: object, description: str = ""
) -> Segment:
    segment = Segment.objects.create(
        name=_clean_name(name),
        description=description.strip(),
        rules=segment_rules_clean(rules),
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=segment,
        changes=diff_fields({}, _snapshot(segment)),
    )
    return segment


@transaction.atomic
def segment_update(
    *,
    segment: Segment,
    acting_user: User | None,
    name: str,
    rules: object,
    description: str = "",
) -> Segment:
    before = _snapshot(segment)
    segment.name = _clean_name(name)
    segment.description = description.strip()
    segment.rules = segment_rules_clean(rules)
    segment.save(update_fields=["name", "description", "rules", "updated_at"])
    changes = diff_fields(before, _snapshot(segment))
    if changes:
        audit_record(
            actor=acting_user, action=AuditEntry.Action.UPDATE, obj=segment, changes=changes
        )
    return segment


@transaction.atomic
def segment_delete(*, segment: Segment, acting_user: User | None) -> None:
    """Delete the segment; refused while a campaign or automation uses it (their sends
    and results refer to the audience it described)."""
    locked = Segment.objects.select_for_update().get(pk=segment.pk)
    used_by = list(locked.campaigns.values_list("name", flat=True)[:3])
    if used_by:
        raise ApplicationError(
            _("The segment is used by a campaign (%(names)s); change the campaign first.")
            % {"names": ", ".join(used_by)}
        )
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        obj=locked,
        changes=diff_fields(_snapshot(locked), {}),
    )
    locked.delete()


def segment_create_from_cluster(
    *, cluster: BehaviourCluster, acting_user: User | None, name: str = ""
) -> Segment:
    """A saved segment of one suggested cluster. The condition names the cluster, which
    stands for its description: after the next clustering run it holds the customers of
    the new cluster described the same way (campaigns.segments.rules)."""
    label = _(cluster.label)  # a gettext_noop key from clustering.py
    description = _("Suggested behavioural segment: %(label)s.") % {"label": label}
    rules = {
        "match": "all",
        "conditions": [{"field": "behaviour_cluster", "op": "in", "value": [cluster.pk]}],
    }
    return segment_create(
        acting_user=acting_user,
        name=name or label[:1].upper() + label[1:],
        description=description,
        rules=rules,
    )


# -- suggested behavioural segments --------------------------------------------------------

CLUSTER_MEMBER_BATCH = 10_000  # rows per INSERT of cluster members


def _scored_base() -> pd.DataFrame:
    """Recency (days before the score's as_of), orders and revenue of every scored buyer
    who does not object to profiling; former customers are no longer part of the base."""
    qs = (
        CustomerScore.objects.filter(order_count__gte=1, last_order_on__isnull=False)
        .exclude(customer__stage=Customer.Stage.FORMER)
        .filter(customer__in=Customer.objects.filter(consent_allows(Consent.Purpose.PROFILING)))
        .order_by()
    )
    columns = ["customer_id", "as_of", "last_order_on", "order_count", "revenue_cents"]
    with bulk_reads():
        frame = frame_from_queryset(qs, columns)
    frame = frame.set_index("customer_id")
    as_of = pd.to_datetime(frame.pop("as_of"))
    last = pd.to_datetime(frame.pop("last_order_on"))
    frame["recency_days"] = (as_of - last).dt.days.astype("float64")
    return frame


def _latest_inputs_at() -> datetime | None:
    latest: datetime | None = CustomerScore.objects.aggregate(at=Max("scored_at"))["at"]
    return latest


def behaviour_clusters_compute(*, force: bool = False) -> int | None:
    """Cluster the scored base and store the result as a new clustering run: its
    clusters, and every member moved to them (the previous members replaced in the same
    transaction). Returns the run number, or None when the base is too small.

    Idempotent: when no score changed since the latest run, that run is kept (unless
    ``force``); the clustering itself is deterministic (clustering.SEED)."""
    latest = BehaviourCluster.objects.order_by("-clustering_run").first()
    inputs_at = _latest_inputs_at()
    if latest is not None and not force and (inputs_at is None or inputs_at <= latest.computed_at):
        return latest.clustering_run
    result = behaviour_clusters(_scored_base())
    if result is None:
        return None
    return _clusters_store(result, previous=latest.clustering_run if latest else 0)


@transaction.atomic
def _clusters_store(result: Clustering, *, previous: int) -> int:
    # Serialise concurrent runs on the cluster table: the run number is max + 1.
    locked = BehaviourCluster.objects.select_for_update().filter(clustering_run=previous)
    list(locked.values_list("pk", flat=True))
    run = previous + 1
    now = timezone.now()
    clusters = BehaviourCluster.objects.bulk_create(
        [
            BehaviourCluster(
                clustering_run=run,
                index=c.index,
                label=c.label,
                size=c.size,
                centre=c.centre,
                computed_at=now,
            )
            for c in result.clusters
        ]
    )
    cluster_ids = np.array([c.pk for c in clusters], dtype=np.int64)
    BehaviourClusterMember.objects.all().delete()
    members = zip(
        result.assignment.index.to_numpy(), cluster_ids[result.assignment.to_numpy()], strict=True
    )
    BehaviourClusterMember.objects.bulk_create(
        (BehaviourClusterMember(customer_id=int(pk), cluster_id=int(cid)) for pk, cid in members),
        batch_size=CLUSTER_MEMBER_BATCH,
    )
    return run
