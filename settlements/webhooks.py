"""PortOne payment webhooks: `POST /webhooks/portone` (domain.md §10, anchors.md §6.2).

PortOne tells us that a payment was paid or (partly) cancelled; the body carries ids only
(`{type, timestamp, data {paymentId, storeId, transactionId, cancellationId?}}`). We verify the
Standard Webhooks signature with `settings.PORTONE_WEBHOOK_SECRET`, then fetch the payment through
the payment resolver and store it (source WEBHOOK), so ORDER transfers of that payment find it
locally. With the local-only resolver we record a stub (ids, no amounts) that
`portone_payment_stubs_refresh` fills once a resolver can reach PortOne.

Answers: 200 `{}` when stored or already seen (the `webhook-id` is the idempotency key, kept like
API idempotency keys), 400 with the verification reason when the signature does not hold, 503
when PortOne could not be asked (PortOne then retries the delivery).

What this module must NOT do: trust amounts from the webhook body (there are none — thin
payloads), create or change transfers, or answer anything but JSON.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from rest_framework.response import Response

from core.api.views import PortOneApiView, parse_bool
from core.errors import ApiError, invalid_request
from core.models import IdempotencyKey
from settlements.models import Payment, PaymentCancellation
from settlements.payments import (
    LocalOnlyResolver,
    PaymentResolverError,
    get_payment_resolver,
    store_portone_payment,
)

logger = logging.getLogger(__name__)

TOLERANCE_SECONDS = 5 * 60  # Standard Webhooks reference libraries; PortOne's SDK uses the same
SECRET_PREFIX = "whsec_"
#: `IdempotencyKey.caller` of delivered webhooks (API callers are 64-hex hashes, never this).
WEBHOOK_CALLER = "webhook:portone"
PAYMENT_EVENTS = ("Transaction.Paid", "Transaction.PartialCancelled", "Transaction.Cancelled")
CANCEL_EVENTS = ("Transaction.PartialCancelled", "Transaction.Cancelled")

REASON_MESSAGES = {  # the SDK's own wording (portone_server_sdk.webhook.WebhookVerificationError)
    "MISSING_REQUIRED_HEADERS": "필수 헤더가 누락되었습니다.",
    "NO_MATCHING_SIGNATURE": "올바른 웹훅 시그니처를 찾을 수 없습니다.",
    "INVALID_SIGNATURE": "웹훅 시그니처가 유효하지 않습니다.",
    "TIMESTAMP_TOO_OLD": "웹훅 시그니처의 타임스탬프가 만료 기한을 초과했습니다.",
    "TIMESTAMP_TOO_NEW": "웹훅 시그니처의 타임스탬프가 미래 시간으로 설정되어 있습니다.",
}


class WebhookVerificationError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(REASON_MESSAGES[reason])
        self.reason = reason


# --- Standard Webhooks signature ---------------------------------------------------------------


def raw_secret(secret: str) -> bytes:
    """`whsec_<base64>` (or the bare base64) -> the HMAC key bytes."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("PORTONE_WEBHOOK_SECRET is not base64 (whsec_...)") from exc
    if not key:
        raise ValueError("PORTONE_WEBHOOK_SECRET is empty")
    return key


def _mac(key: bytes, msg_id: str, timestamp: str, body: bytes) -> bytes:
    return hmac.digest(key, f"{msg_id}.{timestamp}.".encode() + body, "sha256")


