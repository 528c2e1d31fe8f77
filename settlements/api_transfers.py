"""PortOne Platform API for transfers (TransferClient): order, order-cancel and manual transfers,
get and delete. Thin: validate (camelCase) -> settlements.transfers -> JSON."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.api.wire import drop_none, graphql_id
from core.errors import invalid_request
from core.inputs import EmptyObject, validated
from partners.api import partner_json
from settlements import calculation as calc
from settlements import transfers
from settlements.models import AMOUNT_FIELDS, Transfer, TransferType

INT64 = {"min_value": -(2**63), "max_value": 2**63 - 1}
NON_NEGATIVE = {"min_value": 0, "max_value": 2**63 - 1}


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
        from core.inputs import OneOf

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
        raise invalid_request(f"orderDetail: {exc}") from exc


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
        raise invalid_request(f"orderDetail: {exc}") from exc


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


# --- output ----------------------------------------------------------------------------------


def transfer_json(transfer: Transfer) -> dict[str, Any]:
    common = {
        "type": transfer.type,
        "id": transfer.public_id,
        "graphqlId": graphql_id("transfer", transfer.public_id),
        "partner": partner_json(transfer.partner),
        "status": transfer.current_status,
        "settlementDate": transfer.settlement_date,
        "settlementCurrency": transfer.settlement_currency,
        "isForTest": transfer.is_for_test,
        "userDefinedProperties": transfer.user_defined_properties or [],
        "memo": transfer.memo,
    }
    if transfer.type == TransferType.MANUAL:
        return drop_none(
            {
                **common,
                "settlementAmount": transfer.amount_settlement,
                "settlementTaxFreeAmount": transfer.amount_settlement_tax_free,
            }
        )
    snapshot = transfer.snapshot
    amount = {wire: getattr(transfer, f"amount_{col}") for wire, col in AMOUNT_FIELDS.items()}
    amount["userDefinedFormulas"] = {}
    out = {
        **common,
        "amount": amount,
        "contract": snapshot["contract"],
        "payment": snapshot["payment"],
        "settlementStartDate": transfer.settlement_start_date,
        "orderLines": snapshot.get("orderLines", []),
        "additionalFees": snapshot.get("additionalFees", []),
        "discounts": snapshot.get("discounts", []),
        "parameters": transfer.parameters or {},
    }
    if transfer.type == TransferType.ORDER_CANCEL:
        out["cancellation"] = snapshot["cancellation"]
    return drop_none(out)


# --- views -----------------------------------------------------------------------------------


def _properties(data: dict) -> list[dict]:
    return [dict(p) for p in data.get("userDefinedProperties", [])]


class OrderTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(OrderTransferInput, body)
        transfer = transfers.order_transfer_create(
            is_for_test=is_for_test(request, body),
            data={
                "partner_id": data["partnerId"],
                "payment_id": data["paymentId"],
                "contract_id": data.get("contractId"),
                "order": order_from_input(data),
                "settlement_start_date": data.get("settlementStartDate"),
                "settlement_date": data.get("settlementDate"),
                "external_payment": data.get("externalPaymentDetail"),
                "memo": data.get("memo"),
                "parameters": {k: dict(v) for k, v in data.get("parameters", {}).items()},
                "user_defined_properties": _properties(data),
                "id": data.get("id"),
            },
        )
        return Response({"transfer": transfer_json(transfer)})


class OrderCancelTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(OrderCancelTransferInput, body)
        transfer = transfers.order_cancel_transfer_create(
            is_for_test=is_for_test(request, body),
            data={
                "transfer_id": data.get("transferId"),
                "partner_id": data.get("partnerId"),
                "payment_id": data.get("paymentId"),
                "cancellation_id": data["cancellationId"],
                "cancellation": cancellation_from_input(data),
                "settlement_start_date": data.get("settlementStartDate"),
                "settlement_date": data.get("settlementDate"),
                "external_cancellation": data.get("externalCancellationDetail"),
                "memo": data.get("memo"),
                "user_defined_properties": _properties(data),
                "id": data.get("id"),
            },
        )
        return Response({"transfer": transfer_json(transfer)})


class ManualTransferView(PortOneApiView):
    def post(self, request):
        body = body_dict(request)
        data = validated(ManualTransferInput, body)
        transfer = transfers.manual_transfer_create(
            is_for_test=is_for_test(request, body),
            data={
                "partner_id": data["partnerId"],
                "settlement_amount": data["settlementAmount"],
                "settlement_tax_free_amount": data.get("settlementTaxFreeAmount"),
                "settlement_date": data["settlementDate"],
                "settlement_currency": data.get("settlementCurrency"),
                "memo": data.get("memo"),
                "user_defined_properties": _properties(data),
                "id": data.get("id"),
            },
        )
        return Response({"transfer": transfer_json(transfer)})


class TransferView(PortOneApiView):
    def get(self, request, id: str):
        return Response(
            transfer_json(transfers.transfer_get(public_id=id, is_for_test=is_for_test(request)))
        )

    def delete(self, request, id: str):
        transfers.transfer_delete(public_id=id, is_for_test=is_for_test(request))
        return Response({})
