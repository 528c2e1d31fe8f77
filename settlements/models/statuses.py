"""Transfer types and the statuses of transfers and partner settlements: which exist, which a
payout may take or a deletion remove, which a person may set, and how a transfer reads its
payout stage from its partner settlement (docs/statuses.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TransferType(models.TextChoices):
    ORDER = "ORDER", _("주문 정산")
    ORDER_CANCEL = "ORDER_CANCEL", _("주문 취소 정산")
    MANUAL = "MANUAL", _("수기 정산")


class TransferStatus(models.TextChoices):
    SCHEDULED = "SCHEDULED", _("정산 예정")
    IN_PROCESS = "IN_PROCESS", _("정산 중")
    SETTLED = "SETTLED", _("정산 확정")
    PAYOUT_CONFIRMED = "PAYOUT_CONFIRMED", _("지급 확정")
    IN_PAYOUT = "IN_PAYOUT", _("지급 중")
    PAID_OUT = "PAID_OUT", _("지급 완료")


class PartnerSettlementStatus(models.TextChoices):
    PAYOUT_PREPARED = "PAYOUT_PREPARED", _("지급 예정")
    PAYOUT_WITHHELD = "PAYOUT_WITHHELD", _("지급 보류")
    PAYOUT_EXCLUDED = "PAYOUT_EXCLUDED", _("지급 제외")
    CONFIRMED = "CONFIRMED", _("지급 확정")
    PAYOUT_SCHEDULED = "PAYOUT_SCHEDULED", _("지급 예약")
    IN_PAYOUT = "IN_PAYOUT", _("지급 중")
    PAID_OUT = "PAID_OUT", _("지급 완료")
    PAYOUT_FAILED = "PAYOUT_FAILED", _("지급 실패")
    CANCELLED = "CANCELLED", _("지급 취소")


# docs/statuses.md#partner-settlements, docs/payouts.md#payout-lifecycle: what a payout may take,
# what may be deleted, manual transitions.
PAYABLE_SETTLEMENT_STATUSES = (
    PartnerSettlementStatus.PAYOUT_PREPARED,
    PartnerSettlementStatus.PAYOUT_FAILED,
)
DELETABLE_SETTLEMENT_STATUSES = (
    PartnerSettlementStatus.PAYOUT_PREPARED,
    PartnerSettlementStatus.PAYOUT_WITHHELD,
    PartnerSettlementStatus.CANCELLED,
    PartnerSettlementStatus.PAYOUT_EXCLUDED,
)
MANUAL_SETTLEMENT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    PartnerSettlementStatus.PAYOUT_PREPARED: (
        PartnerSettlementStatus.PAYOUT_WITHHELD,
        PartnerSettlementStatus.PAYOUT_EXCLUDED,
    ),
    PartnerSettlementStatus.PAYOUT_WITHHELD: (
        PartnerSettlementStatus.PAYOUT_PREPARED,
        PartnerSettlementStatus.PAYOUT_EXCLUDED,
    ),
    PartnerSettlementStatus.CANCELLED: (
        PartnerSettlementStatus.PAYOUT_PREPARED,
        PartnerSettlementStatus.PAYOUT_EXCLUDED,
    ),
    PartnerSettlementStatus.PAYOUT_EXCLUDED: (
        PartnerSettlementStatus.PAYOUT_PREPARED,
        PartnerSettlementStatus.PAYOUT_WITHHELD,
    ),
    PartnerSettlementStatus.PAYOUT_FAILED: (PartnerSettlementStatus.PAYOUT_PREPARED,),
}


# The status of a partner settlement's "open bucket": the row a transfer joins when it is created
# (before its settlement date), so gathering a day flips buckets instead of rewriting every
# transfer row (settlements.aggregation). Not one of the SDK's statuses and never shown:
# `PartnerSettlement.objects` leaves these rows out; `PartnerSettlement.all_objects` has them.
OPEN_BUCKET_STATUS = "OPEN"


# docs/statuses.md#transfer-statuses, docs/payouts.md#payout-lifecycle: from SETTLED on, a transfer
# follows its partner settlement through the payout. That status is read from the settlement, not
# written to every transfer row: paying a day of 10^6 transfers updates its few thousand settlements
# only. A payout that fails or is cancelled leaves the settlement PAYOUT_FAILED / CANCELLED, and its
# transfers SETTLED again.
SETTLEMENT_TRANSFER_STATUS: dict[str, str] = {
    PartnerSettlementStatus.CONFIRMED: TransferStatus.PAYOUT_CONFIRMED,
    PartnerSettlementStatus.PAYOUT_SCHEDULED: TransferStatus.IN_PAYOUT,
    PartnerSettlementStatus.IN_PAYOUT: TransferStatus.IN_PAYOUT,
    PartnerSettlementStatus.PAID_OUT: TransferStatus.PAID_OUT,
}
