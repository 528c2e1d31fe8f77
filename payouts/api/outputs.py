"""The wire JSON of bulk payouts, payouts, account transfers, bulk account transfers and the
payout account (SDK 0.21.0 shapes: PlatformBulkPayout, PlatformPayout, PlatformAccountTransfer,
PlatformBulkAccountTransfer).

Plain functions, as settlements.api.outputs: a payout list embeds its partner per row. Every
object also carries `isForTest` (docs/api.md, "Test mode"); the SDK ignores keys it does not
know.
"""

from __future__ import annotations

from typing import Any

from core.wire import drop_none, graphql_id
from partners.api.outputs import partner_json
from payouts.models import (
    AccountTransfer,
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransfer,
    BulkAccountTransferStatus,
    BulkPayout,
    BulkPayoutStatus,
    Payout,
    PayoutAccount,
    PayoutStatus,
)


def camel_status(status: str) -> str:
    """POST_PROCESS_PENDING -> postProcessPending: the keys of the SDK's *StatusStats."""
    head, *rest = status.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def status_stats(by_status: dict[str, int], statuses) -> dict[str, int]:
    """Every status of `statuses` as its camelCase key, 0 when absent."""
    return {camel_status(s): int(by_status.get(s, 0)) for s in statuses}


def bulk_payout_counts(by_status: dict[str, int]) -> dict[str, int]:
    return status_stats(by_status, BulkPayoutStatus.values)


def payout_counts(by_status: dict[str, int]) -> dict[str, int]:
    return status_stats(by_status, PayoutStatus.values)


def account_transfer_counts(by_status: dict[str, int]) -> dict[str, int]:
    return status_stats(by_status, AccountTransferStatus.values)


def bulk_account_transfer_counts(by_status: dict[str, int]) -> dict[str, int]:
    return status_stats(by_status, BulkAccountTransferStatus.values)


def bulk_payout_json(bulk: BulkPayout, stats: dict[str, dict[str, int]]) -> dict[str, Any]:
    """PlatformBulkPayout; `stats` is payouts.selectors.bulk_payout_stats(bulk)."""
    return drop_none(
        {
            "id": bulk.public_id,
            "graphqlId": graphql_id("bulk_payout", bulk.public_id),
            "name": bulk.name,
            "creatorId": bulk.creator_id,
            "method": bulk.method,
            "totalPayoutAmount": bulk.total_payout_amount,
            "totalSettlementAmount": bulk.total_settlement_amount,
            "status": bulk.status,
            "payoutStats": {
                "amount": payout_counts(stats["amount"]),
                "count": payout_counts(stats["count"]),
            },
            "statusUpdatedAt": bulk.status_updated_at,
            "createdAt": bulk.created_at,
            "updatedAt": bulk.updated_at,
            "isForTest": bulk.is_for_test,
            # ours, beside the SDK's fields
            "memo": bulk.memo,
            "withdrawalMemo": bulk.withdrawal_memo,
            "depositMemo": bulk.deposit_memo,
            "payoutCount": bulk.payout_count,
            "partnerSettlementCount": bulk.partner_settlement_count,
            "scheduledAt": bulk.scheduled_at,
            "approverId": bulk.approver_id or None,
            "approvedAt": bulk.approved_at,
        }
    )


def payout_json(payout: Payout) -> dict[str, Any]:
    """PlatformPayout: the partner as it is now, the account as it was at creation."""
    bulk_id = payout.bulk_payout.public_id
    return drop_none(
        {
            "id": payout.public_id,
            "graphqlId": graphql_id("payout", payout.public_id),
            "bulkPayoutId": bulk_id,
            "bulkPayoutGraphqlId": graphql_id("bulk_payout", bulk_id),
            "method": payout.method,
            "status": payout.status,
            "statusUpdatedAt": payout.status_updated_at,
            "memo": payout.memo,
            "partner": partner_json(payout.partner),
            "account": {
                "bank": payout.account_bank,
                "number": payout.account_number,
                "holder": payout.account_holder,
            },
            "currency": payout.currency,
            "amount": payout.amount,
            "supplyAmount": payout.supply_amount,
            "taxFreeAmount": payout.tax_free_amount,
            "vatAmount": payout.vat_amount,
            "settlementAmount": payout.settlement_amount,
            "settlementTaxFreeAmount": payout.settlement_tax_free_amount,
            "incomeTaxAmount": payout.income_tax_amount,
            "localIncomeTaxAmount": payout.local_income_tax_amount,
            "deductWht": payout.deduct_wht,
            "settlementAmountType": payout.settlement_amount_type,
            "withdrawalMemo": payout.withdrawal_memo,
            "depositMemo": payout.deposit_memo,
            "scheduledAt": payout.scheduled_at,
            "failReason": payout.fail_reason,
            "settlementStatement": {
                "id": payout.settlement_statement_id,
                "issuedAt": payout.settlement_statement_issued_at,
                "status": payout.settlement_statement_status,
            },
            "taxInvoiceId": payout.tax_invoice_id,
            "taxInvoiceStatus": payout.tax_invoice_status,
            "createdAt": payout.created_at,
            "isForTest": payout.is_for_test,
            "partnerSettlementCount": payout.partner_settlement_count,
        }
    )


