"""Pages and links that customers reach from a message, without logging in: unsubscribe,
the open pixel and tracked clicks. The signed token is the only thing that identifies;
a bad or tampered token gets a 400 page and changes nothing."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from campaigns.delivery import tracking
from campaigns.delivery.recipients import PURPOSE_OF_CHANNEL
from campaigns.delivery.tokens import (
    SALT_OPEN,
    SALT_UNSUBSCRIBE,
    BadTokenError,
    click_target,
    send_key_from,
)
from campaigns.models import CampaignSend, Channel
from customers.models import Consent

# The smallest transparent GIF (43 bytes).
PIXEL_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")  # RFC 8058


def _invalid(request: HttpRequest) -> HttpResponse:
    return render(request, "campaigns/delivery/invalid_link.html", status=400)


def _send_for(token: str, salt: str) -> CampaignSend | None:
    try:
        key = send_key_from(salt, token)
    except BadTokenError:
        return None
    return tracking.send_by_key(key)


def _purpose_label(send: CampaignSend) -> str:
    purpose = Consent.Purpose(PURPOSE_OF_CHANNEL[Channel(send.campaign.channel)])
    return str(purpose.label).lower()


def _page(request: HttpRequest, send: CampaignSend, token: str, *, done: bool) -> HttpResponse:
    with translation.override(send.customer.language):
        context = {
            "token": token,
            "purpose": _purpose_label(send),
            "company_name": settings.CAMPAIGN_COMPANY_NAME,
            "already": send.unsubscribed_at is not None,
        }
        name = "unsubscribed.html" if done else "unsubscribe.html"
        return render(request, f"campaigns/delivery/{name}", context)


@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a confirm button (so that link scanners unsubscribe nobody);
    POST (the button, CSRF-protected): unsubscribe at once."""
    send = _send_for(token, SALT_UNSUBSCRIBE)
    if send is None:
        return _invalid(request)
    if request.method == "POST":
        send = tracking.send_unsubscribe(send=send)
        return _page(request, send, token, done=True)
    return _page(request, send, token, done=False)


@csrf_exempt  # RFC 8058: the mail client POSTs without a session or token
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_one_click(request: HttpRequest, token: str) -> HttpResponse:
    """The List-Unsubscribe header's URL: a one-click POST unsubscribes; a GET (someone
    opened the URL in a browser) shows the normal page."""
    send = _send_for(token, SALT_UNSUBSCRIBE)
    if send is None:
        return _invalid(request)
    if request.method == "GET":
        return _page(request, send, token, done=False)
    if request.POST.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
        return _invalid(request)
    send = tracking.send_unsubscribe(send=send)
    return _page(request, send, token, done=True)


@never_cache
@require_GET
def open_pixel(request: HttpRequest, token: str) -> HttpResponse:
    send = _send_for(token, SALT_OPEN)
    if send is None:
        return _invalid(request)
    tracking.send_mark_opened(send=send)
    return HttpResponse(PIXEL_GIF, content_type="image/gif")


@never_cache
@require_GET
def click(request: HttpRequest, token: str) -> HttpResponse:
    """Redirect to the URL signed into the token, never to one from the request."""
    try:
        key, url = click_target(token)
    except BadTokenError:
        return _invalid(request)
    send = tracking.send_by_key(key)
    if send is not None:
        tracking.send_mark_clicked(send=send)
    return HttpResponseRedirect(url)
