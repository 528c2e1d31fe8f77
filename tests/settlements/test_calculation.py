"""settlements.domain.calculation: worked examples of docs/calculation.md#amounts,
docs/calculation.md#vat-payer-example, docs/payouts.md#payout-amount, error cases, and Hypothesis
properties for every identity of the amount model. No database."""

import math
from collections import Counter
from dataclasses import fields
from fractions import Fraction
from pathlib import Path

import portone_server_sdk
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from settlements.domain.calculation import (
    MILLI_PERCENT_100,
    AdditionalFee,
    AdditionalFeePoliciesNotFoundError,
    AdditionalFeePolicyTerms,
    AdditionalFixedAmountFeeCurrencyMismatchedError,
    CalculationError,
    CancellableAmountExceededError,
    CancellableAmountType,
    CancellableDiscountAmountExceededError,
    CancellableDiscountTaxFreeAmountExceededError,
    CancellableProductQuantityExceededError,
    Cancellation,
    CancelOrderLine,
    ContractFixedAmountFeeCurrencyMismatchedError,
    ContractTerms,
    Discount,
    DiscountExceedsOrderError,
    DiscountSharePoliciesNotFoundError,
    DiscountSharePolicyIdDuplicatedError,
    DiscountSharePolicyTerms,
    DiscountTaxFreeExceedsDiscountError,
    DiscountTaxFreeExceedsOrderTaxFreeError,
    Fee,
    FeeBase,
    InvalidOrderInputError,
    Order,
    OrderDetailMismatchedError,
    OrderLine,
    OrderSettlement,
    OrderTransferAlreadyCancelledError,
    PaymentTaxFreeExceedsPaymentError,
    Product,
    ProductIdDuplicatedError,
    ProductIdNotFoundError,
    RoundingMode,
    SettlementAmount,
    SettlementAmountExceededError,
    SettlementTerms,
    TransferDiscountSharePolicyNotFoundError,
    VatPayer,
    apply_cancellation,
    calculate_cancellation,
    calculate_order,
    is_fully_cancelled,
    remaining_order,
    round_allocation,
    round_fee,
    round_vat,
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)

# --- docs/calculation.md#worked-example-1 terms: contract C1, policies P1 (50 %), P2 (0 %), fee F1
# (5 %, PARTNER) ---

C1 = ContractTerms(Fee.fixed_rate(10_000), VatPayer.PARTNER, subtract_payment_vat_amount=False)
TERMS = SettlementTerms(
    contract=C1,
    discount_share_policies={
        "P1": DiscountSharePolicyTerms(50_000),
        "P2": DiscountSharePolicyTerms(0),
    },
    additional_fee_policies={
        "F1": AdditionalFeePolicyTerms(Fee.fixed_rate(5_000), VatPayer.PARTNER),
    },
)


def line(pid, amount, quantity, tax_free=0, discounts=(), fees=()):
    return OrderLine(Product(pid, f"product {pid}", amount, tax_free), quantity, discounts, fees)


def amounts_of(amount: SettlementAmount, *names: str) -> tuple[int, ...]:
    return tuple(getattr(amount, name) for name in names)


# =============================================================================================
# Worked examples
# =============================================================================================


def test_worked_example_1_tax_free_items_line_and_order_discounts_additional_fee():
    """docs/calculation.md#worked-example-1."""
    order = Order(
        order_lines=(
            line("A", 15_000, 2, tax_free=15_000),
            line("B", 12_000, 1, discounts=(Discount("P1", 2_000),)),
        ),
        discounts=(Discount("P2", 3_000, 1_000),),
        additional_fees=(AdditionalFee("F1"),),
    )
    result = calculate_order(order, TERMS)
    a, b = (x.amount for x in result.order_lines)
    t = result.amount
    names = (
        "order",
        "order_tax_free",
        "discount",
        "discount_tax_free",
        "discount_share",
        "discount_share_tax_free",
        "payment",
        "payment_tax_free",
        "payment_vat",
        "payment_supply",
        "platform_fee",
        "platform_fee_vat",
        "additional_fee",
        "additional_fee_vat",
        "settlement",
        "settlement_tax_free",
    )
    assert amounts_of(a, *names) == (
        30_000, 30_000, 0, 0, 0, 0, 30_000, 30_000, 0, 0, 3_000, 300, 0, 0, 26_700, 26_700,
    )  # fmt: skip
    assert amounts_of(b, *names) == (
        12_000, 0, 2_000, 0, 1_000, 0, 10_000, 0, 909, 9_091, 1_200, 120, 0, 0, 9_680, 0,
    )  # fmt: skip
    assert amounts_of(t, *names) == (
        42_000, 30_000, 5_000, 1_000, 1_000, 0, 37_000, 29_000, 727, 7_273, 4_200, 420,
        2_100, 210, 34_070, 24_929,
    )  # fmt: skip
    assert t.payment_vat_burden == 0
    (fee,) = result.additional_fees
    assert (fee.policy_id, fee.amount, fee.vat) == ("F1", 2_100, 210)
    (p2,) = result.discounts
    assert (p2.amount, p2.tax_free_amount, p2.share_amount, p2.share_tax_free_amount) == (
        3_000,
        1_000,
        0,
        0,
    )


