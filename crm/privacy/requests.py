"""Data subject requests: receipt, the four-eyes erasure, restriction, and the access
package built by a worker and handed over through a signed, expiring link.

Every status change goes through ``_move``, which refuses a change the workflow does not
allow and writes the request's history; nothing else writes ``status``."""

from datetime import date, timedelta

from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record
from crm.privacy.anonymise import customers_anonymise, direct_mail_scrub
from crm.privacy.models import DataSubjectRequest, DataSubjectRequestEvent
from crm.privacy.package import package_delete, package_write
from customers.models import Customer
from customers.selectors import customer_list_for_user

DUE_DAYS = 30  # GDPR art. 12(3): one month from receipt
PACKAGE_VALID_DAYS = 7
PACKAGE_SALT = "crm.privacy.package"
APPROVE_ERASURE = "privacy.approve_erasure"
VIEW_REQUESTS = "privacy.view_datasubjectrequest"
ADD_REQUEST = "privacy.add_datasubjectrequest"
CHANGE_REQUEST = "privacy.change_datasubjectrequest"

S = DataSubjectRequest.Status
Kind = DataSubjectRequest.Kind
ALLOWED_MOVES: dict[str, set[str]] = {
    S.RECEIVED: {S.AWAITING_APPROVAL, S.IN_PROGRESS, S.COMPLETED, S.REJECTED},
    S.AWAITING_APPROVAL: {S.IN_PROGRESS, S.REJECTED},
    S.IN_PROGRESS: {S.COMPLETED},
    S.COMPLETED: set(),
    S.REJECTED: set(),
}


def _move(
    request: DataSubjectRequest, status: str, *, actor: User | None, note: str = ""
) -> DataSubjectRequest:
    if status not in ALLOWED_MOVES[request.status]:
        raise ValidationError(
            _("A request that is %(current)s cannot become %(new)s.")
            % {"current": request.get_status_display().lower(), "new": S(status).label.lower()}
        )
    request.status = status
    fields = ["status"]
    if status == S.COMPLETED:
        request.completed_at = timezone.now()
        fields.append("completed_at")
    request.save(update_fields=fields)
    DataSubjectRequestEvent.objects.create(request=request, actor=actor, status=status, note=note)
    return request


@transaction.atomic
def dsr_create(
    *,
    customer: Customer,
    kind: str,
    acting_user: User,
    details: str = "",
    received_on: date | None = None,
) -> DataSubjectRequest:
    """Record a request received from the person. Access starts building the package at
    once; restriction applies at once; erasure waits for a second person's approval."""
    if not acting_user.has_perm(ADD_REQUEST):
        raise PermissionDenied(_("You may not record data subject requests."))
    if kind not in DataSubjectRequest.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of request.")})
    received_on = received_on or timezone.localdate()
    if received_on > timezone.localdate():
        raise ValidationError({"received_on": _("This cannot be in the future.")})
    request = DataSubjectRequest.objects.create(
        customer=customer,
        kind=kind,
        received_on=received_on,
        due_on=received_on + timedelta(days=DUE_DAYS),
        details=details.strip(),
        created_by=acting_user,
    )
    DataSubjectRequestEvent.objects.create(
        request=request, actor=acting_user, status=S.RECEIVED, note=_("Request received.")
    )
    if kind == Kind.ERASURE:
        _move(request, S.AWAITING_APPROVAL, actor=acting_user)
    elif kind == Kind.ACCESS:
        _move(request, S.IN_PROGRESS, actor=acting_user, note=_("Package being prepared."))
        _enqueue("dsr_package_build_task", request.pk)
    elif kind == Kind.RESTRICTION:
        Customer.objects.filter(pk=customer.pk, processing_restricted_at__isnull=True).update(
            processing_restricted_at=timezone.now()
        )
        _move(request, S.COMPLETED, actor=acting_user, note=_("Scoring and campaigns stopped."))
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        obj=request,
        changes={"kind": {"before": None, "after": kind}},
    )
    return request


def _enqueue(task_name: str, request_id: int) -> None:
    from crm.privacy import tasks  # tasks import this module

    task = getattr(tasks, task_name)
    transaction.on_commit(lambda: task.delay(request_id))


@transaction.atomic
def dsr_approve_erasure(*, request: DataSubjectRequest, acting_user: User) -> DataSubjectRequest:
    """The second pair of eyes: someone other than who recorded the request approves it;
    the erasure then runs on a worker."""
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    if request.kind != DataSubjectRequest.Kind.ERASURE:
        raise ValidationError(_("Only erasure requests need approval."))
    if not acting_user.has_perm(APPROVE_ERASURE):
        raise PermissionDenied(_("You may not approve erasures."))
    if request.created_by_id == acting_user.pk:
        raise ValidationError(_("Another person must approve the erasure you recorded."))
    _move(request, S.IN_PROGRESS, actor=acting_user, note=_("Erasure approved."))
    request.approved_by = acting_user
    request.save(update_fields=["approved_by"])
    _enqueue("dsr_erase_task", request.pk)
    return request


