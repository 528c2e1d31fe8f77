"""Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`, a
`whsec_` secret), through the `standardwebhooks` library: the scheme PortOne signs its webhooks
with and `portone_server_sdk.webhook.verify` checks.

Why a wrapper around the library (1.1.0, read before trusting it):
* the secret is checked strictly here (`whsec_` + base64); the library decodes it leniently and
  would turn a mistyped secret into some other key;
* a malformed entry in `webhook-signature` ("v1,not-base64", "v1") makes the library raise
  ValueError/binascii.Error before it looks at the other entries; such entries are dropped
  first, so a valid signature next to one still verifies (senders list several while they
  rotate keys);
* the library reports failures by message only; `WebhookVerificationError.reason` gives the
  SDK's reason codes (MISSING_REQUIRED_HEADERS, …), which our receiver answers with.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import UTC, datetime

import standardwebhooks

SECRET_PREFIX = "whsec_"

REASON_MESSAGES = {  # the SDK's own wording (portone_server_sdk.webhook.WebhookVerificationError)
    "MISSING_REQUIRED_HEADERS": "필수 헤더가 누락되었습니다.",
    "NO_MATCHING_SIGNATURE": "올바른 웹훅 시그니처를 찾을 수 없습니다.",
    "INVALID_SIGNATURE": "웹훅 시그니처가 유효하지 않습니다.",
    "TIMESTAMP_TOO_OLD": "웹훅 시그니처의 타임스탬프가 만료 기한을 초과했습니다.",
    "TIMESTAMP_TOO_NEW": "웹훅 시그니처의 타임스탬프가 미래 시간으로 설정되어 있습니다.",
}
#: standardwebhooks 1.1.0's messages -> the SDK's reasons
_REASONS = {
    "Missing required headers": "MISSING_REQUIRED_HEADERS",
    "Invalid Signature Headers": "INVALID_SIGNATURE",
    "Message timestamp too old": "TIMESTAMP_TOO_OLD",
    "Message timestamp too new": "TIMESTAMP_TOO_NEW",
    "No matching signature found": "NO_MATCHING_SIGNATURE",
}


class WebhookVerificationError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(REASON_MESSAGES[reason])
        self.reason = reason


def raw_secret(secret: str) -> bytes:
    """`whsec_<base64>` (or the bare base64) -> the HMAC key; ValueError when it is not one."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("webhook secret is not base64 (whsec_...)") from exc
    if not key:
        raise ValueError("webhook secret is empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value a sender puts on `body`."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return standardwebhooks.Webhook(raw_secret(secret)).sign(msg_id, moment, body.decode())


def _well_formed(signatures: str) -> str:
    kept = []
    for entry in signatures.split(" "):
        version, comma, value = entry.partition(",")
        if not comma or not version or "," in value:
            continue
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            continue
        kept.append(entry)
    return " ".join(kept)


def verify(secret: str, headers: Mapping[str, str], body: bytes) -> None:
    """Raise WebhookVerificationError unless a `v1` signature of `webhook-signature` is the
    HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" with the secret and the timestamp
    is within ±5 minutes. ValueError when the configured secret is unusable."""
    webhook = standardwebhooks.Webhook(raw_secret(secret))
    received = {k.lower(): v for k, v in headers.items()}
    if received.get("webhook-signature"):
        received["webhook-signature"] = _well_formed(received["webhook-signature"]) or "v0,"
    try:
        text = body.decode()
    except UnicodeDecodeError:
        raise WebhookVerificationError("NO_MATCHING_SIGNATURE") from None
    try:
        webhook.verify(text, received, json_parse=False)
    except standardwebhooks.WebhookVerificationError as exc:
        raise WebhookVerificationError(_REASONS.get(str(exc), "INVALID_SIGNATURE")) from None
