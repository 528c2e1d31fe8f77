"""Payments as transfers freeze them and the API shows them."""

from __future__ import annotations

from typing import Any

from core.wire import drop_none
from settlements.models import Payment


def payment_snapshot(payment: Payment) -> dict[str, Any]:
    """PlatformPayment union as the SDK names it (PORT_ONE | EXTERNAL): what a transfer keeps of
    its payment, and what the API shows."""
    if payment.kind == Payment.Kind.PORT_ONE:
        return drop_none(
            {
                "type": "PORT_ONE",
                "id": payment.public_id,
                "storeId": payment.store_id,
                "channelKey": payment.channel_key,
                "orderName": payment.order_name,
                "currency": payment.currency,
                "paidAt": payment.paid_at,
                "method": payment.method,
            }
        )
    return drop_none(
        {
            "type": "EXTERNAL",
            "id": payment.public_id,
            "currency": payment.currency,
            "orderName": payment.order_name or None,
            "method": payment.method,
            "paidAt": payment.paid_at,
        }
    )
