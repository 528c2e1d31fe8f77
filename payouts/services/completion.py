"""Payouts made outside this system: `POST /platform/partner-settlements/complete-payout`
marks payable partner settlements PAID_OUT (docs/payouts.md, "Complete payout").

Until payouts have their own models, the bulk payout id of a completion is kept in the audit
history of the paid settlements (payouts.selectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Invalid, Kind, invalid
from partners.models import Partner
from payouts.selectors import (
    BULK_PAYOUT_ID_MAX_LENGTH,
    bulk_payout_marker,
    bulk_payout_settlement_ids,
)
from settlements.models import (
    PAYABLE_SETTLEMENT_STATUSES,
    PartnerSettlement,
    PartnerSettlementStatus,
    TransferType,
)
from settlements.services.buckets import lock_partner_settlements
from settlements.services.gather import record_history
from settlements.services.partner_settlements import load_for_update, settlements_refusal


# Until payouts have their own models, the bulk payout id of a completion is kept in the audit
# history of the paid settlements (history_change_reason, 100 characters).
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
) -> PayoutCompletion:
    """일괄 지급 완료 처리: mark payable settlements PAID_OUT, and with them their transfers
    (money was sent outside this system). `POST /platform/partner-settlements/complete-payout`.

    Checks, in order: something selected; no duplicates; bulk payout id unused; every id known;
    every settlement payable (PAYOUT_PREPARED/PAYOUT_FAILED); no partner × currency with a negative
    net (Σ ORDER + Σ MANUAL − Σ ORDER_CANCEL, docs/payouts.md#payout-lifecycle). The settlements are
    then claimed with a conditional UPDATE, so a retried or concurrent call can never pay the same
    settlement twice.

    `name` (the bulk payout's name) is accepted for the API but not stored until bulk payouts get
    their own model.
    """
    ids = list(public_ids)
    if not ids:
        raise Invalid("PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS", "지급할 정산 내역을 선택하세요.")
    if len(set(ids)) != len(ids):
        duplicated = sorted({i for i in ids if ids.count(i) > 1})
        raise Invalid(
            "PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS",
            f"정산 내역 아이디가 중복됩니다: {', '.join(duplicated)}",
        )
    if bulk_payout_id is not None and len(bulk_payout_id) > BULK_PAYOUT_ID_MAX_LENGTH:
        raise invalid(f"bulkPayoutId: {BULK_PAYOUT_ID_MAX_LENGTH}자 이하여야 합니다.")
    lock_partner_settlements()
    if (
        bulk_payout_id is not None
        and bulk_payout_settlement_ids(bulk_payout_id, is_for_test=is_for_test).exists()
    ):
        raise Conflict(
            "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS",
            f"이미 사용된 일괄 지급 아이디입니다: {bulk_payout_id}",
        )
    settlements = load_for_update(ids, is_for_test)
    non_payable = [s.public_id for s in settlements if s.status not in PAYABLE_SETTLEMENT_STATUSES]
    if non_payable:
        raise settlements_refusal(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "지급할 수 없는 상태의 정산 내역입니다",
            Kind.INVALID,
            non_payable,
        )
    net: dict[tuple[int, str], int] = defaultdict(int)
    for s in settlements:
        sign = -1 if s.settlement_type == TransferType.ORDER_CANCEL else 1
        net[(s.partner_id, s.settlement_currency)] += sign * s.amount_settlement
    negative = sorted(key for key, amount in net.items() if amount < 0)
    if negative:
        partner_ids = dict(
            Partner.objects.filter(pk__in=[partner for partner, _ in negative]).values_list(
                "pk", "public_id"
            )
        )
        detail = ", ".join(
            f"{partner_ids[partner]} {currency} {net[(partner, currency)]}"
            for partner, currency in negative
        )
        # PortOne's API answers this under another type; core.api.errors.WIRE_TYPES maps it.
        raise Invalid(
            "PLATFORM_NEGATIVE_PAYOUT_AMOUNT_PARTNERS",
            f"지급 금액의 총합이 음수인 파트너가 있습니다 (상계 후 지급 불가): {detail}",
        )

    now = timezone.now()
    when = _completion_time(completed_at)
    pks = [s.pk for s in settlements]
    claimed = PartnerSettlement.objects.filter(
        pk__in=pks, status__in=PAYABLE_SETTLEMENT_STATUSES
    ).update(status=PartnerSettlementStatus.PAID_OUT, status_updated_at=when, updated_at=now)
    if claimed != len(pks):  # only possible for a writer that skipped the lock: undo everything
        raise settlements_refusal(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "다른 요청이 먼저 지급 처리한 정산 내역이 있습니다",
            Kind.INVALID,
            [s.public_id for s in settlements],
        )
    # The member transfers read PAID_OUT from their settlement (models.SETTLEMENT_TRANSFER_STATUS):
    # no row of theirs is rewritten, however many there are.
    reason = bulk_payout_marker(bulk_payout_id) if bulk_payout_id else "지급 완료 처리"
    record_history(pks, reason)
    return PayoutCompletion(
        bulk_payout_id=bulk_payout_id, payout_count=len(net), partner_settlement_count=len(pks)
    )
