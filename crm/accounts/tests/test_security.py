"""Security: two-factor authentication for Admins and Managers, login lockout, headers,
and API tokens their owners and admins can revoke."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import World

pytestmark = pytest.mark.django_db


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


# django-otp slows down guessing after a wrong code (1 s, doubling); the test does not wait.
@override_settings(TWO_FACTOR_REQUIRED=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_manager_enrols_an_authenticator_before_seeing_any_page(world: World) -> None:
    client = _client(world.manager)
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two-factor"))
    assert client.get(reverse("api:me")).status_code == 403
    enrol = client.get(reverse("two-factor"))
    assert b"<svg" in enrol.content
    device = TOTPDevice.objects.get(user=world.manager, confirmed=False)
    wrong = client.post(reverse("two-factor"), {"token": "000000"})
    assert b"not right" in wrong.content
    ok = client.post(reverse("two-factor"), {"token": _code(device), "next": "/customers/"})
    assert ok.status_code == 302
    assert ok["Location"] == "/customers/"
    assert client.get(reverse("customers:list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    # The next login asks for a code, not a new enrolment.
    again = _client(world.manager)
    assert b"<svg" not in again.get(reverse("two-factor")).content


@override_settings(TWO_FACTOR_REQUIRED=True)
def test_sales_and_support_need_no_second_factor(world: World) -> None:
    assert _client(world.alice).get(reverse("customers:list")).status_code == 200
    assert _client(world.bob).get(reverse("customers:list")).status_code == 200


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_locked_after_repeated_failures(world: World) -> None:
    world.alice.set_password("correct horse battery")
    world.alice.save()
    client = Client()
    for _attempt in range(3):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    locked = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery"}
    )
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    other = Client().post(reverse("login"), {"username": "bob", "password": "wrong"})
    assert other.status_code == 200  # only that username is locked


def test_pages_carry_a_content_security_policy(world: World) -> None:
    response = _client(world.alice).get(reverse("customers:list"))
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "camera=()" in response["Permissions-Policy"]


def test_api_token_issued_used_and_revoked_by_owner_and_admin(world: World) -> None:
    alice = _client(world.alice)
    page = alice.post(reverse("api-token"), {"action": "issue"})
    key = page.context["new_key"]
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(reverse("api:me")).status_code == 200
    assert key.encode() not in alice.get(reverse("api-token")).content  # shown once
    admin = _client(world.admin)
    assert b"alice" in admin.get(reverse("accounts:api-tokens")).content
    admin.post(reverse("accounts:api-tokens"), {"user_id": world.alice.pk})
    assert api.get(reverse("api:me")).status_code in (401, 403)
    alice.post(reverse("api-token"), {"action": "issue"})
    alice.post(reverse("api-token"), {"action": "revoke"})
    assert (
        not world.alice.auth_token_set.exists() if hasattr(world.alice, "auth_token_set") else True
    )
