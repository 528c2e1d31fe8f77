"""What a settlement row means: transfers, the payments behind them, partner settlements and
their open buckets, statuses, and the platform's closed days (docs/statuses.md)."""

from settlements.models.amounts import AMOUNT_COLUMNS, AMOUNT_FIELDS, AmountColumns
from settlements.models.calendar import ClosedDay
from settlements.models.partner_settlements import PartnerSettlement, PartnerSettlementManager
from settlements.models.payments import Payment, PaymentCancellation
from settlements.models.statuses import (
    DELETABLE_SETTLEMENT_STATUSES,
    MANUAL_SETTLEMENT_TRANSITIONS,
    OPEN_BUCKET_STATUS,
    PAYABLE_SETTLEMENT_STATUSES,
    SETTLEMENT_TRANSFER_STATUS,
    PartnerSettlementStatus,
    TransferStatus,
    TransferType,
)
from settlements.models.transfers import (
    SettlementParameter,
    Transfer,
    TransferQuerySet,
    settled_q,
    transfer_status_q,
)

__all__ = [
    "AMOUNT_COLUMNS",
    "AMOUNT_FIELDS",
    "DELETABLE_SETTLEMENT_STATUSES",
    "MANUAL_SETTLEMENT_TRANSITIONS",
    "OPEN_BUCKET_STATUS",
    "PAYABLE_SETTLEMENT_STATUSES",
    "SETTLEMENT_TRANSFER_STATUS",
    "AmountColumns",
    "ClosedDay",
    "PartnerSettlement",
    "PartnerSettlementManager",
    "PartnerSettlementStatus",
    "Payment",
    "PaymentCancellation",
    "SettlementParameter",
    "Transfer",
    "TransferQuerySet",
    "TransferStatus",
    "TransferType",
    "settled_q",
    "transfer_status_q",
]