SECTION_7_6_ORDER = Order(
    order_lines=(
        line("A", 2_000, 5, discounts=(Discount("P1", 1_000),)),
        line("B", 4_000, 1),
    ),
)


def test_worked_example_2_original_transfer():
    """docs/calculation.md#cancellations: order 14 000, share 500, VAT 1 182, settlement 11 960 (8
    400 + 3 560)."""
    result = calculate_order(SECTION_7_6_ORDER, TERMS)
    t = result.amount
    assert amounts_of(
        t, "order", "discount", "discount_share", "payment", "payment_vat", "platform_fee"
    ) == (14_000, 1_000, 500, 13_000, 1_182, 1_400)
    assert (t.platform_fee_vat, t.settlement) == (140, 11_960)
    assert [x.amount.settlement for x in result.order_lines] == [8_400, 3_560]


def test_worked_example_2_partial_cancellation_is_before_minus_after():
    """docs/calculation.md#cancellations: cancel 2 × A with 400 of its P1 discount."""
    cancel = Cancellation(order_lines=(CancelOrderLine("A", 2, (Discount("P1", 400),)),))
    result = calculate_cancellation(SECTION_7_6_ORDER, cancel, TERMS)
    c = result.cancel.amount
    assert amounts_of(
        c,
        "order",
        "discount",
        "discount_share",
        "payment",
        "payment_vat",
        "payment_supply",
        "platform_fee",
        "platform_fee_vat",
        "settlement",
    ) == (4_000, 400, 200, 3_600, 327, 3_273, 400, 40, 3_360)
    # Remaining cancellable afterwards: A quantity 3, P1 discount on A 600.
    a, b = result.remaining.lines
    assert (a.quantity, a.discounts) == (3, (Discount("P1", 600),))
    assert b.quantity == 1
    after = calculate_order(result.remaining, TERMS).amount
    assert amounts_of(
        after, "order", "discount_share", "payment", "payment_vat", "platform_fee", "settlement"
    ) == (10_000, 300, 9_400, 855, 1_000, 8_600)
    # The cancel transfer's line object: only A changed.
    (cancelled_line,) = result.cancel.order_lines
    assert (cancelled_line.product.id, cancelled_line.quantity) == ("A", 2)
    assert cancelled_line.discounts[0].amount == 400
    assert cancelled_line.discounts[0].share_amount == 200


@pytest.mark.parametrize(
    ("vat_payer", "subtract", "fee_vat", "additional_fee_vat", "burden", "settlement"),
    [
        pytest.param(VatPayer.PARTNER, False, 600, 100, 0, 42_300, id="A-partner"),
        pytest.param(VatPayer.MERCHANT, False, 0, 0, 0, 43_000, id="B-merchant"),
        pytest.param(VatPayer.PARTNER, True, 600, 100, 4_545, 37_755, id="C-subtract-vat"),
    ],
)
def test_worked_example_3_vat_payer_and_subtract_payment_vat(
    vat_payer, subtract, fee_vat, additional_fee_vat, burden, settlement
):
    """docs/calculation.md#vat-payer-example: order 50 000, fee 12 %, additional fee FIXED_AMOUNT 1
    000."""
    terms = SettlementTerms(
        contract=ContractTerms(Fee.fixed_rate(12_000), vat_payer, subtract),
        additional_fee_policies={
            "FIX": AdditionalFeePolicyTerms(Fee.fixed_amount(1_000), vat_payer)
        },
    )
    t = calculate_order(
        Order(order_amount=50_000, additional_fees=(AdditionalFee("FIX"),)), terms
    ).amount
    assert (t.payment_vat, t.payment_supply) == (4_545, 45_455)
    assert (t.platform_fee, t.platform_fee_vat) == (6_000, fee_vat)
    assert (t.additional_fee, t.additional_fee_vat) == (1_000, additional_fee_vat)
    assert (t.payment_vat_burden, t.settlement) == (burden, settlement)


def test_portone_published_responses_are_reproduced():
    """docs/calculation.md#amounts "Checks against PortOne's published responses" (contract 10 %,
    PARTNER)."""

    def settle(order: Order) -> int:
        return calculate_order(order, TERMS).amount.settlement

    assert settle(Order(order_amount=10_000)) == 8_900
    assert settle(Order(order_amount=10_000, discounts=(Discount("P1", 2_000),))) == 7_900
    assert settle(Order(order_amount=10_000, additional_fees=(AdditionalFee("F1"),))) == 8_350
    lines = Order(order_lines=(line("A", 2_000, 5), line("B", 4_000, 1)))
    result = calculate_order(lines, TERMS)
    assert [x.amount.settlement for x in result.order_lines] == [8_900, 3_560]
    assert result.amount.settlement == 12_460
    cancel = calculate_cancellation(
        Order(order_amount=10_000), Cancellation(order_amount=5_000), TERMS
    )
    assert cancel.cancel.amount.settlement == 4_450


# =============================================================================================
# Rules
# =============================================================================================


def test_fee_base_payment_charges_the_rate_on_order_minus_discount():
    """docs/calculation.md#fee-base: the PAYMENT setting (default is ORDER)."""
    order = Order(order_amount=10_000, discounts=(Discount("P1", 2_000),))
    assert calculate_order(order, TERMS).amount.platform_fee == 1_000
    assert calculate_order(order, TERMS, fee_base=FeeBase.PAYMENT).amount.platform_fee == 800


