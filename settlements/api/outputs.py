"""The wire JSON of transfers, transfer summaries and partner settlements (SDK 0.21.0 shapes).

Plain functions rather than serializers: lists render up to 1,000 transfers per page with their
partner, and most of a transfer's JSON is its stored snapshot, copied as it is.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.wire import drop_none, graphql_id
from partners.api.outputs import partner_json
from partners.models import Partner, PartnerType, TaxationType
from policies.selectors import contract_snapshot
from settlements.models import (
    AMOUNT_FIELDS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferType,
)


def _amount(obj) -> dict[str, Any]:
    amount: dict[str, Any] = {
        wire: getattr(obj, f"amount_{col}") for wire, col in AMOUNT_FIELDS.items()
    }
    amount["userDefinedFormulas"] = {}
    return amount


def _common(transfer: Transfer, partner: dict[str, Any], **more: Any) -> dict[str, Any]:
    """What every transfer and transfer summary carries, and a MANUAL one's amounts."""
    out = {
        "type": transfer.type,
        "id": transfer.public_id,
        "graphqlId": graphql_id("transfer", transfer.public_id),
        "partner": partner,
        "status": transfer.status,
        "settlementDate": transfer.settlement_date,
        "settlementCurrency": transfer.settlement_currency,
        "isForTest": transfer.is_for_test,
        **more,
        "userDefinedProperties": transfer.user_defined_properties or [],
        "memo": transfer.memo,
    }
    if transfer.type == TransferType.MANUAL:
        out["settlementAmount"] = transfer.amount_settlement
        out["settlementTaxFreeAmount"] = transfer.amount_settlement_tax_free
    return out


def transfer_json(transfer: Transfer) -> dict[str, Any]:
    """PlatformTransfer union: ORDER / ORDER_CANCEL / MANUAL."""
    common = _common(transfer, partner_json(transfer.partner))
    if transfer.type == TransferType.MANUAL:
        return drop_none(common)
    snapshot = transfer.snapshot
    out = {
        **common,
        "amount": _amount(transfer),
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


def _partner_properties(partner: Partner) -> list[dict[str, Any]]:
    return [
        {"key": key, "value": {"string": value}}
        for key, value in (partner.user_defined_properties or {}).items()
    ]


def partner_summary_json(partner: Partner) -> dict[str, Any]:
    taxation = None
    if partner.partner_type == PartnerType.BUSINESS:
        taxation = partner.taxation_type or TaxationType.NORMAL
    return drop_none(
        {
            "id": partner.public_id,
            "graphqlId": graphql_id("partner", partner.public_id),
            "name": partner.name,
            "type": partner.partner_type,
            "userDefinedProperties": _partner_properties(partner),
            "taxationType": taxation,
        }
    )


def payment_summary_json(payment: dict[str, Any]) -> dict[str, Any]:
    """Snapshot `PlatformPayment` -> `PlatformTransferSummaryPayment` (method -> methodType)."""
    method_type = (payment.get("method") or {}).get("type")
    if payment.get("type") == "PORT_ONE":
        return drop_none(
            {
                "type": "PORT_ONE",
                "id": payment["id"],
                "orderName": payment.get("orderName") or "",
                "currency": payment["currency"],
                "methodType": method_type,
            }
        )
    return drop_none(
        {
            "type": "EXTERNAL",
            "id": payment["id"],
            "currency": payment["currency"],
            "orderName": payment.get("orderName") or None,
            "methodType": method_type,
        }
    )


def _store_id(payment: dict[str, Any]) -> str:
    # EXTERNAL payments have no PortOne store; report the installation's own store id (if any).
    return payment.get("storeId") or getattr(settings, "PORTONE_STORE_ID", "") or ""


def transfer_summary_json(transfer: Transfer) -> dict[str, Any]:
    """PlatformTransferSummary union."""
    common = _common(
        transfer,
        partner_summary_json(transfer.partner),
        # the SDK's deprecated copy of the partner's properties
        partnerUserDefinedProperties=_partner_properties(transfer.partner),
    )
    if transfer.type == TransferType.MANUAL:
        return drop_none(common)
    snapshot = transfer.snapshot or {}
    payment = snapshot.get("payment") or {}
    return drop_none(
        {
            **common,
            "storeId": _store_id(payment),
            "contract": snapshot.get("contract"),
            "amount": _amount(transfer),
            "payment": payment_summary_json(payment),
            "settlementStartDate": transfer.settlement_start_date,
        }
    )


# PlatformPartnerSettlementStatusStats key per status (docs/statuses.md#partner-settlements).
COUNT_KEYS = {
    PartnerSettlementStatus.PAYOUT_SCHEDULED: "payoutScheduled",
    PartnerSettlementStatus.PAYOUT_PREPARED: "payoutPrepared",
    PartnerSettlementStatus.PAYOUT_WITHHELD: "payoutWithheld",
    PartnerSettlementStatus.PAYOUT_EXCLUDED: "payoutExcluded",
    PartnerSettlementStatus.PAYOUT_FAILED: "payoutFailed",
    PartnerSettlementStatus.CANCELLED: "payoutCancelled",
    PartnerSettlementStatus.CONFIRMED: "payoutConfirmed",
    PartnerSettlementStatus.IN_PAYOUT: "inPayout",
    PartnerSettlementStatus.PAID_OUT: "paidOut",
}


def partner_settlement_json(settlement: PartnerSettlement) -> dict[str, Any]:
    """PlatformPartnerSettlement union: ORDER / ORDER_CANCEL / MANUAL, with the current partner
    and contract embedded (docs/api.md#embedded-partner)."""
    body: dict[str, Any] = {
        "type": settlement.settlement_type,
        "id": settlement.public_id,
        "graphqlId": graphql_id("partner_settlement", settlement.public_id),
        "partner": partner_json(settlement.partner),
        "settlementDate": settlement.settlement_date,
        "settlementCurrency": settlement.settlement_currency,
        "status": settlement.status,
        "isForTest": settlement.is_for_test,
        "statusUpdatedAt": settlement.status_updated_at,
        "memo": settlement.memo,
    }
    if settlement.settlement_type == TransferType.MANUAL:
        body["amount"] = settlement.amount_settlement
        body["taxFreeAmount"] = settlement.amount_settlement_tax_free
    else:
        start_from = settlement.settlement_start_date_from or settlement.settlement_date
        body["contract"] = contract_snapshot(settlement.contract)
        body["settlementStartDateRange"] = {
            "from": start_from,
            "until": settlement.settlement_start_date_until or start_from,
        }
        body["amount"] = _amount(settlement)
    return drop_none(body)
