"""Input schemas of the payout API (SDK camelCase names)."""

from __future__ import annotations

from rest_framework import serializers

from payouts.selectors import BULK_PAYOUT_ID_MAX_LENGTH


class CompletePayoutInput(serializers.Serializer):
    bulkPayoutId = serializers.CharField(max_length=BULK_PAYOUT_ID_MAX_LENGTH)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    partnerSettlementIds = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    completedAt = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
    isForTest = serializers.BooleanField(required=False)
