"""What the back office needs beside the bulk-payout services: the failed settlements of a bulk
payout (to pay them again or exclude them) and their exclusion (docs/payouts.md#bulk-payouts).

Excluding goes through the settlement service's manual transitions: a PAYOUT_FAILED settlement
may only return to PAYOUT_PREPARED by hand, and from there be excluded, so both steps are taken
in one transaction with the same reason in the history.
"""

from __future__ import annotations

from django.db import transaction

from payouts.models import BulkPayout, PayoutSettlement, PayoutStatus
from settlements.models import PartnerSettlement, PartnerSettlementStatus
from settlements.services.partner_settlements import partner_settlement_set_status

S = PartnerSettlementStatus


def failed_settlements(bulk: BulkPayout):
    """The settlements of the bulk payout's FAILED payouts that are still PAYOUT_FAILED and in
    no live payout (not yet paid again elsewhere), in id order."""
    failed = PayoutSettlement.objects.filter(
        payout__bulk_payout=bulk, payout__status=PayoutStatus.FAILED
    ).values("partner_settlement_id")
    live = PayoutSettlement.objects.filter(active=True).values("partner_settlement_id")
    return (
        PartnerSettlement.objects.filter(pk__in=failed, status=S.PAYOUT_FAILED)
        .exclude(pk__in=live)
        .order_by("id")
    )


def failed_settlement_ids(bulk: BulkPayout) -> list[str]:
    return list(failed_settlements(bulk).values_list("public_id", flat=True))


@transaction.atomic
def bulk_payout_exclude_failed(*, bulk: BulkPayout, reason: str) -> int:
    """지급 제외 of every failed settlement of the bulk payout (PAYOUT_FAILED -> PAYOUT_PREPARED
    -> PAYOUT_EXCLUDED, each through partner_settlement_set_status); returns how many."""
    settlements = list(failed_settlements(bulk))
    for settlement in settlements:
        partner_settlement_set_status(
            settlement=settlement, status=S.PAYOUT_PREPARED, reason=f"실패 건 제외: {reason}"
        )
        partner_settlement_set_status(
            settlement=settlement, status=S.PAYOUT_EXCLUDED, reason=f"실패 건 제외: {reason}"
        )
    return len(settlements)
