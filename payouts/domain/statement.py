"""정산 내역서 (settlement statement) of one payout: its lines, subtotals and totals, and the
sums that must agree — transfers → partner settlements → the payout
(docs/payouts.md#settlement-statements).

Ints in (won, or the currency's minor unit), the statement out; ORDER_CANCEL amounts arrive as
positive magnitudes and are signed here (docs/payouts.md#net-settlement), MANUAL amounts are
already signed. Every amount `x` of a statement object also reads as `x_text` ("1,234,567원"),
so a template shows money without filters of its own.

What this module must NOT do: no Django, no I/O, no clock; the service loads the rows and passes
them in as plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from partners.domain.accounts import mask_birthdate
from partners.domain.banks import BANK_LABELS

KRW = "KRW"
ORDER_CANCEL = "ORDER_CANCEL"
TRANSFER_TYPE_LABELS = {
    "ORDER": "주문 정산",
    "ORDER_CANCEL": "주문 취소 정산",
    "MANUAL": "수기 정산",
}
PARTNER_TYPE_LABELS = {
    "BUSINESS": "사업자",
    "WHT_PAYER": "원천징수 대상자",
    "NON_WHT_PAYER": "원천징수 비대상자",
}
TAXATION_TYPE_LABELS = {
    "NORMAL": "일반과세",
    "SIMPLE_TAX_INVOICE_ISSUER": "간이과세(세금계산서 발행)",
    "SIMPLE": "간이과세(세금계산서 미발행)",
    "TAX_FREE": "면세",
}


def money_text(amount: int | None, currency: str = KRW) -> str:
    """1234567 -> "1,234,567원"; other currencies "1,234 USD" (minor units, as the admin shows)."""
    if amount is None:
        return "-"
    return f"{amount:,}원" if currency == KRW else f"{amount:,} {currency}"


def brn_text(number: str | None) -> str:
    """1208147521 -> 120-81-47521."""
    digits = "".join(ch for ch in (number or "") if ch.isdigit())
    if len(digits) != 10:
        return number or "-"
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"


def signed(transfer_type: str, amount: int) -> int:
    """ORDER_CANCEL amounts are stored positive and subtract."""
    return -amount if transfer_type == ORDER_CANCEL else amount


class _MoneyText:
    """`obj.<amount>_text` formats the int attribute `<amount>` in the object's currency."""

    def __getattr__(self, name: str):
        if name.endswith("_text") and not name.startswith("_"):
            value = object.__getattribute__(self, name[: -len("_text")])
            return money_text(value, object.__getattribute__(self, "currency"))
        raise AttributeError(name)


# --- What the service passes in ---------------------------------------------------------------


@dataclass(frozen=True)
class TransferRow:
    """A transfer as stored (ORDER_CANCEL amounts positive)."""

    public_id: str
    type: str
    settlement_start_date: date | None
    settlement_date: date
    description: str  # order name, payment id or memo
    payment_amount: int
    fee_amount: int  # platform + additional fees with their VAT
    settlement_amount: int
    settlement_tax_free_amount: int


@dataclass(frozen=True)
class SettlementRow:
    """A partner settlement as stored, with the totals of all its transfers (aggregated by the
    service) and the first `len(transfers)` of them."""

    public_id: str
    type: str
    settlement_date: date
    contract_name: str
    period_from: date | None
    period_until: date | None
    settlement_amount: int
    settlement_tax_free_amount: int
    transfer_count: int
    transfer_sum: int  # SUM(amount_settlement) of its transfers, stored magnitudes
    transfer_tax_free_sum: int
    transfers: Sequence[TransferRow] = ()


@dataclass(frozen=True)
class PayoutRow:
    """The payout's snapshot (amounts from calculate_payout at creation)."""

    public_id: str
    bulk_payout_name: str
    currency: str
    amount: int
    supply_amount: int
    vat_amount: int
    tax_free_amount: int
    settlement_amount: int
    settlement_tax_free_amount: int
    income_tax_amount: int
    local_income_tax_amount: int
    deduct_wht: bool
    partner_name: str
    partner_type: str
    taxation_type: str | None
    company_name: str | None
    representative_name: str | None
    business_registration_number: str | None
    birthdate: str | None
    bank: str
    masked_account_number: str
    account_holder: str
    paid_at: datetime | None