def sign(secret: str, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """The `webhook-signature` value for a body (what a sender puts on the request)."""
    mac = _mac(raw_secret(secret), msg_id, str(timestamp), body)
    return "v1," + base64.b64encode(mac).decode()


def verify(secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None):
    """Raise WebhookVerificationError unless one `v1,` signature of `webhook-signature` is the
    HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}" and the timestamp is within ±5 min.
    Same checks, order and reasons as `portone_server_sdk.webhook.verify`."""
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("MISSING_REQUIRED_HEADERS")
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise WebhookVerificationError("INVALID_SIGNATURE") from None
    current = int(time.time() if now is None else now)
    if current - sent_at > TOLERANCE_SECONDS:
        raise WebhookVerificationError("TIMESTAMP_TOO_OLD")
    if sent_at > current + TOLERANCE_SECONDS:
        raise WebhookVerificationError("TIMESTAMP_TOO_NEW")
    expected = _mac(raw_secret(secret), msg_id, timestamp, body)
    for versioned in signatures.split(" "):
        version, _, signature = versioned.partition(",")
        if version != "v1" or not signature:
            continue
        try:
            candidate = base64.b64decode(signature)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(candidate, expected):
            return
    raise WebhookVerificationError("NO_MATCHING_SIGNATURE")


# --- receiving -----------------------------------------------------------------------------------


def _payment_data(payload: Any) -> dict[str, str]:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise invalid_request("웹훅 본문에 type이 없습니다.")
    data = payload.get("data")
    if payload["type"] in PAYMENT_EVENTS and (
        not isinstance(data, dict) or not isinstance(data.get("paymentId"), str)
    ):
        raise invalid_request("웹훅 본문에 data.paymentId가 없습니다.")
    return data if isinstance(data, dict) else {}


def _record_stub(data: dict[str, str], *, is_for_test: bool, event: str) -> Payment:
    """A PORT_ONE payment known by its ids only (total_amount NULL: no caps until filled)."""
    payment, created = Payment.objects.get_or_create(
        is_for_test=is_for_test,
        kind=Payment.Kind.PORT_ONE,
        public_id=data["paymentId"],
        defaults={
            "source": Payment.Source.WEBHOOK,
            "store_id": str(data.get("storeId") or ""),
            "raw": {"webhook": {"type": event, **data}},
        },
    )
    if not created and payment.total_amount is None and not payment.store_id:
        payment.store_id = str(data.get("storeId") or "")
        payment.save(update_fields=["store_id", "updated_at"])
    cancellation_id = data.get("cancellationId")
    if event in CANCEL_EVENTS and isinstance(cancellation_id, str) and cancellation_id:
        PaymentCancellation.objects.get_or_create(payment=payment, cancellation_id=cancellation_id)
    return payment


def portone_payment_sync(*, payment_id: str, data: dict, is_for_test: bool, event: str) -> Payment:
    """Fetch the payment through the resolver and store it; a stub when nothing can answer.
    Raises PaymentResolverError when PortOne could not be asked (retry later)."""
    resolver = get_payment_resolver()
    body = None if isinstance(resolver, LocalOnlyResolver) else resolver.fetch(payment_id)
    if body is None:
        if not isinstance(resolver, LocalOnlyResolver):
            logger.warning("PortOne webhook for an unknown payment %s", payment_id)
        return _record_stub({**data, "paymentId": payment_id}, is_for_test=is_for_test, event=event)
    return store_portone_payment(body, is_for_test=is_for_test, source=Payment.Source.WEBHOOK)


def portone_webhook_receive(
    *, webhook_id: str, payload: Any, body: bytes, is_for_test: bool
) -> bool:
    """Handle one verified delivery. False when this webhook-id was handled before."""
    data = _payment_data(payload)
    with transaction.atomic():
        try:
            with transaction.atomic():
                IdempotencyKey.objects.create(
                    caller=WEBHOOK_CALLER,
                    key=webhook_id[:255],
                    request_hash=hashlib.sha256(body).hexdigest(),
                    method="POST",
                    path="/webhooks/portone",
                    status_code=200,
                    response_body=b"{}",
                    content_type="application/json",
                )
        except IntegrityError:
            return False  # a repeat delivery (or a concurrent one that committed first)
        if payload["type"] in PAYMENT_EVENTS:
            portone_payment_sync(
                payment_id=data["paymentId"],
                data=data,
                is_for_test=is_for_test,
                event=payload["type"],
            )
        return True


def portone_payment_stubs_refresh(*, limit: int = 500) -> int:
    """Fill webhook stubs (PORT_ONE payments without amounts) from PortOne; a django-q2 target.
    Returns how many were filled; does nothing with the local-only resolver."""
    resolver = get_payment_resolver()
    if isinstance(resolver, LocalOnlyResolver):
        return 0
    filled = 0
    stubs = Payment.objects.filter(kind=Payment.Kind.PORT_ONE, total_amount__isnull=True)
    for payment in stubs.order_by("pk")[:limit]:
        try:
            body = resolver.fetch(payment.public_id)
        except PaymentResolverError as exc:
            logger.warning("PortOne payment %s not refreshed: %s", payment.public_id, exc)
            continue
        if body is not None:
            store_portone_payment(
                body, is_for_test=payment.is_for_test, source=Payment.Source.WEBHOOK
            )
            filled += 1
    return filled


class PortOneWebhookView(PortOneApiView):
    """Not behind the PortOne API secret: the webhook signature is the authentication."""

    authentication_classes = []
    permission_classes = []
    parser_classes = []  # the signature covers the raw bytes; we parse them ourselves

    def post(self, request):
        secret = getattr(settings, "PORTONE_WEBHOOK_SECRET", "")
        if not secret:
            logger.error("PORTONE_WEBHOOK_SECRET is not set; webhook refused")
            raise ApiError("WEBHOOK_NOT_CONFIGURED", "웹훅 시크릿이 설정되지 않았습니다.", 503)
        body = request.body
        try:
            verify(secret, request.headers, body)
        except WebhookVerificationError as exc:
            return Response({"type": exc.reason, "message": str(exc)}, status=400)
        except ValueError as exc:  # the configured secret is not `whsec_<base64>`
            logger.error("PORTONE_WEBHOOK_SECRET unusable: %s", exc)
            raise ApiError(
                "WEBHOOK_NOT_CONFIGURED", "웹훅 시크릿 형식이 잘못되었습니다.", 503
            ) from exc
        try:
            payload = json.loads(body)
        except ValueError:
            raise invalid_request("웹훅 본문이 JSON이 아닙니다.") from None
        raw_test = request.query_params.get("test")
        is_for_test = parse_bool(raw_test, "test") if raw_test is not None else False
        try:
            portone_webhook_receive(
                webhook_id=request.headers["webhook-id"],
                payload=payload,
                body=body,
                is_for_test=is_for_test,
            )
        except PaymentResolverError as exc:
            raise ApiError("PLATFORM_EXTERNAL_API_FAILED", exc.message, 503) from exc
        return Response({})
