"""Webhook signatures: ``X-CRM-Signature: sha256=<hex>``, the HMAC-SHA256 with the source's
secret of ``f"{timestamp}.".encode() + raw_body``, where ``timestamp`` is the value of
``X-CRM-Timestamp`` (unix seconds) exactly as sent. Signing the timestamp with the body
lets a receiver refuse replays of an old delivery."""

import hashlib
import hmac
import re
import secrets

TIMESTAMP_HEADER = "X-CRM-Timestamp"
SIGNATURE_HEADER = "X-CRM-Signature"
# A delivery signed longer ago (or further ahead, for a skewed clock) than this is refused.
REPLAY_WINDOW_SECONDS = 300
SIGNATURE_PREFIX = "sha256="
TIMESTAMP_PATTERN = re.compile(r"^\d{1,12}$")
SIGNATURE_PATTERN = re.compile(r"^sha256=[0-9a-fA-F]{64}$")
SECRET_BYTES = 32  # 256 bits, as long as the hash


def secret_generate() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def signature_for(*, secret: str, timestamp: str, body: bytes) -> str:
    """The header value a sender puts in ``X-CRM-Signature``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def signature_matches(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Constant-time comparison, so that timing reveals nothing about the expected value."""
    expected = signature_for(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected.encode(), signature.lower().encode())


def headers_well_formed(*, timestamp: str | None, signature: str | None) -> bool:
    return bool(
        timestamp
        and signature
        and TIMESTAMP_PATTERN.match(timestamp)
        and SIGNATURE_PATTERN.match(signature)
    )


def timestamp_fresh(*, timestamp: str, now: float) -> bool:
    return abs(now - int(timestamp)) <= REPLAY_WINDOW_SECONDS
