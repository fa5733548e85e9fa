"""Anonymising customers everywhere their personal data is stored, set-based.

Financial records (orders, their amounts and lines, refunds, coupons) stay, attached to
the anonymised customer row: accounting law keeps them, and the totals of the books must
not change. Everything that names, reaches or describes the person goes: the profile and
its contact data, contact people, free text of interactions, complaints, survey comments,
stage changes, refund reasons and alert notes, the rendered campaign messages, and the
customer's name in the change audit. Every statement is idempotent: anonymising an
anonymised customer changes nothing.
"""

import csv
from collections.abc import Sequence

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

from campaigns.delivery.sending import direct_mail_path
from campaigns.models import CampaignSend, Channel
from churn.models import Alert
from crm.audit.models import AuditEntry
from crm.lib.csv_safety import safe_cell
from customers.models import ContactPerson, Customer, CustomerEmail, CustomerPhone, StageChange
from interactions.models import Complaint, Interaction, Refund, SurveyResponse

REMOVED = "[removed]"


def anonymous_name_of(customer_id: int) -> str:
    return f"Anonymised customer {customer_id}"


@transaction.atomic
def customers_anonymise(*, customer_ids: Sequence[int]) -> int:
    """Anonymise these customers; returns how many profiles changed. Call in batches of a
    few thousand ids (each statement is one UPDATE/DELETE over the batch)."""
    ids = list(customer_ids)
    if not ids:
        return 0
    anonymous_name = Concat(Value("Anonymised customer "), Cast("pk", output_field=CharField()))
    changed = (
        Customer.objects.filter(pk__in=ids)
        .exclude(name=anonymous_name)
        .update(
            name=anonymous_name,
            first_name="",
            primary_email="",
            primary_phone="",
            street="",
            city="",
            postal_code="",
            birthday=None,
            external_ref="",
            time_zone="",
        )
    )
    CustomerEmail.objects.filter(customer_id__in=ids).delete()
    CustomerPhone.objects.filter(customer_id__in=ids).delete()
    ContactPerson.objects.filter(customer_id__in=ids).delete()
    Customer.tags.through.objects.filter(customer_id__in=ids).delete()
    Interaction.objects.filter(customer_id__in=ids).exclude(subject="", body="").update(
        subject="", body=""
    )
    Complaint.objects.filter(customer_id__in=ids).exclude(subject=REMOVED).update(
        subject=REMOVED, description=""
    )
    SurveyResponse.objects.filter(customer_id__in=ids).exclude(comment="").update(comment="")
    StageChange.objects.filter(customer_id__in=ids).exclude(reason="").update(reason="")
    Refund.objects.filter(customer_id__in=ids).exclude(reason="").update(reason="")
    Alert.objects.filter(customer_id__in=ids).exclude(note="").update(note="")
    CampaignSend.objects.filter(customer_id__in=ids).exclude(
        address="", subject="", body=""
    ).update(address="", subject="", body="")
    _audit_anonymise(ids)
    return changed


def _audit_anonymise(ids: list[int]) -> None:
    """The change audit names the customer (object_repr) and keeps field values before and
    after (changes): both go; who did what, and when, stays."""
    customer_type = ContentType.objects.get_for_model(Customer)
    entries = AuditEntry.objects.filter(
        content_type=customer_type, object_id__in=[str(pk) for pk in ids]
    )
    entries.exclude(object_repr__startswith="Anonymised customer").update(
        object_repr=Concat(Value("Anonymised customer "), F("object_id")), changes={}
    )


def direct_mail_scrub(*, customer: Customer) -> int:
    """Remove the customer's letters from the direct-mail files kept on disk (they hold the
    name and postal address); call before anonymising, while the name is still known.
    Returns the number of rows removed. Each file is rewritten whole and swapped in."""
    key = [safe_cell(customer.name), safe_cell(customer.street)]
    campaign_ids = (
        CampaignSend.objects.filter(customer=customer, campaign__channel=Channel.DIRECT_MAIL)
        .values_list("campaign_id", flat=True)
        .distinct()
    )
    removed = 0
    for campaign_id in campaign_ids:
        path = direct_mail_path(campaign_id)
        if not path.exists():
            continue
        with path.open(newline="", encoding="utf-8") as source:
            rows = list(csv.reader(source))
        kept = [row for row in rows if row[:2] != key]
        removed += len(rows) - len(kept)
        partial = path.with_suffix(".part")
        with partial.open("w", newline="", encoding="utf-8") as target:
            csv.writer(target).writerows(kept)
        partial.replace(path)
    return removed
