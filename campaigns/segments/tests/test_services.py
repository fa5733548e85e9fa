"""Segment services and selectors against the database, the clustering service and task."""

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from campaigns.models import BehaviourCluster, BehaviourClusterMember, Campaign, Segment
from campaigns.segments import services
from campaigns.segments.rules import segment_members
from campaigns.segments.selectors import (
    CHANGE_SEGMENT,
    DELETE_SEGMENT,
    behaviour_cluster_get_for_user,
    behaviour_cluster_list_latest,
    segment_field_choices_for_user,
    segment_get_for_user,
    segment_list_for_user,
)
from campaigns.segments.tasks import behaviour_clusters_compute_task
from campaigns.segments.tests.factories import make_cluster, make_segment
from churn.models import CustomerScore
from churn.tests.factories import make_score
from conftest import World
from crm.audit.models import AuditEntry
from crm.lib.errors import ApplicationError
from customers.consent import consent_record
from customers.models import Consent, Customer
from tests.factories import make_customer

RULES = {"match": "all", "conditions": [{"field": "stage", "op": "in", "value": "lead"}]}


def _audit(segment: Segment) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_id=str(segment.pk), content_type__model="segment")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_create_cleans_rules_and_audits(world: World) -> None:
    segment = services.segment_create(acting_user=world.alice, name=" Leads ", rules=RULES)
    assert segment.name == "Leads"
    assert segment.rules["conditions"][0]["value"] == ["lead"]
    assert segment.created_by == world.alice
    assert _audit(segment) == ["create"]


def test_create_refuses_bad_rules_and_blank_names(world: World) -> None:
    bad = {"conditions": [{"field": "x", "op": "in", "value": 1}]}
    with pytest.raises(ValidationError, match="Condition 1"):
        services.segment_create(acting_user=world.alice, name="Bad", rules=bad)
    with pytest.raises(ValidationError):
        services.segment_create(acting_user=world.alice, name="  ", rules={})
    assert not Segment.objects.exists()


def test_update_audits_only_changes(world: World) -> None:
    segment = make_segment(world.alice)
    services.segment_update(segment=segment, acting_user=world.alice, name=segment.name, rules={})
    assert _audit(segment) == ["create"]
    services.segment_update(segment=segment, acting_user=world.alice, name="Other", rules=RULES)
    entry = AuditEntry.objects.filter(action="update").get()
    assert set(entry.changes) == {"name", "rules"}


def test_delete_audits_and_is_refused_while_a_campaign_uses_it(world: World) -> None:
    segment = make_segment(world.manager)
    campaign = Campaign.objects.create(name="Win back", channel="email", segment=segment)
    with pytest.raises(ApplicationError, match="Win back"):
        services.segment_delete(segment=segment, acting_user=world.manager)
    campaign.delete()
    services.segment_delete(segment=segment, acting_user=world.manager)
    assert not Segment.objects.exists()
    assert AuditEntry.objects.filter(action="delete", content_type__model="segment").exists()


def test_every_role_sees_segments_and_only_some_change_them(world: World) -> None:
    mine = make_segment(world.alice, name="Alice's")
    theirs = make_segment(world.manager, name="Manager's")
    for user in (world.alice, world.bob, world.charlie, world.manager, world.admin):
        assert segment_list_for_user(user=user).count() == 2
    assert segment_get_for_user(user=world.alice, segment_id=mine.pk, perm=CHANGE_SEGMENT)
    assert segment_get_for_user(user=world.alice, segment_id=mine.pk, perm=DELETE_SEGMENT)
    with pytest.raises(PermissionDenied):
        segment_get_for_user(user=world.alice, segment_id=theirs.pk, perm=CHANGE_SEGMENT)
    with pytest.raises(PermissionDenied):
        segment_get_for_user(user=world.charlie, segment_id=mine.pk, perm=DELETE_SEGMENT)
    for user in (world.manager, world.admin):
        assert segment_get_for_user(user=user, segment_id=mine.pk, perm=DELETE_SEGMENT)
    with pytest.raises(Http404):
        segment_get_for_user(user=world.alice, segment_id=10**9)


