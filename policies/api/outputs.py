"""The wire JSON of policies' answers.

Contracts and policies go out as their snapshots (policies.selectors): transfers store the same
JSON, so the API and a transfer's frozen copy cannot drift apart. The simpler objects are Output
serializers.
"""

from rest_framework import serializers

from core.api.outputs import Output


class SettingOutput(Output):
    """PlatformSetting."""

    defaultWithdrawalMemo = serializers.CharField(source="default_withdrawal_memo")
    defaultDepositMemo = serializers.CharField(source="default_deposit_memo")
    supportsMultipleOrderTransfersPerPartner = serializers.BooleanField(
        source="supports_multiple_order_transfers_per_partner"
    )
    adjustSettlementDateAfterHolidayIfEarlier = serializers.BooleanField(
        source="adjust_settlement_date_after_holiday_if_earlier"
    )
    deductWht = serializers.BooleanField(source="deduct_wht")
    settlementAmountType = serializers.CharField(source="settlement_amount_type")
    isForTest = serializers.BooleanField(source="is_for_test")


class DiscountSharePolicyFilterOptionsOutput(Output):
    """PlatformDiscountSharePolicyFilterOptions, from `{"partner_share_rates": [...]}`."""

    partnerShareRates = serializers.ListField(
        child=serializers.IntegerField(), source="partner_share_rates"
    )
