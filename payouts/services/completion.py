"""Payouts made outside this system: `POST /platform/partner-settlements/complete-payout`
marks payable partner settlements PAID_OUT (docs/payouts.md, "Complete payout").

It records what happened as a DIRECT bulk payout, COMPLETED, with one SUCCEEDED payout per
partner × currency, selected through the shared selection path
(payouts.services.selection) so its refusals are those of bulk-payout creation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, invalid
from payouts.models import BulkPayout, BulkPayoutStatus, PayoutMethod, PayoutStatus
from payouts.selectors import BULK_PAYOUT_ID_MAX_LENGTH, bulk_payout_marker
from payouts.services.bulk_payouts import (
    SYSTEM,
    Actor,
    build_payouts,
    bulk_payout_id_taken,
    bulk_payouts_created,
    claim_settlements,
)
from payouts.services.selection import Selection, select_payable
from policies.models import PlatformSetting
from settlements.models import PartnerSettlementStatus
from settlements.services.buckets import lock_partner_settlements
from settlements.services.gather import record_history


@dataclass(frozen=True)
class PayoutCompletion:
    bulk_payout_id: str | None
    payout_count: int  # one payout per partner x currency
    partner_settlement_count: int


def _completion_time(completed_at: date | None) -> datetime:
    if completed_at is None or completed_at == timezone.localdate():
        return timezone.now()
    return timezone.make_aware(datetime.combine(completed_at, time.min))


@transaction.atomic
def payout_complete_by_partner_settlement_ids(
    *,
    public_ids: Sequence[str],
    is_for_test: bool,
    bulk_payout_id: str | None = None,
    name: str | None = None,
    completed_at: date | None = None,
    actor: Actor = SYSTEM,
) -> PayoutCompletion:
    """일괄 지급 완료 처리: mark payable settlements PAID_OUT, and with them their transfers
    (money was sent outside this system). `POST /platform/partner-settlements/complete-payout`.

    Checks, in order: something selected; no duplicates; bulk payout id unused; every id known;
    every settlement payable (PAYOUT_PREPARED/PAYOUT_FAILED); no partner × currency with a negative
    net (docs/payouts.md#payout-lifecycle). The settlements are then claimed with a conditional
    UPDATE, so a retried or concurrent call can never pay the same settlement twice.
    """

    def id_unused() -> None:
        if bulk_payout_id is not None and len(bulk_payout_id) > BULK_PAYOUT_ID_MAX_LENGTH:
            raise invalid(f"bulkPayoutId: {BULK_PAYOUT_ID_MAX_LENGTH}자 이하여야 합니다.")
        lock_partner_settlements()
        if bulk_payout_id is not None and bulk_payout_id_taken(
            bulk_payout_id, is_for_test=is_for_test
        ):
            raise Conflict(
                "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS",
                f"이미 사용된 일괄 지급 아이디입니다: {bulk_payout_id}",
            )

    groups = select_payable(
        Selection.of_ids(public_ids, is_for_test=is_for_test), lock=True, before_load=id_unused
    )
    when = _completion_time(completed_at)
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    bulk = BulkPayout(
        is_for_test=is_for_test,
        name=(name or "").strip() or "지급 완료 처리",
        method=PayoutMethod.DIRECT,
        status=BulkPayoutStatus.COMPLETED,
        status_updated_at=when,
        creator_id=actor.id,
        creator_name=actor.name,
        started_at=when,
        completed_at=when,
        payout_count=len(groups),
        partner_settlement_count=sum(len(g.settlements) for g in groups),
    )
    if bulk_payout_id is not None:
        bulk.public_id = bulk_payout_id
    bulk.save()
    payouts = build_payouts(bulk, groups, setting, status=PayoutStatus.SUCCEEDED, now=when)
    bulk_payouts_created([bulk.pk])  # docs/webhooks.md#events
    BulkPayout.objects.filter(pk=bulk.pk).update(
        total_payout_amount=sum(p.amount for p in payouts),
        total_settlement_amount=sum(p.settlement_amount for p in payouts),
    )
    pks = claim_settlements(groups, PartnerSettlementStatus.PAID_OUT, when)
    # The member transfers read PAID_OUT from their settlement (models.SETTLEMENT_TRANSFER_STATUS):
    # no row of theirs is rewritten, however many there are.
    reason = bulk_payout_marker(bulk_payout_id) if bulk_payout_id else "지급 완료 처리"
    record_history(pks, reason)
    return PayoutCompletion(
        bulk_payout_id=bulk_payout_id, payout_count=len(groups), partner_settlement_count=len(pks)
    )
