"""Input schemas of the settlement API with the SDK's camelCase names, and their conversion to
the typed requests of settlements.services and the filters of settlements.selectors.

The API validates through these; the order, manual-transfer and payment files build the same
requests from their cells (settlements/files/), so a value is judged the same wherever it comes
from.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.errors import invalid
from core.inputs import INT64, NON_NEGATIVE, EmptyObject, OneOf, PageInput, choice_list, string_list
from settlements.domain import calculation as calc
from settlements.models import PartnerSettlementStatus, TransferStatus, TransferType
from settlements.selectors.partner_settlements import PartnerSettlementFilter
from settlements.selectors.transfers import TransferFilter
from settlements.services.cancel_transfers import ExternalCancellation, OrderCancelTransferRequest
from settlements.services.manual_transfers import ManualTransferRequest
from settlements.services.order_transfers import ExternalPayment, OrderTransferRequest

# --- transfers ------------------------------------------------------------------------------------


class PropertyValueInput(serializers.Serializer):
    string = serializers.CharField(allow_blank=True, max_length=1000)


class PropertyInput(serializers.Serializer):
    key = serializers.CharField(max_length=50)
    value = PropertyValueInput()


class ParameterInput(serializers.Serializer):
    decimal = serializers.IntegerField(**INT64)
    decimalScale = serializers.IntegerField(min_value=0, max_value=5, required=False)


class DiscountInput(serializers.Serializer):
    sharePolicyId = serializers.CharField()
    amount = serializers.IntegerField(**NON_NEGATIVE)
    taxFreeAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)


class AdditionalFeeInput(serializers.Serializer):
    policyId = serializers.CharField()


class ProductInput(serializers.Serializer):
    id = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=300)
    amount = serializers.IntegerField(**NON_NEGATIVE)
    taxFreeAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)
    tag = serializers.CharField(required=False, max_length=100)


class OrderLineInput(serializers.Serializer):
    product = ProductInput()
    quantity = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    discounts = serializers.ListField(child=DiscountInput())
    additionalFees = serializers.ListField(child=AdditionalFeeInput())


class OrderDetailInput(serializers.Serializer):
    orderAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)
    orderLines = serializers.ListField(child=OrderLineInput(), required=False, allow_empty=False)

    def validate(self, attrs):
        if ("orderAmount" in attrs) == ("orderLines" in attrs):
            raise serializers.ValidationError("orderAmount 또는 orderLines 중 하나만 보내세요.")
        return attrs


class EasyPayInput(serializers.Serializer):
    provider = serializers.CharField(required=False)
    methodType = serializers.ChoiceField(choices=["CARD", "TRANSFER", "CHARGE"], required=False)


METHOD_KEYS = {
    "card": "CARD",
    "transfer": "TRANSFER",
    "virtualAccount": "VIRTUAL_ACCOUNT",
    "giftCertificate": "GIFT_CERTIFICATE",
    "mobile": "MOBILE",
    "easyPay": "EASY_PAY",
}


class ExternalPaymentInput(serializers.Serializer):
    currency = serializers.CharField(max_length=3)
    orderName = serializers.CharField(required=False, max_length=300)
    paidAt = serializers.DateTimeField(required=False)
    method = serializers.DictField(required=False)

    def validate_method(self, value):
        field = OneOf(
            {k: (EasyPayInput() if k == "easyPay" else EmptyObject()) for k in METHOD_KEYS}
        )
        key, inner = field.run_validation(value)
        out = {"type": METHOD_KEYS[key]}
        if key == "easyPay":
            out.update({k: v for k, v in inner.items() if v is not None})
        return out


class OrderTransferInput(serializers.Serializer):
    partnerId = serializers.CharField()
    contractId = serializers.CharField(required=False)
    memo = serializers.CharField(required=False, max_length=256, allow_blank=True)
    paymentId = serializers.CharField(max_length=200)
    orderDetail = OrderDetailInput()
    taxFreeAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)
    settlementStartDate = serializers.DateField(required=False)
    settlementDate = serializers.DateField(required=False)
    discounts = serializers.ListField(child=DiscountInput())
    additionalFees = serializers.ListField(child=AdditionalFeeInput())
    externalPaymentDetail = ExternalPaymentInput(required=False)
    isForTest = serializers.BooleanField(required=False)
    parameters = serializers.DictField(child=ParameterInput(), required=False)
    userDefinedProperties = serializers.ListField(child=PropertyInput(), required=False)
    id = serializers.CharField(required=False, max_length=100)


def _discount(d: dict) -> calc.Discount:
    return calc.Discount(d["sharePolicyId"], d["amount"], d.get("taxFreeAmount", 0))


def order_from_input(data: dict) -> calc.Order:
    detail = data["orderDetail"]
    lines = None
    if "orderLines" in detail:
        lines = tuple(
            calc.OrderLine(
                product=calc.Product(
                    line["product"]["id"],
                    line["product"]["name"],
                    line["product"]["amount"],
                    line["product"].get("taxFreeAmount", 0),
                    line["product"].get("tag"),
                ),
                quantity=line["quantity"],
                discounts=tuple(_discount(d) for d in line["discounts"]),
                additional_fees=tuple(
                    calc.AdditionalFee(f["policyId"]) for f in line["additionalFees"]
                ),
            )
            for line in detail["orderLines"]
        )
    try:
        return calc.Order(
            order_amount=detail.get("orderAmount"),
            order_lines=lines,
            discounts=tuple(_discount(d) for d in data["discounts"]),
            additional_fees=tuple(
                calc.AdditionalFee(f["policyId"]) for f in data["additionalFees"]
            ),
            tax_free_amount=data.get("taxFreeAmount"),
        )
    except calc.InvalidOrderInputError as exc:
        raise invalid(f"orderDetail: {exc}") from exc


class CancelOrderLineInput(serializers.Serializer):
    productId = serializers.CharField()
    quantity = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    discounts = serializers.ListField(child=DiscountInput())


class CancelOrderDetailInput(serializers.Serializer):
    orderAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)
    orderLines = serializers.ListField(child=CancelOrderLineInput(), required=False)
    all = EmptyObject(required=False)

    def validate(self, attrs):
        if sum(k in attrs for k in ("orderAmount", "orderLines", "all")) != 1:
            raise serializers.ValidationError("orderAmount, orderLines, all 중 하나만 보내세요.")
        return attrs


class ExternalCancellationInput(serializers.Serializer):
    cancelledAt = serializers.DateTimeField(required=False)


class OrderCancelTransferInput(serializers.Serializer):
    partnerId = serializers.CharField(required=False)
    paymentId = serializers.CharField(required=False)
    transferId = serializers.CharField(required=False)
    cancellationId = serializers.CharField(max_length=200)
    memo = serializers.CharField(required=False, max_length=256, allow_blank=True)
    orderDetail = CancelOrderDetailInput(required=False)
    taxFreeAmount = serializers.IntegerField(required=False, **NON_NEGATIVE)
    discounts = serializers.ListField(child=DiscountInput())
    settlementStartDate = serializers.DateField(required=False)
    settlementDate = serializers.DateField(required=False)
    externalCancellationDetail = ExternalCancellationInput(required=False)
    isForTest = serializers.BooleanField(required=False)
    userDefinedProperties = serializers.ListField(child=PropertyInput(), required=False)
    id = serializers.CharField(required=False, max_length=100)


def cancellation_from_input(data: dict) -> calc.Cancellation:
    detail = data.get("orderDetail") or {"all": {}}
    lines = None
    if "orderLines" in detail:
        lines = tuple(
            calc.CancelOrderLine(
                line["productId"], line["quantity"], tuple(_discount(d) for d in line["discounts"])
            )
            for line in detail["orderLines"]
        )
    try:
        return calc.Cancellation(
            order_amount=detail.get("orderAmount"),
            order_lines=lines,
            all="all" in detail,
            discounts=tuple(_discount(d) for d in data["discounts"]),
            tax_free_amount=data.get("taxFreeAmount"),
        )
    except calc.InvalidOrderInputError as exc:
        raise invalid(f"orderDetail: {exc}") from exc


class ManualTransferInput(serializers.Serializer):
    partnerId = serializers.CharField()
    memo = serializers.CharField(required=False, max_length=256, allow_blank=True)
    settlementAmount = serializers.IntegerField(**INT64)
    settlementTaxFreeAmount = serializers.IntegerField(required=False, **INT64)
    settlementDate = serializers.DateField()
    isForTest = serializers.BooleanField(required=False)
    userDefinedProperties = serializers.ListField(child=PropertyInput(), required=False)
    id = serializers.CharField(required=False, max_length=100)
    settlementCurrency = serializers.CharField(required=False, max_length=3)


def _properties(data: dict) -> tuple[dict, ...]:
    return tuple(dict(p) for p in data.get("userDefinedProperties", []))


def order_transfer_request(data: dict[str, Any]) -> OrderTransferRequest:
    """Validated `OrderTransferInput` -> the service's request."""
    detail = data.get("externalPaymentDetail")
    return OrderTransferRequest(
        partner_id=data["partnerId"],
        payment_id=data["paymentId"],
        order=order_from_input(data),
        contract_id=data.get("contractId"),
        settlement_start_date=data.get("settlementStartDate"),
        settlement_date=data.get("settlementDate"),
        external_payment=None
        if detail is None
        else ExternalPayment(
            currency=detail["currency"],
            order_name=detail.get("orderName"),
            paid_at=detail.get("paidAt"),
            method=detail.get("method"),
        ),
        memo=data.get("memo"),
        parameters={k: dict(v) for k, v in data.get("parameters", {}).items()},
        user_defined_properties=_properties(data),
        id=data.get("id"),
    )


