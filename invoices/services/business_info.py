"""사업자정보 조회 for the B2B API (`POST /b2b/companies/business-info`) and for counterparties
(`checkBusinessInfo`, `businessInfoVerificationId`). docs/invoices.md#business-information.

Each successful answer is recorded as a `partners.models.CompanyVerification` whose id starts
with `BI` (a plain ULID never does) and whose `raw` keeps the answer, so its id (`verificationId`)
can be given again when a counterparty is created without asking the provider twice. A 휴폐업
lookup (company state) is a verification of the other kind (its id a plain ULID;
`B2B_COUNTERPARTY_VERIFICATION_TYPE_MISMATCH` between them). The id, not `raw`, tells the kind:
the company-state lookup's cache copies `raw` of any recent row of the number.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from typing import Any

from ulid import ULID

from core.errors import Unavailable, invalid
from partners.domain.brn import validate_brn
from partners.models import CompanyVerification
from partners.providers.business_info import (
    MAX_BATCH,
    BusinessInfo,
    BusinessInfoError,
    get_business_info_client,
)

KIND_BUSINESS_INFO = "BUSINESS_INFO"
ID_PREFIX = "BI"
_DATE_FIELDS = ("opening_date", "simplified_taxation_type_date", "closing_date")


@dataclass(frozen=True)
class InfoResult:
    """One item of the answer: the number as asked, and either the info (+ its verification) or
    the reason it could not be given."""

    brn: str
    info: BusinessInfo | None = None
    verification: CompanyVerification | None = None
    error: str | None = None


def is_business_info(verification: CompanyVerification) -> bool:
    return verification.public_id.startswith(ID_PREFIX)


def _info_raw(info: BusinessInfo) -> dict[str, Any]:
    out = dataclasses.asdict(info)
    for name in _DATE_FIELDS:
        if out[name] is not None:
            out[name] = out[name].isoformat()
    return out


def info_of(verification: CompanyVerification) -> BusinessInfo:
    """The answer a business-info verification recorded."""
    data = dict((verification.raw or {}).get("info") or {})
    for name in _DATE_FIELDS:
        if data.get(name):
            data[name] = date.fromisoformat(data[name])
    return BusinessInfo(**data)


def record(info: BusinessInfo, *, is_for_test: bool) -> CompanyVerification:
    return CompanyVerification.objects.create(
        public_id=f"{ID_PREFIX}{ULID()}",
        is_for_test=is_for_test,
        business_registration_number=info.brn,
        status=info.business_status,
        taxation_type=info.taxation_type or "",
        closed_on=info.closing_date,
        raw={"kind": KIND_BUSINESS_INFO, "info": _info_raw(info)},
    )


def _ask(brns: list[str]) -> dict[str, BusinessInfo | None]:
    try:
        return get_business_info_client().lookup(brns)
    except BusinessInfoError as exc:
        raise Unavailable("B2B_EXTERNAL_SERVICE", f"사업자정보 조회 실패: {exc.message}") from exc


def lookup_many(brn_list: list[str], *, is_for_test: bool) -> list[InfoResult]:
    """One result per number given, in order. A malformed or unregistered number is an item
    with `error`; the provider failing fails the whole request (502 B2B_EXTERNAL_SERVICE)."""
    if not brn_list:
        raise invalid("brnList: 사업자등록번호를 하나 이상 입력해 주세요.")
    if len(brn_list) > MAX_BATCH:
        raise invalid(f"brnList: 한 번에 최대 {MAX_BATCH}개까지 조회할 수 있습니다.")
    normalised: list[str | None] = []
    errors: dict[int, str] = {}
    for index, raw in enumerate(brn_list):
        try:
            normalised.append(validate_brn(raw))
        except ValueError as exc:
            normalised.append(None)
            errors[index] = str(exc)
    valid = [brn for brn in dict.fromkeys(normalised) if brn]
    infos = _ask(valid) if valid else {}
    recorded: dict[str, CompanyVerification] = {}
    results = []
    for index, raw in enumerate(brn_list):
        brn = normalised[index]
        if brn is None:
            results.append(InfoResult(brn=raw, error=errors[index]))
            continue
        info = infos.get(brn)
        if info is None:
            results.append(
                InfoResult(brn=brn, error="국세청에 등록되지 않은 사업자등록번호입니다.")
            )
            continue
        if brn not in recorded:
            recorded[brn] = record(info, is_for_test=is_for_test)
        results.append(InfoResult(brn=brn, info=info, verification=recorded[brn]))
    return results


def lookup_one(
    brn: str, *, is_for_test: bool
) -> tuple[BusinessInfo | None, CompanyVerification | None]:
    """The info of one valid, normalised number (None, None when it is not registered)."""
    info = _ask([brn]).get(brn)
    if info is None:
        return None, None
    return info, record(info, is_for_test=is_for_test)