# --- What the template reads ------------------------------------------------------------------


@dataclass(frozen=True)
class TransferLine(_MoneyText):
    public_id: str
    type: str
    type_label: str
    date: date
    description: str
    payment_amount: int
    fee_amount: int
    settlement_amount: int
    settlement_tax_free_amount: int
    currency: str = KRW


@dataclass(frozen=True)
class SettlementGroup(_MoneyText):
    public_id: str
    type: str
    type_label: str
    settlement_date: date
    contract_name: str
    period_from: date | None
    period_until: date | None
    transfer_count: int
    settlement_amount: int  # signed
    settlement_tax_free_amount: int
    lines: tuple[TransferLine, ...]
    omitted_count: int  # transfers beyond the line limit: counted in the subtotal, not listed
    omitted_amount: int
    currency: str = KRW


@dataclass(frozen=True)
class Statement(_MoneyText):
    payout_id: str
    bulk_payout_name: str
    statement_id: str
    currency: str
    partner_name: str
    partner_type: str
    partner_type_label: str
    taxation_type_label: str
    company_name: str
    representative_name: str
    identity_label: str  # 사업자등록번호 / 생년월일
    identity_text: str  # 120-81-47521 / 1990-**-**
    bank_label: str
    masked_account_number: str
    account_holder: str
    paid_at: datetime | None
    period_from: date | None
    period_until: date | None
    settlement_date_from: date | None
    settlement_date_until: date | None
    groups: tuple[SettlementGroup, ...]
    transfer_count: int
    settlement_amount: int  # S, the net of the groups
    settlement_tax_free_amount: int
    supply_amount: int
    vat_amount: int
    tax_free_amount: int
    income_tax_amount: int
    local_income_tax_amount: int
    withholding_amount: int  # income + local income tax
    withheld_amount: int  # what was deducted from the payment (0 unless deduct_wht)
    deduct_wht: bool
    amount: int  # paid
    discrepancies: tuple[str, ...] = field(default=())

    @property
    def is_business(self) -> bool:
        return self.partner_type == "BUSINESS"

    @property
    def has_cancels(self) -> bool:
        return any(g.type == ORDER_CANCEL for g in self.groups)

    @property
    def has_withholding(self) -> bool:
        return self.partner_type == "WHT_PAYER"


def _period(starts: list[date | None], ends: list[date | None]) -> tuple[date | None, date | None]:
    starts_ = [d for d in starts if d]
    ends_ = [d for d in ends if d]
    return (min(starts_) if starts_ else None, max(ends_) if ends_ else None)


