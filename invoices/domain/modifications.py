"""Modified tax invoices (수정 세금계산서, 부가가치세법 시행령 §70; docs/invoices.md,
"Modifications"). Pure: no Django, no I/O.

One API call carries one `taxInvoice` and `modification {type, taxInvoiceKey, …}`. `plan` checks
the original and says which documents the call makes:

* CORRECTION_OF_ENTRY_ERRORS — sent: the corrected positive document; made with it: a negative
  copy of the original; both dated with the original's write date.
* CHANGE_IN_SUPPLY_COST — sent: the ± difference, dated the change date (the caller's).
* RETURN — sent: the negative amounts returned, dated the return date (the caller's).
* CANCELLATION_OF_CONTRACT — sent: the full negative, dated the cancellation date (the caller's).
* DUPLICATE_ISSUANCE_DUE_TO_ERROR — sent: the full negative, the original's write date.
* LOCAL_LETTER_OF_CREDIT_OPENED_LATE — sent: the ZERO_RATED positive copy; made with it: a
  negative copy of the original; both dated with the original's write date.

The negative copy (`Plan.negative_copy`) is made by the service, in the same status as the
document sent, linked to the same original and root; the API answers with the document sent.
Where the law fixes the write date to the original's, the sent `writeDate` is replaced by it.
A full negative's items, when the caller sends none, are the original's negated.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from core.errors import Invalid
from invoices.domain.documents import ZERO_RATED, negated_items


class Type(enum.StrEnum):
    CORRECTION_OF_ENTRY_ERRORS = "CORRECTION_OF_ENTRY_ERRORS"
    CHANGE_IN_SUPPLY_COST = "CHANGE_IN_SUPPLY_COST"
    RETURN = "RETURN"
    CANCELLATION_OF_CONTRACT = "CANCELLATION_OF_CONTRACT"
    DUPLICATE_ISSUANCE_DUE_TO_ERROR = "DUPLICATE_ISSUANCE_DUE_TO_ERROR"
    LOCAL_LETTER_OF_CREDIT_OPENED_LATE = "LOCAL_LETTER_OF_CREDIT_OPENED_LATE"


#: types whose call makes two documents (the sent one and a negative copy of the original)
TWO_DOCUMENTS = frozenset(
    {Type.CORRECTION_OF_ENTRY_ERRORS, Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE}
)
#: types dated with the original's write date
ORIGINAL_DATE = frozenset(
    {
        Type.CORRECTION_OF_ENTRY_ERRORS,
        Type.DUPLICATE_ISSUANCE_DUE_TO_ERROR,
        Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE,
    }
)
#: types whose document is the full negative of the original
FULL_NEGATIVE = frozenset({Type.CANCELLATION_OF_CONTRACT, Type.DUPLICATE_ISSUANCE_DUE_TO_ERROR})

#: the suffix of the negative copy's id: `<id of the document sent>-N`
NEGATIVE_COPY_SUFFIX = "-N"


@dataclass(frozen=True)
class Original:
    """What the rules need to know of the original invoice."""

    status: str
    issuance_type: str
    taxation_type: str
    write_date: date
    total_supply_amount: int
    total_tax_amount: int
    total_amount: int
    items: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class NegativeCopy:
    taxation_type: str
    write_date: date
    total_supply_amount: int
    total_tax_amount: int
    total_amount: int
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class Plan:
    type: Type
    #: fields of the sent document to replace (camelCase: writeDate, items)
    sent_changes: dict[str, Any]
    negative_copy: NegativeCopy | None


def _bad(field_name: str, message: str) -> Invalid:
    return Invalid("INVALID_REQUEST", f"{field_name}: {message}", field=field_name)


def _amounts(data: Mapping[str, Any]) -> tuple[int, int, int]:
    return (
        int(data["totalSupplyAmount"]),
        int(data["totalTaxAmount"]),
        int(data["totalAmount"]),
    )


def check_original(kind: Type, original: Original, sent: Mapping[str, Any]) -> None:
    """The refusals of §9.4: status, issuance type, taxation type."""
    if original.status != "SENDING_COMPLETED":
        raise Invalid(
            "B2B_TAX_INVOICE_STATUS_NOT_SENDING_COMPLETED",
            f"원본 세금계산서가 국세청 전송 완료 상태가 아닙니다 (현재 {original.status}).",
        )
    issuance = sent.get("issuanceType") or "REVERSE"
    if issuance != original.issuance_type:
        raise Invalid(
            "B2B_ISSUANCE_TYPE_MISMATCH",
            f"수정 세금계산서의 발행 유형({issuance})이 원본({original.issuance_type})과 다릅니다.",
        )
    taxation = sent["taxationType"]
    if kind is Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE:
        if taxation != ZERO_RATED or original.taxation_type == ZERO_RATED:
            raise Invalid(
                "B2B_CANNOT_CHANGE_TAX_TYPE",
                "내국신용장 사후 개설은 과세 원본을 영세율(ZERO_RATED) 문서로 다시 발행합니다.",
            )
    elif taxation != original.taxation_type:
        raise Invalid(
            "B2B_CANNOT_CHANGE_TAX_TYPE",
            f"과세 유형({taxation})을 원본({original.taxation_type})과 다르게 바꿀 수 없습니다.",
        )


def plan(kind: Type | str, original: Original, sent: Mapping[str, Any]) -> Plan:
    """Check the modification and say what to make (see the module docstring)."""
    kind = Type(kind)
    check_original(kind, original, sent)
    supply, tax, total = _amounts(sent)
    changes: dict[str, Any] = {}
    if kind in ORIGINAL_DATE:
        changes["writeDate"] = original.write_date

    if kind in (Type.CORRECTION_OF_ENTRY_ERRORS, Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE):
        if supply < 0 or tax < 0 or total < 0:
            raise _bad(
                "totalSupplyAmount",
                "정정·영세율 재발행 문서는 양수 금액으로 보냅니다 (음수 사본은 자동으로 만듭니다).",
            )
    elif kind is Type.CHANGE_IN_SUPPLY_COST:
        if supply == 0 and tax == 0:
            raise _bad("totalSupplyAmount", "공급가액 변동분(증감액)을 보내야 합니다.")
    elif kind is Type.RETURN:
        if supply >= 0 or tax > 0:
            raise _bad("totalSupplyAmount", "환입은 돌아온 만큼의 음수 금액으로 보냅니다.")
        if original.total_supply_amount > 0 and -supply > original.total_supply_amount:
            raise _bad(
                "totalSupplyAmount",
                f"환입 공급가액({-supply})이 원본 공급가액"
                f"({original.total_supply_amount})보다 큽니다.",
            )
    elif kind in FULL_NEGATIVE:
        expected = (
            -original.total_supply_amount,
            -original.total_tax_amount,
            -original.total_amount,
        )
        if (supply, tax, total) != expected:
            raise _bad(
                "totalSupplyAmount",
                "원본 전액의 음수여야 합니다: 공급가액 {}, 세액 {}, 합계 {}.".format(*expected),
            )
        if not sent.get("items"):
            changes["items"] = negated_items(original.items)

    negative = None
    if kind in TWO_DOCUMENTS:
        negative = NegativeCopy(
            taxation_type=original.taxation_type,
            write_date=original.write_date,
            total_supply_amount=-original.total_supply_amount,
            total_tax_amount=-original.total_tax_amount,
            total_amount=-original.total_amount,
            items=negated_items(original.items),
        )
    return Plan(type=kind, sent_changes=changes, negative_copy=negative)


def negative_copy_id(sent_id: str) -> str:
    return sent_id + NEGATIVE_COPY_SUFFIX
