"""Outside-world adapters for partner verification: NTS company state and bank account holder.

Two providers, each in the house shape (style.md, "Providers"): a ``Protocol``, a deterministic
``Sandbox*`` implementation (the default in dev and tests), a real HTTP client, a factory that
picks one from Django settings, and exactly one error type carrying ``permanent``.

* 사업자 휴폐업 조회 (company state) — domain.md §6.4, NTS API of data.go.kr (anchors.md §7.8).
* 예금주 조회 (account holder) — domain.md §6.5, banks addressed by KFTC codes (anchors.md §7.7).

What this module must NOT do: touch the ORM, decide a partner's ``businessStatus`` or
``account.status`` (services do that with :func:`holder_matches` and the results here), retry on
its own (callers look at ``permanent``), or log account numbers / birth dates in full.

Input errors (a malformed BRN, account number or birth date) raise ``ValueError`` *before* any
call is made: they are the caller's to fix. ``CompanyStateError`` / ``AccountHolderError`` mean we
asked and the provider said no or failed. Vendor exceptions (httpx) never escape.

Settings read lazily with ``getattr`` (none is required for the sandbox default):
``COMPANY_STATE_PROVIDER``, ``NTS_SERVICE_KEY``, ``NTS_API_URL``, ``NTS_TIMEOUT_SECONDS``,
``ACCOUNT_HOLDER_PROVIDER``, ``ACCOUNT_HOLDER_API_URL``, ``ACCOUNT_HOLDER_API_KEY``,
``ACCOUNT_HOLDER_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import functools
import logging
import re
import ssl
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, Protocol
from urllib.parse import unquote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from partners.brn import validate_brn

logger = logging.getLogger(__name__)

DEFAULT_NTS_API_URL: Final = "https://api.odcloud.kr/api/nts-businessman/v1/status"
DEFAULT_TIMEOUT_SECONDS: Final = 10.0
NTS_MAX_BATCH: Final = 100  # "1회 호출 시 최대 100개"; more → TOO_LARGE_REQUEST (anchors §7.8)

# ---------------------------------------------------------------------------------------------
# Company state (사업자 휴폐업 조회)
# ---------------------------------------------------------------------------------------------

# PortOne's PlatformBusinessStatus (IN_BUSINESS | CLOSED | SUSPENDED) plus the NOT_FOUND value of
# PlatformPartnerBusinessStatus: PortOne answers an unknown BRN with 404 PLATFORM_COMPANY_NOT_FOUND,
# we answer it as a state so that one unknown number does not fail a batch of 100.
BusinessStatus = Literal["IN_BUSINESS", "CLOSED", "SUSPENDED", "NOT_FOUND"]

# PortOne's PlatformTaxationType (SDK: platform/company/platform_taxation_type.py).
TaxationType = Literal[
    "NORMAL",  # 일반과세자
    "SIMPLE",  # 간이과세자 (세금계산서 미발급)
    "SIMPLE_TAX_INVOICE_ISSUER",  # 간이과세자 (세금계산서 발급사업자)
    "TAX_FREE",  # 면세사업자
    "ASSIGNED_ID_NUMBER",  # 고유번호 단체, 비영리법인·국가기관 등
    "SPECIAL",  # 과세특례자
]

# NTS b_stt_cd → status. Unknown numbers come back with an empty code and the text below.
NTS_BUSINESS_STATUS: Final[Mapping[str, BusinessStatus]] = {
    "01": "IN_BUSINESS",  # 계속사업자
    "02": "SUSPENDED",  # 휴업자
    "03": "CLOSED",  # 폐업자
}

# NTS tax_type_cd → PortOne taxation type (domain.md §6.4 "likely code mapping").
NTS_TAXATION_TYPE: Final[Mapping[str, TaxationType]] = {
    "01": "NORMAL",
    "02": "SIMPLE",
    "03": "SPECIAL",
    "04": "TAX_FREE",
    "05": "ASSIGNED_ID_NUMBER",  # 비영리법인 / 국가기관 등
    "06": "ASSIGNED_ID_NUMBER",  # 고유번호가 부여된 단체
    "07": "SIMPLE_TAX_INVOICE_ISSUER",
}

NTS_NOT_REGISTERED_TEXT: Final = "국세청에 등록되지 않은 사업자등록번호입니다."

# NTS body status_code values that a retry can fix; all others (BAD_JSON_REQUEST,
# REQUEST_DATA_MALFORMED, TOO_LARGE_REQUEST, …) mean our request is wrong.
_NTS_TEMPORARY_STATUS_CODES: Final = frozenset({"INTERNAL_ERROR", "HTTP_ERROR"})


@dataclass(frozen=True)
class CompanyState:
    """One business's state as the NTS reports it.

    ``closed_on`` is the NTS ``end_dt`` — the 폐업일 for CLOSED and the 휴업일 for SUSPENDED
    (PortOne ``closedSuspendedDate``). ``status_text`` / ``tax_type_text`` keep the NTS wording
    (``b_stt`` / ``tax_type``) verbatim for the back office.
    """

    brn: str  # normalised, 10 digits
    status: BusinessStatus
    taxation_type: TaxationType | None  # None when NOT_FOUND (or NTS gave no code)
    closed_on: date | None
    taxation_type_changed_on: date | None  # NTS tax_type_change_dt (PortOne taxationTypeDate)
    status_text: str
    tax_type_text: str


class CompanyStateError(Exception):
    """The company-state provider could not answer.

    ``permanent=True``: retrying the same request cannot help (bad key, request rejected, contract
    changed). ``permanent=False``: time-out, 5xx, quota or garbled answer — try again later.
    """

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class CompanyStateClient(Protocol):
    def lookup(self, brns: Sequence[str]) -> dict[str, CompanyState]:
        """States keyed by the *normalised* BRN; one entry per distinct valid input number.

        Raises ``ValueError`` for a malformed BRN (before any call) and ``CompanyStateError``.
        """
        ...


def _normalise_brns(brns: Sequence[str]) -> list[str]:
    """Validate every number and drop duplicates, keeping first-seen order."""
    if isinstance(brns, str):  # a lone str is a Sequence[str] of characters: refuse it
        raise TypeError("lookup() takes a list of BRNs, not a single string")
    return list(dict.fromkeys(validate_brn(raw) for raw in brns))


# Sandbox rules, first match wins. The lead copies this table into the README.
SANDBOX_COMPANY_STATE_RULES: Final = """
| 조건 (Condition)                                  | 결과 (Result)                                                   | 예시 (Example) |
|---------------------------------------------------|-----------------------------------------------------------------|----------------|
| 검증번호가 틀린 번호 / invalid check digit         | 조회 전 거부 ValueError (rejected before lookup)                 | 120-81-47522   |
| 앞 3자리 999 / tax-office digits 999               | 국세청 일시 장애 CompanyStateError(permanent=False) (NTS outage) | 999-81-00015   |
| 가운데 2자리 99 / middle digits 99                 | NOT_FOUND 국세청 미등록 (not registered)                         | 120-99-00012   |
| 가운데 2자리 98 / middle digits 98                 | CLOSED 폐업자, 폐업일 2024-12-31                                 | 120-98-00015   |
| 가운데 2자리 97 / middle digits 97                 | SUSPENDED 휴업자, 휴업일 2025-01-01                              | 120-97-00018   |
| 가운데 2자리 90 / middle digits 90                 | IN_BUSINESS, SIMPLE 간이과세자                                   | 120-90-00019   |
| 가운데 2자리 91 / middle digits 91                 | IN_BUSINESS, SIMPLE_TAX_INVOICE_ISSUER 간이(세금계산서 발급)     | 120-91-00016   |
| 가운데 2자리 92 / middle digits 92                 | IN_BUSINESS, TAX_FREE 면세사업자                                 | 120-92-00013   |
| 가운데 2자리 93 / middle digits 93                 | IN_BUSINESS, ASSIGNED_ID_NUMBER 고유번호 단체                    | 120-93-00010   |
| 가운데 2자리 94 / middle digits 94                 | IN_BUSINESS, SPECIAL 과세특례자                                  | 120-94-00017   |
| 그 밖의 유효한 번호 / any other valid number       | IN_BUSINESS, NORMAL 일반과세자                                   | 120-81-47521   |
"""  # noqa: E501

SANDBOX_OUTAGE_TAX_OFFICE: Final = "999"
SANDBOX_CLOSED_ON: Final = date(2024, 12, 31)
SANDBOX_SUSPENDED_ON: Final = date(2025, 1, 1)

# The NTS wording for each tax_type_cd, so sandbox answers look like real ones.
_NTS_TAX_TYPE_TEXT: Final[Mapping[TaxationType, str]] = {
    "NORMAL": "부가가치세 일반과세자",
    "SIMPLE": "부가가치세 간이과세자",
    "SIMPLE_TAX_INVOICE_ISSUER": "부가가치세 간이과세자(세금계산서 발급사업자)",
    "TAX_FREE": "부가가치세 면세사업자",
    "ASSIGNED_ID_NUMBER": "고유번호가 부여된 단체",
    "SPECIAL": "부가가치세 과세특례자",
}
_SANDBOX_TAXATION_BY_MIDDLE: Final[Mapping[str, TaxationType]] = {
    "90": "SIMPLE",
    "91": "SIMPLE_TAX_INVOICE_ISSUER",
    "92": "TAX_FREE",
    "93": "ASSIGNED_ID_NUMBER",
    "94": "SPECIAL",
}


class SandboxCompanyStateClient:
    """Deterministic, offline; rules in :data:`SANDBOX_COMPANY_STATE_RULES`."""

    def lookup(self, brns: Sequence[str]) -> dict[str, CompanyState]:
        numbers = _normalise_brns(brns)
        # Like the real API, one failing call fails the whole request.
        for brn in numbers:
            if brn[:3] == SANDBOX_OUTAGE_TAX_OFFICE:
                raise CompanyStateError(
                    f"[sandbox] 국세청 API 일시 장애 (앞 3자리 999: {brn})", permanent=False
                )
        return {brn: self._state(brn) for brn in numbers}

    @staticmethod
    def _state(brn: str) -> CompanyState:
        middle = brn[3:5]
        if middle == "99":
            return CompanyState(
                brn=brn,
                status="NOT_FOUND",
                taxation_type=None,
                closed_on=None,
                taxation_type_changed_on=None,
                status_text="",
                tax_type_text=NTS_NOT_REGISTERED_TEXT,
            )
        status: BusinessStatus = "IN_BUSINESS"
        status_text = "계속사업자"
        closed_on: date | None = None
        if middle == "98":
            status, status_text, closed_on = "CLOSED", "폐업자", SANDBOX_CLOSED_ON
        elif middle == "97":
            status, status_text, closed_on = "SUSPENDED", "휴업자", SANDBOX_SUSPENDED_ON
        taxation = _SANDBOX_TAXATION_BY_MIDDLE.get(middle, "NORMAL")
        return CompanyState(
            brn=brn,
            status=status,
            taxation_type=taxation,
            closed_on=closed_on,
            taxation_type_changed_on=None,
            status_text=status_text,
            tax_type_text=_NTS_TAX_TYPE_TEXT[taxation],
        )


def _parse_yyyymmdd(value: object, *, brn: str, field: str) -> date | None:
    """NTS dates are ``YYYYMMDD`` or ``""``. A garbled date is logged and dropped, not fatal:
    failing a batch of 100 over one date field would block 99 good answers."""
    if value in (None, ""):
        return None
    text = str(value).strip().replace("-", "")
    if len(text) == 8 and text.isascii() and text.isdigit():
        try:
            return date(int(text[:4]), int(text[4:6]), int(text[6:]))
        except ValueError:
            pass
    logger.warning("NTS returned an unreadable %s %r for BRN %s", field, value, brn)
    return None


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: loading the CA bundle costs ~25 ms, too much to repeat on every call."""
    return httpx.create_ssl_context()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class NtsCompanyStateClient:
    """국세청 사업자등록 상태조회 (data.go.kr 15081808).

    ``POST {api_url}?serviceKey=…&returnType=JSON`` with ``{"b_no": [...]}``, at most 100 numbers
    per call (anchors §7.8); longer lists are split into batches of 100.
    """

    def __init__(self, *, api_url: str, service_key: str, timeout: float) -> None:
        self.api_url = api_url
        # data.go.kr hands out an "Encoding" and a "Decoding" key. Accept either: httpx encodes
        # query parameters itself, so an already-encoded key (%2B, %3D) would be sent as %252B.
        self._service_key = unquote(service_key) if "%" in service_key else service_key
        self.timeout = timeout

    def lookup(self, brns: Sequence[str]) -> dict[str, CompanyState]:
        numbers = _normalise_brns(brns)
        states: dict[str, CompanyState] = {}
        for batch in _chunks(numbers, NTS_MAX_BATCH):
            states.update(self._lookup_batch(batch))
        return states

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        """The single network chokepoint of this provider (patch this in tests).

        Transport failures become ``CompanyStateError``; ``from None`` keeps httpx's request —
        whose URL carries the service key — out of tracebacks and error reports.
        """
        try:
            with httpx.Client(timeout=self.timeout, verify=_tls_context()) as client:
                return client.post(
                    self.api_url,
                    params={"serviceKey": self._service_key, "returnType": "JSON"},
                    json=body,
                    headers={"Accept": "application/json"},
                )
        except httpx.TimeoutException:
            raise CompanyStateError(
                f"국세청 API 응답 시간 초과 ({self.timeout:g}초)", permanent=False
            ) from None
        except httpx.HTTPError as exc:
            raise CompanyStateError(
                f"국세청 API 연결 실패 ({type(exc).__name__})", permanent=False
            ) from None

    def _lookup_batch(self, batch: list[str]) -> dict[str, CompanyState]:
        response = self._post({"b_no": batch})
        try:
            payload: Any = response.json()
        except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
            payload = None
        self._raise_for_error(response.status_code, payload)

        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, list):
            raise CompanyStateError("국세청 API 응답 형식 오류 (data 없음)", permanent=False)
        states: dict[str, CompanyState] = {}
        for item in data:
            if isinstance(item, dict) and isinstance(item.get("b_no"), str):
                state = self._parse_item(item)
                states[state.brn] = state
        missing = [brn for brn in batch if brn not in states]
        if missing:
            raise CompanyStateError(
                f"국세청 API 응답에 {len(missing)}건이 빠져 있습니다 (예: {missing[0]})",
                permanent=False,
            )
        return {brn: states[brn] for brn in batch}

    @staticmethod
    def _raise_for_error(http_status: int, payload: Any) -> None:
        body = payload if isinstance(payload, dict) else {}
        nts_code = body.get("status_code")
        # The data.go.kr gateway answers key problems as {"code": -4, "msg": "등록되지 않은 …"}
        gateway_code = body.get("code")
        gateway_msg = body.get("msg") or ""
        if http_status >= 500:
            raise CompanyStateError(
                f"국세청 API 서버 오류 (HTTP {http_status}, {nts_code or '-'})", permanent=False
            )
        if http_status in (408, 429):  # time-out at the gateway / daily quota: later works
            raise CompanyStateError(f"국세청 API 일시 거부 (HTTP {http_status})", permanent=False)
        if http_status in (401, 403) or (isinstance(gateway_code, int) and gateway_code < 0):
            raise CompanyStateError(
                f"국세청 API 인증 오류 (HTTP {http_status}, code {gateway_code}: {gateway_msg}) "
                "— NTS_SERVICE_KEY를 확인하세요",
                permanent=True,
            )
        if http_status != 200:
            raise CompanyStateError(
                f"국세청 API 요청 거부 (HTTP {http_status}, {nts_code or '-'})", permanent=True
            )
        if payload is None or not isinstance(payload, dict):
            raise CompanyStateError("국세청 API 응답이 JSON이 아닙니다", permanent=False)
        if nts_code != "OK":
            raise CompanyStateError(
                f"국세청 API 오류 ({nts_code})",
                permanent=nts_code not in _NTS_TEMPORARY_STATUS_CODES,
            )

    @staticmethod
    def _parse_item(item: Mapping[str, Any]) -> CompanyState:
        brn = str(item["b_no"]).replace("-", "")
        status_text = str(item.get("b_stt") or "")
        tax_type_text = str(item.get("tax_type") or "")
        status_code = str(item.get("b_stt_cd") or "")
        if "등록되지 않은" in tax_type_text:
            return CompanyState(brn, "NOT_FOUND", None, None, None, status_text, tax_type_text)
        status = NTS_BUSINESS_STATUS.get(status_code)
        if status is None:
            # Neither a known code nor the "not registered" answer: the contract has changed.
            raise CompanyStateError(
                f"국세청 API 상태코드를 알 수 없습니다 (b_stt_cd={status_code!r}, {brn})",
                permanent=True,
            )
        tax_code = str(item.get("tax_type_cd") or "")
        taxation = NTS_TAXATION_TYPE.get(tax_code)
        if taxation is None and tax_code:
            logger.warning("NTS returned unknown tax_type_cd %r for BRN %s", tax_code, brn)
        return CompanyState(
            brn=brn,
            status=status,
            taxation_type=taxation,
            closed_on=_parse_yyyymmdd(item.get("end_dt"), brn=brn, field="end_dt"),
            taxation_type_changed_on=_parse_yyyymmdd(
                item.get("tax_type_change_dt"), brn=brn, field="tax_type_change_dt"
            ),
            status_text=status_text,
            tax_type_text=tax_type_text,
        )