def order_cancel_transfer_request(data: dict[str, Any]) -> OrderCancelTransferRequest:
    detail = data.get("externalCancellationDetail")
    return OrderCancelTransferRequest(
        cancellation_id=data["cancellationId"],
        cancellation=cancellation_from_input(data),
        transfer_id=data.get("transferId"),
        partner_id=data.get("partnerId"),
        payment_id=data.get("paymentId"),
        settlement_start_date=data.get("settlementStartDate"),
        settlement_date=data.get("settlementDate"),
        external_cancellation=None
        if detail is None
        else ExternalCancellation(cancelled_at=detail.get("cancelledAt")),
        memo=data.get("memo"),
        user_defined_properties=_properties(data),
        id=data.get("id"),
    )


def manual_transfer_request(data: dict[str, Any]) -> ManualTransferRequest:
    return ManualTransferRequest(
        partner_id=data["partnerId"],
        settlement_amount=data["settlementAmount"],
        settlement_date=data["settlementDate"],
        settlement_tax_free_amount=data.get("settlementTaxFreeAmount") or 0,
        settlement_currency=data.get("settlementCurrency") or "KRW",
        memo=data.get("memo"),
        user_defined_properties=_properties(data),
        id=data.get("id"),
    )


# --- transfer summaries ---------------------------------------------------------------------------


