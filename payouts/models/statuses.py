"""The statuses and kinds of payouts, bulk payouts and account transfers, spelled as SDK 0.21.0
spells them (docs/payouts.md#payout-lifecycle)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PayoutMethod(models.TextChoices):
    AGENCY = "AGENCY", _("송금대행")
    DIRECT = "DIRECT", _("직접 지급")


class BulkPayoutStatus(models.TextChoices):
    PREPARING = "PREPARING", _("준비 중")
    PREPARED = "PREPARED", _("준비 완료")
    ONGOING = "ONGOING", _("지급 중")
    POST_PROCESS_PENDING = "POST_PROCESS_PENDING", _("후처리 대기")
    COMPLETED = "COMPLETED", _("완료")
    CANCELLED = "CANCELLED", _("취소")


class PayoutStatus(models.TextChoices):
    PREPARED = "PREPARED", _("준비")
    CONFIRMED = "CONFIRMED", _("확정")
    SCHEDULED = "SCHEDULED", _("예약")
    PROCESSING = "PROCESSING", _("송금 처리 중")
    SUCCEEDED = "SUCCEEDED", _("지급 성공")
    FAILED = "FAILED", _("지급 실패")
    STOPPED = "STOPPED", _("중단")
    CANCELLED = "CANCELLED", _("취소")


class SettlementStatementStatus(models.TextChoices):
    UNSENT = "UNSENT", _("미발송")
    SEND_PREPARED = "SEND_PREPARED", _("발송 준비")
    SENT = "SENT", _("발송 완료")
    SEND_FAILED = "SEND_FAILED", _("발송 실패")


class TaxInvoiceStatus(models.TextChoices):
    """PlatformPayoutTaxInvoiceStatus: NONE, or the status of the invoice made from the payout."""

    NONE = "NONE", _("없음")
    DRAFTED = "DRAFTED", _("임시저장")
    DRAFT_PENDING = "DRAFT_PENDING", _("임시저장 대기")
    DRAFT_FAILED = "DRAFT_FAILED", _("임시저장 실패")
    REQUESTED = "REQUESTED", _("역발행 요청")
    REQUEST_PENDING = "REQUEST_PENDING", _("역발행 요청 대기")
    REQUEST_FAILED = "REQUEST_FAILED", _("역발행 요청 실패")
    REQUEST_CANCELLED = "REQUEST_CANCELLED", _("요청 취소")
    REQUEST_REFUSED = "REQUEST_REFUSED", _("발행 거부")
    ISSUED = "ISSUED", _("발행 완료")
    ISSUE_PENDING = "ISSUE_PENDING", _("발행 대기")
    ISSUE_FAILED = "ISSUE_FAILED", _("발행 실패")
    ISSUANCE_CANCELLED = "ISSUANCE_CANCELLED", _("발행 취소")
    CANCEL_PENDING = "CANCEL_PENDING", _("취소 대기")
    BEFORE_SENDING = "BEFORE_SENDING", _("전송 전")
    WAITING_SENDING = "WAITING_SENDING", _("전송 대기")
    SENDING = "SENDING", _("전송 중")
    SENDING_PENDING = "SENDING_PENDING", _("국세청 전송 대기")
    SENDING_COMPLETED = "SENDING_COMPLETED", _("전송 완료")
    SENDING_FAILED = "SENDING_FAILED", _("전송 실패")


class AccountTransferType(models.TextChoices):
    DEPOSIT = "DEPOSIT", _("입금")
    WITHDRAWAL = "WITHDRAWAL", _("출금")


class WithdrawalType(models.TextChoices):
    PARTNER_PAYOUT = "PARTNER_PAYOUT", _("정산 송금")
    REMIT = "REMIT", _("송금/출금")


class AccountTransferStatus(models.TextChoices):
    PREPARED = "PREPARED", _("대기")
    SCHEDULED = "SCHEDULED", _("예약")
    PROCESSING = "PROCESSING", _("처리 중")
    ASYNC_PROCESSING = "ASYNC_PROCESSING", _("결과 확인 중")
    SUCCEEDED = "SUCCEEDED", _("성공")
    FAILED = "FAILED", _("실패")
    CANCELLED = "CANCELLED", _("취소")
    STOPPED = "STOPPED", _("중단")


class BulkAccountTransferStatus(models.TextChoices):
    PREPARED = "PREPARED", _("대기")
    SCHEDULED = "SCHEDULED", _("예약")
    ONGOING = "ONGOING", _("진행 중")
    COMPLETED = "COMPLETED", _("완료")


# A payout that still holds its settlements (PayoutSettlement.active): everything but the three
# endings that hand them back (FAILED -> PAYOUT_FAILED; CANCELLED/STOPPED -> their status before).
LIVE_PAYOUT_STATUSES = (
    PayoutStatus.PREPARED,
    PayoutStatus.CONFIRMED,
    PayoutStatus.SCHEDULED,
    PayoutStatus.PROCESSING,
    PayoutStatus.SUCCEEDED,
)
# Not sent yet: what stop and cancel may still take back.
UNSENT_PAYOUT_STATUSES = (PayoutStatus.PREPARED, PayoutStatus.CONFIRMED, PayoutStatus.SCHEDULED)
FINAL_PAYOUT_STATUSES = (
    PayoutStatus.SUCCEEDED,
    PayoutStatus.FAILED,
    PayoutStatus.STOPPED,
    PayoutStatus.CANCELLED,
)
# A withdrawal in one of these holds its amount (and reserved fee) out of the available balance.
PENDING_TRANSFER_STATUSES = (
    AccountTransferStatus.PREPARED,
    AccountTransferStatus.SCHEDULED,
    AccountTransferStatus.PROCESSING,
    AccountTransferStatus.ASYNC_PROCESSING,
)
# Sent to the bank, outcome not recorded: what the recovery asks the bank about.
IN_FLIGHT_TRANSFER_STATUSES = (
    AccountTransferStatus.PROCESSING,
    AccountTransferStatus.ASYNC_PROCESSING,
)
