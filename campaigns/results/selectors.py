"""What campaigns achieved: treated against control over the attribution window.

Every figure is computed in the database, one grouped query per figure group, never one
query per customer. Per send row (a customer, or one occasion of an automation) the inner
query works out, over ``[reference_at, reference_at + attribution_days]``:

- ``orders``: non-cancelled orders placed in the window (``ordered_on`` is a date: the
  window runs from the local date of ``reference_at`` to the local date of its end);
- ``revenue``: their amount in the default currency;
- ``inbound``: any inbound interaction in the window, leaving out the ones a campaign
  wrote itself (opens and clicks land on the timeline and only the treated can make them);

and the outer query sums those per (breakdown key, group): counts, sums and sums of
squares, from which ``stats`` gives rates, means and intervals. Both groups are measured
from the same ``reference_at``, so anything that would have happened anyway cancels out
in the difference. Rows held back before the random split (ineligible customers) belong
to neither group; rows held back after it (consent withdrawn or offboarding between
queueing and sending: ``claimed_at`` is set) stay in the treated group, as assigned, so
that what happens after randomisation cannot bias the comparison."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign, CampaignSend, Channel, Coupon, Segment
from campaigns.results.stats import (
    MeanDifference,
    Moments,
    ProportionDifference,
    mean_difference,
    proportion_difference,
    too_few_to_tell,
)
from campaigns.selectors import VIEW_CAMPAIGN, VIEW_RESULTS, campaign_get_for_user
from customers.selectors import AnyUser
from interactions.models import Interaction, Order

NEW_CUSTOMER_DAYS = 90  # "new": created within this many days before the reference moment
OVERVIEW_BREAKDOWNS = ("channel", "goal", "new", "segment")
CAMPAIGN_BREAKDOWNS = ("new", "segment")
GROUP = CampaignSend.Group


@dataclass(frozen=True)
class GroupFigures:
    """One group's sums; rates and means follow."""

    n: int = 0
    reactivated: int = 0
    retained: int = 0
    orders: Moments = field(default_factory=lambda: Moments(0, 0.0, 0.0))
    revenue_cents: Moments = field(default_factory=lambda: Moments(0, 0.0, 0.0))
    opened: int = 0
    clicked: int = 0

    @property
    def reactivation_rate(self) -> float | None:
        return self.reactivated / self.n if self.n else None

    @property
    def retention_rate(self) -> float | None:
        return self.retained / self.n if self.n else None

    @property
    def mean_orders(self) -> float | None:
        return self.orders.mean

    @property
    def mean_revenue_cents(self) -> float | None:
        return self.revenue_cents.mean


@dataclass(frozen=True)
class Comparison:
    """Treated against control for one slice (a campaign, a channel, new customers...)."""

    key: str
    label: str
    treated: GroupFigures
    control: GroupFigures
    reactivation: ProportionDifference
    retention: ProportionDifference
    orders: MeanDifference
    revenue_cents: MeanDifference

    @property
    def too_few(self) -> bool:
        return too_few_to_tell(self.treated.n, self.control.n)

    @property
    def incremental_revenue_cents(self) -> float | None:
        """Uplift in mean revenue per customer times the customers treated."""
        uplift = self.revenue_cents.difference
        return None if uplift is None else uplift * self.treated.n


@dataclass(frozen=True)
class CampaignResults:
    campaign: Campaign
    overall: Comparison
    breakdown: list[Comparison]
    by: str | None
    coupon_cost_cents: int
    window_open_until: date | None  # the last window still open: figures are provisional
    new_customer_days: int = NEW_CUSTOMER_DAYS

    @property
    def roi(self) -> float | None:
        return _roi(self.overall.incremental_revenue_cents, self.coupon_cost_cents)


@dataclass(frozen=True)
class OverviewRow:
    campaign: Campaign
    comparison: Comparison
    coupon_cost_cents: int
    window_open_until: date | None

    @property
    def roi(self) -> float | None:
        return _roi(self.comparison.incremental_revenue_cents, self.coupon_cost_cents)


@dataclass(frozen=True)
class ResultsOverview:
    rows: list[OverviewRow]
    by: str
    breakdown: list[Comparison]
    new_customer_days: int = NEW_CUSTOMER_DAYS


