"""Signed tokens in the links of sent messages (django.core.signing, one salt per use).

A token names a send by its natural key (campaign, customer, occasion) rather than its
id, so the unsubscribe link can be rendered into the message before the send row exists
(rows are written in bulk). Tokens do not expire: a letter's unsubscribe link must work
years later. A click token also carries the target URL, so the redirect goes only where
the message's author linked."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT_UNSUBSCRIBE = "campaigns.delivery.unsubscribe"
SALT_OPEN = "campaigns.delivery.open"
SALT_CLICK = "campaigns.delivery.click"
ALLOWED_SCHEMES = ("http", "https")


class BadTokenError(ValueError):
    pass


@dataclass(frozen=True)
class SendKey:
    campaign_id: int
    customer_id: int
    occasion: str


def _sign(salt: str, payload: list[object]) -> str:
    return signing.Signer(salt=salt).sign_object(payload, compress=True)


def _unsign(salt: str, token: str) -> list[object]:
    try:
        payload = signing.Signer(salt=salt).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise BadTokenError("invalid token") from exc
    if not isinstance(payload, list):
        raise BadTokenError("invalid token")
    return payload


def _key(payload: list[object]) -> SendKey:
    campaign_id, customer_id, occasion = payload[:3]
    if not isinstance(campaign_id, int) or not isinstance(customer_id, int):
        raise BadTokenError("invalid token")
    if not isinstance(occasion, str):
        raise BadTokenError("invalid token")
    return SendKey(campaign_id, customer_id, occasion)


def token_for(salt: str, *, campaign_id: int, customer_id: int, occasion: str) -> str:
    return _sign(salt, [campaign_id, customer_id, occasion])


def send_key_from(salt: str, token: str) -> SendKey:
    payload = _unsign(salt, token)
    if len(payload) != 3:
        raise BadTokenError("invalid token")
    return _key(payload)


def click_token(*, key: SendKey, url: str) -> str:
    return _sign(SALT_CLICK, [key.campaign_id, key.customer_id, key.occasion, url])


def click_target(token: str) -> tuple[SendKey, str]:
    """The send and the URL a click token was signed for; the URL is http(s) only."""
    payload = _unsign(SALT_CLICK, token)
    if len(payload) != 4 or not isinstance(payload[3], str):
        raise BadTokenError("invalid token")
    url = payload[3]
    if urlsplit(url).scheme not in ALLOWED_SCHEMES:
        raise BadTokenError("invalid target")
    return _key(payload), url


def absolute(path: str) -> str:
    return str(settings.CAMPAIGN_LINK_BASE_URL).rstrip("/") + path


def unsubscribe_url(*, campaign_id: int, customer_id: int, occasion: str) -> str:
    token = token_for(
        SALT_UNSUBSCRIBE, campaign_id=campaign_id, customer_id=customer_id, occasion=occasion
    )
    return absolute(reverse("public:unsubscribe", kwargs={"token": token}))


def one_click_unsubscribe_url(*, key: SendKey) -> str:
    """For the List-Unsubscribe header (RFC 8058): mail clients POST to it directly."""
    token = token_for(
        SALT_UNSUBSCRIBE,
        campaign_id=key.campaign_id,
        customer_id=key.customer_id,
        occasion=key.occasion,
    )
    return absolute(reverse("public:unsubscribe-one-click", kwargs={"token": token}))


def open_pixel_url(*, key: SendKey) -> str:
    token = token_for(
        SALT_OPEN, campaign_id=key.campaign_id, customer_id=key.customer_id, occasion=key.occasion
    )
    return absolute(reverse("public:open", kwargs={"token": token}))


def click_url(*, key: SendKey, url: str) -> str:
    return absolute(reverse("public:click", kwargs={"token": click_token(key=key, url=url)}))
