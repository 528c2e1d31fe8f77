"""How a payout's status carries to its partner settlements (docs/payouts.md#payout-lifecycle,
the table under "Payout stages" in docs/statuses.md). Set-based: one UPDATE per step, whatever
the number of settlements; their transfers read the stage from the settlement.

| payout | settlements |
|---|---|
| PREPARED / CONFIRMED | CONFIRMED |
| SCHEDULED | PAYOUT_SCHEDULED |
| PROCESSING | IN_PAYOUT |
| SUCCEEDED | PAID_OUT |
| FAILED | PAYOUT_FAILED (payable again; the link lets go) |
| CANCELLED / STOPPED | the payable status it had when selected (the link lets go) |
"""

from __future__ import annotations

from collections.abc import Collection

from django.utils import timezone

from core.outbound import events as webhook_events
from core.outbound.services import emit_for as emit_webhook_for
from payouts.models import BulkPayout, Payout, PayoutSettlement, PayoutStatus
from settlements.models import PartnerSettlement, PartnerSettlementStatus

SETTLEMENT_STATUS_OF_PAYOUT = {
    PayoutStatus.PREPARED: PartnerSettlementStatus.CONFIRMED,
    PayoutStatus.CONFIRMED: PartnerSettlementStatus.CONFIRMED,
    PayoutStatus.SCHEDULED: PartnerSettlementStatus.PAYOUT_SCHEDULED,
    PayoutStatus.PROCESSING: PartnerSettlementStatus.IN_PAYOUT,
    PayoutStatus.SUCCEEDED: PartnerSettlementStatus.PAID_OUT,
    PayoutStatus.FAILED: PartnerSettlementStatus.PAYOUT_FAILED,
}


def settlement_pks(payout_pks: Collection[int]) -> list[int]:
    return list(
        PayoutSettlement.objects.filter(payout_id__in=payout_pks, active=True).values_list(
            "partner_settlement_id", flat=True
        )
    )


def follow(payout_pks: Collection[int], payout_status: str) -> int:
    """The settlements held by these payouts take the stage of `payout_status`; a FAILED payout
    lets its settlements go (PAYOUT_FAILED, payable again)."""
    if not payout_pks:
        return 0
    now = timezone.now()
    status = SETTLEMENT_STATUS_OF_PAYOUT[payout_status]
    links = PayoutSettlement.objects.filter(payout_id__in=payout_pks, active=True)
    pks = list(links.values_list("partner_settlement_id", flat=True))
    changed = PartnerSettlement.objects.filter(pk__in=pks).update(
        status=status, status_updated_at=now, updated_at=now
    )
    settlements_changed(pks)
    if payout_status == PayoutStatus.FAILED:
        links.update(active=False)
    payouts_changed(payout_pks)
    return changed


def give_back(payout_pks: Collection[int]) -> list[int]:
    """Cancelled or stopped payouts: each settlement returns to the payable status it had when
    selected, and the links let go (payable again at once). Returns the settlements' pks."""
    if not payout_pks:
        return []
    now = timezone.now()
    links = PayoutSettlement.objects.filter(payout_id__in=payout_pks, active=True)
    pks = []
    for previous in links.values_list("previous_status", flat=True).distinct():
        chosen = list(
            links.filter(previous_status=previous).values_list("partner_settlement_id", flat=True)
        )
        PartnerSettlement.objects.filter(pk__in=chosen).update(
            status=previous, status_updated_at=now, updated_at=now
        )
        pks.extend(chosen)
    links.update(active=False)
    settlements_changed(pks)
    payouts_changed(payout_pks)
    return pks


def settlements_changed(pks: Collection[int]) -> None:
    """docs/webhooks.md#events: one `platform.partner_settlement.status_changed` per settlement,
    its status read at commit (one query, one INSERT for all)."""
    emit_webhook_for(
        webhook_events.PARTNER_SETTLEMENT_STATUS_CHANGED,
        PartnerSettlement,
        pks,
        entity="partner_settlement",
    )


def payouts_changed(pks: Collection[int]) -> None:
    """docs/webhooks.md#events: `platform.payout.status_changed` for these payouts."""
    emit_webhook_for(webhook_events.PAYOUT_STATUS_CHANGED, Payout, pks, entity="payout")


def bulk_payouts_changed(pks: Collection[int]) -> None:
    """docs/webhooks.md#events: `platform.bulk_payout.status_changed` for these bulk payouts."""
    emit_webhook_for(
        webhook_events.BULK_PAYOUT_STATUS_CHANGED, BulkPayout, pks, entity="bulk_payout"
    )
