"""The integrations page (webhook sources, recent deliveries and rejections) and the
webhook endpoint itself, which answers machines: JSON, no session, no CSRF token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from crm.lib.errors import ApplicationError
from interactions.ingest import selectors, services, signing
from interactions.ingest.forms import WebhookSourceForm
from interactions.ingest.models import WebhookRejection, WebhookSource
from interactions.ingest.permissions import MANAGE_INTEGRATIONS

Reason = WebhookRejection.Reason
REJECTION_STATUS = {
    Reason.BAD_HEADERS: 400,
    Reason.UNKNOWN_SOURCE: 404,
    Reason.STALE_TIMESTAMP: 401,
    Reason.BAD_SIGNATURE: 401,
    Reason.NOT_JSON: 422,
    Reason.INVALID_PAYLOAD: 422,
}


def _acting_user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # noqa: S101 -- login_required guarantees it
    return request.user


def _page(request: HttpRequest, form: WebhookSourceForm) -> HttpResponse:
    context = {
        "sources": selectors.webhook_source_list(),
        "deliveries": selectors.webhook_delivery_recent(),
        "rejections": selectors.webhook_rejection_recent(),
        "form": form,
        "webhook_base": request.build_absolute_uri("/webhooks/"),
    }
    return render(request, "ingest/integrations.html", context)


def _secret_page(request: HttpRequest, source: WebhookSource, *, is_new: bool) -> HttpResponse:
    """The one time the secret is shown; the response must not be kept by any cache."""
    webhook_url = request.build_absolute_uri(reverse("webhook", kwargs={"slug": source.slug}))
    context = {
        "source": source,
        "is_new": is_new,
        "webhook_url": webhook_url,
        "timestamp_header": signing.TIMESTAMP_HEADER,
        "signature_header": signing.SIGNATURE_HEADER,
        "replay_window_seconds": signing.REPLAY_WINDOW_SECONDS,
    }
    response = render(request, "ingest/secret.html", context)
    add_never_cache_headers(response)
    return response


@login_required
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
@require_GET
def integrations(request: HttpRequest) -> HttpResponse:
    return _page(request, WebhookSourceForm())


@login_required
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
@require_POST
def source_create(request: HttpRequest) -> HttpResponse:
    form = WebhookSourceForm(request.POST)
    if form.is_valid():
        try:
            source = services.webhook_source_create(
                acting_user=_acting_user(request), **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return _secret_page(request, source, is_new=True)
    return _page(request, form)


@login_required
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
@require_POST
def source_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    source = services.webhook_source_rotate_secret(
        acting_user=_acting_user(request), source=selectors.webhook_source_get(source_id=pk)
    )
    return _secret_page(request, source, is_new=False)


@login_required
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
@require_POST
def source_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.webhook_source_get(source_id=pk)
    is_active = request.POST.get("is_active") == "1"
    services.webhook_source_set_active(
        acting_user=_acting_user(request), source=source, is_active=is_active
    )
    if is_active:
        messages.success(request, _("%(name)s accepts webhooks again.") % {"name": source})
    else:
        messages.success(request, _("%(name)s is deactivated.") % {"name": source})
    return redirect("ingest:integrations")


@login_required
@permission_required(MANAGE_INTEGRATIONS, raise_exception=True)
@require_POST
def delivery_retry(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = selectors.webhook_delivery_get(delivery_id=pk)
    try:
        services.webhook_delivery_retry(acting_user=_acting_user(request), delivery=delivery)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery will be processed again."))
    return redirect("ingest:integrations")


@csrf_exempt
@require_POST
def webhook_receive(request: HttpRequest, slug: str) -> JsonResponse:
    """``POST /webhooks/<slug>/``, signed as interactions.ingest.signing describes."""
    outcome = services.webhook_receive(
        slug=slug,
        timestamp=request.headers.get(signing.TIMESTAMP_HEADER),
        signature=request.headers.get(signing.SIGNATURE_HEADER),
        body=request.body,
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    if outcome.reason is not None:
        return JsonResponse(
            {"error": outcome.reason, "detail": outcome.detail},
            status=REJECTION_STATUS[Reason(outcome.reason)],
        )
    assert outcome.delivery is not None  # noqa: S101 -- accepted means stored
    return JsonResponse(
        {
            "status": "accepted",
            "delivery_id": outcome.delivery.delivery_id,
            "duplicate": outcome.is_duplicate,
        },
        status=202,
    )