@pytest.mark.parametrize(
    ("value", "half_up", "down", "up"),
    [
        (Fraction(5, 2), 3, 2, 3),
        (Fraction(249, 100), 2, 2, 3),
        (Fraction(7, 1), 7, 7, 7),
        (Fraction(1, 2), 1, 0, 1),
        (Fraction(-5, 2), -3, -2, -3),
    ],
)
def test_rounding_functions_follow_their_mode(value, half_up, down, up):
    """docs/calculation.md#rounding-rules: HALF_UP by default, DOWN and UP configurable, symmetric
    on magnitudes."""
    for rounder in (round_fee, round_vat):
        assert rounder(value) == half_up
        assert rounder(value, RoundingMode.DOWN) == down
        assert rounder(value, RoundingMode.UP) == up
    assert round_allocation(value) == half_up


@settings(max_examples=500, deadline=None)
@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=1, max_value=10**6),
    st.sampled_from(list(RoundingMode)),
)
def test_integer_rounding_equals_fraction_rounding(numerator, denominator, mode):
    """The rounding on numerator and denominator gives what floor/ceil of Fractions gave."""
    value = Fraction(numerator, denominator)
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    expected = {
        RoundingMode.HALF_UP: math.floor(magnitude + Fraction(1, 2)),
        RoundingMode.DOWN: math.floor(magnitude),
        RoundingMode.UP: math.ceil(magnitude),
    }[mode]
    assert round_fee(value, mode) == sign * expected
    assert round_vat(numerator, mode) == numerator  # an int rounds to itself


def test_rounding_mode_setting_changes_fee_and_vat():
    terms = SettlementTerms(ContractTerms(Fee.fixed_rate(3_333), VatPayer.PARTNER))
    order = Order(order_amount=1_000)  # fee 33.33, payment VAT 90.9
    down = calculate_order(order, terms, fee_rounding="DOWN", vat_rounding="DOWN").amount
    up = calculate_order(order, terms, fee_rounding="UP", vat_rounding="UP").amount
    assert (down.platform_fee, down.platform_fee_vat, down.payment_vat) == (33, 3, 90)
    assert (up.platform_fee, up.platform_fee_vat, up.payment_vat) == (34, 4, 91)


def test_discount_share_is_rounded_per_entry_then_summed():
    """docs/calculation.md#scope: two 1-won discounts at 50 % share 1 + 1, not R(1) on the 2-won
    total."""
    terms = SettlementTerms(
        C1,
        discount_share_policies={
            "H1": DiscountSharePolicyTerms(50_000),
            "H2": DiscountSharePolicyTerms(50_000),
        },
    )
    order = Order(order_amount=100, discounts=(Discount("H1", 1), Discount("H2", 1)))
    assert calculate_order(order, terms).amount.discount_share == 2


def test_fixed_amount_platform_fee_applies_once_per_transfer_and_not_on_lines():
    """docs/calculation.md#fixed-amount-fees."""
    terms = SettlementTerms(ContractTerms(Fee.fixed_amount(500), VatPayer.PARTNER))
    result = calculate_order(Order(order_lines=(line("A", 1_000, 3), line("B", 2_000, 1))), terms)
    assert (result.amount.platform_fee, result.amount.platform_fee_vat) == (500, 50)
    assert [x.amount.platform_fee for x in result.order_lines] == [0, 0]


def test_fixed_additional_fee_applies_once_per_entry_per_line():
    """docs/calculation.md#fixed-amount-fees: a fixed additional fee on a line is per line, not per
    unit."""
    terms = SettlementTerms(
        C1,
        additional_fee_policies={
            "FIX": AdditionalFeePolicyTerms(Fee.fixed_amount(300), "MERCHANT")
        },
    )
    fees = (AdditionalFee("FIX"),)
    order = Order(
        order_lines=(line("A", 1_000, 3, fees=fees), line("B", 2_000, 1, fees=fees)),
        additional_fees=fees,
    )
    result = calculate_order(order, terms)
    assert [x.amount.additional_fee for x in result.order_lines] == [300, 300]
    assert (result.amount.additional_fee, result.amount.additional_fee_vat) == (900, 0)


def test_fixed_amount_fee_is_refunded_only_when_the_remaining_order_reaches_zero():
    """docs/calculation.md#fixed-amount-fees + docs/calculation.md#cancellations."""
    terms = SettlementTerms(ContractTerms(Fee.fixed_amount(500), VatPayer.MERCHANT))
    first = calculate_cancellation(
        Order(order_amount=10_000), Cancellation(order_amount=4_000), terms
    )
    assert first.cancel.amount.platform_fee == 0
    last = calculate_cancellation(first.remaining, Cancellation(order_amount=6_000), terms)
    assert last.cancel.amount.platform_fee == 500
    assert is_fully_cancelled(last.remaining)


def test_settlement_tax_free_takes_a_pro_rata_share_of_deductions():
    """docs/calculation.md#tax-free-settlement: 50/50 taxable/tax-free order; deductions 1 100 split
    550/550."""
    order = Order(order_lines=(line("A", 5_000, 1, tax_free=5_000), line("B", 5_000, 1)))
    t = calculate_order(order, TERMS).amount
    assert (t.settlement, t.settlement_tax_free) == (8_900, 4_450)


