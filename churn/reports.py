"""Set-based figures for the scoring pages: what alerts achieved (how many at-risk customers
were saved), and customer equity (the sum of expected lifetime values) with the part of it
at risk. Scoped through the customer door: a user sees the figures of the customers they
may see."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Coalesce

from churn.models import Alert, CustomerScore
from customers.selectors import customer_list_for_user


@dataclass(frozen=True)
class OutcomeRow:
    kind: str
    raised: int
    open: int
    contacted: int
    offer_made: int
    saved: int
    lost: int

    @property
    def kind_label(self) -> str:
        return str(Alert.Kind(self.kind).label)

    @property
    def resolved(self) -> int:
        return self.contacted + self.offer_made + self.saved + self.lost

    @property
    def saved_share(self) -> float | None:
        """Saved among those whose outcome is final (saved or lost)."""
        final = self.saved + self.lost
        return self.saved / final if final else None


def alert_outcomes_for_user(*, user: User, since: datetime | None = None) -> list[OutcomeRow]:
    """Per alert kind: raised, still open, and each outcome; one GROUP BY."""
    visible = customer_list_for_user(user=user).values("pk")
    alerts = Alert.objects.filter(customer__in=visible)
    if since is not None:
        alerts = alerts.filter(raised_at__gte=since)
    rows = (
        alerts.values("kind")
        .annotate(
            raised=Count("id"),
            still_open=Count("id", filter=~Q(status=Alert.Status.RESOLVED)),
            contacted=Count("id", filter=Q(outcome=Alert.Outcome.CONTACTED)),
            offer_made=Count("id", filter=Q(outcome=Alert.Outcome.OFFER_MADE)),
            saved=Count("id", filter=Q(outcome=Alert.Outcome.SAVED)),
            lost=Count("id", filter=Q(outcome=Alert.Outcome.LOST)),
        )
        .order_by("kind")
    )
    return [
        OutcomeRow(
            kind=row["kind"],
            raised=row["raised"],
            open=row["still_open"],
            contacted=row["contacted"],
            offer_made=row["offer_made"],
            saved=row["saved"],
            lost=row["lost"],
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Equity:
    customers: int
    equity_cents: int  # sum of expected lifetime values
    at_risk_cents: int  # sum of value × churn probability
    most_valuable: int
    silent: int


def customer_equity_for_user(*, user: User) -> Equity:
    visible = customer_list_for_user(user=user).values("pk")
    scores = CustomerScore.objects.filter(customer__in=visible)
    totals = scores.aggregate(
        customers=Count("customer_id"),
        equity=Coalesce(Sum("expected_value_cents"), 0),
        at_risk=Coalesce(
            Sum(
                F("expected_value_cents") * F("churn_probability"),
                output_field=FloatField(),
            ),
            0.0,
        ),
        most_valuable=Count("customer_id", filter=Q(is_most_valuable=True)),
        silent=Count("customer_id", filter=Q(customer__silent_since__isnull=False)),
    )
    return Equity(
        customers=totals["customers"],
        equity_cents=int(totals["equity"]),
        at_risk_cents=round(totals["at_risk"]),
        most_valuable=totals["most_valuable"],
        silent=totals["silent"],
    )
