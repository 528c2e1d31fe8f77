"""E-tax-invoice service (ASP) adapter: registering partners as member companies (국세청 연동)
now; issuing and transmitting invoices arrive with the tax-invoice issue.
docs/partners.md#nts-connection.

Protocol + deterministic sandbox + factory, as every outside service here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class EtaxError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class MemberRegistration:
    connected: bool
    failed_reason: str | None = None


class EtaxClient(Protocol):
    def register_member(
        self, *, brn: str, company_name: str, representative_name: str
    ) -> MemberRegistration: ...

    def unregister_member(self, *, brn: str) -> None: ...


class SandboxEtaxClient:
    """Sandbox rules: BRN middle digits 98 (폐업) -> connection fails; 999 tax office -> outage
    (temporary EtaxError); anything else connects."""

    def register_member(
        self, *, brn: str, company_name: str, representative_name: str
    ) -> MemberRegistration:
        if brn.startswith("999"):
            raise EtaxError("전자세금계산서 서비스 점검 중입니다.", permanent=False)
        if brn[3:5] == "98":
            return MemberRegistration(False, "폐업 사업자는 연동할 수 없습니다.")
        return MemberRegistration(True)

    def unregister_member(self, *, brn: str) -> None:
        if brn.startswith("999"):
            raise EtaxError("전자세금계산서 서비스 점검 중입니다.", permanent=False)


def get_etax_client() -> EtaxClient:
    kind = getattr(settings, "ETAX_PROVIDER", "sandbox")
    if kind == "sandbox":
        return SandboxEtaxClient()
    raise ImproperlyConfigured(f"unknown ETAX_PROVIDER: {kind}")
