"""The end of a bulk payout: once none of its payouts is waiting or with the bank, ONGOING ->
POST_PROCESS_PENDING (reconciling) -> COMPLETED (docs/payouts.md#bulk-payout-lifecycle)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from payouts.models import (
    BulkAccountTransfer,
    BulkAccountTransferStatus,
    BulkPayout,
    BulkPayoutStatus,
    PayoutSettlement,
    PayoutStatus,
)
from payouts.services.statements import statement_after_success
from payouts.services.transitions import bulk_payouts_changed
from settlements.services.gather import record_history

OPEN_PAYOUT_STATUSES = (
    PayoutStatus.PREPARED,
    PayoutStatus.CONFIRMED,
    PayoutStatus.SCHEDULED,
    PayoutStatus.PROCESSING,
)


@transaction.atomic
def bulk_payout_finalize(bulk_pk: int) -> str:
    """Idempotent; returns the bulk payout's status afterwards."""
    bulk = BulkPayout.objects.select_for_update().get(pk=bulk_pk)
    if bulk.status not in (BulkPayoutStatus.ONGOING, BulkPayoutStatus.POST_PROCESS_PENDING):
        return bulk.status
    if bulk.payouts.filter(status__in=OPEN_PAYOUT_STATUSES).exists():
        return bulk.status
    now = timezone.now()
    BulkPayout.objects.filter(pk=bulk_pk).update(
        status=BulkPayoutStatus.POST_PROCESS_PENDING, status_updated_at=now, updated_at=now
    )
    # post-processing: the bank batch is closed, the paid settlements get their audit row
    BulkAccountTransfer.objects.filter(bulk_payout_id=bulk_pk).update(
        status=BulkAccountTransferStatus.COMPLETED, status_updated_at=now
    )
    paid = PayoutSettlement.objects.filter(
        payout__bulk_payout_id=bulk_pk, payout__status=PayoutStatus.SUCCEEDED
    ).values_list("partner_settlement_id", flat=True)
    record_history(list(paid), f"bulkPayout:{bulk.public_id}:paid"[:100])
    # 정산 내역서 of the succeeded payouts: SEND_PREPARED now, e-mailed by django-q2 after commit
    statement_after_success(
        bulk.payouts.filter(status=PayoutStatus.SUCCEEDED).values_list("pk", flat=True)
    )
    BulkPayout.objects.filter(pk=bulk_pk).update(
        status=BulkPayoutStatus.COMPLETED, status_updated_at=now, completed_at=now, updated_at=now
    )
    bulk_payouts_changed([bulk_pk])  # docs/webhooks.md#events
    return BulkPayoutStatus.COMPLETED