PAYMENT_METHOD_TYPES = (
    "CARD",
    "TRANSFER",
    "VIRTUAL_ACCOUNT",
    "GIFT_CERTIFICATE",
    "MOBILE",
    "EASY_PAY",
    "CONVENIENCE_STORE",
    "CRYPTO",
)


KEYWORD_KEYS = (
    "all",
    "paymentId",
    "transferId",
    "transferMemo",
    "productId",
    "productName",
    "partnerId",
    "partnerName",
    "partnerMemo",
    "partnerSettlementId",
    "payoutId",
)


#: `{from, until}`: "from" is a Python keyword, so the fields are declared through a dict.
DateRangeInput = type(
    "DateRangeInput",
    (serializers.Serializer,),
    {"from": serializers.DateField(), "until": serializers.DateField()},
)


class PropertyExactMatchInput(serializers.Serializer):
    key = serializers.CharField(max_length=50)
    value = serializers.CharField(allow_blank=True, max_length=1000)


class TransferFilterInput(serializers.Serializer):
    settlementStartDateRange = DateRangeInput(required=False)
    settlementDateRange = DateRangeInput(required=False)
    partnerTags = string_list()
    contractIds = string_list()
    discountSharePolicyIds = string_list()
    additionalFeePolicyIds = string_list()
    paymentMethodTypes = choice_list(PAYMENT_METHOD_TYPES)
    channelKeys = string_list()
    types = choice_list(TransferType.values)
    statuses = choice_list(TransferStatus.values)
    userDefinedProperty = PropertyExactMatchInput(required=False)
    keyword = OneOf(
        {name: serializers.CharField(allow_blank=True) for name in KEYWORD_KEYS}, required=False
    )
    isForTest = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if "settlementStartDateRange" in attrs and "settlementDateRange" in attrs:
            raise serializers.ValidationError(
                "settlementStartDateRange 와 settlementDateRange 는 하나만 보낼 수 있습니다."
            )
        return attrs


