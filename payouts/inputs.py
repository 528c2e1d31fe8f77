"""Input schemas of the payout API (SDK camelCase names) and their conversion to the filters of
payouts.selectors and the selection of payouts.services.selection.

The SDK's reads (bulk payouts, payouts, account transfers, bulk account transfers) take the
SDK's filter inputs; our extension (bulk-payout creation and actions, the payout account's
deposits) takes the bodies of docs/api.md#payouts-our-extension.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import NON_NEGATIVE, PageInput, choice_list, string_list
from partners.models import PartnerType, TaxationType
from payouts.models import (
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransferStatus,
    BulkPayoutStatus,
    PayoutMethod,
    PayoutStatus,
    SettlementStatementStatus,
)
from payouts.selectors import (
    BULK_PAYOUT_ID_MAX_LENGTH,
    AccountTransferFilter,
    BulkAccountTransferFilter,
    BulkPayoutFilter,
    PayoutFilter,
    TimeRange,
)
from payouts.services.selection import Selection
from settlements.inputs import PartnerSettlementFilterInput, partner_settlement_filter


class CompletePayoutInput(serializers.Serializer):
    bulkPayoutId = serializers.CharField(max_length=BULK_PAYOUT_ID_MAX_LENGTH)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    partnerSettlementIds = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    completedAt = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    isForTest = serializers.BooleanField(required=False)


# --- the SDK's list filters -----------------------------------------------------------------------

#: `DateTimeRange {from, until}`: "from" is a Python keyword, so the fields come through a dict.
DateTimeRangeInput = type(
    "DateTimeRangeInput",
    (serializers.Serializer,),
    {"from": serializers.DateTimeField(), "until": serializers.DateTimeField()},
)


def _range(value: dict | None) -> TimeRange | None:
    return None if not value else TimeRange(from_=value["from"], until=value["until"])


class BulkPayoutCriteriaInput(serializers.Serializer):
    bulkPayoutId = serializers.CharField(required=False)
    timestampRange = DateTimeRangeInput(required=False)
    statusUpdatedTimestampRange = DateTimeRangeInput(required=False)


class BulkPayoutFilterInput(serializers.Serializer):
    criteria = BulkPayoutCriteriaInput(required=False)
    statuses = choice_list(BulkPayoutStatus.values)
    methods = choice_list(PayoutMethod.values)


class BulkPayoutsInput(serializers.Serializer):
    filter = BulkPayoutFilterInput(required=False)
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


def bulk_payout_filter(f: dict[str, Any] | None) -> BulkPayoutFilter:
    f = f or {}
    c = f.get("criteria") or {}
    return BulkPayoutFilter(
        statuses=tuple(f.get("statuses", ())),
        methods=tuple(f.get("methods", ())),
        timestamp_range=_range(c.get("timestampRange")),
        status_updated_timestamp_range=_range(c.get("statusUpdatedTimestampRange")),
        bulk_payout_id=c.get("bulkPayoutId"),
    )


class PayoutCriteriaInput(serializers.Serializer):
    timestampRange = DateTimeRangeInput(required=False)
    statusUpdatedTimestampRange = DateTimeRangeInput(required=False)
    scheduledTimestampRange = DateTimeRangeInput(required=False)
    settlementStatementIssuedTimestampRange = DateTimeRangeInput(required=False)
    payoutId = serializers.CharField(required=False)
    bulkPayoutId = serializers.CharField(required=False)
    taxInvoiceId = serializers.CharField(required=False)
    settlementStatementId = serializers.CharField(required=False)


class PayoutFilterInput(serializers.Serializer):
    # The SDK's dataclass makes `criteria` required; an empty one and none mean the same.
    criteria = PayoutCriteriaInput(required=False)
    statuses = choice_list(PayoutStatus.values)
    partnerIds = string_list()
    payoutAccountBanks = string_list()
    partnerTags = string_list()
    payoutCurrencies = string_list()
    payoutIds = string_list()
    taxInvoiceStatuses = string_list()
    partnerTypes = choice_list(PartnerType.values)
    partnerTaxationTypes = choice_list(TaxationType.values)
    settlementStatementStatuses = choice_list(SettlementStatementStatus.values)


class PayoutsInput(serializers.Serializer):
    filter = PayoutFilterInput(required=False)
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


def payout_filter(f: dict[str, Any] | None) -> PayoutFilter:
    f = f or {}
    c = f.get("criteria") or {}
    return PayoutFilter(
        statuses=tuple(f.get("statuses", ())),
        partner_ids=tuple(f.get("partnerIds", ())),
        payout_account_banks=tuple(f.get("payoutAccountBanks", ())),
        partner_tags=tuple(f.get("partnerTags", ())),
        payout_currencies=tuple(f.get("payoutCurrencies", ())),
        payout_ids=tuple(f.get("payoutIds", ())),
        tax_invoice_statuses=tuple(f.get("taxInvoiceStatuses", ())),
        partner_types=tuple(f.get("partnerTypes", ())),
        partner_taxation_types=tuple(f.get("partnerTaxationTypes", ())),
        settlement_statement_statuses=tuple(f.get("settlementStatementStatuses", ())),
        timestamp_range=_range(c.get("timestampRange")),
        status_updated_timestamp_range=_range(c.get("statusUpdatedTimestampRange")),
        scheduled_timestamp_range=_range(c.get("scheduledTimestampRange")),
        settlement_statement_issued_timestamp_range=_range(
            c.get("settlementStatementIssuedTimestampRange")
        ),
        payout_id=c.get("payoutId"),
        bulk_payout_id=c.get("bulkPayoutId"),
        tax_invoice_id=c.get("taxInvoiceId"),
        settlement_statement_id=c.get("settlementStatementId"),
    )


class AccountTransferFilterInput(serializers.Serializer):
    types = choice_list(AccountTransferType.values)
    statuses = choice_list(AccountTransferStatus.values)
    accountTransferIds = string_list()
    tradeTimestampRange = DateTimeRangeInput(required=False)
    createdTimestampRange = DateTimeRangeInput(required=False)
    statusUpdatedTimestampRange = DateTimeRangeInput(required=False)
    scheduledTimestampRange = DateTimeRangeInput(required=False)
    accountTransferId = serializers.CharField(required=False)
    bankAccountId = serializers.CharField(required=False)
    bulkAccountTransferId = serializers.CharField(required=False)
    payoutId = serializers.CharField(required=False)
    depositorName = serializers.CharField(required=False, allow_blank=True)
    depositAccountHolder = serializers.CharField(required=False, allow_blank=True)
    depositMemo = serializers.CharField(required=False, allow_blank=True)
    withdrawalMemo = serializers.CharField(required=False, allow_blank=True)


class AccountTransfersInput(serializers.Serializer):
    filter = AccountTransferFilterInput(required=False)
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


def account_transfer_filter(f: dict[str, Any] | None) -> AccountTransferFilter:
    f = f or {}
    return AccountTransferFilter(
        types=tuple(f.get("types", ())),
        statuses=tuple(f.get("statuses", ())),
        account_transfer_ids=tuple(f.get("accountTransferIds", ())),
        trade_timestamp_range=_range(f.get("tradeTimestampRange")),
        created_timestamp_range=_range(f.get("createdTimestampRange")),
        status_updated_timestamp_range=_range(f.get("statusUpdatedTimestampRange")),
        scheduled_timestamp_range=_range(f.get("scheduledTimestampRange")),
        account_transfer_id=f.get("accountTransferId"),
        bank_account_id=f.get("bankAccountId"),
        bulk_account_transfer_id=f.get("bulkAccountTransferId"),
        payout_id=f.get("payoutId"),
        depositor_name=f.get("depositorName"),
        deposit_account_holder=f.get("depositAccountHolder"),
        deposit_memo=f.get("depositMemo"),
        withdrawal_memo=f.get("withdrawalMemo"),
    )


class BulkAccountTransferCriteriaInput(serializers.Serializer):
    bulkAccountTransferId = serializers.CharField(required=False)
    timestampRange = DateTimeRangeInput(required=False)
    statusUpdatedTimestampRange = DateTimeRangeInput(required=False)


class BulkAccountTransferFilterInput(serializers.Serializer):
    criteria = BulkAccountTransferCriteriaInput(required=False)
    statuses = choice_list(BulkAccountTransferStatus.values)


class BulkAccountTransfersInput(serializers.Serializer):
    filter = BulkAccountTransferFilterInput(required=False)
    page = PageInput(required=False)
    isForTest = serializers.BooleanField(required=False)


def bulk_account_transfer_filter(f: dict[str, Any] | None) -> BulkAccountTransferFilter:
    f = f or {}
    c = f.get("criteria") or {}
    return BulkAccountTransferFilter(
        statuses=tuple(f.get("statuses", ())),
        timestamp_range=_range(c.get("timestampRange")),
        status_updated_timestamp_range=_range(c.get("statusUpdatedTimestampRange")),
        bulk_account_transfer_id=c.get("bulkAccountTransferId"),
    )


# --- our extension: bulk payouts and the payout account ----------------------------------------


class CreateBulkPayoutInput(serializers.Serializer):
    """POST /platform/bulk-payouts. Exactly one of `partnerSettlementIds` and `filter`: the
    selection service refuses both or neither with the words complete-payout uses."""

    id = serializers.CharField(required=False, max_length=BULK_PAYOUT_ID_MAX_LENGTH)
    name = serializers.CharField(max_length=200)
    method = serializers.ChoiceField(choices=PayoutMethod.values, required=False)
    partnerSettlementIds = serializers.ListField(
        child=serializers.CharField(), required=False, allow_empty=True
    )
    filter = PartnerSettlementFilterInput(required=False)
    memo = serializers.CharField(required=False, allow_blank=True, max_length=256)
    withdrawalMemo = serializers.CharField(required=False, allow_blank=True, max_length=100)
    depositMemo = serializers.CharField(required=False, allow_blank=True, max_length=100)
    isForTest = serializers.BooleanField(required=False)


def bulk_payout_selection(data: dict[str, Any], *, is_for_test: bool) -> Selection:
    return Selection(
        is_for_test=is_for_test,
        partner_settlement_ids=(
            tuple(data["partnerSettlementIds"]) if "partnerSettlementIds" in data else None
        ),
        filter=partner_settlement_filter(data["filter"]) if "filter" in data else None,
    )


class StartBulkPayoutInput(serializers.Serializer):
    # An instant without an offset is read as KST (TIME_ZONE), like every instant we accept.
    scheduledAt = serializers.DateTimeField(required=False)
    isForTest = serializers.BooleanField(required=False)


class BulkPayoutActionInput(serializers.Serializer):
    """approve, cancel, stop: `{}` (isForTest aside)."""

    isForTest = serializers.BooleanField(required=False)


class DepositInput(serializers.Serializer):
    """POST /platform/payout-account/deposits."""

    amount = serializers.IntegerField(min_value=1, max_value=NON_NEGATIVE["max_value"])
    depositorName = serializers.CharField(max_length=100)
    depositMemo = serializers.CharField(required=False, allow_blank=True, max_length=100)
    tradedAt = serializers.DateTimeField(required=False)
    isForTest = serializers.BooleanField(required=False)