def bank_account_graphql_id(account: PayoutAccount) -> str:
    return graphql_id("bank_account", account.public_id)


def _bank_account(account: PayoutAccount) -> dict[str, Any]:
    """PlatformBankAccountDetail."""
    return {
        "bank": account.bank,
        "accountNumber": account.account_number or "",
        "holder": account.holder or None,
        "provider": account.provider,
    }


def account_transfer_json(t: AccountTransfer) -> dict[str, Any]:
    """PlatformAccountTransfer union: DEPOSIT / WITHDRAWAL. `balance` is the balance after the
    movement (set once it touched the balance: deposits, succeeded withdrawals and fees)."""
    account = t.account
    body: dict[str, Any] = {
        "type": t.type,
        "id": t.public_id,
        "bankAccountId": account.public_id,
        "bankAccountGraphqlId": bank_account_graphql_id(account),
        "bankAccount": _bank_account(account),
        "currency": t.currency,
        "amount": t.amount,
        "balance": t.balance_after,
        "depositMemo": t.deposit_memo,
        "status": t.status,
        "statusUpdatedAt": t.status_updated_at,
        "tradedAt": t.traded_at,
        "isForTest": t.is_for_test,
        "createdAt": t.created_at,
        "updatedAt": t.updated_at,
    }
    if t.type == AccountTransferType.DEPOSIT:
        body["depositorName"] = t.depositor_name
        return drop_none(body)
    partner_id = t.partner.public_id if t.partner_id else None
    payout_id = t.payout.public_id if t.payout_id else None
    bulk_id = t.bulk_payout.public_id if t.bulk_payout_id else None
    batch_id = t.bulk_account_transfer.public_id if t.bulk_account_transfer_id else None
    body.update(
        {
            "withdrawalType": t.withdrawal_type,
            "depositBank": t.deposit_bank,
            "depositAccountNumber": t.deposit_account_number or "",
            "depositAccountHolder": t.deposit_account_holder,
            "withdrawalMemo": t.withdrawal_memo,
            "failReason": t.fail_reason,
            "scheduledAt": t.scheduled_at,
            "partnerId": partner_id,
            "partnerGraphqlId": graphql_id("partner", partner_id) if partner_id else None,
            "payoutId": payout_id,
            "payoutGraphqlId": graphql_id("payout", payout_id) if payout_id else None,
            "bulkPayoutId": bulk_id,
            "bulkPayoutGraphqlId": graphql_id("bulk_payout", bulk_id) if bulk_id else None,
            "bulkAccountTransferId": batch_id,
            "bulkAccountTransferGraphqlId": (
                graphql_id("bulk_account_transfer", batch_id) if batch_id else None
            ),
            "isFee": t.is_fee,
        }
    )
    return drop_none(body)


def bulk_account_transfer_json(
    batch: BulkAccountTransfer, stats: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """PlatformBulkAccountTransfer; `stats` is selectors.bulk_account_transfer_stats(batch)."""
    account = batch.account
    bulk_id = batch.bulk_payout.public_id if batch.bulk_payout_id else None
    return drop_none(
        {
            "id": batch.public_id,
            "graphqlId": graphql_id("bulk_account_transfer", batch.public_id),
            "bankAccountId": account.public_id,
            "bankAccountGraphqlId": bank_account_graphql_id(account),
            "creatorId": batch.creator_id,
            "totalAmount": batch.total_amount,
            "status": batch.status,
            "scheduledAt": batch.scheduled_at,
            "stats": {
                "amount": account_transfer_counts(stats["amount"]),
                "count": account_transfer_counts(stats["count"]),
            },
            "statusUpdatedAt": batch.status_updated_at,
            "createdAt": batch.created_at,
            "updatedAt": batch.updated_at,
            "isForTest": batch.is_for_test,
            "bulkPayoutId": bulk_id,
        }
    )


def payout_account_json(account: PayoutAccount, balance: int) -> dict[str, Any]:
    """GET /platform/payout-account (ours)."""
    return {
        "bankAccountId": account.public_id,
        "bank": account.bank,
        "accountNumber": account.account_number or "",
        "holder": account.holder or "",
        "currency": account.currency,
        "balance": balance,
    }
