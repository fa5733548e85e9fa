"""A small, deterministic order history with a known churn signal, for service tests:
regular buyers with personal cadences, and a share who stop buying at some day in the
past (the churners a model must find). Written in bulk; no per-test JSON fixtures."""

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from django.contrib.auth.models import User

from crm.accounts.models import Team
from customers.models import Customer
from interactions.models import Order, Source


@dataclass(frozen=True)
class History:
    customers: list[Customer]
    stopped_on: dict[int, date | None]  # customer id -> the day they stopped buying


def make_history(
    *,
    owner: User,
    team: Team | None,
    count: int = 300,
    today: date,
    churning_share: float = 0.4,
    days: int = 540,
    seed: int = 7,
) -> History:
    rng = np.random.default_rng(seed)
    customers = Customer.objects.bulk_create(
        Customer(
            name=f"History {seed}-{n}",
            external_ref=f"H{seed}-{n}",
            owner=owner,
            team=team,
            stage=Customer.Stage.ACTIVE,
        )
        for n in range(count)
    )
    orders, stopped = [], {}
    for customer in customers:
        cadence = float(rng.uniform(7, 45))
        stop = int(rng.integers(0, days - 60)) if rng.random() < churning_share else None
        stopped[customer.pk] = today - timedelta(days=stop) if stop is not None else None
        day = float(rng.uniform(0, cadence))
        while day < days - (stop or 0):
            orders.append(
                Order(
                    customer=customer,
                    ordered_on=today - timedelta(days=days - int(day)),
                    amount_cents=int(rng.integers(1_000, 20_000)),
                    status=Order.Status.DELIVERED,
                    source=Source.DEMO,
                )
            )
            day += max(1.0, float(rng.gamma(4.0, cadence / 4.0)))
    Order.objects.bulk_create(orders, batch_size=2_000)
    return History(customers=customers, stopped_on=stopped)