# Sends that took part in the random split: all but those held back before it.
RANDOMISED = ~Q(state=CampaignSend.State.HELD) | Q(claimed_at__isnull=False)


def _roi(incremental_cents: float | None, cost_cents: int) -> float | None:
    if incremental_cents is None or cost_cents <= 0:
        return None
    return (incremental_cents - cost_cents) / cost_cents


# --- the per-send measures -------------------------------------------------------------------


def _window_end() -> "ExpressionWrapper[Any]":
    # The product is wrapped so that SQLite, too, adds it as a duration.
    window = ExpressionWrapper(
        Cast("campaign__attribution_days", IntegerField()) * Value(timedelta(days=1)),
        output_field=DurationField(),
    )
    return ExpressionWrapper(F("reference_at") + window, output_field=DateTimeField())


def _orders_in_window() -> "QuerySet[Order, Any]":
    return (
        Order.objects.filter(
            customer_id=OuterRef("customer_id"),
            ordered_on__gte=OuterRef("window_start_on"),
            ordered_on__lte=OuterRef("window_end_on"),
        )
        .exclude(status=Order.Status.CANCELLED)
        .order_by()
        .values("customer_id")
    )


def _inbound_in_window() -> "QuerySet[Interaction]":
    return Interaction.objects.filter(
        customer_id=OuterRef("customer_id"),
        direction=Interaction.Direction.INBOUND,
        occurred_at__gte=OuterRef("reference_at"),
        occurred_at__lte=OuterRef("window_end"),
        campaign_id__isnull=True,
    )


def _breakdown_key(by: str | None) -> Any:
    if by == "new":
        since = ExpressionWrapper(
            F("reference_at") - Value(timedelta(days=NEW_CUSTOMER_DAYS)),
            output_field=DateTimeField(),
        )
        return Case(
            When(customer__created_at__gte=since, then=Value("new")),
            default=Value("existing"),
            output_field=CharField(),
        )
    if by == "channel":
        return F("campaign__channel")
    if by == "goal":
        return F("campaign__goal")
    if by == "segment":
        return Coalesce(Cast("campaign__segment_id", CharField()), Value(""))
    if by == "campaign":
        return Cast("campaign_id", CharField())
    return Value("all", output_field=CharField())


def _measured_sends(sends: "QuerySet[CampaignSend]", by: str | None) -> "QuerySet[Any]":
    """One row per send with its breakdown key, group and window measures."""
    in_default_currency = Q(currency=settings.DEFAULT_CURRENCY)
    return (
        sends.filter(RANDOMISED)
        .order_by()
        .annotate(
            window_end=_window_end(),
            window_start_on=TruncDate("reference_at"),
            window_end_on=TruncDate("window_end"),
        )
        .annotate(
            slice_key=_breakdown_key(by),
            grp=F("group"),
            orders_n=Coalesce(
                Subquery(_orders_in_window().annotate(c=Count("pk")).values("c")),
                0,
                output_field=IntegerField(),
            ),
            revenue=Coalesce(
                Subquery(
                    _orders_in_window()
                    .filter(in_default_currency)
                    .annotate(s=Sum("amount_cents"))
                    .values("s")
                ),
                0,
                output_field=IntegerField(),
            ),
            inbound=Exists(_inbound_in_window()),
            was_opened=Case(When(opened_at__isnull=False, then=1), default=0),
            was_clicked=Case(When(clicked_at__isnull=False, then=1), default=0),
        )
        .values_list(
            "slice_key",
            "grp",
            "orders_n",
            "revenue",
            "inbound",
            "was_opened",
            "was_clicked",
        )
    )


# The outer aggregate over the Django-compiled inner query (its parameters stay separate).
# A derived table, so that each correlated subquery runs once per send, not once per use.
# "* 1.0" squares revenue in floating point / numeric instead of overflowing integers.
_AGGREGATE_SQL = """
SELECT m.slice_key, m.grp,
       COUNT(*),
       SUM(CASE WHEN m.orders_n > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN m.orders_n > 0 OR m.inbound THEN 1 ELSE 0 END),
       SUM(m.orders_n), SUM(m.orders_n * m.orders_n),
       SUM(m.revenue), SUM(m.revenue * 1.0 * m.revenue),
       SUM(m.was_opened), SUM(m.was_clicked)
FROM ({inner}) AS m
GROUP BY m.slice_key, m.grp
"""