def test_payment_vat_burden_reduces_only_the_taxable_part():
    """docs/calculation.md#tax-free-settlement."""
    terms = SettlementTerms(ContractTerms(Fee.fixed_rate(0), VatPayer.PARTNER, True))
    t = calculate_order(Order(order_amount=11_000, tax_free_amount=5_500), terms).amount
    assert (t.payment_vat, t.payment_vat_burden) == (500, 500)
    assert (t.settlement, t.settlement_tax_free) == (10_500, 5_500)


def test_body_tax_free_amount_overrides_the_lines_sum():
    """docs/calculation.md#order-input: unit tax-free × quantity per line, body taxFreeAmount for
    the transfer."""
    order = Order(order_lines=(line("A", 1_000, 3, tax_free=200),), tax_free_amount=100)
    result = calculate_order(order, TERMS)
    assert result.order_lines[0].amount.order_tax_free == 600
    assert result.amount.order_tax_free == 100


def test_line_discount_amounts_are_totals_for_the_line():
    """docs/calculation.md#order-input: a 1 000 discount on 3 units is 1 000, not 3 000."""
    order = Order(order_lines=(line("A", 1_000, 3, discounts=(Discount("P1", 1_000),)),))
    assert calculate_order(order, TERMS).amount.discount == 1_000


def test_non_krw_transfers_have_no_vat():
    """docs/calculation.md#foreign-currencies: VAT logic applies to KRW only (amounts in minor
    units)."""
    terms = SettlementTerms(ContractTerms(Fee.fixed_rate(10_000), VatPayer.PARTNER, True), {}, {})
    t = calculate_order(Order(order_amount=10_000), terms, currency="USD").amount
    assert (t.payment_vat, t.payment_supply, t.platform_fee_vat, t.payment_vat_burden) == (
        0,
        10_000,
        0,
        0,
    )
    assert t.settlement == 9_000


def test_fixed_amount_fees_are_krw_only():
    """docs/calculation.md#policies, docs/calculation.md#fixed-amount-fees: FIXED_AMOUNT fees on a
    non-KRW transfer are refused."""
    fixed = SettlementTerms(ContractTerms(Fee.fixed_amount(500), VatPayer.PARTNER))
    with pytest.raises(ContractFixedAmountFeeCurrencyMismatchedError) as exc:
        calculate_order(Order(order_amount=10_000), fixed, currency="USD")
    assert (exc.value.fee_currency, exc.value.settlement_currency) == ("KRW", "USD")
    terms = SettlementTerms(
        C1,
        additional_fee_policies={"FIX": AdditionalFeePolicyTerms(Fee.fixed_amount(1), "PARTNER")},
    )
    with pytest.raises(AdditionalFixedAmountFeeCurrencyMismatchedError) as exc2:
        calculate_order(
            Order(order_amount=10_000, additional_fees=(AdditionalFee("FIX"),)),
            terms,
            currency="JPY",
        )
    assert exc2.value.id == "FIX"


def test_missing_order_detail_on_a_cancel_means_all():
    """docs/calculation.md#cancellations."""
    result = calculate_cancellation(SECTION_7_6_ORDER, Cancellation(), TERMS)
    assert result.cancel.amount == calculate_order(SECTION_7_6_ORDER, TERMS).amount
    assert is_fully_cancelled(result.remaining)


# =============================================================================================
# Validation errors (docs/calculation.md#amounts, docs/calculation.md#cancellations,
# docs/api.md#errors)
# =============================================================================================


def test_unknown_policies_are_reported_with_their_ids():
    with pytest.raises(DiscountSharePoliciesNotFoundError) as exc:
        calculate_order(
            Order(order_amount=1, discounts=(Discount("X", 0), Discount("Y", 0))), TERMS
        )
    assert exc.value.ids == ("X", "Y")
    with pytest.raises(AdditionalFeePoliciesNotFoundError) as exc2:
        calculate_order(Order(order_lines=(line("A", 1, 1, fees=(AdditionalFee("Z"),)),)), TERMS)
    assert exc2.value.ids == ("Z",)


@pytest.mark.parametrize(
    ("order", "error", "requested", "allowed", "product_id"),
    [
        pytest.param(
            Order(order_amount=1_000, discounts=(Discount("P1", 1_001),)),
            DiscountExceedsOrderError, 1_001, 1_000, None, id="discount>order",
        ),
        pytest.param(
            Order(order_lines=(line("A", 100, 2, discounts=(Discount("P1", 201),)),)),
            DiscountExceedsOrderError, 201, 200, "A", id="line-discount>line-order",
        ),
        pytest.param(
            Order(order_amount=1_000, tax_free_amount=1_000, discounts=(Discount("P1", 10, 11),)),
            DiscountTaxFreeExceedsDiscountError, 11, 10, None, id="discount-tf>discount",
        ),
        pytest.param(
            Order(order_amount=1_000, tax_free_amount=5, discounts=(Discount("P1", 10, 6),)),
            DiscountTaxFreeExceedsOrderTaxFreeError, 6, 5, None, id="discount-tf>order-tf",
        ),
        pytest.param(
            Order(order_amount=1_000, tax_free_amount=1_001),
            PaymentTaxFreeExceedsPaymentError, 1_001, 1_000, None, id="payment-tf>payment",
        ),
        pytest.param(
            Order(order_lines=(line("A", 100, 1, tax_free=101),)),
            PaymentTaxFreeExceedsPaymentError, 101, 100, "A", id="line-payment-tf>payment",
        ),
    ],
)  # fmt: skip
def test_amount_sanity_violations_raise_settlement_amount_exceeded(
    order, error, requested, allowed, product_id
):
    with pytest.raises(error) as exc:
        calculate_order(order, TERMS)
    assert isinstance(exc.value, SettlementAmountExceededError)
    assert exc.value.error_type == "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED"
    assert (exc.value.requested_amount, exc.value.allowed_amount) == (requested, allowed)
    assert exc.value.product_id == product_id
    assert exc.value.kind in str(exc.value)


