"""Payouts, bulk payouts, the payout account and its ledger (docs/payouts.md)."""

from payouts.models.accounts import AccountTransfer, BulkAccountTransfer, PayoutAccount
from payouts.models.payouts import BulkPayout, Payout, PayoutSettlement, new_public_id
from payouts.models.statuses import (
    FINAL_PAYOUT_STATUSES,
    IN_FLIGHT_TRANSFER_STATUSES,
    LIVE_PAYOUT_STATUSES,
    PENDING_TRANSFER_STATUSES,
    UNSENT_PAYOUT_STATUSES,
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransferStatus,
    BulkPayoutStatus,
    PayoutMethod,
    PayoutStatus,
    SettlementStatementStatus,
    TaxInvoiceStatus,
    WithdrawalType,
)

__all__ = [
    "FINAL_PAYOUT_STATUSES",
    "IN_FLIGHT_TRANSFER_STATUSES",
    "LIVE_PAYOUT_STATUSES",
    "PENDING_TRANSFER_STATUSES",
    "UNSENT_PAYOUT_STATUSES",
    "AccountTransfer",
    "AccountTransferStatus",
    "AccountTransferType",
    "BulkAccountTransfer",
    "BulkAccountTransferStatus",
    "BulkPayout",
    "BulkPayoutStatus",
    "Payout",
    "PayoutAccount",
    "PayoutMethod",
    "PayoutSettlement",
    "PayoutStatus",
    "SettlementStatementStatus",
    "TaxInvoiceStatus",
    "WithdrawalType",
    "new_public_id",
]
