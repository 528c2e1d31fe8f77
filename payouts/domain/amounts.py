"""Payout amount (지급금액): a partner's net settlement split into supply, VAT, tax-free and
withholding, by partner type, taxation type and the platform's settlementAmountType
(docs/payouts.md#payout-amount, docs/calculation.md#foreign-currencies).

Ints in, ints out (won); rates in milli-percent. VAT is rounded by the settlement rule
(`settlements.domain.calculation.round_vat`); withholding is truncated to 10 won here
(`truncate_withholding`), the one place that rule lives.

What this module must NOT do: no Django, no I/O, no clock; the caller passes the partner's type
and the platform setting in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from settlements.domain.calculation import (
    FEE_VAT_DIVISOR,
    KRW,
    MILLI_PERCENT_100,
    PAYMENT_VAT_DIVISOR,
    RoundingMode,
    round_vat,
)


class PartnerType(StrEnum):
    BUSINESS = "BUSINESS"
    WHT_PAYER = "WHT_PAYER"
    NON_WHT_PAYER = "NON_WHT_PAYER"


class TaxationType(StrEnum):
    NORMAL = "NORMAL"
    SIMPLE_TAX_INVOICE_ISSUER = "SIMPLE_TAX_INVOICE_ISSUER"
    SIMPLE = "SIMPLE"
    TAX_FREE = "TAX_FREE"


class SettlementAmountType(StrEnum):
    GROSS = "GROSS"  # settlement amounts include VAT (documented default)
    NET = "NET"  # settlement amounts are supply values; VAT is added on payout


def truncate_withholding(value: Fraction) -> int:
    """Withholding tax is truncated to 10 won (10원 미만 절사, 국고금 rule).

    docs/payouts.md#payout-amount.
    """
    if value <= 0:
        return 0
    return math.floor(value / 10) * 10


INCOME_TAX_RATE = 3_000  # 3 % (milli-percent)
LOCAL_INCOME_TAX_RATE = 10_000  # 10 % of the income tax = 0.3 % of the base
SMALL_WITHHOLDING_LIMIT = 1_000  # 소액부징수: income tax under 1 000 won is not withheld


@dataclass(frozen=True)
class PayoutAmount:
    """The money fields of `PlatformPayout`."""

    amount: int
    supply_amount: int
    tax_free_amount: int
    vat_amount: int
    settlement_amount: int
    settlement_tax_free_amount: int
    income_tax_amount: int
    local_income_tax_amount: int


def withholding_of(net_settlement: int, *, exempt_small_amounts: bool = False) -> tuple[int, int]:
    """(income tax 3 %, local income tax 10 % of it), each truncated to 10 won
    (docs/payouts.md#payout-amount).

    Base = the net settlement. 소액부징수 (skip when income tax < 1 000 won) only when
    `exempt_small_amounts` (setting, default off, docs/payouts.md#payout-amount). Nothing is
    withheld on a base ≤ 0.
    """
    income_tax = truncate_withholding(Fraction(net_settlement * INCOME_TAX_RATE, MILLI_PERCENT_100))
    if exempt_small_amounts and income_tax < SMALL_WITHHOLDING_LIMIT:
        return 0, 0
    local = truncate_withholding(Fraction(income_tax * LOCAL_INCOME_TAX_RATE, MILLI_PERCENT_100))
    return income_tax, local


def calculate_payout(
    *,
    net_settlement: int,
    net_settlement_tax_free: int,
    partner_type: PartnerType,
    taxation_type: TaxationType | None = None,
    settlement_amount_type: SettlementAmountType = SettlementAmountType.GROSS,
    deduct_wht: bool = False,
    exempt_small_withholding: bool = False,
    currency: str = KRW,
    vat_rounding: RoundingMode = RoundingMode.HALF_UP,
) -> PayoutAmount:
    """Split a partner's net settlement S (tax-free part T, taxable X = S − T) for a payout.

    docs/payouts.md#payout-amount table: VAT only for BUSINESS NORMAL / SIMPLE_TAX_INVOICE_ISSUER —
    GROSS splits R_vat(X / 11) out of X, NET adds R_vat(X / 10) on top; TAX_FREE businesses are
    all tax-free; withholding only for WHT_PAYER (reported always, deducted when `deduct_wht`).
    docs/calculation.md#foreign-currencies: VAT and withholding apply to KRW only.
    """
    partner_type = PartnerType(partner_type)
    amount_type = SettlementAmountType(settlement_amount_type)
    s, t = net_settlement, net_settlement_tax_free
    x = s - t
    is_krw = currency == KRW
    supply, tax_free, vat, amount = x, t, 0, s
    income_tax = local_income_tax = 0
    if partner_type is PartnerType.BUSINESS:
        taxation = TaxationType(taxation_type or TaxationType.NORMAL)
        vat_charging = taxation in (TaxationType.NORMAL, TaxationType.SIMPLE_TAX_INVOICE_ISSUER)
        if taxation is TaxationType.TAX_FREE:
            supply, tax_free = 0, s
        elif vat_charging and is_krw and amount_type is SettlementAmountType.GROSS:
            vat = round_vat(Fraction(x, PAYMENT_VAT_DIVISOR), vat_rounding)
            supply = x - vat
        elif vat_charging and is_krw:
            vat = round_vat(Fraction(x, FEE_VAT_DIVISOR), vat_rounding)
            amount = x + vat + t
    elif partner_type is PartnerType.WHT_PAYER and is_krw:
        income_tax, local_income_tax = withholding_of(
            s, exempt_small_amounts=exempt_small_withholding
        )
        if deduct_wht:
            amount = s - income_tax - local_income_tax
    return PayoutAmount(
        amount=amount,
        supply_amount=supply,
        tax_free_amount=tax_free,
        vat_amount=vat,
        settlement_amount=s,
        settlement_tax_free_amount=t,
        income_tax_amount=income_tax,
        local_income_tax_amount=local_income_tax,
    )