@transaction.atomic
def dsr_reject(*, request: DataSubjectRequest, acting_user: User, note: str) -> DataSubjectRequest:
    if not note.strip():
        raise ValidationError({"note": _("Say why the request is rejected.")})
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    return _move(request, S.REJECTED, actor=acting_user, note=note.strip()[:300])


@transaction.atomic
def dsr_complete(
    *, request: DataSubjectRequest, acting_user: User, note: str
) -> DataSubjectRequest:
    """Close a rectification (done through the normal edit flow) with what was changed."""
    if request.kind != DataSubjectRequest.Kind.RECTIFICATION:
        raise ValidationError(_("This request completes by itself when its work is done."))
    request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
    return _move(request, S.COMPLETED, actor=acting_user, note=note.strip()[:300])


@transaction.atomic
def dsr_restriction_lift(*, customer: Customer, acting_user: User) -> None:
    Customer.objects.filter(pk=customer.pk).update(processing_restricted_at=None)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={"processing_restricted": {"before": True, "after": False}},
    )


def dsr_erase(*, request_id: int) -> DataSubjectRequest | None:
    """Run an approved erasure: anonymise the person everywhere, delete their access
    packages. Idempotent: a re-delivered task finds the work done and completes."""
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None or request.status != S.IN_PROGRESS:
            return request
        direct_mail_scrub(customer=request.customer)
        customers_anonymise(customer_ids=[request.customer_id])
        for package in DataSubjectRequest.objects.filter(customer_id=request.customer_id):
            if package.package_name:
                package_delete(package.package_name)
        DataSubjectRequest.objects.filter(customer_id=request.customer_id).update(
            package_name="", package_expires_at=None, details=""
        )
        request.refresh_from_db()
        return _move(request, S.COMPLETED, actor=None, note=_("Personal data anonymised."))


def dsr_package_build(*, request_id: int) -> DataSubjectRequest | None:
    """Write the access package (JSON + readable HTML, zipped) and complete the request.
    Re-running replaces the file: the newest package is the one handed over."""
    request = DataSubjectRequest.objects.filter(pk=request_id).first()
    if request is None or request.status != S.IN_PROGRESS:
        return request
    name = package_write(customer=request.customer, request_id=request.pk)
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(pk=request_id)
        if request.package_name and request.package_name != name:
            package_delete(request.package_name)
        request.package_name = name
        request.package_expires_at = timezone.now() + timedelta(days=PACKAGE_VALID_DAYS)
        request.save(update_fields=["package_name", "package_expires_at"])
        return _move(request, S.COMPLETED, actor=None, note=_("Package ready to download."))


def dsr_package_token(request: DataSubjectRequest) -> str:
    return signing.dumps({"r": request.pk, "p": request.package_name}, salt=PACKAGE_SALT)


def dsr_package_for_token(token: str) -> DataSubjectRequest:
    """The request whose package the token opens; ValidationError when the token is
    forged, expired, or its package was replaced or erased."""
    max_age = timedelta(days=PACKAGE_VALID_DAYS)
    try:
        data = signing.loads(token, salt=PACKAGE_SALT, max_age=max_age)
    except signing.BadSignature as exc:
        raise ValidationError(_("This download link is not valid or has expired.")) from exc
    request = DataSubjectRequest.objects.filter(pk=data.get("r")).first()
    if (
        request is None
        or not request.package_name
        or request.package_name != data.get("p")
        or request.package_expires_at is None
        or request.package_expires_at < timezone.now()
    ):
        raise ValidationError(_("This download link is not valid or has expired."))
    return request


def dsr_list_for_user(*, user: User, overdue_only: bool = False) -> QuerySet[DataSubjectRequest]:
    """Requests about the customers ``user`` may see, most urgent first."""
    qs = DataSubjectRequest.objects.select_related("customer", "created_by", "approved_by")
    qs = qs.filter(customer__in=customer_list_for_user(user=user).values("pk"))
    if overdue_only:
        qs = qs.filter(status__in=DataSubjectRequest.OPEN_STATUSES, due_on__lt=timezone.localdate())
    return qs


def dsr_get_for_user(*, user: User, request_id: int) -> DataSubjectRequest:
    request = dsr_list_for_user(user=user).filter(pk=request_id).first()
    if request is None:
        raise Http404("No such request.")
    return request


def package_path(request: DataSubjectRequest) -> str:
    """The download link's path; pages and the API make it absolute for the request's host."""
    return reverse("privacy:package", kwargs={"token": dsr_package_token(request)})