def test_duplicated_product_ids_are_refused():
    with pytest.raises(ProductIdDuplicatedError):
        calculate_order(Order(order_lines=(line("A", 1, 1), line("A", 2, 1))), TERMS)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Order(), id="neither-amount-nor-lines"),
        pytest.param(lambda: Order(order_amount=1, order_lines=()), id="both"),
        pytest.param(lambda: Order(order_amount=-1), id="negative-order"),
        pytest.param(lambda: Discount("P1", -1), id="negative-discount"),
        pytest.param(lambda: Product("A", "a", 1, -1), id="negative-tax-free"),
        pytest.param(lambda: line("A", 1, -1), id="negative-quantity"),
        pytest.param(lambda: Cancellation(order_amount=1, all=True), id="cancel-two-kinds"),
    ],
)
def test_malformed_input_is_an_invalid_request(build):
    with pytest.raises(InvalidOrderInputError):
        build()


def test_a_share_policy_twice_in_one_order_discount_list_is_an_invalid_request():
    order = Order(order_amount=100, discounts=(Discount("P1", 1), Discount("P1", 1)))
    with pytest.raises(InvalidOrderInputError):
        calculate_order(order, TERMS)


def test_cancelling_a_fully_cancelled_transfer_is_refused():
    remaining = calculate_cancellation(SECTION_7_6_ORDER, Cancellation(all=True), TERMS).remaining
    with pytest.raises(OrderTransferAlreadyCancelledError):
        apply_cancellation(remaining, Cancellation(all=True))


def test_cancel_detail_kind_must_match_the_original():
    with pytest.raises(OrderDetailMismatchedError):
        apply_cancellation(SECTION_7_6_ORDER, Cancellation(order_amount=100))
    with pytest.raises(OrderDetailMismatchedError):
        apply_cancellation(
            Order(order_amount=100), Cancellation(order_lines=(CancelOrderLine("A", 1),))
        )


def test_cancel_of_an_unknown_or_repeated_product_is_refused():
    with pytest.raises(ProductIdNotFoundError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, Cancellation(order_lines=(CancelOrderLine("Z", 1),)))
    assert exc.value.id == "Z"
    repeated = (CancelOrderLine("B", 1), CancelOrderLine("B", 1))
    with pytest.raises(ProductIdDuplicatedError):
        apply_cancellation(SECTION_7_6_ORDER, Cancellation(order_lines=repeated))


def test_cancel_quantity_beyond_what_is_left_is_refused():
    with pytest.raises(CancellableProductQuantityExceededError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, Cancellation(order_lines=(CancelOrderLine("A", 6),)))
    assert (exc.value.product_id, exc.value.cancellable_quantity) == ("A", 5)


def test_cancel_of_a_discount_policy_not_on_the_original_is_refused():
    on_line = Cancellation(order_lines=(CancelOrderLine("B", 1, (Discount("P1", 1),)),))
    with pytest.raises(TransferDiscountSharePolicyNotFoundError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, on_line)
    assert (exc.value.discount_share_policy_id, exc.value.product_id) == ("P1", "B")
    on_order = Cancellation(order_lines=(), discounts=(Discount("P1", 0),))
    with pytest.raises(TransferDiscountSharePolicyNotFoundError) as exc2:
        apply_cancellation(SECTION_7_6_ORDER, on_order)
    assert exc2.value.product_id is None


def test_cancel_naming_a_policy_twice_is_refused():
    twice = (Discount("P1", 1), Discount("P1", 1))
    with pytest.raises(DiscountSharePolicyIdDuplicatedError) as exc:
        apply_cancellation(
            SECTION_7_6_ORDER, Cancellation(order_lines=(CancelOrderLine("A", 1, twice),))
        )
    assert (exc.value.id, exc.value.product_id) == ("P1", "A")


def test_cancel_discount_beyond_what_is_left_is_refused():
    too_much = Cancellation(order_lines=(CancelOrderLine("A", 5, (Discount("P1", 1_001),)),))
    with pytest.raises(CancellableDiscountAmountExceededError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, too_much)
    assert (exc.value.cancellable_amount, exc.value.request_amount) == (1_000, 1_001)
    original = Order(order_amount=1_000, tax_free_amount=500, discounts=(Discount("P1", 100, 50),))
    with pytest.raises(CancellableDiscountTaxFreeAmountExceededError) as exc2:
        apply_cancellation(
            original, Cancellation(order_amount=500, discounts=(Discount("P1", 100, 51),))
        )
    assert (exc2.value.cancellable_amount, exc2.value.request_amount) == (50, 51)
    assert exc2.value.product_id is None


