"""The transfer sheet (`GET /platform/transfer-summaries/sheet-file`): which columns a caller may
ask for by key (docs/files.md, "Transfer sheet"), their Korean headers and how each cell is read
from a transfer. Account numbers are masked from the stored last four digits (no decryption per
row, no account numbers in files)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.db.models import QuerySet

from core.errors import invalid
from partners.domain.banks import BANK_LABELS
from partners.models import Partner, PartnerStatus, PartnerType, TaxationType, UserDefinedProperty
from settlements.models import Transfer, TransferType

PAYMENT_METHOD_LABELS = {
    "CARD": "카드",
    "TRANSFER": "계좌이체",
    "VIRTUAL_ACCOUNT": "가상계좌",
    "GIFT_CERTIFICATE": "상품권",
    "MOBILE": "휴대폰",
    "EASY_PAY": "간편결제",
    "CONVENIENCE_STORE": "편의점",
    "CRYPTO": "암호화폐",
}


Getter = Callable[[Transfer], Any]


def _amount(column: str, *, manual: str | None = None) -> Getter:
    """An amount column; MANUAL transfers only have settlement amounts (`manual`)."""

    def get(t: Transfer) -> Any:
        if t.type == TransferType.MANUAL:
            return getattr(t, f"amount_{manual}") if manual else None
        return getattr(t, f"amount_{column}")

    return get


def _snap(*path: str) -> Getter:
    def get(t: Transfer) -> Any:
        value: Any = t.snapshot or {}
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return get


def _method_label(t: Transfer) -> str | None:
    method_type = ((t.snapshot or {}).get("payment") or {}).get("method", {}) or {}
    kind = method_type.get("type") if isinstance(method_type, dict) else None
    return PAYMENT_METHOD_LABELS.get(kind, kind) if kind else None


TRANSFER_COLUMNS: dict[str, tuple[str, Getter]] = {
    "TRANSFER_ID": ("정산건 아이디", lambda t: t.public_id),
    "TRANSFER_TYPE": ("정산 유형", lambda t: str(TransferType(t.type).label)),
    "TRANSFER_STATUS": ("정산 상태", lambda t: t.get_status_display()),
    "TRANSFER_SETTLEMENT_DATE": ("정산일", lambda t: t.settlement_date),
    "TRANSFER_SETTLEMENT_START_DATE": ("정산 시작일", lambda t: t.settlement_start_date),
    "TRANSFER_SETTLEMENT_CURRENCY": ("정산 통화", lambda t: t.settlement_currency),
    "TRANSFER_SETTLEMENT_AMOUNT": ("정산금액", _amount("settlement", manual="settlement")),
    "TRANSFER_SETTLEMENT_TAX_FREE_AMOUNT": (
        "정산 면세금액",
        _amount("settlement_tax_free", manual="settlement_tax_free"),
    ),
    "TRANSFER_MEMO": ("메모", lambda t: t.memo),
    "TRANSFER_PAYMENT_ID": ("주문 번호(결제 아이디)", lambda t: t.payment_public_id or None),
    "TRANSFER_ORDER_NAME": ("주문명", _snap("payment", "orderName")),
    "TRANSFER_PAYMENT_METHOD": ("결제수단", _method_label),
    "TRANSFER_CONTRACT_ID": ("계약 아이디", _snap("contract", "id")),
    "TRANSFER_CONTRACT_NAME": ("계약 이름", _snap("contract", "name")),
    "TRANSFER_ORDER_AMOUNT": ("주문금액", _amount("order")),
    "TRANSFER_ORDER_TAX_FREE_AMOUNT": ("주문 면세금액", _amount("order_tax_free")),
    "TRANSFER_DISCOUNT_AMOUNT": ("할인금액", _amount("discount")),
    "TRANSFER_DISCOUNT_TAX_FREE_AMOUNT": ("할인 면세금액", _amount("discount_tax_free")),
    "TRANSFER_DISCOUNT_SHARE_AMOUNT": ("할인 분담금", _amount("discount_share")),
    "TRANSFER_DISCOUNT_SHARE_TAX_FREE_AMOUNT": (
        "할인 면세 분담금",
        _amount("discount_share_tax_free"),
    ),
    "TRANSFER_PAYMENT_AMOUNT": ("결제금액", _amount("payment")),
    "TRANSFER_PAYMENT_SUPPLY_AMOUNT": ("결제 공급가액", _amount("payment_supply")),
    "TRANSFER_PAYMENT_VAT_AMOUNT": ("결제 부가세액", _amount("payment_vat")),
    "TRANSFER_PAYMENT_TAX_FREE_AMOUNT": ("결제 면세금액", _amount("payment_tax_free")),
    "TRANSFER_PAYMENT_VAT_BURDEN_AMOUNT": ("결제 부가세 부담금", _amount("payment_vat_burden")),
    "TRANSFER_PLATFORM_FEE": ("중개수수료", _amount("platform_fee")),
    "TRANSFER_PLATFORM_FEE_VAT": ("중개수수료 부가세", _amount("platform_fee_vat")),
    "TRANSFER_ADDITIONAL_FEE": ("추가 수수료", _amount("additional_fee")),
    "TRANSFER_ADDITIONAL_FEE_VAT": ("추가 수수료 부가세", _amount("additional_fee_vat")),
}


def _partner_type_label(p: Partner) -> str:
    return str(PartnerType(p.partner_type).label) if p.partner_type else ""


def _taxation_label(p: Partner) -> str | None:
    return str(TaxationType(p.taxation_type).label) if p.taxation_type else None


PARTNER_COLUMNS: dict[str, tuple[str, Callable[[Partner], Any]]] = {
    "PARTNER_ID": ("파트너 아이디", lambda p: p.public_id),
    "PARTNER_NAME": ("파트너 이름", lambda p: p.name),
    "PARTNER_TYPE": ("파트너 유형", _partner_type_label),
    "PARTNER_STATUS": ("파트너 승인 상태", lambda p: str(PartnerStatus(p.status).label)),
    "PARTNER_TAGS": ("파트너 태그", lambda p: ", ".join(p.tags or [])),
    "PARTNER_MEMO": ("파트너 메모", lambda p: p.memo),
    "PARTNER_DEFAULT_CONTRACT_ID": ("기본 계약 아이디", lambda p: p.default_contract.public_id),
    "PARTNER_COMPANY_NAME": ("상호", lambda p: p.company_name),
    "PARTNER_BUSINESS_REGISTRATION_NUMBER": (
        "사업자등록번호",
        lambda p: p.business_registration_number,
    ),
    "PARTNER_REPRESENTATIVE_NAME": ("대표자", lambda p: p.representative_name),
    "PARTNER_TAXATION_TYPE": ("과세 유형", _taxation_label),
    "PARTNER_CONTACT_NAME": ("담당자 이름", lambda p: p.contact_name),
    "PARTNER_CONTACT_EMAIL": ("담당자 이메일", lambda p: p.contact_email),
    "PARTNER_CONTACT_PHONE_NUMBER": ("담당자 전화번호", lambda p: p.contact_phone),
    "PARTNER_BANK": ("은행", lambda p: BANK_LABELS.get(p.bank, p.bank)),
    # Masked from the stored last four digits: no decryption per row, no account numbers in files.
    "PARTNER_ACCOUNT_NUMBER": (
        "계좌번호",
        lambda p: f"******{p.account_number_last4}" if p.account_number_last4 else None,
    ),
    "PARTNER_ACCOUNT_HOLDER": ("예금주", lambda p: p.account_holder),
    "PARTNER_ACCOUNT_CURRENCY": ("계좌 통화", lambda p: p.account_currency),
}


DEFAULT_SHEET_FIELDS: tuple[str, ...] = (
    "TRANSFER_ID",
    "TRANSFER_TYPE",
    "TRANSFER_STATUS",
    "PARTNER_ID",
    "PARTNER_NAME",
    "TRANSFER_SETTLEMENT_DATE",
    "TRANSFER_SETTLEMENT_START_DATE",
    "TRANSFER_SETTLEMENT_CURRENCY",
    "TRANSFER_SETTLEMENT_AMOUNT",
    "TRANSFER_SETTLEMENT_TAX_FREE_AMOUNT",
    "TRANSFER_CONTRACT_ID",
    "TRANSFER_CONTRACT_NAME",
    "TRANSFER_PAYMENT_ID",
    "TRANSFER_ORDER_NAME",
    "TRANSFER_PAYMENT_METHOD",
    "TRANSFER_ORDER_AMOUNT",
    "TRANSFER_ORDER_TAX_FREE_AMOUNT",
    "TRANSFER_DISCOUNT_AMOUNT",
    "TRANSFER_DISCOUNT_TAX_FREE_AMOUNT",
    "TRANSFER_DISCOUNT_SHARE_AMOUNT",
    "TRANSFER_DISCOUNT_SHARE_TAX_FREE_AMOUNT",
    "TRANSFER_PAYMENT_AMOUNT",
    "TRANSFER_PAYMENT_SUPPLY_AMOUNT",
    "TRANSFER_PAYMENT_VAT_AMOUNT",
    "TRANSFER_PAYMENT_TAX_FREE_AMOUNT",
    "TRANSFER_PAYMENT_VAT_BURDEN_AMOUNT",
    "TRANSFER_PLATFORM_FEE",
    "TRANSFER_PLATFORM_FEE_VAT",
    "TRANSFER_ADDITIONAL_FEE",
    "TRANSFER_ADDITIONAL_FEE_VAT",
    "TRANSFER_MEMO",
)


def _transfer_property(key: str) -> Getter:
    def get(t: Transfer) -> Any:
        for prop in t.user_defined_properties or []:
            if prop.get("key") == key:
                return (prop.get("value") or {}).get("string")
        return None

    return get


def _partner_property(key: str) -> Getter:
    return lambda t: (t.partner.user_defined_properties or {}).get(key)


def _partner_column(getter: Callable[[Partner], Any]) -> Getter:
    return lambda t: getter(t.partner)


def sheet_columns(fields: list[str] | None) -> list[tuple[str, Getter]]:
    """Column keys -> (Korean header, getter), in the requested order; unknown keys -> 400.

    Besides the fixed keys: TRANSFER_{key} / PARTNER_{key} for registered user-defined
    properties, FORMULA_{key} for user-defined formulas (none are defined yet: empty cells)."""
    keys = list(dict.fromkeys(fields or DEFAULT_SHEET_FIELDS))
    labels = dict(UserDefinedProperty.objects.values_list("key", "label"))
    columns: list[tuple[str, Getter]] = []
    unknown: list[str] = []
    for key in keys:
        if key in TRANSFER_COLUMNS:
            columns.append(TRANSFER_COLUMNS[key])
        elif key in PARTNER_COLUMNS:
            label, getter = PARTNER_COLUMNS[key]
            columns.append((label, _partner_column(getter)))
        elif key.startswith("TRANSFER_") and key[9:] in labels:
            columns.append((f"정산건 속성: {labels[key[9:]]}", _transfer_property(key[9:])))
        elif key.startswith("PARTNER_") and key[8:] in labels:
            columns.append((f"파트너 속성: {labels[key[8:]]}", _partner_property(key[8:])))
        elif key.startswith("FORMULA_") and len(key) > 8:
            columns.append((f"정산 수식: {key[8:]}", lambda t: None))
        else:
            unknown.append(key)
    if unknown:
        raise invalid(f"fields: 알 수 없는 열 키입니다: {', '.join(unknown)}")
    return columns


def sheet_rows(qs: QuerySet, columns: list[tuple[str, Getter]]) -> Iterator[list[Any]]:
    """Rows of cells (dates as yyyy-MM-dd), 2,000 transfers read at a time."""
    for transfer in qs.iterator(chunk_size=2000):
        yield [_cell(getter(transfer)) for _, getter in columns]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else value
