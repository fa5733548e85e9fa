"""The access package: everything stored about one person, as machine-readable JSON and
a readable HTML page, in one zip under MEDIA_ROOT/privacy/.

The sections follow the data map (crm.privacy.datamap): each table that refers to the
customer contributes its rows, with the columns a person can make sense of."""

import json
import secrets
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from campaigns.models import CampaignSend, Coupon
from churn.models import Alert, CustomerScore, ScoreHistory
from customers.models import Customer

PACKAGE_DIR = "privacy"
EXCLUDED_COLUMNS = {"customer", "customer_id", "idempotency_key", "run", "run_id"}


def package_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / PACKAGE_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _rows(qs: QuerySet[Any] | Iterable[Model]) -> list[dict[str, Any]]:
    rows = []
    for obj in qs:
        rows.append(
            {
                field.name: getattr(obj, field.attname)
                for field in obj._meta.concrete_fields
                if field.name not in EXCLUDED_COLUMNS
            }
        )
    return rows


def package_sections(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    """Every stored fact about the customer, by section."""
    orders = customer.orders.prefetch_related("lines").order_by("ordered_on", "id")
    return {
        "profile": _rows([customer]),
        "emails": _rows(customer.emails.all()),
        "phones": _rows(customer.phones.all()),
        "contact_people": _rows(customer.contacts.all()),
        "consents": _rows(customer.consent_changes.all()),
        "stage_history": _rows(customer.stage_changes.all()),
        "interactions": _rows(customer.interactions.order_by("occurred_at", "id")),
        "orders": _rows(orders),
        "order_lines": _rows(line for order in orders for line in order.lines.all()),
        "refunds": _rows(customer.refunds.order_by("refunded_on", "id")),
        "complaints": _rows(customer.complaints.order_by("opened_at", "id")),
        "surveys": _rows(customer.surveys.order_by("responded_at", "id")),
        "daily_activity": _rows(customer.activity.order_by("day")),
        "score": _rows(CustomerScore.objects.filter(customer=customer)),
        "score_history": _rows(ScoreHistory.objects.filter(customer=customer).order_by("as_of")),
        "alerts": _rows(Alert.objects.filter(customer=customer).order_by("raised_at")),
        "campaign_messages": _rows(CampaignSend.objects.filter(customer=customer)),
        "coupons": _rows(Coupon.objects.filter(customer=customer)),
    }


def package_write(*, customer: Customer, request_id: int) -> str:
    """Write the zip and return its file name (random: the name is not a capability, the
    signed link is, but a guessable name would still be one mistake away from a leak)."""
    sections = package_sections(customer)
    generated_at = timezone.now()
    data = {"generated_at": generated_at, "customer_id": customer.pk, "sections": sections}
    json_text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    html = render_to_string(
        "privacy/package.html",
        {"customer": customer, "sections": sections, "generated_at": generated_at},
    )
    name = f"request-{request_id}-{secrets.token_hex(8)}.zip"
    target = package_dir() / name
    partial = target.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("personal-data.json", json_text)
        archive.writestr("personal-data.html", html)
    partial.replace(target)  # atomic: a reader never sees half a zip
    return name


def package_delete(name: str) -> None:
    if name and "/" not in name and "\\" not in name:
        (package_dir() / name).unlink(missing_ok=True)


def package_path(name: str) -> Path:
    return package_dir() / Path(name).name