class SummariesInput(serializers.Serializer):
    page = PageInput(required=False)
    filter = TransferFilterInput(required=False)


class SheetInput(serializers.Serializer):
    filter = TransferFilterInput(required=False)
    fields = string_list()


def _range(value: dict | None) -> tuple | None:
    return None if not value else (value["from"], value["until"])


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def transfer_filter(f: dict[str, Any]) -> TransferFilter:
    """Validated `TransferFilterInput` (isForTest aside: the caller resolves the mode)."""
    prop = f.get("userDefinedProperty")
    keyword = f.get("keyword")
    return TransferFilter(
        settlement_start_date_range=_range(f.get("settlementStartDateRange")),
        settlement_date_range=_range(f.get("settlementDateRange")),
        partner_tags=tuple(f.get("partnerTags", ())),
        contract_ids=tuple(f.get("contractIds", ())),
        discount_share_policy_ids=tuple(f.get("discountSharePolicyIds", ())),
        additional_fee_policy_ids=tuple(f.get("additionalFeePolicyIds", ())),
        payment_method_types=tuple(f.get("paymentMethodTypes", ())),
        channel_keys=tuple(f.get("channelKeys", ())),
        types=tuple(f.get("types", ())),
        statuses=tuple(f.get("statuses", ())),
        user_defined_property=None if prop is None else (prop["key"], prop["value"]),
        keyword=None if keyword is None else (_snake(keyword[0]), keyword[1]),
    )


# --- partner settlements --------------------------------------------------------------------------


class KeywordInput(serializers.Serializer):
    partnerSettlementId = serializers.CharField(required=False)
    payoutId = serializers.CharField(required=False)
    bulkPayoutId = serializers.CharField(required=False)


class PartnerSettlementFilterInput(serializers.Serializer):
    settlementDates = serializers.ListField(
        child=serializers.DateField(input_formats=["%Y-%m-%d"]), required=False
    )
    contractIds = string_list()
    partnerTags = string_list()
    settlementCurrencies = string_list()
    statuses = choice_list(PartnerSettlementStatus.values)
    partnerIds = string_list()
    settlementTypes = choice_list(TransferType.values)
    keyword = KeywordInput(required=False)


class PartnerSettlementsInput(serializers.Serializer):
    filter = PartnerSettlementFilterInput()
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


class PartnerSettlementsDeleteInput(serializers.Serializer):
    partnerSettlementIds = serializers.ListField(child=serializers.CharField())
    isForTest = serializers.BooleanField(required=False)


def partner_settlement_filter(f: dict[str, Any]) -> PartnerSettlementFilter:
    keyword = f.get("keyword") or {}
    return PartnerSettlementFilter(
        settlement_dates=tuple(f.get("settlementDates", ())),
        contract_ids=tuple(f.get("contractIds", ())),
        partner_tags=tuple(f.get("partnerTags", ())),
        settlement_currencies=tuple(f.get("settlementCurrencies", ())),
        statuses=tuple(f.get("statuses", ())),
        partner_ids=tuple(f.get("partnerIds", ())),
        settlement_types=tuple(f.get("settlementTypes", ())),
        partner_settlement_id=keyword.get("partnerSettlementId"),
        payout_id=keyword.get("payoutId"),
        bulk_payout_id=keyword.get("bulkPayoutId"),
    )
