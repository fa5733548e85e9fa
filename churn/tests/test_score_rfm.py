"""Every scoring run writes recency, frequency and value onto the score (segments and the
behaviour clustering read them there), on SQLite's bulk_create path and PostgreSQL's COPY."""

from datetime import timedelta

from django.db.models import Count, Max, Sum
from django.utils import timezone

from churn import services
from churn.models import CustomerScore, ScoringRun
from churn.tests.history import make_history
from conftest import World
from interactions.models import Order


def test_full_run_writes_last_order_order_count_and_revenue(world: World) -> None:
    make_history(owner=world.alice, team=world.north, count=60, today=timezone.localdate(), seed=5)
    services.model_train(acting_user=None)
    as_of = timezone.localdate()
    run = ScoringRun.objects.create(
        kind=ScoringRun.Kind.FULL, as_of=as_of, changes_until=timezone.now()
    )
    for chunk_id in services.scoring_run_plan(run_id=run.pk):
        services.scoring_chunk_process(chunk_id=chunk_id)
    expected = {
        row["customer_id"]: row
        for row in Order.objects.filter(ordered_on__lte=as_of)
        .exclude(status=Order.Status.CANCELLED)
        .values("customer_id")
        .annotate(last=Max("ordered_on"), n=Count("id"), cents=Sum("amount_cents"))
    }
    scores = list(CustomerScore.objects.all())
    assert len(scores) > 10
    for score in scores:
        orders = expected.get(score.customer_id)
        if orders is None:
            assert (score.last_order_on, score.order_count, score.revenue_cents) == (None, 0, 0)
        else:
            assert score.last_order_on == orders["last"]
            assert score.order_count == orders["n"]
            assert score.revenue_cents == orders["cents"]
    assert any(s.last_order_on and s.last_order_on < as_of - timedelta(days=1) for s in scores)
