"""사업자정보 조회 (business information): 상호, 대표자, 주소, 업태, 종목, 과세유형, 휴폐업.
docs/invoices.md#business-information.

The house shape of a provider (as ``partners.providers.company_state``): a ``Protocol``, a
deterministic ``SandboxBusinessInfoClient`` (the default), the factory
``get_business_info_client()`` reading ``settings.BUSINESS_INFO_PROVIDER``, and exactly one error
type, ``BusinessInfoError(permanent=...)``.

What this module must NOT do: touch the ORM or decide what a counterparty stores. A malformed BRN
raises ``ValueError`` before any call; a number the registry does not know comes back as ``None``
(one unknown number must not fail a batch).

The sandbox follows the rehearsal inputs of the company-state sandbox (same digits, same
outcomes), and derives every other field from the BRN's digits, so the same number always answers
the same company.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from partners.domain.brn import validate_brn
from partners.providers.company_state import (
    SANDBOX_CLOSED_ON,
    SANDBOX_OUTAGE_TAX_OFFICE,
    SANDBOX_SUSPENDED_ON,
)

#: at most this many numbers per request (as the NTS status API)
MAX_BATCH: Final = 100


@dataclass(frozen=True)
class BusinessInfo:
    """One business as the registry describes it (the SDK's B2bBusinessInfo, snake_case)."""

    brn: str
    name: str  # 상호
    ceo_name: str  # 대표자
    zip_code: str
    address: str
    business_entity_type: str  # 법인사업자 | 개인사업자
    business_status: str  # IN_BUSINESS | CLOSED | SUSPENDED
    taxation_type: str  # PlatformTaxationType
    opening_date: date
    business_type: str  # 업태
    business_class: str  # 종목
    business_category_code: str  # 업종코드
    simplified_taxation_type_date: date | None = None
    closing_date: date | None = None  # 폐업일 (휴업일 for SUSPENDED)
    corp_reg_no: str | None = None
    phone_number: str | None = None
    tax_office_code: str | None = None
    tax_office_name: str | None = None


class BusinessInfoError(Exception):
    """The business-info provider could not answer. ``permanent=False``: try again later."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class BusinessInfoClient(Protocol):
    def lookup(self, brns: Sequence[str]) -> dict[str, BusinessInfo | None]:
        """Keyed by the normalised BRN, one entry per distinct number; ``None``: not registered.

        Raises ``ValueError`` for a malformed BRN (before any call) and ``BusinessInfoError``.
        """
        ...


def normalise_brns(brns: Sequence[str]) -> list[str]:
    if isinstance(brns, str):
        raise TypeError("lookup() takes a list of BRNs, not a single string")
    return list(dict.fromkeys(validate_brn(raw) for raw in brns))


# Sandbox rules, first match wins (the company-state sandbox's, plus the derived fields).
SANDBOX_BUSINESS_INFO_RULES: Final = """
| 조건 (Condition)                       | 결과 (Result)                                           | 예시           |
|----------------------------------------|---------------------------------------------------------|----------------|
| 검증번호가 틀린 번호                   | 조회 전 거부 ValueError                                 | 120-81-47522   |
| 앞 3자리 999                           | 일시 장애 BusinessInfoError(permanent=False)            | 999-81-00015   |
| 가운데 2자리 99                        | 미등록 (None)                                           | 120-99-00012   |
| 가운데 2자리 98 / 97                   | CLOSED 2024-12-31 / SUSPENDED 2025-01-01                | 120-98-00015   |
| 가운데 2자리 90 / 91 / 92 / 93 / 94    | SIMPLE / SIMPLE_TAX_INVOICE_ISSUER / TAX_FREE / ASSIGNED_ID_NUMBER / SPECIAL | 120-90-00019 |
| 가운데 2자리 81~88                     | 법인사업자 "주식회사 …" (법인등록번호 있음)             | 120-81-47521   |
| 그 밖의 유효한 번호                    | 개인사업자, IN_BUSINESS, NORMAL                         | 214-88-12345   |
"""  # noqa: E501

_TAXATION_BY_MIDDLE: Final = {
    "90": "SIMPLE",
    "91": "SIMPLE_TAX_INVOICE_ISSUER",
    "92": "TAX_FREE",
    "93": "ASSIGNED_ID_NUMBER",
    "94": "SPECIAL",
}
_CORPORATE_MIDDLES: Final = frozenset({"81", "82", "83", "84", "85", "86", "87", "88"})
_NAME_STEMS: Final = (
    "한빛",
    "새솔",
    "다온",
    "가람",
    "누리",
    "미르",
    "온새미",
    "해솔",
    "라온",
    "초롱",
)
_NAME_TAILS: Final = (
    "상사",
    "유통",
    "테크",
    "물산",
    "디자인",
    "푸드",
    "랩스",
    "컴퍼니",
    "솔루션",
    "산업",
)
_SURNAMES: Final = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임")
_GIVEN: Final = ("민준", "서연", "도윤", "하은", "지호", "수아", "예준", "지우", "현우", "유진")
_OFFICES: Final = (
    ("서울특별시 종로구 세종대로 1", "03172", "종로"),
    ("서울특별시 강남구 테헤란로 152", "06236", "역삼"),
    ("서울특별시 마포구 월드컵북로 400", "03925", "마포"),
    ("경기도 성남시 분당구 판교역로 235", "13494", "분당"),
    ("부산광역시 해운대구 센텀중앙로 79", "48058", "해운대"),
    ("대구광역시 중구 국채보상로 680", "41911", "대구"),
    ("인천광역시 연수구 컨벤시아대로 165", "21998", "인천"),
    ("광주광역시 서구 상무중앙로 110", "61945", "광주"),
    ("대전광역시 유성구 대학로 99", "34134", "대전"),
    ("제주특별자치도 제주시 문연로 6", "63122", "제주"),
)
_TRADES: Final = (
    ("도매 및 소매업", "전자상거래 소매업", "479110"),
    ("정보통신업", "응용 소프트웨어 개발 및 공급업", "582900"),
    ("서비스업", "광고 대행업", "713100"),
    ("제조업", "의류 제조업", "141100"),
    ("숙박 및 음식점업", "한식 음식점업", "561101"),
    ("교육 서비스업", "교육 지원 서비스업", "857000"),
    ("운수 및 창고업", "화물 자동차 운송업", "493100"),
    ("전문, 과학 및 기술 서비스업", "경영 컨설팅업", "715100"),
    ("예술, 스포츠 및 여가관련 서비스업", "공연 기획업", "901100"),
    ("건설업", "실내 건축 공사업", "424100"),
)


class SandboxBusinessInfoClient:
    """Deterministic, offline; rules in :data:`SANDBOX_BUSINESS_INFO_RULES`."""

    def lookup(self, brns: Sequence[str]) -> dict[str, BusinessInfo | None]:
        numbers = normalise_brns(brns)
        for brn in numbers:
            if brn[:3] == SANDBOX_OUTAGE_TAX_OFFICE:
                raise BusinessInfoError(
                    f"[sandbox] 사업자정보 조회 일시 장애 (앞 3자리 999: {brn})", permanent=False
                )
        return {brn: self._info(brn) for brn in numbers}

    @staticmethod
    def _info(brn: str) -> BusinessInfo | None:
        middle = brn[3:5]
        if middle == "99":
            return None
        digits = [int(c) for c in brn]
        corporate = middle in _CORPORATE_MIDDLES
        stem = _NAME_STEMS[digits[5]] + _NAME_TAILS[digits[6]]
        name = f"주식회사 {stem}" if corporate else stem
        ceo = _SURNAMES[digits[7]] + _GIVEN[digits[8]]
        address, zip_code, office = _OFFICES[digits[2]]
        business_type, business_class, category = _TRADES[digits[8]]
        status, closing = "IN_BUSINESS", None
        if middle == "98":
            status, closing = "CLOSED", SANDBOX_CLOSED_ON
        elif middle == "97":
            status, closing = "SUSPENDED", SANDBOX_SUSPENDED_ON
        taxation = _TAXATION_BY_MIDDLE.get(middle, "NORMAL")
        opening = date(2000 + (digits[5] * 10 + digits[6]) % 25, digits[7] % 12 + 1, digits[8] + 1)
        return BusinessInfo(
            brn=brn,
            name=name,
            ceo_name=ceo,
            zip_code=zip_code,
            address=f"{address}, {digits[9] + 1}층",
            business_entity_type="법인사업자" if corporate else "개인사업자",
            business_status=status,
            taxation_type=taxation,
            opening_date=opening,
            business_type=business_type,
            business_class=business_class,
            business_category_code=category,
            simplified_taxation_type_date=date(2024, 7, 1) if taxation == "SIMPLE" else None,
            closing_date=closing,
            corp_reg_no=f"110111{brn[3:]}"[:13].ljust(13, "0") if corporate else None,
            phone_number=f"02-{brn[5:9]}-{brn[6:10]}",
            tax_office_code=brn[:3],
            tax_office_name=f"{office}세무서",
        )


def get_business_info_client() -> BusinessInfoClient:
    """``settings.BUSINESS_INFO_PROVIDER``: ``"sandbox"`` (the default and, for now, the only)."""
    provider = getattr(settings, "BUSINESS_INFO_PROVIDER", "sandbox") or "sandbox"
    if provider == "sandbox":
        return SandboxBusinessInfoClient()
    raise ImproperlyConfigured(f"BUSINESS_INFO_PROVIDER must be 'sandbox', not {provider!r}")
