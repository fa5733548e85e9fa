"""Two-factor authentication (TOTP, django-otp) for Admins and Managers.

After the password, a user of a role in TWO_FACTOR_ROLES must prove a second factor in
this session: enrol an authenticator app once (a QR code of a new TOTP device, confirmed
by a first code), then type its current code at each login. Until then every page sends
them to the two-factor page and the API refuses their session (API tokens are separate
credentials that the owner lists and revokes). Turned off with TWO_FACTOR_REQUIRED."""

from collections.abc import Callable

import segno
from django.conf import settings
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

# Paths a user may reach before the second factor: the two-factor pages themselves,
# logging out, switching language, static files.
OPEN_PREFIXES = ("/accounts/two-factor/", "/accounts/logout/", "/i18n/", "/static/")


def two_factor_needed(user: object) -> bool:
    if not settings.TWO_FACTOR_REQUIRED or not isinstance(user, User) or not user.is_active:
        return False
    return user.groups.filter(name__in=settings.TWO_FACTOR_ROLES).exists()


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        verified = getattr(user, "is_verified", lambda: False)()
        if (
            getattr(user, "is_authenticated", False)
            and not verified
            and not request.path.startswith(OPEN_PREFIXES)
            and two_factor_needed(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "Two-factor authentication required."}, status=403)
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return self.get_response(request)


def device_for_enrolment(user: User) -> TOTPDevice:
    """The user's unconfirmed device (made on first visit), shown as a QR code until a
    first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def enrolment_qr_svg(device: TOTPDevice) -> str:
    uri: str = device.config_url
    return str(segno.make(uri, error="m").svg_inline(scale=4))


def two_factor_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Check ``token`` against the user's confirmed device, or confirm the device being
    enrolled; on success mark this session as verified."""
    token = token.strip().replace(" ", "")
    devices = TOTPDevice.objects.filter(user=user)
    enrolled = user_has_device(user, confirmed=True)
    for device in devices.filter(confirmed=enrolled):
        if device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return True
    return False
