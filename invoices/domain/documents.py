"""What a tax invoice (세금계산서·계산서) must say, and its dates (docs/invoices.md, "Amounts,
document type and due date"). Pure: no Django, no I/O.

* `validate(data, is_modification=)` — the amounts and counts of a B2bTaxInvoiceInput (camelCase,
  already shape-checked by invoices.inputs); raises `core.errors.Invalid` naming the field.
* `check_document_type(supplier_taxation_type, taxation_type)` — which document a supplier may
  issue: 일반과세·간이(세금계산서 발행) → 세금계산서 (TAXABLE, ZERO_RATED); 면세 → 계산서 (FREE);
  간이(세금계산서 미발행) → none.
* `issuance_due_date`, `is_delayed`, `nts_due_at` — the statutory dates, given a calendar with
  `business_day_on_or_after(date)` (settlements.domain.dates.BusinessCalendar).
* `nts_approval_number` — the 24-character 국세청 승인번호.
* `document_key` — auto document keys (docs/invoices.md#addressing) and the key alphabet.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from core.errors import Invalid

KST = ZoneInfo("Asia/Seoul")

MAX_ITEMS = 99
MAX_REMARKS = 3
MAX_ADDITIONAL_CONTACTS = 5
#: the due day of the month after the supply (부가가치세법 §34③: 다음 달 10일)
DUE_DAY = 10

TAXABLE, ZERO_RATED, FREE = "TAXABLE", "ZERO_RATED", "FREE"

#: supplier taxation type (사업자 과세유형) -> the invoice taxation types it may issue
_DOCUMENT_TYPES: dict[str, frozenset[str]] = {
    "NORMAL": frozenset({TAXABLE, ZERO_RATED}),
    "SIMPLE_TAX_INVOICE_ISSUER": frozenset({TAXABLE, ZERO_RATED}),
    "TAX_FREE": frozenset({FREE}),
    "SIMPLE": frozenset(),
}

_AMOUNT_FIELDS = (
    "totalSupplyAmount",
    "totalTaxAmount",
    "totalAmount",
    "cashAmount",
    "checkAmount",
    "creditAmount",
    "noteAmount",
)

DOCUMENT_KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
DOCUMENT_KEY_MAX_LENGTH = 100


class Calendar(Protocol):
    def business_day_on_or_after(self, day: date) -> date: ...


def _bad(field: str, message: str) -> Invalid:
    return Invalid("INVALID_REQUEST", f"{field}: {message}", field=field)


def _no_modification(field: str) -> Invalid:
    """Negative amounts belong to modifications only: without `modification` they are refused
    as B2B_MODIFICATION_NOT_PROVIDED."""
    return Invalid(
        "B2B_MODIFICATION_NOT_PROVIDED",
        f"{field}: 음수 금액은 수정 세금계산서에서만 쓸 수 있습니다 (modification이 필요합니다).",
        field=field,
    )


# --- amounts and counts -----------------------------------------------------------------------


def _tax_fits(supply: int, tax: int) -> bool:
    """|tax − supply/10| ≤ 1, in integers (10·tax vs supply)."""
    return abs(10 * tax - supply) <= 10


def validate(data: Mapping[str, Any], *, is_modification: bool = False) -> None:
    """Refuse what the law and the totals do not allow (INVALID_REQUEST naming the field);
    negative amounts only in modifications (B2B_MODIFICATION_NOT_PROVIDED otherwise)."""
    items = list(data.get("items") or [])
    remarks = list(data.get("remarks") or [])
    contacts = list(data.get("additionalContacts") or [])
    if len(items) > MAX_ITEMS:
        raise _bad("items", f"품목은 최대 {MAX_ITEMS}개입니다 ({len(items)}개).")
    if len(remarks) > MAX_REMARKS:
        raise _bad("remarks", f"비고는 최대 {MAX_REMARKS}개입니다 ({len(remarks)}개).")
    if len(contacts) > MAX_ADDITIONAL_CONTACTS:
        raise _bad(
            "additionalContacts",
            f"추가 담당자는 최대 {MAX_ADDITIONAL_CONTACTS}명입니다 ({len(contacts)}명).",
        )

    supply = int(data["totalSupplyAmount"])
    tax = int(data["totalTaxAmount"])
    total = int(data["totalAmount"])
    taxation = data["taxationType"]

    if not is_modification:
        for name in _AMOUNT_FIELDS:
            value = data.get(name)
            if value is not None and value < 0:
                raise _no_modification(name)
        for i, item in enumerate(items):
            for name in ("supplyCostAmount", "taxAmount"):
                value = item.get(name)
                if value is not None and value < 0:
                    raise _no_modification(f"items[{i}].{name}")

    if total != supply + tax:
        raise _bad(
            "totalAmount",
            f"합계금액({total})은 공급가액({supply}) + 세액({tax}) = {supply + tax}이어야 합니다.",
        )

    supplies = [it["supplyCostAmount"] for it in items if it.get("supplyCostAmount") is not None]
    taxes = [it["taxAmount"] for it in items if it.get("taxAmount") is not None]
    if supplies and sum(supplies) != supply:
        raise _bad(
            "totalSupplyAmount",
            f"품목 공급가액의 합({sum(supplies)})이 공급가액 합계({supply})와 다릅니다.",
        )
    if taxes and sum(taxes) != tax:
        raise _bad("totalTaxAmount", f"품목 세액의 합({sum(taxes)})이 세액 합계({tax})와 다릅니다.")

    if taxation in (FREE, ZERO_RATED):
        label = "면세" if taxation == FREE else "영세율"
        if tax != 0:
            raise _bad("totalTaxAmount", f"{label} 문서의 세액은 0이어야 합니다 ({tax}).")
        for i, item in enumerate(items):
            if item.get("taxAmount") not in (None, 0):
                raise _bad(f"items[{i}].taxAmount", f"{label} 문서의 세액은 0이어야 합니다.")
    elif taxation == TAXABLE:
        priced = [
            (i, it)
            for i, it in enumerate(items)
            if it.get("supplyCostAmount") is not None and it.get("taxAmount") is not None
        ]
        for i, item in priced:
            if not _tax_fits(item["supplyCostAmount"], item["taxAmount"]):
                raise _bad(
                    f"items[{i}].taxAmount",
                    f"과세 품목의 세액({item['taxAmount']})은 공급가액"
                    f"({item['supplyCostAmount']})의 10%(±1원)여야 합니다.",
                )
        if not priced and not _tax_fits(supply, tax):
            raise _bad(
                "totalTaxAmount",
                f"과세 세액({tax})은 공급가액({supply})의 10%(±1원)여야 합니다.",
            )


# --- document type ----------------------------------------------------------------------------


def document_title(taxation_type: str) -> str:
    return "계산서" if taxation_type == FREE else "세금계산서"


def allowed_taxation_types(supplier_taxation_type: str | None) -> frozenset[str]:
    """What a supplier of this 과세유형 may issue; unknown (None) → anything."""
    if not supplier_taxation_type:
        return frozenset({TAXABLE, ZERO_RATED, FREE})
    return _DOCUMENT_TYPES.get(supplier_taxation_type, frozenset({TAXABLE, ZERO_RATED, FREE}))


def check_document_type(supplier_taxation_type: str | None, taxation_type: str) -> None:
    allowed = allowed_taxation_types(supplier_taxation_type)
    if taxation_type in allowed:
        return
    if not allowed:
        raise _bad(
            "supplier",
            "간이과세자(세금계산서 미발행)는 세금계산서·계산서를 발행할 수 없습니다.",
        )
    if taxation_type == FREE:
        raise _bad(
            "taxationType",
            "과세사업자는 면세 계산서(FREE)가 아닌 세금계산서(TAXABLE, ZERO_RATED)를 발행합니다.",
        )
    raise _bad(
        "taxationType",
        "면세사업자는 계산서(FREE)만 발행할 수 있습니다.",
    )


# --- dates ------------------------------------------------------------------------------------


def issuance_due_date(write_date: date, calendar: Calendar) -> date:
    """The 10th of the month after `write_date`, moved to the next business day."""
    year, month = (
        (write_date.year + 1, 1)
        if write_date.month == 12
        else (
            write_date.year,
            write_date.month + 1,
        )
    )
    return calendar.business_day_on_or_after(date(year, month, DUE_DAY))


def kst_date(moment: datetime) -> date:
    return moment.astimezone(KST).date()


def is_delayed(write_date: date, signed_at: datetime, calendar: Calendar) -> bool:
    """Signed (KST day) after the issuance due date: 지연발급."""
    return kst_date(signed_at) > issuance_due_date(write_date, calendar)


def nts_due_at(issued_at: datetime, calendar: Calendar, send_hour: int) -> datetime:
    """The NTS transmission time: the business day after the issue (KST) at `send_hour`:00 KST."""
    day = calendar.business_day_on_or_after(kst_date(issued_at) + timedelta(days=1))
    return datetime.combine(day, time(hour=send_hour), tzinfo=KST)


# --- NTS approval number ----------------------------------------------------------------------

#: The 8 digits after the date: "41000000" for a 세금계산서 (TAXABLE, ZERO_RATED) and "42000000"
#: for a 계산서 (FREE) — the NTS's system/kind block, fixed for our issuer.
_KIND_BLOCK = {TAXABLE: "41000000", ZERO_RATED: "41000000", FREE: "42000000"}
_SUFFIX_ALPHABET = string.ascii_lowercase + string.digits


def nts_approval_number(
    issued_at: datetime, taxation_type: str, *, suffix: str | None = None
) -> str:
    """24 characters: `YYYYMMDD` (issue day, KST) + the 8-digit kind block + 8 random
    `[a-z0-9]` (or `suffix`, for tests). E.g. `20250310410000001a2b3c4d`."""
    tail = (
        suffix
        if suffix is not None
        else "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(8))
    )
    if len(tail) != 8:
        raise ValueError("the approval number suffix is 8 characters")
    return (
        kst_date(issued_at).strftime("%Y%m%d") + _KIND_BLOCK.get(taxation_type, "41000000") + tail
    )


# --- document keys ----------------------------------------------------------------------------


def check_document_key(key: str, field: str) -> None:
    if not DOCUMENT_KEY_RE.match(key) or len(key) > DOCUMENT_KEY_MAX_LENGTH:
        raise _bad(
            field,
            "문서번호는 영문 대소문자, 숫자, '-', '_'로 "
            f"{DOCUMENT_KEY_MAX_LENGTH}자 이내여야 합니다.",
        )


def document_key(invoice_id: str, side: str) -> str:
    """The key given when the caller gives none: `<invoice id>-S` (supplier) / `-R` (recipient).
    Unique because the id is, and inside the key alphabet."""
    return f"{invoice_id}-{'S' if side == 'SUPPLIER' else 'R'}"


def negated_items(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items with supply and tax negated (a negative copy); quantity negated when given."""
    out = []
    for item in items:
        copy = dict(item)
        for name in ("supplyCostAmount", "taxAmount"):
            if copy.get(name) is not None:
                copy[name] = -copy[name]
        if isinstance(copy.get("quantity"), Mapping) and copy["quantity"].get("value") is not None:
            copy["quantity"] = {**copy["quantity"], "value": -copy["quantity"]["value"]}
        out.append(copy)
    return out
