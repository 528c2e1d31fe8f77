"""The PortOne payment resolver: where a PORT_ONE transfer's payment comes from when the local
table does not have it yet (docs/calculation.md#payments).

`LocalOnlyResolver` (default) knows only the local table (fed by externalPaymentDetail, payment
files and PortOne's webhooks); `HttpPortOneResolver` asks PortOne's `GET /payments/{paymentId}`
with a separately configured secret, through one HTTP chokepoint (`_get`). Errors are
`PaymentResolverError(message, permanent=...)`, never an httpx exception.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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
