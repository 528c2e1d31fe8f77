"""payouts.domain.amounts: the payout split of docs/payouts.md#payout-amount, its worked examples,
and the property that the parts always add up."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from payouts.domain.amounts import (
    PartnerType,
    SettlementAmountType,
    TaxationType,
    calculate_payout,
    truncate_withholding,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@pytest.mark.parametrize(
    ("kwargs", "amount", "supply", "vat", "income", "local"),
    [
        pytest.param(
            {"partner_type": "WHT_PAYER", "deduct_wht": True},
            967_000, 1_000_000, 0, 30_000, 3_000, id="8.4-gross-deduct",
        ),
        pytest.param(
            {"partner_type": "BUSINESS", "settlement_amount_type": "NET"},
            1_100_000, 1_000_000, 100_000, 0, 0, id="8.4-net",
        ),
        pytest.param(
            {"partner_type": "BUSINESS"}, 1_000_000, 909_091, 90_909, 0, 0, id="8.4-gross",
        ),
        pytest.param(
            {"partner_type": "BUSINESS", "taxation_type": "SIMPLE"},
            1_000_000, 1_000_000, 0, 0, 0, id="simple-no-invoice",
        ),
        pytest.param(
            {"partner_type": "WHT_PAYER"}, 1_000_000, 1_000_000, 0, 30_000, 3_000,
            id="wht-reported-not-deducted",
        ),
        pytest.param(
            {"partner_type": "NON_WHT_PAYER", "deduct_wht": True},
            1_000_000, 1_000_000, 0, 0, 0, id="non-wht-payer",
        ),
        pytest.param(
            {"partner_type": "BUSINESS", "settlement_amount_type": "NET", "currency": "USD"},
            1_000_000, 1_000_000, 0, 0, 0, id="no-vat-outside-krw",
        ),
    ],
)  # fmt: skip
def test_payout_amount_table_of_8_4(kwargs, amount, supply, vat, income, local):
    p = calculate_payout(net_settlement=1_000_000, net_settlement_tax_free=0, **kwargs)
    assert (p.amount, p.supply_amount, p.vat_amount) == (amount, supply, vat)
    assert (p.income_tax_amount, p.local_income_tax_amount) == (income, local)
    assert p.settlement_amount == 1_000_000


def test_payout_consequences_of_worked_example_3():
    """docs/calculation.md#vat-payer-example: case A GROSS 42 300, case C NET 41 531, case A WHT 40
    920."""
    a = calculate_payout(
        net_settlement=42_300, net_settlement_tax_free=0, partner_type=PartnerType.BUSINESS
    )
    assert (a.amount, a.supply_amount, a.vat_amount) == (42_300, 38_455, 3_845)
    c = calculate_payout(
        net_settlement=37_755,
        net_settlement_tax_free=0,
        partner_type=PartnerType.BUSINESS,
        taxation_type=TaxationType.NORMAL,
        settlement_amount_type=SettlementAmountType.NET,
    )
    assert (c.amount, c.vat_amount) == (41_531, 3_776)
    w = calculate_payout(
        net_settlement=42_300,
        net_settlement_tax_free=0,
        partner_type=PartnerType.WHT_PAYER,
        deduct_wht=True,
    )
    assert (w.income_tax_amount, w.local_income_tax_amount, w.amount) == (1_260, 120, 40_920)


def test_payout_of_a_tax_free_business_is_all_tax_free():
    p = calculate_payout(
        net_settlement=5_000, net_settlement_tax_free=1_000, partner_type="BUSINESS",
        taxation_type="TAX_FREE",
    )  # fmt: skip
    assert (p.supply_amount, p.tax_free_amount, p.vat_amount, p.amount) == (0, 5_000, 0, 5_000)


def test_gross_payout_keeps_the_tax_free_part_out_of_vat():
    p = calculate_payout(
        net_settlement=12_000, net_settlement_tax_free=1_000, partner_type="BUSINESS"
    )
    assert (p.supply_amount, p.vat_amount, p.tax_free_amount, p.amount) == (
        10_000,
        1_000,
        1_000,
        12_000,
    )


def test_small_withholding_exemption_is_a_setting_default_off():
    """docs/payouts.md#payout-amount: 소액부징수 (income tax < 1 000 won) only when switched on."""
    kwargs = {"net_settlement": 30_000, "net_settlement_tax_free": 0, "partner_type": "WHT_PAYER"}
    assert calculate_payout(**kwargs, deduct_wht=True).amount == 30_000 - 900 - 90
    exempt = calculate_payout(**kwargs, deduct_wht=True, exempt_small_withholding=True)
    assert (exempt.income_tax_amount, exempt.amount) == (0, 30_000)


def test_withholding_is_truncated_to_ten_won():
    assert truncate_withholding(Fraction(1269)) == 1_260
    assert truncate_withholding(Fraction(-5)) == 0


@PROPERTY_SETTINGS
@given(
    s=st.integers(-(10**7), 10**10),
    tax_free_share=st.integers(0, 100),
    partner_type=st.sampled_from(list(PartnerType)),
    taxation_type=st.sampled_from(list(TaxationType)),
    amount_type=st.sampled_from(list(SettlementAmountType)),
    deduct=st.booleans(),
)
def test_payout_parts_add_up(s, tax_free_share, partner_type, taxation_type, amount_type, deduct):
    """docs/payouts.md#payout-amount: amount = supply + VAT + tax-free − withholding (when
    deducted)."""
    t = max(s, 0) * tax_free_share // 100
    p = calculate_payout(
        net_settlement=s,
        net_settlement_tax_free=t,
        partner_type=partner_type,
        taxation_type=taxation_type,
        settlement_amount_type=amount_type,
        deduct_wht=deduct,
    )
    withheld = p.income_tax_amount + p.local_income_tax_amount if deduct else 0
    assert p.amount == p.supply_amount + p.vat_amount + p.tax_free_amount - withheld
    assert p.income_tax_amount % 10 == 0 and p.local_income_tax_amount % 10 == 0
    if partner_type is not PartnerType.WHT_PAYER:
        assert p.income_tax_amount == p.local_income_tax_amount == 0