def _group_figures(
    sends: "QuerySet[CampaignSend]", by: str | None
) -> dict[str, dict[str, GroupFigures]]:
    """{slice key: {"treated"|"control": figures}} in one query."""
    inner_sql, params = _measured_sends(sends, by).query.sql_with_params()
    figures: dict[str, dict[str, GroupFigures]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(_AGGREGATE_SQL.format(inner=inner_sql), params)
        for row in cursor.fetchall():
            key, group, n, react, retained, o_sum, o_sq, r_sum, r_sq, opened, clicked = row
            figures[str(key)][str(group)] = GroupFigures(
                n=int(n),
                reactivated=int(react or 0),
                retained=int(retained or 0),
                orders=Moments(int(n), float(o_sum or 0), float(o_sq or 0)),
                revenue_cents=Moments(int(n), float(r_sum or 0), float(r_sq or 0)),
                opened=int(opened or 0),
                clicked=int(clicked or 0),
            )
    return figures


def _compare(key: str, label: str, groups: dict[str, GroupFigures]) -> Comparison:
    treated = groups.get(GROUP.TREATED, GroupFigures())
    control = groups.get(GROUP.CONTROL, GroupFigures())
    return Comparison(
        key=key,
        label=label,
        treated=treated,
        control=control,
        reactivation=proportion_difference(
            treated.reactivated, treated.n, control.reactivated, control.n
        ),
        retention=proportion_difference(treated.retained, treated.n, control.retained, control.n),
        orders=mean_difference(treated.orders, control.orders),
        revenue_cents=mean_difference(treated.revenue_cents, control.revenue_cents),
    )


def _pooled(figures: dict[str, dict[str, GroupFigures]]) -> dict[str, GroupFigures]:
    """All slices added up, per group (sums of counts and moments add)."""
    pooled: dict[str, GroupFigures] = {}
    for groups in figures.values():
        for group, f in groups.items():
            p = pooled.get(group, GroupFigures())
            pooled[group] = GroupFigures(
                n=p.n + f.n,
                reactivated=p.reactivated + f.reactivated,
                retained=p.retained + f.retained,
                orders=_add(p.orders, f.orders),
                revenue_cents=_add(p.revenue_cents, f.revenue_cents),
                opened=p.opened + f.opened,
                clicked=p.clicked + f.clicked,
            )
    return pooled


def _add(a: Moments, b: Moments) -> Moments:
    return Moments(a.n + b.n, a.total + b.total, a.total_squares + b.total_squares)


# --- labels, coupon costs, open windows ------------------------------------------------------


def _labels(by: str | None, keys: Iterable[str]) -> dict[str, str]:
    if by == "new":
        return {
            "new": _("New customers (joined within %(days)s days before)")
            % {"days": NEW_CUSTOMER_DAYS},
            "existing": _("Existing customers"),
        }
    if by == "channel":
        return {value: str(label) for value, label in Channel.choices}
    if by == "goal":
        return {value: str(label) for value, label in Campaign.Goal.choices}
    if by == "segment":
        ids = [int(k) for k in keys if k.isdigit()]
        names = dict(Segment.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {str(pk): name for pk, name in names.items()} | {"": _("No segment")}
    return {"all": _("All recipients")}


def _slices(by: str | None, figures: dict[str, dict[str, GroupFigures]]) -> list[Comparison]:
    labels = _labels(by, figures)
    order = list(labels) if by in ("new", "channel", "goal") else sorted(figures)
    return [_compare(key, labels.get(key, key), figures[key]) for key in order if key in figures]


def _coupon_costs(campaign_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        Coupon.objects.filter(campaign_id__in=campaign_ids, redeemed_at__isnull=False)
        .order_by()
        .values("campaign_id")
        .annotate(cost=Sum("discount_cents"))
    )
    return {row["campaign_id"]: int(row["cost"] or 0) for row in rows}


def _windows_open_until(campaigns: Sequence[Campaign], now: datetime) -> dict[int, date]:
    """For each campaign whose latest attribution window has not closed: when it closes."""
    latest = dict(
        CampaignSend.objects.filter(campaign__in=campaigns)
        .filter(RANDOMISED)
        .order_by()
        .values("campaign_id")
        .annotate(last=Max("reference_at"))
        .values_list("campaign_id", "last")
    )
    open_until = {}
    for campaign in campaigns:
        last = latest.get(campaign.pk)
        if last is not None:
            end = last + timedelta(days=campaign.attribution_days)
            if end > now:
                open_until[campaign.pk] = timezone.localdate(end)
    return open_until


# --- the doors -------------------------------------------------------------------------------


def _require_results(user: AnyUser) -> User:
    if not isinstance(user, User) or not user.has_perm(VIEW_RESULTS):
        raise PermissionDenied
    return user


def campaign_results(*, campaign: Campaign, by: str | None = None) -> CampaignResults:
    """The results of one campaign already authorised for the caller: three queries
    whatever the number of recipients (the breakdown's slices add up to the whole)."""
    if by is not None and by not in (*CAMPAIGN_BREAKDOWNS, *OVERVIEW_BREAKDOWNS):
        raise ValueError(f"unknown breakdown {by!r}")
    figures = _group_figures(CampaignSend.objects.filter(campaign=campaign), by)
    overall = _compare("all", _("All recipients"), _pooled(figures))
    breakdown = _slices(by, figures) if by else []
    return CampaignResults(
        campaign=campaign,
        overall=overall,
        breakdown=breakdown,
        by=by,
        coupon_cost_cents=_coupon_costs([campaign.pk]).get(campaign.pk, 0),
        window_open_until=_windows_open_until([campaign], timezone.now()).get(campaign.pk),
    )


def campaign_results_for_user(
    *, user: AnyUser, campaign_id: int, by: str | None = None
) -> CampaignResults:
    """404 for a campaign that does not exist, 403 without campaigns.view_campaign_results."""
    _require_results(user)
    campaign = campaign_get_for_user(user=user, campaign_id=campaign_id, perm=VIEW_RESULTS)
    return campaign_results(campaign=campaign, by=by)


def results_campaigns_for_user(*, user: AnyUser) -> "QuerySet[Campaign]":
    """Campaigns and automations with something to measure: launched, or ever switched on."""
    if not isinstance(user, User) or not user.has_perm(VIEW_CAMPAIGN):
        return Campaign.objects.none()
    if not user.has_perm(VIEW_RESULTS):
        return Campaign.objects.none()
    return (
        Campaign.objects.filter(launched_at__isnull=False)
        .select_related("segment", "automation")
        .order_by("-launched_at", "-pk")
    )


def results_overview_for_user(*, user: AnyUser, by: str = "channel") -> ResultsOverview:
    """Every measurable campaign the user may see with its uplift, and treated against
    control pooled by ``by`` (channel, goal, new vs existing, segment). Six queries.

    Pooling adds up campaigns with different control shares; each slice's difference is
    still treated against control of the same campaigns, and the per-campaign rows are
    the ones to judge a campaign by."""
    _require_results(user)
    if by not in OVERVIEW_BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    campaigns = list(results_campaigns_for_user(user=user))
    ids = [c.pk for c in campaigns]
    sends = CampaignSend.objects.filter(campaign_id__in=ids)
    per_campaign = _group_figures(sends, "campaign") if ids else {}
    costs = _coupon_costs(ids) if ids else {}
    open_until = _windows_open_until(campaigns, timezone.now()) if ids else {}
    rows = [
        OverviewRow(
            campaign=c,
            comparison=_compare(str(c.pk), c.name, per_campaign.get(str(c.pk), {})),
            coupon_cost_cents=costs.get(c.pk, 0),
            window_open_until=open_until.get(c.pk),
        )
        for c in campaigns
    ]
    breakdown = _slices(by, _group_figures(sends, by)) if ids else []
    return ResultsOverview(rows=rows, by=by, breakdown=breakdown)
