"""PortOne payment webhooks, once verified: store the payment they announce (docs/api.md,
"Incoming webhooks").

PortOne tells us that a payment was paid or (partly) cancelled; the body carries ids only
(`{type, timestamp, data {paymentId, storeId, transactionId, cancellationId?}}`). The payment is
fetched through the payment resolver and stored (source WEBHOOK), so ORDER transfers of that
payment find it locally. With the local-only resolver a stub (ids, no amounts) is recorded, which
`portone_payment_stubs_refresh` fills once a resolver can reach PortOne. A `webhook-id` is
handled once (kept like API idempotency keys).

What this module must NOT do: trust amounts from the webhook body (there are none — thin
payloads), or create or change transfers.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.db import IntegrityError, transaction

from core.errors import invalid
from core.models import IdempotencyKey
from settlements.models import Payment, PaymentCancellation
from settlements.providers import LocalOnlyResolver, PaymentResolverError, get_payment_resolver
from settlements.services.payments import store_portone_payment

logger = logging.getLogger(__name__)

#: `IdempotencyKey.caller` of delivered webhooks (API callers are 64-hex hashes, never this).
WEBHOOK_CALLER = "webhook:portone"
PAYMENT_EVENTS = ("Transaction.Paid", "Transaction.PartialCancelled", "Transaction.Cancelled")
CANCEL_EVENTS = ("Transaction.PartialCancelled", "Transaction.Cancelled")


def _payment_data(payload: Any) -> dict[str, str]:
    if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
        raise invalid("웹훅 본문에 type이 없습니다.")
    data = payload.get("data")
    if payload["type"] in PAYMENT_EVENTS and (
        not isinstance(data, dict) or not isinstance(data.get("paymentId"), str)
    ):
        raise invalid("웹훅 본문에 data.paymentId가 없습니다.")
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
