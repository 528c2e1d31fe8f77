"""Settlement arithmetic (정산 금액 계산): order transfers and order cancels.

Turns an order (lines or an order total, tax-free part, discounts with their share policies,
additional fees) plus the contract's terms into the `PlatformOrderSettlementAmount` breakdown of
portone-server-sdk 0.21.0 (docs/calculation.md#amounts) and computes cancellations as "remaining
before − remaining after" (docs/calculation.md#cancellations).
The payout split (supply/VAT/tax-free/withholding) is payouts.domain.amounts, on the VAT rounding
rule defined here.

Money is `int` in the currency's minor unit (won for KRW, docs/calculation.md#foreign-currencies);
rates are integer milli-percent (1,000 = 1 %, 100,000 = 100 %). Exact arithmetic only
(`fractions.Fraction`, never `float`); every rounding goes through one named function per rule
(`round_fee`, `round_vat`, `round_allocation`; withholding's truncation to 10 won is
payouts.domain.amounts.truncate_withholding).

What this module must NOT do:
* no Django, no ORM, no settings lookups: the caller resolves the contract/policy *versions* and
  the platform settings and passes plain values in;
* no I/O (database, network, files, logging of business data) and no clock: no dates, no "today"
  (settlement dates live in `settlements.domain.dates`);
* no HTTP concerns: violations raise the named `CalculationError` subclasses below, each with its
  code (`error_type`, the SDK's name) and kind of refusal; settlements.services.refusals turns
  them into core.errors domain errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from enum import StrEnum
from fractions import Fraction
from typing import ClassVar

MILLI_PERCENT_100 = 100_000  # 100 % in milli-percent
KRW = "KRW"
PAYMENT_VAT_DIVISOR = 11  # VAT inside a VAT-inclusive price: 1/11 (PortOne's payment convention)
FEE_VAT_DIVISOR = 10  # VAT on top of a fee: 10 %


# ---------------------------------------------------------------------------------------------
# Enums (values equal the SDK's strings, so Django TextChoices values can be passed in as-is)
# ---------------------------------------------------------------------------------------------


class FeeType(StrEnum):
    FIXED_RATE = "FIXED_RATE"  # 정률: `rate` milli-percent of the fee base
    FIXED_AMOUNT = "FIXED_AMOUNT"  # 정액: `amount` KRW, independent of the order size


class VatPayer(StrEnum):
    PARTNER = "PARTNER"  # the fee's VAT is deducted from the partner on top of the fee
    MERCHANT = "MERCHANT"  # the fee is VAT-inclusive for the partner; `…FeeVat` reported as 0


class FeeBase(StrEnum):
    """What a FIXED_RATE fee is a percentage of (docs/calculation.md#fee-base; store setting)."""

    ORDER = "ORDER"  # 주문금액 (default, matches PortOne's API example)
    PAYMENT = "PAYMENT"  # 결제금액 = order − discount


class RoundingMode(StrEnum):
    """Rounding to 1 minor unit. PortOne's `PlatformRoundType`: OFF (반올림) = HALF_UP."""

    HALF_UP = "HALF_UP"
    DOWN = "DOWN"  # 내림 (toward zero)
    UP = "UP"  # 올림 (away from zero)


class CancellableAmountType(StrEnum):
    """`PlatformCancellableAmountType` of the SDK."""

    SUPPLY_WITH_VAT = "SUPPLY_WITH_VAT"  # taxable payment part (공급대가)
    TAX_FREE = "TAX_FREE"


# ---------------------------------------------------------------------------------------------
# Rounding: one function per rule
# ---------------------------------------------------------------------------------------------


def _round(value: Fraction, mode: RoundingMode) -> int:
    """Round an exact value to an integer, symmetric around zero (we compute on magnitudes).

    On the numerator and denominator as integers: floor(n/d + 1/2) = (2n + d) // 2d. The same
    results as Fraction arithmetic (math.floor(magnitude + Fraction(1, 2))), without building two
    Fractions per call: a third of an order's calculation in the bulk path (bench/
    order_transfers_bulk.py). An int is its own numerator over 1."""
    n, d = value.numerator, value.denominator
    sign = -1 if n < 0 else 1
    n = abs(n)
    if mode is RoundingMode.HALF_UP:
        return sign * ((2 * n + d) // (2 * d))
    if mode is RoundingMode.DOWN:
        return sign * (n // d)
    if mode is RoundingMode.UP:
        return sign * -(-n // d)
    raise ValueError(f"unknown rounding mode {mode!r}")


def round_fee(value: Fraction, mode: RoundingMode = RoundingMode.HALF_UP) -> int:
    """R_fee: rounds fee and discount-share results to 1 won.

    docs/calculation.md#rounding-rules (default HALF_UP, configurable like PortOne's
    per-formula 반올림/내림/올림) and docs/calculation.md#amounts / docs/calculation.md#policies
    (discount shares use R_fee too).
    """
    return _round(value, RoundingMode(mode))


def round_vat(value: Fraction, mode: RoundingMode = RoundingMode.HALF_UP) -> int:
    """R_vat: rounds every VAT figure (payment VAT, fee VATs, payout VAT) to 1 won.

    docs/calculation.md#rounding-rules (default HALF_UP, configurable) and
    docs/payouts.md#payout-amount (payout VAT uses R_vat).
    """
    return _round(value, RoundingMode(mode))


def round_allocation(value: Fraction) -> int:
    """Pro-rata allocations (the fee share charged to the tax-free part) are always HALF_UP.

    docs/calculation.md#rounding-rules ("allocations HALF_UP") and
    docs/calculation.md#tax-free-settlement / docs/calculation.md#amounts (`R_half_up` in
    settlementTaxFree).
    """
    return _round(value, RoundingMode.HALF_UP)


# ---------------------------------------------------------------------------------------------
# Terms (resolved contract / policy versions) — plain values, no ORM
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fee:
    """The `PlatformFee` union: FIXED_RATE with `rate` (milli-percent) or FIXED_AMOUNT `amount`."""

    type: FeeType
    rate: int | None = None
    amount: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", FeeType(self.type))
        if self.type is FeeType.FIXED_RATE:
            if self.rate is None or not 0 <= self.rate <= MILLI_PERCENT_100:
                raise ValueError(f"FIXED_RATE needs 0 ≤ rate ≤ {MILLI_PERCENT_100}: {self.rate}")
        elif self.amount is None or self.amount < 0:
            raise ValueError(f"FIXED_AMOUNT needs amount ≥ 0: {self.amount}")

    @classmethod
    def fixed_rate(cls, rate: int) -> Fee:
        return cls(FeeType.FIXED_RATE, rate=rate)

    @classmethod
    def fixed_amount(cls, amount: int) -> Fee:
        return cls(FeeType.FIXED_AMOUNT, amount=amount)


@dataclass(frozen=True)
class ContractTerms:
    """The money terms of one contract version (계약)."""

    platform_fee: Fee
    platform_fee_vat_payer: VatPayer
    subtract_payment_vat_amount: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "platform_fee_vat_payer", VatPayer(self.platform_fee_vat_payer))


@dataclass(frozen=True)
class DiscountSharePolicyTerms:
    """One discount share policy version (할인 분담 정책): the partner's share in milli-percent."""

    partner_share_rate: int

    def __post_init__(self) -> None:
        if not 0 <= self.partner_share_rate <= MILLI_PERCENT_100:
            raise ValueError(f"partner_share_rate out of range: {self.partner_share_rate}")


@dataclass(frozen=True)
class AdditionalFeePolicyTerms:
    """One additional fee policy version (추가 수수료 정책)."""

    fee: Fee
    vat_payer: VatPayer

    def __post_init__(self) -> None:
        object.__setattr__(self, "vat_payer", VatPayer(self.vat_payer))


@dataclass(frozen=True)
class SettlementTerms:
    """Everything a transfer's amounts depend on, keyed by the ids the request uses."""

    contract: ContractTerms
    discount_share_policies: Mapping[str, DiscountSharePolicyTerms] = field(default_factory=dict)
    additional_fee_policies: Mapping[str, AdditionalFeePolicyTerms] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# Inputs — 1:1 with the SDK's transfer request bodies (only the amount-relevant fields)
# ---------------------------------------------------------------------------------------------


def _non_negative(name: str, value: int) -> None:
    if value < 0:
        raise InvalidOrderInputError(f"{name} must not be negative: {value}")


@dataclass(frozen=True)
class Discount:
    """`CreatePlatformOrder(Cancel)TransferBodyDiscount`: a discount entry and its share policy.

    On an order line `amount`/`tax_free_amount` are totals for the line, not per unit
    (docs/calculation.md#order-input).
    """

    share_policy_id: str
    amount: int
    tax_free_amount: int = 0

    def __post_init__(self) -> None:
        _non_negative("discount amount", self.amount)
        _non_negative("discount taxFreeAmount", self.tax_free_amount)


@dataclass(frozen=True)
class AdditionalFee:
    """`CreatePlatformOrderTransferBodyAdditionalFee`: an additional fee policy applied here."""

    policy_id: str


@dataclass(frozen=True)
class Product:
    """`CreatePlatformOrderTransferBodyProduct`: `amount` and `tax_free_amount` are UNIT prices
    (docs/calculation.md#order-input)."""

    id: str
    name: str
    amount: int
    tax_free_amount: int = 0
    tag: str | None = None

    def __post_init__(self) -> None:
        _non_negative("product amount", self.amount)
        _non_negative("product taxFreeAmount", self.tax_free_amount)


@dataclass(frozen=True)
class OrderLine:
    """`CreatePlatformOrderTransferBodyOrderLine`."""

    product: Product
    quantity: int
    discounts: tuple[Discount, ...] = ()
    additional_fees: tuple[AdditionalFee, ...] = ()

    def __post_init__(self) -> None:
        _non_negative("quantity", self.quantity)
        object.__setattr__(self, "discounts", tuple(self.discounts))
        object.__setattr__(self, "additional_fees", tuple(self.additional_fees))

    @property
    def order(self) -> int:
        return self.product.amount * self.quantity

    @property
    def order_tax_free(self) -> int:
        return self.product.tax_free_amount * self.quantity


@dataclass(frozen=True)
class Order:
    """The amount-relevant part of `CreatePlatformOrderTransferBody` — and, after cancellations,
    the *remaining* order (docs/calculation.md#cancellations computes cancels from it).

    Exactly one of `order_amount` (orderDetail.orderAmount) and `order_lines`
    (orderDetail.orderLines) is set. `discounts` / `additional_fees` are the order-level lists;
    `tax_free_amount` is the body's order tax-free total, which overrides the lines' sum
    (docs/calculation.md#order-input).
    """

    order_amount: int | None = None
    order_lines: tuple[OrderLine, ...] | None = None
    discounts: tuple[Discount, ...] = ()
    additional_fees: tuple[AdditionalFee, ...] = ()
    tax_free_amount: int | None = None

    def __post_init__(self) -> None:
        if (self.order_amount is None) == (self.order_lines is None):
            raise InvalidOrderInputError("exactly one of orderAmount and orderLines is required")
        if self.order_amount is not None:
            _non_negative("orderAmount", self.order_amount)
        if self.order_lines is not None:
            object.__setattr__(self, "order_lines", tuple(self.order_lines))
        if self.tax_free_amount is not None:
            _non_negative("taxFreeAmount", self.tax_free_amount)
        object.__setattr__(self, "discounts", tuple(self.discounts))
        object.__setattr__(self, "additional_fees", tuple(self.additional_fees))

    @property
    def lines(self) -> tuple[OrderLine, ...]:
        return self.order_lines or ()

    @property
    def order(self) -> int:
        if self.order_amount is not None:
            return self.order_amount
        return sum(line.order for line in self.lines)

    @property
    def order_tax_free(self) -> int:
        """docs/calculation.md#order-input: the body's taxFreeAmount if given, else Σ unit tax-free
        × quantity."""
        if self.tax_free_amount is not None:
            return self.tax_free_amount
        return sum(line.order_tax_free for line in self.lines)

    def all_discounts(self) -> tuple[Discount, ...]:
        return tuple(d for line in self.lines for d in line.discounts) + self.discounts


@dataclass(frozen=True)
class CancelOrderLine:
    """`CreatePlatformOrderCancelTransferBodyOrderLine`: cancel `quantity` units of a product and
    the given amounts of that line's discounts."""

    product_id: str
    quantity: int
    discounts: tuple[Discount, ...] = ()

    def __post_init__(self) -> None:
        _non_negative("quantity", self.quantity)
        object.__setattr__(self, "discounts", tuple(self.discounts))


@dataclass(frozen=True)
class Cancellation:
    """The amount-relevant part of `CreatePlatformOrderCancelTransferBody`.

    At most one of `order_amount`, `order_lines`, `all`; none of them means `all`
    (docs/calculation.md#cancellations). With `all`, everything remaining is cancelled and
    `discounts` / `tax_free_amount` are ignored (the SDK always sends a `discounts` list).
    """

    order_amount: int | None = None
    order_lines: tuple[CancelOrderLine, ...] | None = None
    all: bool = False
    discounts: tuple[Discount, ...] = ()
    tax_free_amount: int | None = None

    def __post_init__(self) -> None:
        given = sum((self.order_amount is not None, self.order_lines is not None, self.all))
        if given > 1:
            raise InvalidOrderInputError("only one of orderAmount, orderLines and all is allowed")
        if self.order_amount is not None:
            _non_negative("orderAmount", self.order_amount)
        if self.order_lines is not None:
            object.__setattr__(self, "order_lines", tuple(self.order_lines))
        if self.tax_free_amount is not None:
            _non_negative("taxFreeAmount", self.tax_free_amount)
        object.__setattr__(self, "discounts", tuple(self.discounts))

    @property
    def cancels_all(self) -> bool:
        return self.all or (self.order_amount is None and self.order_lines is None)


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementAmount:
    """`PlatformOrderSettlementAmount` (without `userDefinedFormulas`, which are always `{}`)."""

    order: int = 0
    order_tax_free: int = 0
    discount: int = 0
    discount_tax_free: int = 0
    discount_share: int = 0
    discount_share_tax_free: int = 0
    payment: int = 0
    payment_supply: int = 0
    payment_vat: int = 0
    payment_vat_burden: int = 0
    payment_tax_free: int = 0
    platform_fee: int = 0
    platform_fee_vat: int = 0
    additional_fee: int = 0
    additional_fee_vat: int = 0
    settlement: int = 0
    settlement_tax_free: int = 0

    def __add__(self, other: SettlementAmount) -> SettlementAmount:
        return SettlementAmount(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def __sub__(self, other: SettlementAmount) -> SettlementAmount:
        return SettlementAmount(
            **{f.name: getattr(self, f.name) - getattr(other, f.name) for f in fields(self)}
        )


@dataclass(frozen=True)
class DiscountSettlement:
    """`PlatformOrderTransferDiscount` (policy by id)."""

    share_policy_id: str
    amount: int
    tax_free_amount: int
    share_amount: int
    share_tax_free_amount: int

    def __sub__(self, other: DiscountSettlement) -> DiscountSettlement:
        return DiscountSettlement(
            share_policy_id=self.share_policy_id,
            amount=self.amount - other.amount,
            tax_free_amount=self.tax_free_amount - other.tax_free_amount,
            share_amount=self.share_amount - other.share_amount,
            share_tax_free_amount=self.share_tax_free_amount - other.share_tax_free_amount,
        )


@dataclass(frozen=True)
class AdditionalFeeSettlement:
    """`PlatformOrderTransferAdditionalFee` (policy by id)."""

    policy_id: str
    amount: int
    vat: int

    def __sub__(self, other: AdditionalFeeSettlement) -> AdditionalFeeSettlement:
        return AdditionalFeeSettlement(
            policy_id=self.policy_id, amount=self.amount - other.amount, vat=self.vat - other.vat
        )


@dataclass(frozen=True)
class OrderLineSettlement:
    """`PlatformOrderTransferOrderLine`."""

    product: Product
    quantity: int
    discounts: tuple[DiscountSettlement, ...]
    additional_fees: tuple[AdditionalFeeSettlement, ...]
    amount: SettlementAmount


@dataclass(frozen=True)
class OrderSettlement:
    """The computed parts of an ORDER (or ORDER_CANCEL) transfer.

    `discounts` / `additional_fees` are the order-level entries; line entries are on the lines.
    `order_lines` is empty for an orderAmount transfer.
    """

    amount: SettlementAmount
    order_lines: tuple[OrderLineSettlement, ...] = ()
    discounts: tuple[DiscountSettlement, ...] = ()
    additional_fees: tuple[AdditionalFeeSettlement, ...] = ()


@dataclass(frozen=True)
class CancellationSettlement:
    """An ORDER_CANCEL transfer's amounts (positive magnitudes of what is reversed) and the
    order that remains cancellable afterwards (store it; the next cancel starts from it)."""

    cancel: OrderSettlement
    remaining: Order


# ---------------------------------------------------------------------------------------------
# Errors — one class per violation; `error_type` is the SDK discriminator
# (docs/calculation.md#amounts, docs/calculation.md#cancellations, docs/api.md#errors). Attribute
# names follow the SDK error fields in snake_case; graphqlIds are the API's job.
# ---------------------------------------------------------------------------------------------


class CalculationError(Exception):
    """Base class of every request the settlement arithmetic refuses."""

    error_type: ClassVar[str] = "INVALID_REQUEST"
    refusal: ClassVar[str] = "invalid"  # a core.errors.Kind value


class InvalidOrderInputError(CalculationError, ValueError):
    """Malformed input (negative amount, both/neither of orderAmount/orderLines, a share policy
    repeated within one discount list of an order, …) → 400 INVALID_REQUEST."""


class DiscountSharePoliciesNotFoundError(CalculationError):
    error_type = "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND"
    refusal = "not_found"

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = tuple(ids)
        super().__init__(f"discount share policies not found: {', '.join(self.ids)}")


class AdditionalFeePoliciesNotFoundError(CalculationError):
    error_type = "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND"
    refusal = "not_found"

    def __init__(self, ids: Sequence[str]) -> None:
        self.ids = tuple(ids)
        super().__init__(f"additional fee policies not found: {', '.join(self.ids)}")


class ContractFixedAmountFeeCurrencyMismatchedError(CalculationError):
    """A FIXED_AMOUNT platform fee (KRW) on a non-KRW transfer (docs/calculation.md#policies,
    docs/calculation.md#fixed-amount-fees)."""

    error_type = (
        "PLATFORM_CONTRACT_PLATFORM_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED"
    )

    def __init__(self, settlement_currency: str) -> None:
        self.fee_currency = KRW
        self.settlement_currency = settlement_currency
        super().__init__(f"fixed-amount platform fee is KRW, settlement is {settlement_currency}")


class AdditionalFixedAmountFeeCurrencyMismatchedError(CalculationError):
    """A FIXED_AMOUNT additional fee (KRW) on a non-KRW transfer (docs/calculation.md#policies,
    docs/calculation.md#fixed-amount-fees)."""

    error_type = "PLATFORM_ADDITIONAL_FIXED_AMOUNT_FEE_CURRENCY_AND_SETTLEMENT_CURRENCY_MISMATCHED"

    def __init__(self, policy_id: str, settlement_currency: str) -> None:
        self.id = policy_id
        self.fee_currency = KRW
        self.settlement_currency = settlement_currency
        super().__init__(
            f"fixed-amount additional fee {policy_id} is KRW, settlement is {settlement_currency}"
        )


class ProductIdDuplicatedError(CalculationError):
    error_type = "PLATFORM_PRODUCT_ID_DUPLICATED"

    def __init__(self, product_id: str) -> None:
        self.id = product_id
        super().__init__(f"product id repeated: {product_id}")


class SettlementAmountExceededError(CalculationError):
    """`PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED`; the subclass says which amount (its `kind` goes into
    the error's `message`, because `type` must stay this string for the SDK, docs/api.md#errors)."""

    error_type = "PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED"
    kind: ClassVar[str] = ""

    def __init__(
        self, requested_amount: int, allowed_amount: int, product_id: str | None = None
    ) -> None:
        self.requested_amount = requested_amount
        self.allowed_amount = allowed_amount
        self.product_id = product_id
        where = f" (product {product_id})" if product_id is not None else ""
        super().__init__(f"{self.kind}: {requested_amount} > {allowed_amount}{where}")


class DiscountExceedsOrderError(SettlementAmountExceededError):
    kind = "DISCOUNT_THAN_ORDER"


class DiscountTaxFreeExceedsDiscountError(SettlementAmountExceededError):
    kind = "DISCOUNT_TAX_FREE_THAN_DISCOUNT"


class DiscountTaxFreeExceedsOrderTaxFreeError(SettlementAmountExceededError):
    kind = "DISCOUNT_TAX_FREE_THAN_ORDER_TAX_FREE"


class PaymentTaxFreeExceedsPaymentError(SettlementAmountExceededError):
    kind = "PAYMENT_TAX_FREE_THAN_PAYMENT"


class OrderTransferAlreadyCancelledError(CalculationError):
    error_type = "PLATFORM_ORDER_TRANSFER_ALREADY_CANCELLED"

    def __init__(self) -> None:
        super().__init__("the order transfer is already fully cancelled")


class OrderDetailMismatchedError(CalculationError):
    """orderLines used on an orderAmount transfer, or vice versa."""

    error_type = "PLATFORM_ORDER_DETAIL_MISMATCHED"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class ProductIdNotFoundError(CalculationError):
    error_type = "PLATFORM_PRODUCT_ID_NOT_FOUND"
    refusal = "not_found"

    def __init__(self, product_id: str) -> None:
        self.id = product_id
        super().__init__(f"product not in the order transfer: {product_id}")


class CancellableProductQuantityExceededError(CalculationError):
    error_type = "PLATFORM_CANCELLABLE_PRODUCT_QUANTITY_EXCEEDED"

    def __init__(self, product_id: str, cancellable_quantity: int, requested_quantity: int) -> None:
        self.product_id = product_id
        self.cancellable_quantity = cancellable_quantity
        self.requested_quantity = requested_quantity
        super().__init__(
            f"product {product_id}: cancel {requested_quantity} "
            f"> cancellable {cancellable_quantity}"
        )


class CancellableAmountExceededError(CalculationError):
    """The taxable (SUPPLY_WITH_VAT) or tax-free payment part of a cancel exceeds what is left."""

    error_type = "PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED"

    def __init__(
        self, amount_type: CancellableAmountType, cancellable_amount: int, request_amount: int
    ) -> None:
        self.amount_type = amount_type
        self.cancellable_amount = cancellable_amount
        self.request_amount = request_amount
        super().__init__(
            f"{amount_type}: cancel {request_amount} > cancellable {cancellable_amount}"
        )


class TransferDiscountSharePolicyNotFoundError(CalculationError):
    """A cancel names a share policy the original (line or order level) does not have."""

    error_type = "PLATFORM_TRANSFER_DISCOUNT_SHARE_POLICY_NOT_FOUND"
    refusal = "not_found"

    def __init__(self, discount_share_policy_id: str, product_id: str | None = None) -> None:
        self.discount_share_policy_id = discount_share_policy_id
        self.product_id = product_id
        where = f"product {product_id}" if product_id is not None else "the order"
        super().__init__(f"discount share policy {discount_share_policy_id} not on {where}")


class DiscountSharePolicyIdDuplicatedError(CalculationError):
    """The same share policy twice in one cancel discount list."""

    error_type = "PLATFORM_DISCOUNT_SHARE_POLICY_ID_DUPLICATED"

    def __init__(self, discount_share_policy_id: str, product_id: str | None = None) -> None:
        self.id = discount_share_policy_id
        self.product_id = product_id
        super().__init__(f"discount share policy repeated: {discount_share_policy_id}")


class _CancellableDiscountError(CalculationError):
    def __init__(
        self,
        discount_share_policy_id: str,
        cancellable_amount: int,
        request_amount: int,
        product_id: str | None = None,
    ) -> None:
        self.discount_share_policy_id = discount_share_policy_id
        self.cancellable_amount = cancellable_amount
        self.request_amount = request_amount
        self.product_id = product_id
        super().__init__(
            f"discount {discount_share_policy_id}: cancel {request_amount} > "
            f"cancellable {cancellable_amount}"
        )


class CancellableDiscountAmountExceededError(_CancellableDiscountError):
    error_type = "PLATFORM_CANCELLABLE_DISCOUNT_AMOUNT_EXCEEDED"


class CancellableDiscountTaxFreeAmountExceededError(_CancellableDiscountError):
    error_type = "PLATFORM_CANCELLABLE_DISCOUNT_TAX_FREE_AMOUNT_EXCEEDED"


# ---------------------------------------------------------------------------------------------
# Order validation (docs/calculation.md#amounts "Order-transfer validations", amount part)
# ---------------------------------------------------------------------------------------------


class ManualTaxFreeAmountError(CalculationError):
    """The tax-free part of a manual transfer must have the amount's sign and be no larger."""

    field: ClassVar[str] = "settlementTaxFreeAmount"

    def __init__(self) -> None:
        super().__init__(
            "settlementTaxFreeAmount: 정산금액과 같은 부호이고 절댓값이 정산금액 이하여야 합니다."
        )


def check_manual_settlement(amount: int, tax_free_amount: int) -> None:
    """A manual transfer (수기 정산) may be negative (an adjustment); its tax-free part, when
    given, has the same sign and is no larger in magnitude (docs/calculation.md, "Manual
    transfers"): -3,000 with -1,000 tax-free is fine, -3,000 with +1,000 or -4,000 is not."""
    if tax_free_amount and (
        abs(tax_free_amount) > abs(amount) or (tax_free_amount > 0) != (amount > 0)
    ):
        raise ManualTaxFreeAmountError()


def _check_policies(order: Order, terms: SettlementTerms, currency: str) -> None:
    """Policies exist (404s), then KRW-only fixed amounts (docs/calculation.md#policies,
    docs/calculation.md#fixed-amount-fees, docs/calculation.md#foreign-currencies)."""
    missing_shares = sorted(
        {d.share_policy_id for d in order.all_discounts()} - set(terms.discount_share_policies)
    )
    if missing_shares:
        raise DiscountSharePoliciesNotFoundError(missing_shares)
    fee_ids = [f.policy_id for line in order.lines for f in line.additional_fees]
    fee_ids += [f.policy_id for f in order.additional_fees]
    missing_fees = sorted(set(fee_ids) - set(terms.additional_fee_policies))
    if missing_fees:
        raise AdditionalFeePoliciesNotFoundError(missing_fees)
    if currency != KRW:
        if terms.contract.platform_fee.type is FeeType.FIXED_AMOUNT:
            raise ContractFixedAmountFeeCurrencyMismatchedError(currency)
        for policy_id in dict.fromkeys(fee_ids):
            if terms.additional_fee_policies[policy_id].fee.type is FeeType.FIXED_AMOUNT:
                raise AdditionalFixedAmountFeeCurrencyMismatchedError(policy_id, currency)


def _check_structure(order: Order) -> None:
    """Unique product ids; a share policy at most once per discount list (so a cancel can name
    "the" remaining discount of a policy, docs/calculation.md#cancellations)."""
    seen: set[str] = set()
    for line in order.lines:
        if line.product.id in seen:
            raise ProductIdDuplicatedError(line.product.id)
        seen.add(line.product.id)
    lists = [(line.product.id, line.discounts) for line in order.lines]
    for product_id, discounts in [*lists, (None, order.discounts)]:
        policy_ids = [d.share_policy_id for d in discounts]
        if len(policy_ids) != len(set(policy_ids)):
            where = f"product {product_id}" if product_id is not None else "the order"
            raise InvalidOrderInputError(f"a discount share policy is repeated on {where}")


def _check_amounts(
    order: int,
    order_tax_free: int,
    discounts: Sequence[Discount],
    product_id: str | None,
) -> None:
    """The four PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED kinds of docs/calculation.md#amounts for one
    scope."""
    for d in discounts:
        if d.tax_free_amount > d.amount:
            raise DiscountTaxFreeExceedsDiscountError(d.tax_free_amount, d.amount, product_id)
    discount = sum(d.amount for d in discounts)
    discount_tax_free = sum(d.tax_free_amount for d in discounts)
    if discount > order:
        raise DiscountExceedsOrderError(discount, order, product_id)
    if discount_tax_free > order_tax_free:
        raise DiscountTaxFreeExceedsOrderTaxFreeError(discount_tax_free, order_tax_free, product_id)
    payment_tax_free = order_tax_free - discount_tax_free
    payment = order - discount
    if payment_tax_free > payment:
        raise PaymentTaxFreeExceedsPaymentError(payment_tax_free, payment, product_id)


def _check_order_amounts(order: Order) -> None:
    for line in order.lines:
        _check_amounts(line.order, line.order_tax_free, line.discounts, line.product.id)
    _check_amounts(order.order, order.order_tax_free, order.all_discounts(), None)


def validate_order(order: Order, terms: SettlementTerms, *, currency: str = KRW) -> None:
    """Refuse an order the arithmetic cannot settle (docs/calculation.md#amounts validations,
    docs/calculation.md#fixed-amount-fees, docs/calculation.md#foreign-currencies).

    Order of checks: policies exist → fixed-amount fees are KRW-only → product ids unique →
    amount sanity per line, then for the whole transfer.
    """
    _check_policies(order, terms, currency)
    _check_structure(order)
    _check_order_amounts(order)


# ---------------------------------------------------------------------------------------------
# Amount computation (docs/calculation.md#amounts)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    terms: SettlementTerms
    currency: str
    fee_base: FeeBase
    fee_rounding: RoundingMode
    vat_rounding: RoundingMode

    @property
    def vat_applies(self) -> bool:
        """docs/calculation.md#foreign-currencies: VAT logic applies to KRW only."""
        return self.currency == KRW


def fee_of(base: int, rate: int, mode: RoundingMode = RoundingMode.HALF_UP) -> int:
    """A FIXED_RATE fee or a discount share: R_fee(base × rate / 100 000).

    docs/calculation.md#amounts, docs/calculation.md#policies, docs/calculation.md#rounding-rules.
    """
    return round_fee(Fraction(base * rate, MILLI_PERCENT_100), mode)


def payment_vat_of(taxable_payment: int, mode: RoundingMode = RoundingMode.HALF_UP) -> int:
    """VAT inside a VAT-inclusive payment: R_vat(taxable / 11) (docs/calculation.md#rounding-rules,
    docs/calculation.md#amounts)."""
    return round_vat(Fraction(taxable_payment, PAYMENT_VAT_DIVISOR), mode)


def fee_vat_of(fee: int, mode: RoundingMode = RoundingMode.HALF_UP) -> int:
    """VAT on top of a fee: R_vat(fee / 10) (docs/calculation.md#amounts,
    docs/calculation.md#rounding-rules)."""
    return round_vat(Fraction(fee, FEE_VAT_DIVISOR), mode)


def settlement_tax_free_of(
    *,
    order: int,
    order_tax_free: int,
    discount_share: int,
    discount_share_tax_free: int,
    deductions: int,
    settlement: int,
) -> int:
    """Tax-free net revenue minus its pro-rata share of the fee deductions
    (docs/calculation.md#tax-free-settlement, docs/calculation.md#amounts).

    `paymentVatBurden` is not a deduction here: it reduces only the taxable part
    (docs/calculation.md#tax-free-settlement). The result is clamped to [0, max(settlement, 0)]; it
    is 0 when `order − discountShare = 0`.
    """
    revenue = order - discount_share
    if revenue <= 0:
        return 0
    tax_free_revenue = order_tax_free - discount_share_tax_free
    value = tax_free_revenue - round_allocation(Fraction(deductions * tax_free_revenue, revenue))
    return max(0, min(value, settlement))


def _discount_settlement(d: Discount, ctx: _Context) -> DiscountSettlement:
    """Partner share per entry, rounded per entry (docs/calculation.md#policies,
    docs/calculation.md#scope)."""
    rate = ctx.terms.discount_share_policies[d.share_policy_id].partner_share_rate
    return DiscountSettlement(
        share_policy_id=d.share_policy_id,
        amount=d.amount,
        tax_free_amount=d.tax_free_amount,
        share_amount=fee_of(d.amount, rate, ctx.fee_rounding),
        share_tax_free_amount=fee_of(d.tax_free_amount, rate, ctx.fee_rounding),
    )


def _fee_amount(fee: Fee, *, base: int, order: int, ctx: _Context) -> int:
    """One fee: FIXED_RATE on the base (docs/calculation.md#fee-base); FIXED_AMOUNT once, and only
    while the scope's order is > 0, so it is refunded exactly when a cancel empties the order
    (docs/calculation.md#fixed-amount-fees, docs/calculation.md#cancellations)."""
    if fee.type is FeeType.FIXED_RATE:
        assert fee.rate is not None
        return fee_of(base, fee.rate, ctx.fee_rounding)
    assert fee.amount is not None
    return fee.amount if order > 0 else 0


def _additional_fee_settlement(
    entry: AdditionalFee, *, base: int, order: int, ctx: _Context
) -> AdditionalFeeSettlement:
    """One additional fee entry and its VAT, rounded per entry (docs/calculation.md#amounts,
    docs/calculation.md#scope, docs/calculation.md#fixed-amount-fees)."""
    policy = ctx.terms.additional_fee_policies[entry.policy_id]
    amount = _fee_amount(policy.fee, base=base, order=order, ctx=ctx)
    vat = 0
    if policy.vat_payer is VatPayer.PARTNER and ctx.vat_applies:
        vat = fee_vat_of(amount, ctx.vat_rounding)
    return AdditionalFeeSettlement(policy_id=entry.policy_id, amount=amount, vat=vat)


def _amount_object(
    *,
    order: int,
    order_tax_free: int,
    discounts: Sequence[DiscountSettlement],
    inherited_fees: Sequence[AdditionalFeeSettlement],
    own_fees: Sequence[AdditionalFee],
    transfer_level: bool,
    ctx: _Context,
) -> tuple[SettlementAmount, tuple[AdditionalFeeSettlement, ...]]:
    """One `PlatformOrderSettlementAmount` (a line, or the whole transfer) —
    docs/calculation.md#amounts.

    `inherited_fees` are the line entries already computed with their line's base; `own_fees` are
    computed here with this object's base (docs/calculation.md#amounts "base = the line's order for
    line entries, the transfer's order for order-level entries"). The platform fee and every VAT are
    computed on this object's totals (docs/calculation.md#scope); a FIXED_AMOUNT platform fee only
    on the transfer (docs/calculation.md#fixed-amount-fees).
    """
    contract = ctx.terms.contract
    discount = sum(d.amount for d in discounts)
    discount_tax_free = sum(d.tax_free_amount for d in discounts)
    discount_share = sum(d.share_amount for d in discounts)
    discount_share_tax_free = sum(d.share_tax_free_amount for d in discounts)
    payment = order - discount
    payment_tax_free = order_tax_free - discount_tax_free
    taxable = payment - payment_tax_free
    payment_vat = payment_vat_of(taxable, ctx.vat_rounding) if ctx.vat_applies else 0
    payment_supply = taxable - payment_vat
    payment_vat_burden = payment_vat if contract.subtract_payment_vat_amount else 0

    base = order if ctx.fee_base is FeeBase.ORDER else payment
    platform_fee = 0
    if contract.platform_fee.type is FeeType.FIXED_RATE or transfer_level:
        platform_fee = _fee_amount(contract.platform_fee, base=base, order=order, ctx=ctx)
    platform_fee_vat = 0
    if contract.platform_fee_vat_payer is VatPayer.PARTNER and ctx.vat_applies:
        platform_fee_vat = fee_vat_of(platform_fee, ctx.vat_rounding)

    computed = tuple(
        _additional_fee_settlement(entry, base=base, order=order, ctx=ctx) for entry in own_fees
    )
    fees = tuple(inherited_fees) + computed
    additional_fee = sum(f.amount for f in fees)
    additional_fee_vat = sum(f.vat for f in fees)

    deductions = platform_fee + platform_fee_vat + additional_fee + additional_fee_vat
    settlement = order - discount_share - deductions - payment_vat_burden
    amount = SettlementAmount(
        order=order,
        order_tax_free=order_tax_free,
        discount=discount,
        discount_tax_free=discount_tax_free,
        discount_share=discount_share,
        discount_share_tax_free=discount_share_tax_free,
        payment=payment,
        payment_supply=payment_supply,
        payment_vat=payment_vat,
        payment_vat_burden=payment_vat_burden,
        payment_tax_free=payment_tax_free,
        platform_fee=platform_fee,
        platform_fee_vat=platform_fee_vat,
        additional_fee=additional_fee,
        additional_fee_vat=additional_fee_vat,
        settlement=settlement,
        settlement_tax_free=settlement_tax_free_of(
            order=order,
            order_tax_free=order_tax_free,
            discount_share=discount_share,
            discount_share_tax_free=discount_share_tax_free,
            deductions=deductions,
            settlement=settlement,
        ),
    )
    return amount, computed


def _compute(order: Order, ctx: _Context) -> OrderSettlement:
    """Line objects from their own entries; the transfer object from all entries
    (docs/calculation.md#amounts Scope)."""
    line_results: list[OrderLineSettlement] = []
    for line in order.lines:
        discounts = tuple(_discount_settlement(d, ctx) for d in line.discounts)
        amount, fees = _amount_object(
            order=line.order,
            order_tax_free=line.order_tax_free,
            discounts=discounts,
            inherited_fees=(),
            own_fees=line.additional_fees,
            transfer_level=False,
            ctx=ctx,
        )
        line_results.append(
            OrderLineSettlement(line.product, line.quantity, discounts, fees, amount)
        )
    order_discounts = tuple(_discount_settlement(d, ctx) for d in order.discounts)
    amount, order_fees = _amount_object(
        order=order.order,
        order_tax_free=order.order_tax_free,
        discounts=[d for line in line_results for d in line.discounts] + list(order_discounts),
        inherited_fees=[f for line in line_results for f in line.additional_fees],
        own_fees=order.additional_fees,
        transfer_level=True,
        ctx=ctx,
    )
    return OrderSettlement(amount, tuple(line_results), order_discounts, order_fees)


def _context(
    terms: SettlementTerms,
    currency: str,
    fee_base: FeeBase,
    fee_rounding: RoundingMode,
    vat_rounding: RoundingMode,
) -> _Context:
    return _Context(
        terms, currency, FeeBase(fee_base), RoundingMode(fee_rounding), RoundingMode(vat_rounding)
    )


def calculate_order(
    order: Order,
    terms: SettlementTerms,
    *,
    currency: str = KRW,
    fee_base: FeeBase = FeeBase.ORDER,
    fee_rounding: RoundingMode = RoundingMode.HALF_UP,
    vat_rounding: RoundingMode = RoundingMode.HALF_UP,
) -> OrderSettlement:
    """Validate an order and compute its full amount breakdown (docs/calculation.md#amounts).

    Implements docs/calculation.md#fee-base (fee base, default ORDER),
    docs/calculation.md#rounding-rules (R_fee / R_vat, default HALF_UP; payment VAT = taxable / 11),
    docs/calculation.md#scope (shares and additional fees rounded per entry; platform fee and VATs
    on each amount object's totals), docs/calculation.md#fixed-amount-fees (FIXED_AMOUNT platform
    fee once per transfer, not on lines; fixed additional fee once per entry),
    docs/calculation.md#tax-free-settlement (settlementTaxFree), docs/calculation.md#order-input
    (unit tax-free amounts, body override), docs/calculation.md#order-input (line discounts are line
    totals) and docs/calculation.md#foreign-currencies (no VAT outside KRW; fixed amounts are
    KRW-only).
    """
    ctx = _context(terms, currency, fee_base, fee_rounding, vat_rounding)
    validate_order(order, terms, currency=currency)
    return _compute(order, ctx)


# ---------------------------------------------------------------------------------------------
# Cancellation (docs/calculation.md#cancellations)
# ---------------------------------------------------------------------------------------------


def is_fully_cancelled(remaining: Order) -> bool:
    """Nothing left to cancel: no order amount, no units (free items count), no discount, no
    tax-free amount."""
    return (
        remaining.order == 0
        and remaining.order_tax_free == 0
        and all(line.quantity == 0 for line in remaining.lines)
        and all(d.amount == 0 and d.tax_free_amount == 0 for d in remaining.all_discounts())
    )


def _zeroed(discounts: Iterable[Discount]) -> tuple[Discount, ...]:
    return tuple(replace(d, amount=0, tax_free_amount=0) for d in discounts)


def _split_discounts(
    remaining: tuple[Discount, ...],
    requested: tuple[Discount, ...],
    product_id: str | None,
) -> tuple[tuple[Discount, ...], tuple[Discount, ...]]:
    """(cancelled, left) per share policy of one discount list, with the
    docs/calculation.md#cancellations discount checks."""
    by_policy = {d.share_policy_id: d for d in remaining}
    seen: set[str] = set()
    for d in requested:
        if d.share_policy_id in seen:
            raise DiscountSharePolicyIdDuplicatedError(d.share_policy_id, product_id)
        seen.add(d.share_policy_id)
        if d.share_policy_id not in by_policy:
            raise TransferDiscountSharePolicyNotFoundError(d.share_policy_id, product_id)
    wanted = {d.share_policy_id: d for d in requested}
    cancelled: list[Discount] = []
    left: list[Discount] = []
    for d in remaining:
        request = wanted.get(d.share_policy_id, replace(d, amount=0, tax_free_amount=0))
        if request.amount > d.amount:
            raise CancellableDiscountAmountExceededError(
                d.share_policy_id, d.amount, request.amount, product_id
            )
        if request.tax_free_amount > d.tax_free_amount:
            raise CancellableDiscountTaxFreeAmountExceededError(
                d.share_policy_id, d.tax_free_amount, request.tax_free_amount, product_id
            )
        cancelled.append(request)
        left.append(
            replace(
                d,
                amount=d.amount - request.amount,
                tax_free_amount=d.tax_free_amount - request.tax_free_amount,
            )
        )
    return tuple(cancelled), tuple(left)


def _split_lines(
    remaining: Order, requests: tuple[CancelOrderLine, ...]
) -> tuple[tuple[OrderLine, ...], tuple[OrderLine, ...]]:
    """(cancelled, left) order lines with the docs/calculation.md#cancellations product / quantity /
    line-discount checks."""
    by_product: dict[str, CancelOrderLine] = {}
    lines = {line.product.id for line in remaining.lines}
    for request in requests:
        if request.product_id in by_product:
            raise ProductIdDuplicatedError(request.product_id)
        if request.product_id not in lines:
            raise ProductIdNotFoundError(request.product_id)
        by_product[request.product_id] = request
    cancelled: list[OrderLine] = []
    left: list[OrderLine] = []
    for line in remaining.lines:
        request = by_product.get(line.product.id, CancelOrderLine(line.product.id, 0))
        if request.quantity > line.quantity:
            raise CancellableProductQuantityExceededError(
                line.product.id, line.quantity, request.quantity
            )
        gone, kept = _split_discounts(line.discounts, request.discounts, line.product.id)
        cancelled.append(replace(line, quantity=request.quantity, discounts=gone))
        left.append(replace(line, quantity=line.quantity - request.quantity, discounts=kept))
    return tuple(cancelled), tuple(left)


def _all_gone(remaining: Order) -> Order:
    """What remains after `orderDetail.all`: nothing (quantities, discounts, tax-free all 0)."""
    lines = remaining.order_lines
    return replace(
        remaining,
        order_amount=0 if remaining.order_amount is not None else None,
        order_lines=(
            tuple(replace(line, quantity=0, discounts=_zeroed(line.discounts)) for line in lines)
            if lines is not None
            else None
        ),
        discounts=_zeroed(remaining.discounts),
        tax_free_amount=0 if remaining.tax_free_amount is not None else None,
    )


@dataclass(frozen=True)
class _Split:
    cancelled: Order  # the cancel request as an order of its own
    kept_lines: tuple[OrderLine, ...] | None
    kept_discounts: tuple[Discount, ...]


def _split(remaining: Order, cancellation: Cancellation) -> _Split:
    """The cancelled part and what is kept of lines/discounts, with the structural
    docs/calculation.md#cancellations checks."""
    by_lines = cancellation.order_lines is not None
    if by_lines and remaining.order_lines is None:
        raise OrderDetailMismatchedError("orderLines given for an orderAmount transfer")
    if not by_lines and remaining.order_amount is None:
        raise OrderDetailMismatchedError("orderAmount given for an orderLines transfer")
    gone_lines: tuple[OrderLine, ...] | None = None
    kept_lines: tuple[OrderLine, ...] | None = None
    if cancellation.order_lines is not None:
        gone_lines, kept_lines = _split_lines(remaining, cancellation.order_lines)
    gone_discounts, kept_discounts = _split_discounts(
        remaining.discounts, cancellation.discounts, None
    )
    cancelled = Order(
        order_amount=cancellation.order_amount,
        order_lines=gone_lines,
        discounts=gone_discounts,
        tax_free_amount=cancellation.tax_free_amount,
    )
    return _Split(cancelled, kept_lines, kept_discounts)


def _after(remaining: Order, split: _Split) -> Order:
    """remaining − cancelled; only called once the amount checks guarantee nothing goes < 0."""
    order_amount = None
    if remaining.order_amount is not None:
        order_amount = remaining.order_amount - split.cancelled.order
    # Keep the tax-free total implicit (Σ lines) unless someone overrode it
    # (docs/calculation.md#order-input).
    tax_free_amount = None
    if remaining.tax_free_amount is not None or split.cancelled.tax_free_amount is not None:
        tax_free_amount = remaining.order_tax_free - split.cancelled.order_tax_free
    return replace(
        remaining,
        order_amount=order_amount,
        order_lines=split.kept_lines,
        discounts=split.kept_discounts,
        tax_free_amount=tax_free_amount,
    )


def _payment_parts(order: Order) -> tuple[int, int]:
    """(taxable payment = 공급대가, tax-free payment) of the transfer object."""
    discounts = order.all_discounts()
    payment = order.order - sum(d.amount for d in discounts)
    payment_tax_free = order.order_tax_free - sum(d.tax_free_amount for d in discounts)
    return payment - payment_tax_free, payment_tax_free


def apply_cancellation(remaining: Order, cancellation: Cancellation) -> Order:
    """Validate a cancel request against the remaining order and return what remains after it.

    Checks, in this order (docs/calculation.md#cancellations table): already fully cancelled →
    orderDetail kind mismatch → product ids duplicated / not found → per line: quantity ≤ remaining,
    then its discounts (policy repeated / not on the line / amount and tax-free ≤ remaining) → the
    same for the order-level discounts → the cancelled part is itself a valid order (discount ≤
    cancelled order, …: PLATFORM_SETTLEMENT_AMOUNT_EXCEEDED) → its taxable and tax-free payment
    parts ≤ what is left (PLATFORM_CANCELLABLE_AMOUNT_EXCEEDED) → what remains is a valid order
    (e.g. a line's remaining discount ≤ its remaining order). A missing orderDetail or `all` cancels
    everything remaining (docs/calculation.md#cancellations).
    """
    if is_fully_cancelled(remaining):
        raise OrderTransferAlreadyCancelledError()
    if cancellation.cancels_all:
        return _all_gone(remaining)
    split = _split(remaining, cancellation)
    _check_order_amounts(split.cancelled)
    taxable, tax_free = _payment_parts(split.cancelled)
    cancellable_taxable, cancellable_tax_free = _payment_parts(remaining)
    if taxable > cancellable_taxable:
        raise CancellableAmountExceededError(
            CancellableAmountType.SUPPLY_WITH_VAT, cancellable_taxable, taxable
        )
    if tax_free > cancellable_tax_free:
        raise CancellableAmountExceededError(
            CancellableAmountType.TAX_FREE, cancellable_tax_free, tax_free
        )
    after = _after(remaining, split)
    _check_order_amounts(after)
    return after


def remaining_order(original: Order, cancellations: Iterable[Cancellation]) -> Order:
    """The order left after applying the registered cancels in order
    (docs/calculation.md#cancellations)."""
    remaining = original
    for cancellation in cancellations:
        remaining = apply_cancellation(remaining, cancellation)
    return remaining


def _difference(before: OrderSettlement, after: OrderSettlement) -> OrderSettlement:
    """Field-wise `before − after`; lines whose amounts and quantity did not change are dropped.

    `after` is derived from `before` with the same structure, so entries pair up by position.
    """
    lines: list[OrderLineSettlement] = []
    for b, a in zip(before.order_lines, after.order_lines, strict=True):
        line = OrderLineSettlement(
            product=b.product,
            quantity=b.quantity - a.quantity,
            discounts=tuple(x - y for x, y in zip(b.discounts, a.discounts, strict=True)),
            additional_fees=tuple(
                x - y for x, y in zip(b.additional_fees, a.additional_fees, strict=True)
            ),
            amount=b.amount - a.amount,
        )
        if line.quantity or line.amount != SettlementAmount():
            lines.append(line)
    return OrderSettlement(
        amount=before.amount - after.amount,
        order_lines=tuple(lines),
        discounts=tuple(x - y for x, y in zip(before.discounts, after.discounts, strict=True)),
        additional_fees=tuple(
            x - y for x, y in zip(before.additional_fees, after.additional_fees, strict=True)
        ),
    )


def calculate_cancellation(
    remaining: Order,
    cancellation: Cancellation,
    terms: SettlementTerms,
    *,
    currency: str = KRW,
    fee_base: FeeBase = FeeBase.ORDER,
    fee_rounding: RoundingMode = RoundingMode.HALF_UP,
    vat_rounding: RoundingMode = RoundingMode.HALF_UP,
) -> CancellationSettlement:
    """An ORDER_CANCEL transfer: amounts(remaining before) − amounts(remaining after).

    docs/calculation.md#cancellations: both sides use the original transfer's terms (pass the
    snapshot the original was computed with), so a sequence of partial cancels sums exactly to the
    original, FIXED_AMOUNT fees are refunded only when the remaining order reaches 0
    (docs/calculation.md#fixed-amount-fees) and rounding never drifts. Results are positive
    magnitudes of what is reversed; a missing orderDetail means `all`. Validation as in
    `apply_cancellation`.
    """
    ctx = _context(terms, currency, fee_base, fee_rounding, vat_rounding)
    _check_policies(remaining, terms, currency)
    after = apply_cancellation(remaining, cancellation)
    cancel = _difference(_compute(remaining, ctx), _compute(after, ctx))
    return CancellationSettlement(cancel=cancel, remaining=after)
