"""Reads of segments and suggested behaviour clusters, scoped to the user.

Every role with ``campaigns.view_segment`` sees every segment (a segment is a rule, not
data); its members are always counted behind the customer door, so the same segment
holds fewer customers for a Sales user than for an admin. Managers and admins
(``change_segment``/``delete_segment``) change any segment; a user who may add segments
changes and deletes the ones they created."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils.translation import gettext

from campaigns.models import BehaviourCluster, Segment
from campaigns.segments.rules import FIELDS, ValueType, segment_members
from crm.lib.keyset import Page, keyset_page
from customers.models import Customer, Tag
from customers.selectors import owner_choices_for_user, team_list_for_user

AnyUser = User | AbstractBaseUser | AnonymousUser

VIEW_SEGMENT = "campaigns.view_segment"
ADD_SEGMENT = "campaigns.add_segment"
CHANGE_SEGMENT = "campaigns.change_segment"
DELETE_SEGMENT = "campaigns.delete_segment"
MEMBERS_PREVIEW_SIZE = 20  # the rule builder's first members
TAG_CHOICES_LIMIT = 500  # tags offered in the builder's select


def segment_list_for_user(*, user: AnyUser) -> QuerySet[Segment]:
    if not isinstance(user, User) or not user.has_perm(VIEW_SEGMENT):
        return Segment.objects.none()
    return Segment.objects.select_related("created_by")


def segment_user_may(*, user: AnyUser, segment: Segment, perm: str) -> bool:
    """May ``user`` change (CHANGE_SEGMENT) or delete (DELETE_SEGMENT) this segment?"""
    if not isinstance(user, User) or not user.is_active:
        return False
    if user.has_perm(perm):
        return True
    return user.has_perm(ADD_SEGMENT) and segment.created_by_id == user.pk


def segment_get_for_user(*, user: AnyUser, segment_id: int, perm: str = VIEW_SEGMENT) -> Segment:
    """The segment if ``user`` may see it (else 404) and, for CHANGE_SEGMENT or
    DELETE_SEGMENT, may do that to it (else 403)."""
    try:
        segment = segment_list_for_user(user=user).get(pk=segment_id)
    except (Segment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such segment.") from exc
    if perm != VIEW_SEGMENT and not segment_user_may(user=user, segment=segment, perm=perm):
        raise PermissionDenied("You may view this segment but not do that.")
    return segment


def segment_members_page_for_user(
    *,
    user: AnyUser,
    segment: Segment | None = None,
    rules: dict[str, Any] | None = None,
    cursor: str | None = None,
    size: int = MEMBERS_PREVIEW_SIZE,
) -> Page[Customer]:
    """One page of members by name (keyset): constant queries whatever the page."""
    qs = segment_members(user=user, segment=segment, rules=rules).select_related("owner", "team")
    return keyset_page(qs, key="name", descending=False, cursor=cursor, size=size)


def behaviour_cluster_run_latest() -> int | None:
    latest: int | None = BehaviourCluster.objects.aggregate(run=Max("clustering_run"))["run"]
    return latest


def behaviour_cluster_list_latest() -> list[BehaviourCluster]:
    """The clusters of the latest clustering run (empty before the first)."""
    latest = behaviour_cluster_run_latest()
    if latest is None:
        return []
    return list(BehaviourCluster.objects.filter(clustering_run=latest).order_by("index"))


def behaviour_cluster_get_for_user(*, user: AnyUser, cluster_id: int) -> BehaviourCluster:
    """A cluster of the latest run; older runs' clusters no longer describe anyone."""
    if not isinstance(user, User) or not user.has_perm(VIEW_SEGMENT):
        raise Http404("No such cluster.")
    latest = behaviour_cluster_run_latest()
    if latest is None:
        raise Http404("No such cluster.")
    try:
        return BehaviourCluster.objects.get(pk=cluster_id, clustering_run=latest)
    except (BehaviourCluster.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("No such cluster.") from exc


def segment_field_choices_for_user(*, user: AnyUser, field: str) -> list[tuple[str, str]]:
    """The options the rule builder offers for ``field`` (empty for free values)."""
    rule_field = FIELDS[field]
    if rule_field.choices is not None:
        return rule_field.choices()
    if rule_field.value_type != ValueType.IDS:
        return []
    if field == "tag":
        return [(str(t.pk), t.name) for t in Tag.objects.all()[:TAG_CHOICES_LIMIT]]
    if field == "owner":
        return [
            (str(u.pk), u.get_full_name() or u.username) for u in owner_choices_for_user(user=user)
        ]
    if field == "team":
        return [(str(t.pk), t.name) for t in team_list_for_user(user=user)]
    if field == "behaviour_cluster":
        return [(str(c.pk), gettext(c.label)) for c in behaviour_cluster_list_latest()]
    return []
