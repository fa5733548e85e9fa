"""Segments and clusters for tests (and the permission walk)."""

from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from campaigns.models import BehaviourCluster, BehaviourClusterMember, Segment
from campaigns.segments.services import segment_create
from customers.models import Customer


def make_segment(
    created_by: User | None, *, name: str = "Silent high value", rules: Any = None
) -> Segment:
    rules = rules if rules is not None else {"match": "all", "conditions": []}
    return segment_create(acting_user=created_by, name=name, rules=rules)


def make_cluster(
    *,
    run: int = 1,
    index: int = 0,
    label: str = "frequent high spenders gone quiet",
    members: tuple[Customer, ...] = (),
) -> BehaviourCluster:
    cluster = BehaviourCluster.objects.create(
        clustering_run=run,
        index=index,
        label=label,
        size=len(members),
        centre={"recency_days": 200.0, "order_count": 6.0, "revenue_cents": 90_000.0},
        computed_at=timezone.now(),
    )
    for customer in members:
        BehaviourClusterMember.objects.update_or_create(
            customer=customer, defaults={"cluster": cluster}
        )
    return cluster
