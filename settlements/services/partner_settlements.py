"""Partner settlements changed by a person or a caller: deletion with their transfers, and the
manual status changes (지급 보류 / 보류 해제 / 지급 제외). docs/statuses.md."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.errors import DomainError, Invalid, Kind, Refs, invalid
from core.iterables import unique_list
from core.outbound import events as webhook_events
from core.outbound.services import emit as emit_webhook
from settlements.models import (
    DELETABLE_SETTLEMENT_STATUSES,
    MANUAL_SETTLEMENT_TRANSITIONS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferType,
)
from settlements.services.buckets import lock_partner_settlements


def settlements_refusal(code: str, message: str, kind: Kind, ids: list[str]) -> DomainError:
    """A refusal naming partner settlements by id."""
    return DomainError(
        code, f"{message}: {', '.join(ids)}", kind=kind, ids=Refs.of("partner_settlement", ids)
    )


def load_for_update(public_ids: list[str], is_for_test: bool) -> list[PartnerSettlement]:
    """The settlements in request order, locked; 404 with every unknown id."""
    rows = {
        s.public_id: s
        for s in PartnerSettlement.objects.select_for_update().filter(
            is_for_test=is_for_test, public_id__in=public_ids
        )
    }
    missing = [i for i in public_ids if i not in rows]
    if missing:
        raise settlements_refusal(
            "PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND",
            "정산 내역을 찾을 수 없습니다",
            Kind.NOT_FOUND,
            missing,
        )
    return [rows[i] for i in public_ids]


@transaction.atomic
def partner_settlements_delete(*, public_ids: Sequence[str], is_for_test: bool) -> int:
    """Delete settlements and hard-delete their member transfers; all or nothing
    (docs/statuses.md#partner-settlements).

    Refused when a settlement is not in a deletable status, or when a member ORDER transfer is
    the original of a cancel transfer that is not deleted with it (the cancel would lose its
    order). Returns the number of transfers deleted.
    """
    ids = unique_list(public_ids)
    if not ids:
        raise invalid("partnerSettlementIds: 삭제할 정산 내역을 하나 이상 지정하세요.")
    lock_partner_settlements()
    settlements = load_for_update(ids, is_for_test)
    non_deletable = [
        s.public_id for s in settlements if s.status not in DELETABLE_SETTLEMENT_STATUSES
    ]
    if non_deletable:
        raise settlements_refusal(
            "PLATFORM_NON_DELETABLE_PARTNER_SETTLEMENTS",
            "삭제할 수 없는 상태의 정산 내역입니다",
            Kind.INVALID,
            non_deletable,
        )
    pks = [s.pk for s in settlements]
    cancels_elsewhere = Transfer.objects.filter(original_id=OuterRef("pk")).exclude(
        partner_settlement_id__in=pks
    )
    referenced = list(
        Transfer.objects.filter(partner_settlement_id__in=pks, type=TransferType.ORDER)
        .filter(Exists(cancels_elsewhere))
        .order_by("public_id")
        .values_list("public_id", flat=True)
    )
    if referenced:
        raise Invalid(
            "PLATFORM_REFERENCED_CANCEL_ORDER_TRANSFERS_EXIST",
            "삭제할 정산 내역 밖의 취소 정산건이 참조하는 주문 정산건이 있습니다: "
            + ", ".join(referenced),
            ids=referenced,
        )
    members = Transfer.objects.filter(partner_settlement_id__in=pks)
    # Cancel transfers first: `original` is PROTECT, so their orders can go only afterwards.
    deleted = members.filter(original__isnull=False).delete()[0]
    deleted += members.delete()[0]
    PartnerSettlement.objects.filter(pk__in=pks).delete()
    return deleted


@transaction.atomic
def partner_settlement_set_status(
    *,
    settlement: PartnerSettlement,
    status: str,
    memo: str | None = None,
    reason: str | None = None,
) -> PartnerSettlement:
    """지급 보류 / 보류 해제 / 지급 제외 by staff, only along MANUAL_SETTLEMENT_TRANSITIONS
    (docs/statuses.md#partner-settlements). A settlement taken by a payout (CONFIRMED and later)
    cannot change here. `reason` (the admin asks for one) is the change reason of the history
    row this save writes."""
    lock_partner_settlements()
    current = PartnerSettlement.objects.select_for_update().get(pk=settlement.pk)
    if status not in MANUAL_SETTLEMENT_TRANSITIONS.get(current.status, ()):
        raise invalid(
            f"정산 내역 {current.public_id}: '{current.get_status_display()}' 상태에서 "
            f"'{PartnerSettlementStatus(status).label}'(으)로 바꿀 수 없습니다."
        )
    current.status = status
    current.status_updated_at = timezone.now()
    fields = ["status", "status_updated_at", "updated_at"]
    if memo is not None:
        current.memo = memo
        fields.append("memo")
    if reason:
        current._change_reason = reason  # django-simple-history's history_change_reason
    current.save(update_fields=fields)
    emit_webhook(
        webhook_events.PARTNER_SETTLEMENT_STATUS_CHANGED,
        [{"partnerSettlementId": current.public_id, "status": current.status}],
        is_for_test=current.is_for_test,
    )
    return current
