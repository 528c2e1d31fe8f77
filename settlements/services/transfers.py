"""Transfers after their creation: deletion, and the recomputation of provisional ones when
their start date comes."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, Invalid, NotFound
from policies.models import PlatformSetting
from settlements.domain import calculation as calc
from settlements.domain import codec
from settlements.models import (
    DELETABLE_SETTLEMENT_STATUSES,
    OPEN_BUCKET_STATUS,
    PartnerSettlement,
    Transfer,
    TransferStatus,
    TransferType,
)
from settlements.services import rules
from settlements.services.buckets import assign_open_buckets, lock_partner_settlements
from settlements.services.gather import partner_settlements_recompute
from settlements.services.versions import resolve_versions, version_moment

DELETABLE_TRANSFER_STATUSES = (TransferStatus.SCHEDULED, TransferStatus.IN_PROCESS)


def transfer_not_found(public_id: str) -> NotFound:
    return NotFound("PLATFORM_TRANSFER_NOT_FOUND", f"정산건을 찾을 수 없습니다: {public_id}")


@transaction.atomic
def transfer_delete(*, public_id: str, is_for_test: bool) -> None:
    """SCHEDULED / IN_PROCESS, or SETTLED while its partner settlement may still be deleted
    (then that settlement is recomputed). docs/statuses.md, "Deleting"."""
    lock_partner_settlements()  # a concurrent payout must not take the settlement meanwhile
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("partner_settlement")
        .filter(public_id=public_id, is_for_test=is_for_test)
        .first()
    )
    if transfer is None:
        raise transfer_not_found(public_id)
    if transfer.type == TransferType.ORDER and transfer.cancel_transfers.exists():
        raise Invalid(
            "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS",
            "취소 정산건이 있는 주문 정산건은 삭제할 수 없습니다.",
        )
    settlement: PartnerSettlement | None = transfer.partner_settlement
    status = transfer.status
    deletable = status in DELETABLE_TRANSFER_STATUSES or (
        status == TransferStatus.SETTLED
        and (
            settlement is None  # not gathered yet
            or settlement.status == OPEN_BUCKET_STATUS
            or settlement.status in DELETABLE_SETTLEMENT_STATUSES
        )
    )
    if not deletable:
        raise Invalid(
            "PLATFORM_TRANSFER_NON_DELETABLE_STATUS",
            f"삭제할 수 없는 상태입니다: {transfer.get_status_display()}",
        )
    transfer.delete()
    if settlement is not None:
        partner_settlements_recompute([settlement.pk])


def scheduled_transfers_recompute(*, today: date | None = None) -> int:
    """A SCHEDULED order transfer's amounts and date are provisional; when its start date comes
    they are recomputed with the contract and policy versions in force then, and frozen from
    IN_PROCESS on (docs/versioning.md). Call before the status advance.

    Skipped (kept as computed) when a cancel already references the transfer, since the cancel
    used the original terms, or when a policy it used has been archived since.
    """
    today = today or timezone.localdate()
    due = Transfer.objects.filter(
        type=TransferType.ORDER,
        stored_status=TransferStatus.SCHEDULED,
        settlement_start_date__lte=today,
        cancel_transfers__isnull=True,
    ).values_list("pk", flat=True)
    recomputed = 0
    for pk in list(due):
        with transaction.atomic():
            transfer = (
                Transfer.objects.select_for_update(of=("self",))
                .select_related("contract")
                .filter(pk=pk, stored_status=TransferStatus.SCHEDULED)
                .first()
            )
            if transfer is not None and _recompute(transfer):
                recomputed += 1
    return recomputed


def _recompute(transfer: Transfer) -> bool:
    order = codec.order_from_json(transfer.calc_input["order"])
    share_ids = {d.share_policy_id for d in order.all_discounts()}
    fee_ids = {f.policy_id for f in order.additional_fees} | {
        f.policy_id for line in order.lines for f in line.additional_fees
    }
    start = transfer.settlement_start_date
    try:
        versions = resolve_versions(
            transfer.contract,
            share_ids,
            fee_ids,
            at=version_moment(start),
            is_for_test=transfer.is_for_test,
        )
        result = calc.calculate_order(order, versions.terms, currency=transfer.settlement_currency)
    except (DomainError, calc.CalculationError):
        return False
    if not transfer.settlement_date_explicit:
        setting = PlatformSetting.for_mode(is_for_test=transfer.is_for_test)
        settlement_date = rules.settlement_date(
            start, versions.contract_terms, None, setting, rules.calendar()
        )
        if settlement_date != transfer.settlement_date:
            # Another date is another aggregation key: move to that key's open bucket (the old
            # one, if left empty, is dropped when its day is gathered).
            transfer.settlement_date = settlement_date
            transfer.partner_settlement_id = None
            assign_open_buckets([transfer])
    transfer.snapshot = {
        "contract": versions.contract,
        "payment": transfer.snapshot["payment"],
        **rules.computed_snapshot(result, versions),
    }
    transfer.calc_input = {**transfer.calc_input, "terms": codec.terms_to_json(versions.terms)}
    for column, value in rules.amount_columns(result.amount).items():
        setattr(transfer, column, value)
    transfer.save()
    return True
