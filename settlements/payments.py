"""Payments behind ORDER transfers: the local payment table and the PortOne payment resolver.

A PORT_ONE transfer needs the payment (store, channel, order name, currency, paidAt, method,
amounts, cancellations). We read the local table first (fed by the API's externalPaymentDetail,
CSV files and PortOne webhooks); when a payment is unknown and PORTONE_PAYMENT_RESOLVER=http, the
resolver asks PortOne's `GET /payments/{paymentId}` with a separately configured secret
(domain.md §12.14). Nothing here decides amounts.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.dateparse import parse_datetime

from settlements.models import Payment, PaymentCancellation

logger = logging.getLogger(__name__)

METHOD_TYPES = {
    "PaymentMethodCard": "CARD",
    "PaymentMethodTransfer": "TRANSFER",
    "PaymentMethodVirtualAccount": "VIRTUAL_ACCOUNT",
    "PaymentMethodGiftCertificate": "GIFT_CERTIFICATE",
    "PaymentMethodMobile": "MOBILE",
    "PaymentMethodEasyPay": "EASY_PAY",
}


class PaymentResolverError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class PaymentResolver(Protocol):
    def fetch(self, payment_id: str) -> dict[str, Any] | None:
        """PortOne's Payment JSON, or None when PortOne does not know the id."""


class LocalOnlyResolver:
    """Default: only payments already in the local table exist."""

    def fetch(self, payment_id: str) -> dict[str, Any] | None:
        return None


class HttpPortOneResolver:
    """PortOne REST `GET /payments/{paymentId}` with `Authorization: PortOne <secret>`."""

    def __init__(self, *, base_url: str, secret: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.timeout = timeout

    def _get(self, path: str) -> httpx.Response:  # the one HTTP chokepoint
        return httpx.get(
            f"{self.base_url}{path}",
            headers={"Authorization": f"PortOne {self.secret}"},
            timeout=self.timeout,
        )

    def fetch(self, payment_id: str) -> dict[str, Any] | None:
        try:
            response = self._get(f"/payments/{quote(payment_id, safe='')}")
        except httpx.TimeoutException as exc:
            raise PaymentResolverError("포트원 결제 조회 시간 초과", permanent=False) from exc
        except httpx.HTTPError as exc:
            raise PaymentResolverError(f"포트원 결제 조회 실패: {exc}", permanent=False) from exc
        if response.status_code == 404:
            return None
        if response.status_code >= 500:
            raise PaymentResolverError(f"포트원 오류 {response.status_code}", permanent=False)
        if response.status_code != 200:
            raise PaymentResolverError(f"포트원 거절 {response.status_code}", permanent=True)
        try:
            body = response.json()
        except ValueError as exc:
            raise PaymentResolverError("포트원 응답이 JSON이 아닙니다", permanent=False) from exc
        if not isinstance(body, dict) or "id" not in body:
            raise PaymentResolverError("포트원 응답 형식이 다릅니다", permanent=False)
        return body


def get_payment_resolver() -> PaymentResolver:
    kind = getattr(settings, "PORTONE_PAYMENT_RESOLVER", "local")
    if kind == "local":
        return LocalOnlyResolver()
    if kind == "http":
        secret = getattr(settings, "PORTONE_API_SECRET", "")
        if not secret:
            raise ImproperlyConfigured("PORTONE_PAYMENT_RESOLVER=http needs PORTONE_API_SECRET")
        return HttpPortOneResolver(
            base_url=getattr(settings, "PORTONE_API_URL", "https://api.portone.io"),
            secret=secret,
            timeout=float(getattr(settings, "PORTONE_API_TIMEOUT_SECONDS", 10)),
        )
    raise ImproperlyConfigured(f"unknown PORTONE_PAYMENT_RESOLVER: {kind}")


def _dt(value: Any) -> datetime | None:
    return parse_datetime(value) if isinstance(value, str) else None


def method_from_portone(method: dict | None) -> dict | None:
    """PortOne payment `method` ({"type": "PaymentMethodCard", ...}) -> our wire union."""
    if not method:
        return None
    kind = METHOD_TYPES.get(method.get("type", ""))
    if kind is None:
        return None
    out: dict[str, Any] = {"type": kind}
    if kind == "EASY_PAY":
        if method.get("provider"):
            out["provider"] = method["provider"]
        inner = (method.get("easyPayMethod") or {}).get("type", "")
        mapped = {
            "PaymentMethodEasyPayMethodCharge": "CHARGE",
            "PaymentMethodCard": "CARD",
            "PaymentMethodTransfer": "TRANSFER",
        }.get(inner)
        if mapped:
            out["methodType"] = mapped
    return out


def store_portone_payment(
    body: dict[str, Any], *, is_for_test: bool, source: str = Payment.Source.RESOLVER
) -> Payment:
    """Upsert a PortOne Payment JSON (from the resolver or a webhook-triggered fetch)."""
    amount = body.get("amount") or {}
    payment, _ = Payment.objects.update_or_create(
        is_for_test=is_for_test,
        kind=Payment.Kind.PORT_ONE,
        public_id=body["id"],
        defaults={
            "source": source,
            "store_id": body.get("storeId", ""),
            "channel_key": (body.get("channel") or {}).get("key", ""),
            "order_name": body.get("orderName", ""),
            "currency": body.get("currency", "KRW"),
            "paid_at": _dt(body.get("paidAt")),
            "method": method_from_portone(body.get("method")),
            "total_amount": amount.get("total"),
            "tax_free_amount": amount.get("taxFree", 0),
            "raw": body,
        },
    )
    for cancel in body.get("cancellations") or []:
        PaymentCancellation.objects.update_or_create(
            payment=payment,
            cancellation_id=cancel["id"],
            defaults={
                "cancelled_at": _dt(cancel.get("cancelledAt") or cancel.get("requestedAt")),
                "total_amount": cancel.get("totalAmount"),
                "tax_free_amount": cancel.get("taxFreeAmount", 0),
            },
        )
    return payment


def find_portone_payment(payment_id: str, *, is_for_test: bool) -> Payment | None:
    payment = Payment.objects.filter(
        is_for_test=is_for_test, kind=Payment.Kind.PORT_ONE, public_id=payment_id
    ).first()
    if payment is not None:
        return payment
    body = get_payment_resolver().fetch(payment_id)
    if body is None:
        return None
    return store_portone_payment(body, is_for_test=is_for_test)


def payment_json(payment: Payment) -> dict[str, Any]:
    """PlatformPayment union as the SDK names it (PORT_ONE | EXTERNAL)."""
    from core.api.wire import drop_none

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
