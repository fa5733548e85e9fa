"""Data subject requests: four-eyes erasure that leaves no trace of the person in any text
column of any table nor in generated files, with the books unchanged; the access package
and its signed, expiring link; restriction; due dates."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from campaigns.delivery.sending import direct_mail_header, direct_mail_path
from campaigns.models import Campaign, CampaignSend, Coupon
from conftest import World
from crm.privacy import requests
from crm.privacy.models import DataSubjectRequest
from customers.consent import consent_allows
from customers.models import ContactPerson, Customer
from customers.services import contact_person_add
from interactions.models import Order, Refund
from interactions.services import (
    complaint_respond,
    interaction_log,
    refund_record,
    survey_record,
)

pytestmark = pytest.mark.django_db
Kind = DataSubjectRequest.Kind
NAME, EMAIL, PHONE = "Aldona Petraitė", "aldona@example.lt", "+37061234567"


def _rich_history(world: World) -> Customer:
    customer = world.customer
    Customer.objects.filter(pk=customer.pk).update(
        first_name="Aldona", primary_phone=PHONE, street="Gedimino pr. 1", city="Vilnius"
    )
    customer.phones.create(phone=PHONE, is_primary=True)
    contact_person_add(
        customer=customer, acting_user=world.alice, name="Aldona's husband", email=EMAIL
    )
    interaction_log(
        customer=customer,
        acting_user=world.alice,
        channel="call",
        direction="in",
        subject=f"Call from {NAME}",
        body=f"{NAME} ({EMAIL}, {PHONE}) asked about her order.",
    )
    complaint_respond(complaint=world.complaint, acting_user=world.bob, body=f"Dear {NAME},")
    survey_record(
        customer=customer, acting_user=world.alice, kind="nps", score=4, comment=f"— {NAME}"
    )
    refund_record(
        order=world.order,
        acting_user=world.alice,
        refunded_on=timezone.localdate(),
        amount_cents=500,
        reason=f"{NAME} unhappy",
    )
    campaign = Campaign.objects.create(name="Win back", channel="email", created_by=world.manager)
    coupon = Coupon.objects.create(
        code="K7M2P9Q4RX", campaign=campaign, customer=customer, value_cents=500,
        expires_on=timezone.localdate(),
    )  # fmt: skip
    CampaignSend.objects.create(
        campaign=campaign, customer=customer, state="sent", address=EMAIL,
        subject=f"{NAME}, we miss you", body=f"Dear Aldona, your code {coupon.code}",
        reference_at=timezone.now(), coupon=coupon,
    )  # fmt: skip
    letters = direct_mail_path(campaign.pk)
    letters.parent.mkdir(parents=True, exist_ok=True)
    with letters.open("w", encoding="utf-8") as out:
        out.write(",".join(direct_mail_header()) + "\n")
        out.write(f"{NAME},Gedimino pr. 1,01103,Vilnius,LT,Dear Aldona,K7M2P9Q4RX\n")
        out.write("Jonas Jonaitis,Pilies g. 2,01123,Vilnius,LT,Dear Jonas,X\n")
    Campaign.objects.filter(pk=campaign.pk).update(channel="direct_mail")
    return customer


def _text_columns() -> list[tuple[type[models.Model], str]]:
    kinds = (models.CharField, models.TextField, models.JSONField)
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, kinds) and model._meta.managed
    ]


def _traces(needles: list[str]) -> list[str]:
    found = []
    for model, column in _text_columns():
        lookup = Q()
        for needle in needles:
            lookup |= Q(**{f"{column}__icontains": needle})
        if model._default_manager.filter(lookup).exists():
            found.append(f"{model._meta.label}.{column}")
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                data = b"".join(archive.read(n) for n in archive.namelist())
        if any(n.encode() in data for n in needles):
            found.append(str(path))
    return found


def _books() -> tuple[Any, Any, int]:
    orders = Order.objects.aggregate(total=Sum("amount_cents"))["total"]
    refunds = Refund.objects.aggregate(total=Sum("amount_cents"))["total"]
    return orders, refunds, Order.objects.count()


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_erasure_after_four_eyes_leaves_no_trace_and_the_books_unchanged(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with override_settings(MEDIA_ROOT=tmp_path):
        customer = _rich_history(world)
        with django_capture_on_commit_callbacks(execute=True):
            access = requests.dsr_create(
                customer=customer, kind=Kind.ACCESS, acting_user=world.manager
            )
        assert requests.dsr_get_for_user(user=world.manager, request_id=access.pk).package_name
        needles = [NAME, "Aldona", EMAIL, PHONE, "Gedimino"]
        assert _traces(needles), "the test must find the person before the erasure"
        books = _books()
        erasure = requests.dsr_create(
            customer=customer, kind=Kind.ERASURE, acting_user=world.manager
        )
        with pytest.raises(ValidationError, match="Another person"):
            requests.dsr_approve_erasure(request=erasure, acting_user=world.manager)
        with pytest.raises(PermissionDenied):
            requests.dsr_approve_erasure(request=erasure, acting_user=world.alice)
        assert Customer.objects.get(pk=customer.pk).name == NAME  # nothing erased yet
        with django_capture_on_commit_callbacks(execute=True):
            requests.dsr_approve_erasure(request=erasure, acting_user=world.admin)
        erasure.refresh_from_db()
        assert erasure.status == DataSubjectRequest.Status.COMPLETED
        assert _traces(needles) == []
        assert _books() == books
        assert not ContactPerson.objects.filter(customer=customer).exists()
        letters = direct_mail_path(CampaignSend.objects.get(customer=customer).campaign_id)
        assert "Jonas Jonaitis" in letters.read_text()  # other people's letters stay
        # Re-running the task is harmless.
        assert requests.dsr_erase(request_id=erasure.pk) is not None


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_access_package_is_downloaded_through_a_signed_expiring_link(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with override_settings(MEDIA_ROOT=tmp_path):
        with django_capture_on_commit_callbacks(execute=True):
            made = requests.dsr_create(
                customer=world.customer, kind=Kind.ACCESS, acting_user=world.manager
            )
        made.refresh_from_db()
        assert made.status == DataSubjectRequest.Status.COMPLETED
        url = reverse("privacy:package", kwargs={"token": requests.dsr_package_token(made)})
        response = Client().get(url)  # no login: the person uses the link
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
        data = json.loads(archive.read("personal-data.json"))
        assert data["sections"]["profile"][0]["name"] == NAME
        assert data["sections"]["orders"][0]["amount_cents"] == 12_500
        assert "Late delivery" in archive.read("personal-data.html").decode()
        assert Client().get(url[:-3] + "abc/").status_code == 404  # tampered
        DataSubjectRequest.objects.filter(pk=made.pk).update(
            package_expires_at=timezone.now() - timedelta(seconds=1)
        )
        assert Client().get(url).status_code == 404  # expired


def test_restriction_stops_scoring_and_campaigns_at_once(world: World) -> None:
    allowed = Customer.objects.filter(consent_allows("profiling"))
    assert allowed.filter(pk=world.customer.pk).exists()
    requests.dsr_create(customer=world.customer, kind=Kind.RESTRICTION, acting_user=world.manager)
    assert not allowed.filter(pk=world.customer.pk).exists()
    page = Client()
    page.force_login(world.alice)
    detail = page.get(reverse("customers:detail", kwargs={"pk": world.customer.pk}))
    assert b"Processing restricted since" in detail.content
    requests.dsr_restriction_lift(customer=world.customer, acting_user=world.manager)
    assert allowed.filter(pk=world.customer.pk).exists()


def test_due_date_overdue_list_and_forbidden_moves(world: World) -> None:
    old = timezone.localdate() - timedelta(days=40)
    made = requests.dsr_create(
        customer=world.customer, kind=Kind.RECTIFICATION, acting_user=world.manager, received_on=old
    )
    assert made.due_on == old + timedelta(days=30)
    assert list(requests.dsr_list_for_user(user=world.manager, overdue_only=True)) == [made]
    assert list(requests.dsr_list_for_user(user=world.charlie)) == []
    with pytest.raises(ValidationError):
        requests.dsr_approve_erasure(request=made, acting_user=world.admin)
    requests.dsr_complete(request=made, acting_user=world.manager, note="Email corrected")
    with pytest.raises(ValidationError, match="cannot become"):
        requests.dsr_reject(request=made, acting_user=world.manager, note="too late")
    assert [e.status for e in made.events.all()] == ["received", "completed"]
    page = Client()
    page.force_login(world.manager)
    assert b"overdue" in page.get(reverse("privacy:requests")).content