def test_cancel_payment_parts_beyond_what_is_left_are_refused():
    original = Order(order_amount=10_000, tax_free_amount=3_000)
    with pytest.raises(CancellableAmountExceededError) as exc:
        apply_cancellation(original, Cancellation(order_amount=8_000))  # all taxable
    assert exc.value.amount_type is CancellableAmountType.SUPPLY_WITH_VAT
    assert (exc.value.cancellable_amount, exc.value.request_amount) == (7_000, 8_000)
    with pytest.raises(CancellableAmountExceededError) as exc2:
        apply_cancellation(original, Cancellation(order_amount=3_500, tax_free_amount=3_500))
    assert exc2.value.amount_type is CancellableAmountType.TAX_FREE
    assert (exc2.value.cancellable_amount, exc2.value.request_amount) == (3_000, 3_500)


def test_cancel_discount_larger_than_the_cancelled_order_is_refused():
    cancel = Cancellation(order_lines=(CancelOrderLine("A", 0, (Discount("P1", 100),)),))
    with pytest.raises(DiscountExceedsOrderError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, cancel)
    assert exc.value.product_id == "A"


def test_cancel_leaving_a_line_discount_larger_than_its_order_is_refused():
    cancel = Cancellation(order_lines=(CancelOrderLine("A", 5),))  # keeps A's 1 000 discount
    with pytest.raises(SettlementAmountExceededError) as exc:
        apply_cancellation(SECTION_7_6_ORDER, cancel)
    assert exc.value.product_id == "A"


def _sdk_error_types() -> set[str]:
    root = Path(portone_server_sdk.__file__).parent / "_generated"
    found: set[str] = set()
    for path in root.rglob("*_error.py"):
        text = path.read_text(encoding="utf-8")
        found.update(part.split('"')[0] for part in text.split('entity["type"] = "')[1:])
    return found


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_error_type_is_one_the_sdk_knows():
    known = _sdk_error_types()
    for cls in _all_subclasses(CalculationError):
        assert cls.error_type in known, cls


# =============================================================================================
# Hypothesis: random orders
# =============================================================================================

SHARE_IDS = ("D0", "D1", "D2")
FEE_IDS = ("F0", "F1", "F2")
RATES = st.one_of(
    st.sampled_from([0, 1, 3_333, 10_000, 50_000, MILLI_PERCENT_100]),
    st.integers(0, MILLI_PERCENT_100),
)
FEES = st.one_of(
    st.builds(Fee.fixed_rate, RATES), st.builds(Fee.fixed_amount, st.integers(0, 20_000))
)
PAYERS = st.sampled_from(list(VatPayer))


@st.composite
def terms_st(draw) -> SettlementTerms:
    return SettlementTerms(
        contract=ContractTerms(draw(FEES), draw(PAYERS), draw(st.booleans())),
        discount_share_policies={i: DiscountSharePolicyTerms(draw(RATES)) for i in SHARE_IDS},
        additional_fee_policies={
            i: AdditionalFeePolicyTerms(draw(FEES), draw(PAYERS)) for i in FEE_IDS
        },
    )


@st.composite
def discounts_st(draw, taxable_budget: int, tax_free_budget: int) -> tuple[Discount, ...]:
    """Valid by construction: taxable parts ≤ taxable budget, tax-free parts ≤ tax-free budget."""
    result = []
    for policy_id in draw(st.lists(st.sampled_from(SHARE_IDS), unique=True, max_size=3)):
        taxable = draw(st.integers(0, taxable_budget))
        tax_free = draw(st.integers(0, tax_free_budget))
        taxable_budget -= taxable
        tax_free_budget -= tax_free
        result.append(Discount(policy_id, taxable + tax_free, tax_free))
    return tuple(result)


FEE_LISTS = st.lists(st.sampled_from(FEE_IDS), max_size=2).map(
    lambda ids: tuple(AdditionalFee(i) for i in ids)
)


@st.composite
def line_st(draw, product_id: str) -> OrderLine:
    unit = draw(st.integers(0, 200_000))
    unit_tax_free = draw(st.one_of(st.just(0), st.just(unit), st.integers(0, unit)))
    quantity = draw(st.integers(1, 5))
    discounts = draw(discounts_st((unit - unit_tax_free) * quantity, unit_tax_free * quantity))
    return line(product_id, unit, quantity, unit_tax_free, discounts, draw(FEE_LISTS))


@st.composite
def order_st(draw, *, lines_only: bool = False) -> Order:
    if not lines_only and draw(st.booleans()):
        total = draw(st.integers(0, 10**9))
        tax_free = draw(st.one_of(st.none(), st.just(0), st.integers(0, total)))
        tf = tax_free or 0
        return Order(
            order_amount=total,
            tax_free_amount=tax_free,
            discounts=draw(discounts_st(total - tf, tf)),
            additional_fees=draw(FEE_LISTS),
        )
    lines = [draw(line_st(f"p{i}")) for i in range(draw(st.integers(1, 4)))]
    total = sum(x.order for x in lines)
    discount = sum(d.amount for x in lines for d in x.discounts)
    discount_tax_free = sum(d.tax_free_amount for x in lines for d in x.discounts)
    override = draw(
        st.one_of(st.none(), st.integers(discount_tax_free, total - discount + discount_tax_free))
    )
    tax_free = override if override is not None else sum(x.order_tax_free for x in lines)
    order_discounts = draw(
        discounts_st(
            (total - tax_free) - (discount - discount_tax_free), tax_free - discount_tax_free
        )
    )
    return Order(
        order_lines=tuple(lines),
        discounts=order_discounts,
        additional_fees=draw(FEE_LISTS),
        tax_free_amount=override,
    )