def test_field_choices_follow_the_user(world: World) -> None:
    teams = segment_field_choices_for_user(user=world.charlie, field="team")
    assert teams == [(str(world.south.pk), "South")]
    assert ("lead", "Lead") in segment_field_choices_for_user(user=world.alice, field="stage")
    assert segment_field_choices_for_user(user=world.alice, field="order_count") == []
    cluster = make_cluster()
    assert segment_field_choices_for_user(user=world.alice, field="behaviour_cluster") == [
        (str(cluster.pk), cluster.label)
    ]


def test_save_cluster_as_segment(world: World) -> None:
    cluster = make_cluster(members=(world.customer,))
    segment = services.segment_create_from_cluster(cluster=cluster, acting_user=world.alice)
    assert segment.name == "Frequent high spenders gone quiet"
    assert list(segment_members(user=world.alice, segment=segment)) == [world.customer]
    assert segment_members(user=world.charlie, segment=segment).count() == 0


def test_only_the_latest_run_is_offered(world: World) -> None:
    old = make_cluster(run=1)
    new = make_cluster(run=2)
    assert behaviour_cluster_list_latest() == [new]
    with pytest.raises(Http404):
        behaviour_cluster_get_for_user(user=world.alice, cluster_id=old.pk)
    assert behaviour_cluster_get_for_user(user=world.alice, cluster_id=new.pk) == new


def _scored_base(world: World, count: int = 90) -> list[Customer]:
    rng = np.random.default_rng(1)
    today = timezone.localdate()
    customers = []
    for n in range(count):
        customer = make_customer(owner=world.alice, team=world.north, name=f"B{n}")
        group = n % 3
        make_score(
            customer,
            as_of=today,
            last_order_on=today - timedelta(days=[5, 300, 10][group] + int(rng.integers(0, 5))),
            order_count=[15, 6, 1][group] + int(rng.integers(0, 2)) * (group != 2),
            revenue_cents=[300_000, 60_000, 2_000][group] + int(rng.integers(0, 500)),
        )
        customers.append(customer)
    return customers


def test_compute_writes_clusters_and_members_and_is_idempotent(world: World) -> None:
    customers = _scored_base(world)
    objector = customers[0]
    consent_record(
        customer=objector,
        purpose=Consent.Purpose.PROFILING,
        is_granted=False,
        source="form",
        acting_user=world.alice,
    )
    run = services.behaviour_clusters_compute()
    assert run == 1
    clusters = list(BehaviourCluster.objects.filter(clustering_run=1))
    assert 3 <= len(clusters) <= 6
    assert sum(c.size for c in clusters) == BehaviourClusterMember.objects.count() == 89
    assert not BehaviourClusterMember.objects.filter(customer=objector).exists()
    assert set(clusters[0].centre) == {"recency_days", "order_count", "revenue_cents"}
    # nothing rescored since: the same run stands
    assert services.behaviour_clusters_compute() == 1
    # forced: a new run replaces every member, same clusters by the fixed seed
    assert services.behaviour_clusters_compute(force=True) == 2
    assert BehaviourClusterMember.objects.count() == 89
    assert not BehaviourClusterMember.objects.filter(cluster__clustering_run=1).exists()
    labels = lambda run: sorted(  # noqa: E731
        BehaviourCluster.objects.filter(clustering_run=run).values_list("label", "size")
    )
    assert labels(1) == labels(2)


def test_compute_reruns_after_new_scores(world: World) -> None:
    customers = _scored_base(world)
    assert services.behaviour_clusters_compute() == 1
    CustomerScore.objects.filter(customer=customers[1]).update(scored_at=timezone.now())
    assert services.behaviour_clusters_compute() == 2


def test_compute_on_a_tiny_base_stores_nothing(world: World) -> None:
    assert services.behaviour_clusters_compute() is None
    assert not BehaviourCluster.objects.exists()


def test_task_runs_the_service(world: World, settings: Any) -> None:
    _scored_base(world)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert behaviour_clusters_compute_task.delay().get() == 1
    assert behaviour_clusters_compute_task.name == (
        "campaigns.segments.tasks.behaviour_clusters_compute_task"
    )


def test_task_is_routed_and_scheduled() -> None:
    from crm.celery import app

    route = app.conf.task_routes["campaigns.segments.tasks.behaviour_clusters_compute_task"]
    assert route == {"queue": "scoring"}
    entry = app.conf.beat_schedule["segments-behaviour-clusters"]
    assert entry["options"]["queue"] == "scoring"
    assert entry["options"]["expires"] > 0
