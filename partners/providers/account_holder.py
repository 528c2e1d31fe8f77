"""예금주 조회 (account holder lookup): banks addressed by KFTC codes.
docs/partners.md#account-verification, docs/partners.md#bank-codes.

The house shape of a provider (style.md, "Providers"): a ``Protocol``, a deterministic
``SandboxAccountHolderClient`` (the default in dev and tests), the real ``HttpAccountHolderClient``,
the factory ``get_account_holder_client()`` that picks one from Django settings, and exactly one
error type, ``AccountHolderError(permanent=..., reason=...)``.

What this module must NOT do: touch the ORM, decide a partner's ``account.status`` (services do
that with partners.domain.accounts.holder_matches and the results here), retry on its own
(callers look at ``permanent``), or log account numbers / birth dates in full.

Malformed input (account number, birth date, BRN) raises ``ValueError`` *before* any call is
made: it is the caller's to fix. Vendor exceptions (httpx) never escape.

Settings, read lazily with ``getattr`` (none is required for the sandbox default):
``ACCOUNT_HOLDER_PROVIDER``, ``ACCOUNT_HOLDER_API_URL``, ``ACCOUNT_HOLDER_API_KEY``,
``ACCOUNT_HOLDER_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, Protocol

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from partners.domain.accounts import mask_account_number, normalize_account_number, parse_identity
from partners.providers.transport import DEFAULT_TIMEOUT_SECONDS, tls_context

logger = logging.getLogger(__name__)

AccountHolderReason = Literal[
    "ACCOUNT_NOT_FOUND",  # 없는 계좌 / 해지된 계좌
    "NOT_SUPPORTED_BANK",  # 조회를 지원하지 않는 은행 (PortOne 400 PLATFORM_NOT_SUPPORTED_BANK)
    "MISMATCH",  # 생년월일·사업자번호가 계좌 실명과 다름
    "OUTAGE",  # 은행/중계기관 장애 (permanent=False) 또는 설정·계약 오류 (permanent=True)
    "TIMEOUT",  # 응답 시간 초과
]

# PortOne ``Bank`` enum (SDK: common/bank.py) → KFTC 3-digit code (docs/partners.md#bank-codes).
# Banks missing here (foreign banks, securities firms, 한국은행 …) are not supported for
# holder lookup.
BANK_CODES: Final[Mapping[str, str]] = {
    "KDB": "002",  # 산업은행
    "IBK": "003",  # 기업은행
    "KOOKMIN": "004",  # 국민은행
    "SUHYUP": "007",  # 수협은행
    "NONGHYUP": "011",  # 농협은행
    "LOCAL_NONGHYUP": "012",  # 지역 농·축협
    "WOORI": "020",  # 우리은행
    "STANDARD_CHARTERED": "023",  # SC제일은행
    "CITI": "027",  # 한국씨티은행
    "DAEGU": "031",  # iM뱅크 (구 대구은행)
    "BUSAN": "032",  # 부산은행
    "KWANGJU": "034",  # 광주은행
    "JEJU": "035",  # 제주은행
    "JEONBUK": "037",  # 전북은행
    "KYONGNAM": "039",  # 경남은행
    "KFCC": "045",  # 새마을금고
    "SHINHYUP": "048",  # 신협
    "SAVINGS_BANK": "050",  # 저축은행
    "NFCF": "064",  # 산림조합
    "POST": "071",  # 우체국
    "HANA": "081",  # 하나은행
    "SHINHAN": "088",  # 신한은행
    "K_BANK": "089",  # 케이뱅크
    "KAKAO": "090",  # 카카오뱅크
    "TOSS": "092",  # 토스뱅크
}


@dataclass(frozen=True)
class AccountHolder:
    holder_name: str  # as the bank spells it; compare with holder_matches()


class AccountHolderError(Exception):
    """The account-holder provider could not confirm a holder.

    ``permanent=True``: same request, same answer (no such account, unsupported bank, identity
    mismatch, bad credentials). ``permanent=False``: OUTAGE / TIMEOUT — try again later.
    """

    def __init__(self, message: str, *, permanent: bool, reason: AccountHolderReason) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.reason = reason


class AccountHolderClient(Protocol):
    def lookup(
        self, *, bank: str, account_number: str, birthdate_or_brn: str | None = None
    ) -> AccountHolder:
        """``bank`` is a PortOne ``Bank`` value; ``account_number`` may contain hyphens/spaces;
        ``birthdate_or_brn`` is ``yyyyMMdd`` / ``yyyy-MM-dd`` (individual) or a BRN (business).

        Raises ``ValueError`` for malformed input (before any call) and ``AccountHolderError``.
        """
        ...


_DIGIT_RUN = re.compile(r"\d{6,}")


def _require_supported_bank(bank: str) -> str:
    code = BANK_CODES.get(bank)
    if code is None:
        raise AccountHolderError(
            f"예금주 조회를 지원하지 않는 은행입니다 ({bank})",
            permanent=True,
            reason="NOT_SUPPORTED_BANK",
        )
    return code


# Sandbox rules, first match wins. The lead copies this table into the README.
SANDBOX_ACCOUNT_HOLDER_RULES: Final = """
| 조건 (Condition)                                           | 결과 (Result)                                                          |
|------------------------------------------------------------|------------------------------------------------------------------------|
| 계좌번호·생년월일 형식 오류 / malformed account or birth date | 조회 전 거부 ValueError (rejected before lookup)                        |
| 은행이 BANK_CODES에 없음(외국계·증권사 등) 또는 SAVINGS_BANK  | NOT_SUPPORTED_BANK 미지원 은행 (permanent)                              |
| 계좌번호 끝자리 9 / account number ends in 9               | ACCOUNT_NOT_FOUND 없는 계좌·해지 계좌 (permanent)                       |
| 끝자리 8 / ends in 8                                       | OUTAGE 은행 점검·장애 (temporary, permanent=False)                      |
| 끝자리 7 / ends in 7                                       | TIMEOUT 응답 시간 초과 (temporary, permanent=False)                     |
| 끝자리 6 + 생년월일/사업자번호 입력 / ends in 6 with identity | MISMATCH 실명(생년월일·사업자번호) 불일치 (permanent)                   |
| 끝자리 6, 생년월일/사업자번호 없음 / ends in 6, no identity  | 예금주 "정우진"                                                        |
| 끝자리 0 / ends in 0                                       | 예금주 "홍길동"                                                        |
| 끝자리 1 / ends in 1                                       | 예금주 "김민준"                                                        |
| 끝자리 2 / ends in 2                                       | 예금주 "이서연"                                                        |
| 끝자리 3 / ends in 3                                       | 예금주 "박지호"                                                        |
| 끝자리 4 / ends in 4                                       | 예금주 "최수아"                                                        |
| 끝자리 5 / ends in 5                                       | 예금주 "주식회사 샌드박스" (법인 / company; matches "(주)샌드박스")  |
"""  # noqa: E501

SANDBOX_UNSUPPORTED_BANKS: Final = frozenset({"SAVINGS_BANK"})
SANDBOX_HOLDER_NAMES: Final[Mapping[str, str]] = {
    "0": "홍길동",
    "1": "김민준",
    "2": "이서연",
    "3": "박지호",
    "4": "최수아",
    "5": "주식회사 샌드박스",
    "6": "정우진",
}


class SandboxAccountHolderClient:
    """Deterministic, offline; rules in :data:`SANDBOX_ACCOUNT_HOLDER_RULES`."""

    def lookup(
        self, *, bank: str, account_number: str, birthdate_or_brn: str | None = None
    ) -> AccountHolder:
        number = normalize_account_number(account_number)
        identity = parse_identity(birthdate_or_brn)
        _require_supported_bank(bank)
        if bank in SANDBOX_UNSUPPORTED_BANKS:
            raise AccountHolderError(
                f"[sandbox] 예금주 조회를 지원하지 않는 은행입니다 ({bank})",
                permanent=True,
                reason="NOT_SUPPORTED_BANK",
            )
        last = number[-1]
        if last == "9":
            raise AccountHolderError(
                "[sandbox] 없는 계좌이거나 해지된 계좌입니다",
                permanent=True,
                reason="ACCOUNT_NOT_FOUND",
            )
        if last == "8":
            raise AccountHolderError(
                "[sandbox] 은행 점검 중입니다 (일시 장애)", permanent=False, reason="OUTAGE"
            )
        if last == "7":
            raise AccountHolderError(
                "[sandbox] 은행 응답 시간 초과", permanent=False, reason="TIMEOUT"
            )
        if last == "6" and identity is not None:
            raise AccountHolderError(
                "[sandbox] 생년월일/사업자등록번호가 계좌 실명과 다릅니다",
                permanent=True,
                reason="MISMATCH",
            )
        return AccountHolder(holder_name=SANDBOX_HOLDER_NAMES[last])


# Vendor error codes we understand → (reason, permanent). Anything else is mapped by HTTP status.
_HOLDER_ERROR_CODES: Final[Mapping[str, tuple[AccountHolderReason, bool]]] = {
    "ACCOUNT_NOT_FOUND": ("ACCOUNT_NOT_FOUND", True),
    "ACCOUNT_CLOSED": ("ACCOUNT_NOT_FOUND", True),
    "NOT_SUPPORTED_BANK": ("NOT_SUPPORTED_BANK", True),
    "MISMATCH": ("MISMATCH", True),
    "BANK_MAINTENANCE": ("OUTAGE", False),
    "OUTAGE": ("OUTAGE", False),
    "TIMEOUT": ("TIMEOUT", False),
}


class HttpAccountHolderClient:
    """A JSON account-holder service (our adapter contract; a vendor is fronted to speak it).

    Request ``POST {api_url}`` with header ``X-API-Key`` and body
    ``{"bank_code": "004", "account_number": "12345678901"}`` plus at most one of
    ``"birthdate": "yyyyMMdd"`` / ``"business_registration_number": "1208147521"``.
    Success: 200 ``{"holder_name": "홍길동"}``. Failure: any non-200 with
    ``{"error": {"code": "<see _HOLDER_ERROR_CODES>", "message": "…"}}``; without a known code the
    HTTP status decides: 404 → ACCOUNT_NOT_FOUND, 408/504 → TIMEOUT, 429/5xx → OUTAGE (temporary),
    other 4xx (e.g. 401 bad key) → OUTAGE (permanent).
    """

    API_KEY_HEADER: Final = "X-API-Key"

    def __init__(self, *, api_url: str, api_key: str, timeout: float) -> None:
        self.api_url = api_url
        self._api_key = api_key
        self.timeout = timeout

    def lookup(
        self, *, bank: str, account_number: str, birthdate_or_brn: str | None = None
    ) -> AccountHolder:
        number = normalize_account_number(account_number)
        identity = parse_identity(birthdate_or_brn)
        bank_code = _require_supported_bank(bank)
        body: dict[str, str] = {"bank_code": bank_code, "account_number": number}
        if identity is not None:
            body[identity.kind] = identity.value
        masked = mask_account_number(number)
        try:
            holder = self._parse(self._post(body))
        except AccountHolderError as exc:
            logger.warning(
                "account holder lookup failed: bank=%s account=%s reason=%s permanent=%s",
                bank,
                masked,
                exc.reason,
                exc.permanent,
            )
            raise
        logger.info("account holder lookup ok: bank=%s account=%s", bank, masked)
        return holder

    def _post(self, body: dict[str, str]) -> httpx.Response:
        """The single network chokepoint of this provider (patch this in tests)."""
        try:
            with httpx.Client(timeout=self.timeout, verify=tls_context()) as client:
                return client.post(
                    self.api_url,
                    json=body,
                    headers={self.API_KEY_HEADER: self._api_key, "Accept": "application/json"},
                )
        except httpx.TimeoutException:
            raise AccountHolderError(
                f"예금주 조회 응답 시간 초과 ({self.timeout:g}초)",
                permanent=False,
                reason="TIMEOUT",
            ) from None
        except httpx.HTTPError as exc:
            raise AccountHolderError(
                f"예금주 조회 서비스 연결 실패 ({type(exc).__name__})",
                permanent=False,
                reason="OUTAGE",
            ) from None

    @staticmethod
    def _parse(response: httpx.Response) -> AccountHolder:
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        status = response.status_code
        if status == 200:
            name = payload.get("holder_name") if isinstance(payload, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise AccountHolderError(
                    "예금주 조회 응답 형식 오류 (holder_name 없음)",
                    permanent=False,
                    reason="OUTAGE",
                )
            return AccountHolder(holder_name=name.strip())

        error = payload.get("error") if isinstance(payload, dict) else None
        code = str(error.get("code") or "") if isinstance(error, dict) else ""
        detail = str(error.get("message") or "") if isinstance(error, dict) else ""
        # A vendor message may echo the account number or birth date back; never pass it on.
        detail = _DIGIT_RUN.sub(lambda m: mask_account_number(m.group()), detail)
        known = _HOLDER_ERROR_CODES.get(code)
        if known is not None:
            reason, permanent = known
        elif status == 404:
            reason, permanent = "ACCOUNT_NOT_FOUND", True
        elif status in (408, 504):
            reason, permanent = "TIMEOUT", False
        elif status == 429 or status >= 500:
            reason, permanent = "OUTAGE", False
        else:  # 401/403 (key), 400 (our request), anything unexpected: a human has to look
            reason, permanent = "OUTAGE", True
        message = f"예금주 조회 실패 (HTTP {status}, {code or '-'})"
        if detail:
            message += f": {detail}"
        raise AccountHolderError(message, permanent=permanent, reason=reason)


def get_account_holder_client() -> AccountHolderClient:
    """``settings.ACCOUNT_HOLDER_PROVIDER``: ``"sandbox"`` (default) or ``"http"``."""
    provider = getattr(settings, "ACCOUNT_HOLDER_PROVIDER", "sandbox")
    if provider == "sandbox":
        return SandboxAccountHolderClient()
    if provider == "http":
        api_url = getattr(settings, "ACCOUNT_HOLDER_API_URL", "")
        api_key = getattr(settings, "ACCOUNT_HOLDER_API_KEY", "")
        if not api_url or not api_key:
            raise ImproperlyConfigured(
                "ACCOUNT_HOLDER_PROVIDER=http needs "
                "ACCOUNT_HOLDER_API_URL and ACCOUNT_HOLDER_API_KEY"
            )
        return HttpAccountHolderClient(
            api_url=api_url,
            api_key=api_key,
            timeout=float(
                getattr(settings, "ACCOUNT_HOLDER_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)
            ),
        )
    raise ImproperlyConfigured(
        f"ACCOUNT_HOLDER_PROVIDER must be 'sandbox' or 'http', not {provider!r}"
    )