def get_company_state_client() -> CompanyStateClient:
    """``settings.COMPANY_STATE_PROVIDER``: ``"sandbox"`` (default) or ``"nts"``."""
    provider = getattr(settings, "COMPANY_STATE_PROVIDER", "sandbox")
    if provider == "sandbox":
        return SandboxCompanyStateClient()
    if provider == "nts":
        service_key = getattr(settings, "NTS_SERVICE_KEY", "")
        if not service_key:
            raise ImproperlyConfigured("COMPANY_STATE_PROVIDER=nts needs NTS_SERVICE_KEY")
        return NtsCompanyStateClient(
            api_url=getattr(settings, "NTS_API_URL", DEFAULT_NTS_API_URL) or DEFAULT_NTS_API_URL,
            service_key=service_key,
            timeout=float(getattr(settings, "NTS_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS)),
        )
    raise ImproperlyConfigured(
        f"COMPANY_STATE_PROVIDER must be 'sandbox' or 'nts', not {provider!r}"
    )


# ---------------------------------------------------------------------------------------------
# Account holder (예금주 조회)
# ---------------------------------------------------------------------------------------------

AccountHolderReason = Literal[
    "ACCOUNT_NOT_FOUND",  # 없는 계좌 / 해지된 계좌
    "NOT_SUPPORTED_BANK",  # 조회를 지원하지 않는 은행 (PortOne 400 PLATFORM_NOT_SUPPORTED_BANK)
    "MISMATCH",  # 생년월일·사업자번호가 계좌 실명과 다름
    "OUTAGE",  # 은행/중계기관 장애 (permanent=False) 또는 설정·계약 오류 (permanent=True)
    "TIMEOUT",  # 응답 시간 초과
]

# PortOne ``Bank`` enum (SDK: common/bank.py) → KFTC 3-digit code (anchors §7.7). Banks missing
# here (foreign banks, securities firms, 한국은행 …) are not supported for holder lookup.
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


_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")
_DIGIT_RUN = re.compile(r"\d{6,}")


def mask_account_number(account_number: str) -> str:
    """All but the last 4 characters masked: ``"110-123-456789"`` → ``"********6789"``.
    The only form in which an account number may reach a log line."""
    digits = _ACCOUNT_SEPARATORS.sub("", account_number)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def normalize_account_number(raw: str) -> str:
    """Digits only (hyphens/spaces removed), 6–20 of them, else ``ValueError``."""
    number = _ACCOUNT_SEPARATORS.sub("", raw)
    if not number.isascii() or not number.isdigit():
        raise ValueError("계좌번호는 숫자와 하이픈(-)만 입력해 주세요.")
    if not 6 <= len(number) <= 20:
        raise ValueError("계좌번호 자릿수가 올바르지 않습니다. (6~20자리)")
    return number


@dataclass(frozen=True)
class _Identity:
    kind: Literal["birthdate", "business_registration_number"]
    value: str  # yyyyMMdd or the 10-digit BRN — never logged


def _parse_identity(raw: str | None) -> _Identity | None:
    """8 digits → birth date (checked to be a real date), 10 digits → BRN (checksum checked)."""
    if raw is None or not raw.strip():
        return None
    value = _ACCOUNT_SEPARATORS.sub("", raw)
    if value.isascii() and value.isdigit() and len(value) == 8:
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise ValueError("생년월일이 올바른 날짜가 아닙니다. (yyyyMMdd)") from None
        return _Identity("birthdate", value)
    if len(value) == 10:
        return _Identity("business_registration_number", validate_brn(value))
    raise ValueError("생년월일(yyyyMMdd) 또는 사업자등록번호(10자리)를 입력해 주세요.")


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
        identity = _parse_identity(birthdate_or_brn)
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
        identity = _parse_identity(birthdate_or_brn)
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
            with httpx.Client(timeout=self.timeout, verify=_tls_context()) as client:
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


# ---------------------------------------------------------------------------------------------
# Holder-name comparison (domain.md §12 rule 25)
# ---------------------------------------------------------------------------------------------

# Every spelling of a legal-form marker → one canonical token. The marker keeps its position:
# "(주)샌드박스" (앞주) and "샌드박스(주)" (뒷주) are different registered names, so they do not
# match each other, but "주식회사 샌드박스" = "(주)샌드박스" = "㈜샌드박스" do. Applied after NFKC,
# which already turns ㈜ (U+321C) into "(주)", ㈱ into "(株)" and full-width brackets into ASCII.
_CORPORATE_MARKERS: Final[tuple[tuple[str, str], ...]] = (
    ("주식회사", "(주)"),
    ("株式會社", "(주)"),
    ("株式会社", "(주)"),
    ("(株)", "(주)"),
    ("유한책임회사", "(유한책임)"),
    ("유한회사", "(유)"),
    ("합자회사", "(합자)"),
    ("합명회사", "(합명)"),
    ("사단법인", "(사)"),
    ("재단법인", "(재)"),
)
_WHITESPACE = re.compile(r"\s+")


def normalize_holder_name(name: str) -> str:
    """The form :func:`holder_matches` compares: NFKC, no whitespace, canonical corporate
    markers, case-folded (for Latin-script names)."""
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", name))
    for spelling, canonical in _CORPORATE_MARKERS:
        text = text.replace(spelling, canonical)
    return text.casefold()


def holder_matches(expected: str, actual: str) -> bool:
    """Does the bank's holder name (``actual``) match the partner's ``holder`` (``expected``)?

    Whitespace is ignored and (주)/주식회사/㈜ and similar legal-form markers are treated as the
    same (domain.md §12 rule 25). Empty names never match: nothing was verified.
    """
    left, right = normalize_holder_name(expected), normalize_holder_name(actual)
    return bool(left) and left == right