OPTIONS = st.fixed_dictionaries(
    {
        "fee_base": st.sampled_from(list(FeeBase)),
        "fee_rounding": st.sampled_from(list(RoundingMode)),
        "vat_rounding": st.sampled_from(list(RoundingMode)),
    }
)


def assert_amount_identities(a: SettlementAmount, contract: ContractTerms) -> None:
    """Every identity docs/calculation.md#amounts states for one amount object."""
    assert a.payment == a.order - a.discount
    assert a.payment_tax_free == a.order_tax_free - a.discount_tax_free
    assert a.payment_supply + a.payment_vat + a.payment_tax_free == a.payment
    assert a.settlement == (
        a.order
        - a.discount_share
        - a.platform_fee
        - a.platform_fee_vat
        - a.additional_fee
        - a.additional_fee_vat
        - a.payment_vat_burden
    )
    assert a.payment_vat_burden == (a.payment_vat if contract.subtract_payment_vat_amount else 0)
    if contract.platform_fee_vat_payer is VatPayer.MERCHANT:
        assert a.platform_fee_vat == 0
    # Tax-free parts never exceed their totals; shares never exceed discounts.
    assert 0 <= a.order_tax_free <= a.order
    assert 0 <= a.discount_tax_free <= a.discount <= a.order
    assert 0 <= a.payment_tax_free <= a.payment
    assert 0 <= a.discount_share <= a.discount
    assert 0 <= a.discount_share_tax_free <= a.discount_share
    assert a.discount_share_tax_free <= a.discount_tax_free
    assert 0 <= a.settlement_tax_free <= max(a.settlement, 0)
    assert 0 <= a.payment_vat <= a.payment - a.payment_tax_free
    assert min(a.platform_fee, a.platform_fee_vat, a.additional_fee, a.additional_fee_vat) >= 0


def assert_entries_add_up(result: OrderSettlement, order: Order) -> None:
    """docs/calculation.md#amounts Scope / docs/calculation.md#scope: per-entry items sum exactly
    from lines to the transfer."""
    lines = result.order_lines
    t = result.amount
    discounts = [d for x in lines for d in x.discounts] + list(result.discounts)
    fees = [f for x in lines for f in x.additional_fees] + list(result.additional_fees)
    assert t.discount == sum(d.amount for d in discounts)
    assert t.discount_tax_free == sum(d.tax_free_amount for d in discounts)
    assert t.discount_share == sum(d.share_amount for d in discounts)
    assert t.discount_share_tax_free == sum(d.share_tax_free_amount for d in discounts)
    assert t.additional_fee == sum(f.amount for f in fees)
    assert t.additional_fee_vat == sum(f.vat for f in fees)
    for x in lines:
        assert x.amount.discount == sum(d.amount for d in x.discounts)
        assert x.amount.additional_fee == sum(f.amount for f in x.additional_fees)
    if order.order_lines is not None:
        assert t.order == sum(x.amount.order for x in lines)


@PROPERTY_SETTINGS
@given(order=order_st(), terms=terms_st(), options=OPTIONS)
def test_payment_is_order_minus_discount_and_every_identity_holds(order, terms, options):
    result = calculate_order(order, terms, **options)
    assert_amount_identities(result.amount, terms.contract)
    for x in result.order_lines:
        assert_amount_identities(x.amount, terms.contract)
    assert_entries_add_up(result, order)


@PROPERTY_SETTINGS
@given(order=order_st(lines_only=True), rate=RATES)
def test_platform_fee_of_the_transfer_differs_from_the_lines_sum_by_at_most_1_per_line(order, rate):
    """docs/calculation.md#scope."""
    terms = SettlementTerms(
        ContractTerms(Fee.fixed_rate(rate), VatPayer.PARTNER),
        {i: DiscountSharePolicyTerms(0) for i in SHARE_IDS},
        {i: AdditionalFeePolicyTerms(Fee.fixed_rate(0), VatPayer.PARTNER) for i in FEE_IDS},
    )
    result = calculate_order(order, terms)
    lines_sum = sum(x.amount.platform_fee for x in result.order_lines)
    assert abs(result.amount.platform_fee - lines_sum) <= len(result.order_lines)


@PROPERTY_SETTINGS
@given(order=order_st(), terms=terms_st(), options=OPTIONS)
def test_cancelling_everything_reverses_exactly_the_original_and_leaves_zero(order, terms, options):
    original = calculate_order(order, terms, **options)
    if is_fully_cancelled(order):  # a zero order: nothing to reverse
        assert original.amount == SettlementAmount()
        with pytest.raises(OrderTransferAlreadyCancelledError):
            apply_cancellation(order, Cancellation(all=True))
        return
    result = calculate_cancellation(order, Cancellation(all=True), terms, **options)
    assert result.cancel.amount == original.amount
    assert calculate_order(result.remaining, terms, **options).amount == SettlementAmount()
    assert is_fully_cancelled(result.remaining)


def _share(value: int, numerator: int, denominator: int) -> int:
    return value * numerator // denominator if denominator else 0


