"""Creating imported customers in bulk, with what ``customers.services.customer_create``
gives one customer: a StageChange row and the owner's and team's object permissions.
The audit entry is the job's, one per import."""

from collections.abc import Sequence

from customers import permissions
from customers.models import Customer, StageChange
from interactions.imports.context import RunContext

BATCH_SIZE = 2_000  # rows per INSERT; SQLite and PostgreSQL both take this many
STAGE_CHANGE_REASON = "import"


def customers_insert(*, ctx: RunContext, customers: Sequence[Customer]) -> list[int]:
    """Insert ``customers`` (owner, team and stage already set) and grant access."""
    Customer.objects.bulk_create(customers, batch_size=BATCH_SIZE)
    ids = [int(c.pk) for c in customers]
    StageChange.objects.bulk_create(
        (
            StageChange(
                customer_id=c.pk,
                to_stage=c.stage,
                changed_by=ctx.acting_user,
                reason=STAGE_CHANGE_REASON,
            )
            for c in customers
        ),
        batch_size=BATCH_SIZE,
    )
    if ctx.owner is not None:
        permissions.grant_owner(customer_ids=ids, owner=ctx.owner)
    if ctx.team is not None:
        permissions.grant_team(customer_ids=ids, team=ctx.team)
    return ids


def customers_minimal_create(*, ctx: RunContext, refs: Sequence[str]) -> dict[str, int]:
    """Customers known only by their reference, named after it: {reference: id}."""
    created: dict[str, int] = {}
    for start in range(0, len(refs), BATCH_SIZE):
        batch = [
            Customer(external_ref=ref, name=ref, owner=ctx.owner, team=ctx.team)
            for ref in refs[start : start + BATCH_SIZE]
        ]
        customers_insert(ctx=ctx, customers=batch)
        created.update((c.external_ref, int(c.pk)) for c in batch)
    return created