def build_statement(
    payout: PayoutRow, settlements: Sequence[SettlementRow], *, statement_id: str = ""
) -> Statement:
    """The statement of a payout, and what in it does not add up (`discrepancies`, empty when
    transfers → settlements → payout agree)."""
    currency = payout.currency
    problems: list[str] = []
    groups = []
    for s in sorted(settlements, key=lambda s: (s.settlement_date, s.type, s.public_id)):
        lines = tuple(
            TransferLine(
                public_id=t.public_id,
                type=t.type,
                type_label=TRANSFER_TYPE_LABELS.get(t.type, t.type),
                date=t.settlement_start_date or t.settlement_date,
                description=t.description,
                payment_amount=signed(t.type, t.payment_amount),
                fee_amount=signed(t.type, t.fee_amount),
                settlement_amount=signed(t.type, t.settlement_amount),
                settlement_tax_free_amount=signed(t.type, t.settlement_tax_free_amount),
                currency=currency,
            )
            for t in s.transfers
        )
        amount = signed(s.type, s.settlement_amount)
        if s.transfer_sum != s.settlement_amount:
            problems.append(
                f"정산 내역 {s.public_id}: 정산건 합계 {s.transfer_sum:,} ≠ 정산금액 "
                f"{s.settlement_amount:,}"
            )
        if s.transfer_tax_free_sum != s.settlement_tax_free_amount:
            problems.append(
                f"정산 내역 {s.public_id}: 정산건 면세 합계 {s.transfer_tax_free_sum:,} ≠ "
                f"면세금액 {s.settlement_tax_free_amount:,}"
            )
        groups.append(
            SettlementGroup(
                public_id=s.public_id,
                type=s.type,
                type_label=TRANSFER_TYPE_LABELS.get(s.type, s.type),
                settlement_date=s.settlement_date,
                contract_name=s.contract_name,
                period_from=s.period_from,
                period_until=s.period_until,
                transfer_count=s.transfer_count,
                settlement_amount=amount,
                settlement_tax_free_amount=signed(s.type, s.settlement_tax_free_amount),
                lines=lines,
                omitted_count=max(s.transfer_count - len(lines), 0),
                omitted_amount=amount - sum(line.settlement_amount for line in lines),
                currency=currency,
            )
        )
    net = sum(g.settlement_amount for g in groups)
    net_tax_free = sum(g.settlement_tax_free_amount for g in groups)
    if net != payout.settlement_amount:
        problems.append(f"정산 내역 합계 {net:,} ≠ 지급의 정산금액 {payout.settlement_amount:,}")
    if net_tax_free != payout.settlement_tax_free_amount:
        problems.append(
            f"정산 내역 면세 합계 {net_tax_free:,} ≠ 지급의 면세금액 "
            f"{payout.settlement_tax_free_amount:,}"
        )
    withholding = payout.income_tax_amount + payout.local_income_tax_amount
    withheld = withholding if payout.deduct_wht else 0
    parts = payout.supply_amount + payout.vat_amount + payout.tax_free_amount - withheld
    if parts != payout.amount:
        problems.append(
            f"공급가액 + 부가세 + 면세금액 − 원천징수 {parts:,} ≠ 지급금액 {payout.amount:,}"
        )
    is_business = payout.partner_type == "BUSINESS"
    period = _period([s.period_from for s in settlements], [s.period_until for s in settlements])
    dates = [s.settlement_date for s in settlements]
    return Statement(
        payout_id=payout.public_id,
        bulk_payout_name=payout.bulk_payout_name,
        statement_id=statement_id or payout.public_id,
        currency=currency,
        partner_name=payout.partner_name,
        partner_type=payout.partner_type,
        partner_type_label=PARTNER_TYPE_LABELS.get(payout.partner_type, payout.partner_type),
        taxation_type_label=TAXATION_TYPE_LABELS.get(payout.taxation_type or "", "")
        if is_business
        else "",
        company_name=(payout.company_name or "") if is_business else "",
        representative_name=(payout.representative_name or "") if is_business else "",
        identity_label="사업자등록번호" if is_business else "생년월일",
        identity_text=brn_text(payout.business_registration_number)
        if is_business
        else (mask_birthdate(payout.birthdate) or "-"),
        bank_label=BANK_LABELS.get(payout.bank, payout.bank),
        masked_account_number=payout.masked_account_number,
        account_holder=payout.account_holder,
        paid_at=payout.paid_at,
        period_from=period[0],
        period_until=period[1],
        settlement_date_from=min(dates) if dates else None,
        settlement_date_until=max(dates) if dates else None,
        groups=tuple(groups),
        transfer_count=sum(g.transfer_count for g in groups),
        settlement_amount=net,
        settlement_tax_free_amount=net_tax_free,
        supply_amount=payout.supply_amount,
        vat_amount=payout.vat_amount,
        tax_free_amount=payout.tax_free_amount,
        income_tax_amount=payout.income_tax_amount,
        local_income_tax_amount=payout.local_income_tax_amount,
        withholding_amount=withholding,
        withheld_amount=withheld,
        deduct_wht=payout.deduct_wht,
        amount=payout.amount,
        discrepancies=tuple(problems),
    )
