"""Input of `POST /b2b/bulk-tax-invoices` (ours): which payouts to request tax invoices for —
exactly one of `bulkPayoutId`, `payoutIds`, `payoutFilter` (the SDK's PlatformPayoutFilterInput,
as `GET /platform/payouts` takes it, `statuses` included) — and the bulk's name."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from payouts.inputs import PayoutFilterInput, payout_filter

MAX_PAYOUT_IDS = 200_000


class CreateBulkTaxInvoiceInput(serializers.Serializer):
    bulkPayoutId = serializers.CharField(required=False, max_length=100)
    payoutIds = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        allow_empty=False,
        max_length=MAX_PAYOUT_IDS,
    )
    payoutFilter = PayoutFilterInput(required=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    isForTest = serializers.BooleanField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [k for k in ("bulkPayoutId", "payoutIds", "payoutFilter") if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                "bulkPayoutId, payoutIds, payoutFilter 중 정확히 하나를 지정해야 합니다."
            )
        return attrs


def selection_of(data: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of invoices.services.bulk.bulk_from_payouts for the selection."""
    if "bulkPayoutId" in data:
        return {"bulk_payout_public_id": data["bulkPayoutId"]}
    if "payoutIds" in data:
        return {"payout_ids": list(data["payoutIds"])}
    return {"filter": payout_filter(data["payoutFilter"])}
