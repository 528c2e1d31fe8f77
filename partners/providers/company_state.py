"""사업자 휴폐업 조회 (company state): the NTS API of data.go.kr.
docs/partners.md#business-verification.

The house shape of a provider (style.md, "Providers"): a ``Protocol``, a deterministic
``SandboxCompanyStateClient`` (the default in dev and tests), the real ``NtsCompanyStateClient``,
the factory ``get_company_state_client()`` that picks one from Django settings, and exactly one
error type, ``CompanyStateError(permanent=...)``.

What this module must NOT do: touch the ORM, decide a partner's ``businessStatus`` (services do
that with the results here), or retry on its own (callers look at ``permanent``).

A malformed BRN raises ``ValueError`` *before* any call is made: it is the caller's to fix.
``CompanyStateError`` means we asked and the provider said no or failed; vendor exceptions
(httpx) never escape.

Settings, read lazily with ``getattr`` (none is required for the sandbox default):
``COMPANY_STATE_PROVIDER``, ``NTS_SERVICE_KEY``, ``NTS_API_URL``, ``NTS_TIMEOUT_SECONDS``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal, Protocol
from urllib.parse import unquote

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.iterables import chunked
from partners.domain.brn import validate_brn
from partners.providers.transport import DEFAULT_TIMEOUT_SECONDS, tls_context

logger = logging.getLogger(__name__)

DEFAULT_NTS_API_URL: Final = "https://api.odcloud.kr/api/nts-businessman/v1/status"
# "1회 호출 시 최대 100개"; more → TOO_LARGE_REQUEST (docs/partners.md#business-verification)
NTS_MAX_BATCH: Final = 100

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

# NTS tax_type_cd → PortOne taxation type (docs/partners.md#business-verification "likely code
# mapping").
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


class NtsCompanyStateClient:
    """국세청 사업자등록 상태조회 (data.go.kr 15081808).

    ``POST {api_url}?serviceKey=…&returnType=JSON`` with ``{"b_no": [...]}``, at most 100 numbers
    per call (docs/partners.md#business-verification); longer lists are split into batches of 100.
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
        for batch in chunked(numbers, NTS_MAX_BATCH):
            states.update(self._lookup_batch(batch))
        return states

    def _post(self, body: dict[str, Any]) -> httpx.Response:
        """The single network chokepoint of this provider (patch this in tests).

        Transport failures become ``CompanyStateError``; ``from None`` keeps httpx's request —
        whose URL carries the service key — out of tracebacks and error reports.
        """
        try:
            with httpx.Client(timeout=self.timeout, verify=tls_context()) as client:
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
