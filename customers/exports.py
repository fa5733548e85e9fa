"""The customer list as CSV, shared by the page and the API."""

from collections.abc import Iterator

from django.http import StreamingHttpResponse

from crm.lib.csv_safety import stream_csv
from customers.selectors import AnyUser, CustomerFilters, customer_export_rows_for_user

EXPORT_COLUMNS = [
    "id", "external_ref", "kind", "name", "first_name", "primary_email", "primary_phone",
    "street", "city", "postal_code", "country", "language", "birthday", "stage", "owner",
    "team", "tags", "created_at",
]  # fmt: skip


def customer_csv_response(*, user: AnyUser, filters: CustomerFilters) -> StreamingHttpResponse:
    """The filtered, permission-scoped list, streamed in keyset batches."""

    def rows() -> Iterator[list[object]]:
        for c in customer_export_rows_for_user(user=user, filters=filters):
            yield [
                c.pk, c.external_ref, c.kind, c.name, c.first_name, c.primary_email,
                c.primary_phone, c.street, c.city, c.postal_code, c.country, c.language,
                c.birthday or "", c.stage, c.owner.username if c.owner else "",
                c.team.name if c.team else "", ",".join(t.name for t in c.tags.all()),
                c.created_at.isoformat(),
            ]  # fmt: skip

    return stream_csv(header=EXPORT_COLUMNS, rows=rows(), filename="customers.csv")
