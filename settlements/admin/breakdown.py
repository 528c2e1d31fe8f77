"""A transfer's amounts and the policy versions it used, as tables a person reads (the transfer
detail page). The numbers are the transfer's columns; the per-discount, per-fee and per-line
parts and the versions come from the snapshot frozen when it was computed
(settlements.services.rules.computed_snapshot). Formula: docs/calculation.md#amounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from core.admin.display import won
from policies.domain.rates import format_milli_percent
from policies.models import (
    AdditionalFeePolicy,
    Contract,
    CycleMethod,
    DatePolicy,
    DiscountSharePolicy,
    Payer,
)
from settlements.models import Transfer, TransferType

#: settlement = order − each of these (docs/calculation.md#amounts, row 16)
DEDUCTIONS = (
    ("amount_discount_share", "할인 분담금 (파트너 부담분)"),
    ("amount_platform_fee", "중개수수료"),
    ("amount_platform_fee_vat", "중개수수료 부가세"),
    ("amount_additional_fee", "추가 수수료"),
    ("amount_additional_fee_vat", "추가 수수료 부가세"),
    ("amount_payment_vat_burden", "결제 부가세 부담금"),
)
#: (label, amount column, its tax-free column or None)
PARTS = (
    ("주문금액", "amount_order", "amount_order_tax_free"),
    ("할인금액", "amount_discount", "amount_discount_tax_free"),
    ("결제금액 (주문 − 할인)", "amount_payment", "amount_payment_tax_free"),
    ("결제 공급가액", "amount_payment_supply", None),
    ("결제 부가세", "amount_payment_vat", None),
    ("할인 분담금", "amount_discount_share", "amount_discount_share_tax_free"),
    ("정산금액", "amount_settlement", "amount_settlement_tax_free"),
)


@dataclass(frozen=True)
class Row:
    label: str
    amount: int
    note: str = ""
    tax_free: int | None = None
    key: str = ""
    currency: str = "KRW"

    @property
    def html(self) -> str:
        return won(self.amount, currency=self.currency)

    @property
    def tax_free_html(self) -> str:
        return "" if self.tax_free is None else won(self.tax_free, currency=self.currency)


@dataclass(frozen=True)
class PolicyRow:
    kind: str
    public_id: str
    name: str
    terms: str
    applied_at: datetime | None
    url: str | None


def calculation_rows(transfer: Transfer) -> list[Row]:
    """주문금액, then each deduction as a negative amount; they add up to 정산금액."""
    c = transfer.settlement_currency
    if transfer.type == TransferType.MANUAL:
        amount = transfer.amount_settlement
        return [Row("수기 정산금액", amount, "사람이 정한 금액", key="manual", currency=c)]
    rows = [Row("주문금액", transfer.amount_order, "더함", key="amount_order", currency=c)]
    rows += [
        Row(label, -getattr(transfer, column), "뺌", key=column, currency=c)
        for column, label in DEDUCTIONS
    ]
    return rows


def part_rows(transfer: Transfer) -> list[Row]:
    """Every amount field with its tax-free part (none for a manual transfer but the last)."""
    c = transfer.settlement_currency
    if transfer.type == TransferType.MANUAL:
        return [
            Row(
                "정산금액",
                transfer.amount_settlement,
                tax_free=transfer.amount_settlement_tax_free,
                key="amount_settlement",
                currency=c,
            )
        ]
    return [
        Row(
            label,
            getattr(transfer, column),
            tax_free=getattr(transfer, tax_free) if tax_free else None,
            key=column,
            currency=c,
        )
        for label, column, tax_free in PARTS
    ]


def _applied(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _fee_text(fee: dict | None) -> str:
    if not fee:
        return "-"
    if fee.get("type") == "FIXED_RATE":
        return f"정률 {format_milli_percent(fee.get('rate'))}"
    return f"정액 {fee.get('amount', 0):,}원"


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "-")


def _cycle_text(cycle: dict | None) -> str:
    if not cycle:
        return ""
    method = cycle.get("method") or {}
    kind = _label(CycleMethod, method.get("type"))
    if method.get("type") == CycleMethod.WEEKLY:
        kind += " " + ", ".join(method.get("daysOfWeek") or [])
    elif method.get("type") == CycleMethod.MONTHLY:
        kind += " " + ", ".join(f"{d}일" for d in method.get("daysOfMonth") or [])
    elif method.get("type") == CycleMethod.MANUAL_DATES:
        kind += " " + ", ".join(f"{d['month']}/{d['day']}" for d in method.get("dates") or [])
    return f"{kind} · D+{cycle.get('lagDays', 0)} · {_label(DatePolicy, cycle.get('datePolicy'))}"


def _admin_url(model, public_id: str, is_for_test: bool) -> str | None:
    pk = (
        model.objects.filter(public_id=public_id, is_for_test=is_for_test)
        .values_list("pk", flat=True)
        .first()
    )
    if pk is None:
        return None
    opts = model._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def _discounts(snapshot: dict) -> list[dict]:
    found = list(snapshot.get("discounts") or [])
    for line in snapshot.get("orderLines") or []:
        found += line.get("discounts") or []
    return found


def _fees(snapshot: dict) -> list[dict]:
    found = list(snapshot.get("additionalFees") or [])
    for line in snapshot.get("orderLines") or []:
        found += line.get("additionalFees") or []
    return found


def policy_rows(transfer: Transfer) -> list[PolicyRow]:
    """The contract, discount-share and additional-fee policy versions the calculation used."""
    snapshot = transfer.snapshot or {}
    test = transfer.is_for_test
    rows: list[PolicyRow] = []
    contract = snapshot.get("contract")
    if contract:
        terms = [
            f"중개수수료 {_fee_text(contract.get('platformFee'))}",
            f"수수료 부가세 {_label(Payer, contract.get('platformFeeVatPayer'))}",
        ]
        if contract.get("subtractPaymentVatAmount"):
            terms.append("결제 부가세 차감")
        cycle = _cycle_text(contract.get("settlementCycle"))
        if cycle:
            terms.append(f"주기 {cycle}")
        rows.append(
            PolicyRow(
                "계약",
                contract.get("id", ""),
                contract.get("name", ""),
                " · ".join(terms),
                _applied(contract.get("appliedAt")),
                _admin_url(Contract, contract.get("id", ""), test),
            )
        )
    seen: set[tuple[str, str]] = set()
    for entry in _discounts(snapshot):
        policy = entry.get("sharePolicy") or {}
        key = ("share", policy.get("id", ""))
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            PolicyRow(
                "할인 분담 정책",
                policy.get("id", ""),
                policy.get("name", ""),
                f"파트너 분담 {format_milli_percent(policy.get('partnerShareRate', 0))}",
                _applied(policy.get("appliedAt")),
                _admin_url(DiscountSharePolicy, policy.get("id", ""), test),
            )
        )
    for entry in _fees(snapshot):
        policy = entry.get("policy") or {}
        key = ("fee", policy.get("id", ""))
        if key in seen:
            continue
        seen.add(key)
        rows.append(
            PolicyRow(
                "추가 수수료 정책",
                policy.get("id", ""),
                policy.get("name", ""),
                f"{_fee_text(policy.get('fee'))} · 부가세 {_label(Payer, policy.get('vatPayer'))}",
                _applied(policy.get("appliedAt")),
                _admin_url(AdditionalFeePolicy, policy.get("id", ""), test),
            )
        )
    return rows


def discount_rows(transfer: Transfer) -> list[dict]:
    c = transfer.settlement_currency
    return [
        {
            "policy": (d.get("sharePolicy") or {}).get("name", ""),
            "policy_id": (d.get("sharePolicy") or {}).get("id", ""),
            "amount": won(d.get("amount", 0), currency=c),
            "share": won(d.get("shareAmount", 0), currency=c),
            "tax_free": won(d.get("taxFreeAmount", 0), currency=c),
        }
        for d in _discounts(transfer.snapshot or {})
    ]


def fee_rows(transfer: Transfer) -> list[dict]:
    c = transfer.settlement_currency
    return [
        {
            "policy": (f.get("policy") or {}).get("name", ""),
            "policy_id": (f.get("policy") or {}).get("id", ""),
            "amount": won(f.get("amount", 0), currency=c),
            "vat": won(f.get("vat", 0), currency=c),
        }
        for f in _fees(transfer.snapshot or {})
    ]


def line_rows(transfer: Transfer) -> list[dict]:
    c = transfer.settlement_currency
    out = []
    for line in (transfer.snapshot or {}).get("orderLines") or []:
        product = line.get("product") or {}
        amount = line.get("amount") or {}
        out.append(
            {
                "product": product.get("name") or product.get("id", ""),
                "product_id": product.get("id", ""),
                "quantity": line.get("quantity", 0),
                "order": won(amount.get("order", 0), currency=c),
                "discount": won(amount.get("discount", 0), currency=c),
                "platform_fee": won(amount.get("platformFee", 0), currency=c),
                "settlement": won(amount.get("settlement", 0), currency=c),
            }
        )
    return out


def payment_info(transfer: Transfer) -> dict | None:
    payment = (transfer.snapshot or {}).get("payment")
    if not payment:
        return None
    return {
        "id": payment.get("id", transfer.payment_public_id),
        "kind": "포트원 결제" if payment.get("type") == "PORT_ONE" else "외부 결제",
        "order_name": payment.get("orderName", ""),
        "method": (payment.get("method") or {}).get("type", ""),
        "paid_at": _applied(payment.get("paidAt")),
        "currency": payment.get("currency", ""),
    }