@st.composite
def cancel_request_st(draw, remaining: Order) -> Cancellation:
    """A plausible cancel: mostly proportional to a random fraction, sometimes arbitrary."""
    num = draw(st.integers(0, 4))

    def cancel_discounts(discounts, n, d):
        out = []
        for x in discounts:
            if draw(st.booleans()):
                amount = _share(x.amount, n, d)
                tax_free = min(_share(x.tax_free_amount, n, d), amount)
            else:
                amount = draw(st.integers(0, x.amount + 1))
                tax_free = draw(st.integers(0, min(amount, x.tax_free_amount + 1)))
            out.append(Discount(x.share_policy_id, amount, tax_free))
        return tuple(out)

    if remaining.order_amount is not None:
        total = remaining.order_amount
        amount = _share(total, num, 4) if draw(st.booleans()) else draw(st.integers(0, total + 1))
        tax_free = draw(st.one_of(st.none(), st.just(_share(remaining.order_tax_free, num, 4))))
        return Cancellation(
            order_amount=amount,
            tax_free_amount=tax_free,
            discounts=cancel_discounts(remaining.discounts, num, 4),
        )
    requests = []
    for x in remaining.lines:
        if x.quantity == 0 or not draw(st.booleans()):
            continue
        quantity = draw(st.integers(0, x.quantity))
        requests.append(
            CancelOrderLine(
                x.product.id, quantity, cancel_discounts(x.discounts, quantity, x.quantity)
            )
        )
    tax_free = None
    if remaining.tax_free_amount is not None:
        tax_free = sum(
            r.quantity * x.product.tax_free_amount
            for r in requests
            for x in remaining.lines
            if x.product.id == r.product_id
        )
        tax_free = min(tax_free, remaining.tax_free_amount)
    return Cancellation(
        order_lines=tuple(requests),
        tax_free_amount=tax_free,
        discounts=cancel_discounts(remaining.discounts, num, 4),
    )


NEVER_ABOVE_WHAT_IS_LEFT = (
    "order",
    "order_tax_free",
    "discount",
    "discount_tax_free",
    "discount_share",
    "discount_share_tax_free",
    "payment",
    "payment_tax_free",
)


@settings(max_examples=200, deadline=None)
@given(order=order_st(), terms=terms_st(), options=OPTIONS, data=st.data())
def test_partial_cancellations_never_exceed_what_is_left_and_sum_to_the_original(
    order, terms, options, data
):
    original = calculate_order(order, terms, **options)
    remaining = order
    total = SettlementAmount()
    line_totals: dict[str, SettlementAmount] = {}
    quantities: Counter[str] = Counter()
    accepted: list[Cancellation] = []
    for _ in range(data.draw(st.integers(0, 4), label="partial cancels")):
        if is_fully_cancelled(remaining):
            break
        request = data.draw(cancel_request_st(remaining), label="cancel")
        before = calculate_order(remaining, terms, **options).amount
        try:
            result = calculate_cancellation(remaining, request, terms, **options)
        except CalculationError:
            continue  # refused: nothing changes
        accepted.append(request)
        cancel = result.cancel.amount
        for name in NEVER_ABOVE_WHAT_IS_LEFT:
            assert 0 <= getattr(cancel, name) <= getattr(before, name), name
        assert (
            cancel.payment_supply + cancel.payment_vat + cancel.payment_tax_free == cancel.payment
        )
        assert cancel.payment == cancel.order - cancel.discount
        for x in result.remaining.lines:
            assert x.quantity >= 0
        assert_amount_identities(
            calculate_order(result.remaining, terms, **options).amount, terms.contract
        )
        total += cancel
        for x in result.cancel.order_lines:
            line_totals[x.product.id] = line_totals.get(x.product.id, SettlementAmount()) + x.amount
            quantities[x.product.id] += x.quantity
        remaining = result.remaining
    assert remaining_order(order, accepted) == remaining
    if not is_fully_cancelled(remaining):
        last = calculate_cancellation(remaining, Cancellation(all=True), terms, **options)
        total += last.cancel.amount
        for x in last.cancel.order_lines:
            line_totals[x.product.id] = line_totals.get(x.product.id, SettlementAmount()) + x.amount
            quantities[x.product.id] += x.quantity
    assert total == original.amount
    for x in original.order_lines:
        assert line_totals.get(x.product.id, SettlementAmount()) == x.amount
        assert quantities[x.product.id] == x.quantity


@settings(max_examples=50, deadline=None)
@given(order=order_st(lines_only=True), data=st.data())
def test_cancelling_more_units_than_are_left_is_always_refused(order, data):
    target = data.draw(st.sampled_from(order.lines))
    extra = data.draw(st.integers(1, 3))
    request = Cancellation(
        order_lines=(CancelOrderLine(target.product.id, target.quantity + extra),)
    )
    with pytest.raises(CancellableProductQuantityExceededError) as exc:
        apply_cancellation(order, request)
    assert exc.value.cancellable_quantity == target.quantity


def test_settlement_amount_has_every_sdk_field():
    from portone_server_sdk.platform import PlatformOrderSettlementAmount

    sdk = {f.name for f in fields(PlatformOrderSettlementAmount)} - {"user_defined_formulas"}
    assert {f.name for f in fields(SettlementAmount)} == sdk
