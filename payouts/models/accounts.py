"""The payout account (지급 계좌, the platform's virtual account) and its ledger: every movement
is an account transfer (이체 내역), and the balance is derived from them
(payouts/services/ledger.py, docs/payouts.md#ledger)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audit_history
from core.crypto import EncryptedCharField, mask
from partners.domain.banks import BANK_CHOICES
from payouts.models.payouts import BulkPayout, Payout, new_public_id
from payouts.models.statuses import (
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransferStatus,
    WithdrawalType,
)


class PayoutAccount(models.Model):
    """One per mode. Live starts at 0; the test-mode ledger opens with 1,000,000,000 KRW (an
    opening DEPOSIT written on first use, like PortOne's mock accounts)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), unique=True)
    bank = models.CharField(_("은행"), max_length=30, default="KOOKMIN", choices=BANK_CHOICES)
    account_number = EncryptedCharField(_("계좌번호"), blank=True, null=True)
    holder = models.CharField(_("예금주"), max_length=100, blank=True, default="")
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    # wire PlatformBankAccountProvider: HYPHEN_DATA | HYPHEN_FIRM | DOZN | MOCK
    provider = models.CharField(_("제공사"), max_length=20, default="MOCK")
    # Σ succeeded deposits − Σ succeeded withdrawals (fees included), kept by the ledger service
    # under this row's lock; assert_ledger_invariant checks it against the transfers.
    balance = models.BigIntegerField(_("잔액"), default=0)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history(excluded_fields=["account_number", "balance"])

    class Meta:
        verbose_name = _("지급 계좌")
        verbose_name_plural = pgettext_lazy("plural", "지급 계좌")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="payout_account_balance_gte_0")
        ]

    def __str__(self) -> str:
        mode = _("테스트") if self.is_for_test else _("운영")
        return f"{mode} {self.bank} {mask(self.account_number)}"

    @property
    def masked_account_number(self) -> str:
        return mask(self.account_number)


class BulkAccountTransfer(models.Model):
    """일괄 이체: the withdrawals one AGENCY bulk payout sends, created when it starts."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    account = models.ForeignKey(
        PayoutAccount, on_delete=models.PROTECT, related_name="bulk_transfers"
    )
    bulk_payout = models.OneToOneField(
        BulkPayout,
        on_delete=models.PROTECT,
        related_name="bulk_account_transfer",
        null=True,
        blank=True,
    )
    creator_id = models.CharField(_("생성자"), max_length=120, blank=True, default="")
    total_amount = models.BigIntegerField(_("총 금액"), default=0)
    status = models.CharField(
        _("상태"),
        max_length=12,
        choices=BulkAccountTransferStatus.choices,
        default=BulkAccountTransferStatus.PREPARED,
    )
    scheduled_at = models.DateTimeField(_("예약 시각"), null=True, blank=True)
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("일괄 이체")
        verbose_name_plural = pgettext_lazy("plural", "일괄 이체")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="bulk_account_transfer_unique_id"
            )
        ]
        indexes = [
            models.Index(fields=["is_for_test", "status"], name="bulk_acct_transfer_status_idx")
        ]

    def __str__(self) -> str:
        return self.public_id


class AccountTransfer(models.Model):
    """이체 내역: a DEPOSIT into the payout account or a WITHDRAWAL out of it. `amount` is always
    positive; the type says the direction. A PARTNER_PAYOUT withdrawal is one AGENCY payout's
    transfer (created when its bulk payout starts: that is the reservation); a bank fee is its
    own REMIT withdrawal with `is_fee` (docs/payouts.md#ledger)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    account = models.ForeignKey(PayoutAccount, on_delete=models.PROTECT, related_name="transfers")
    type = models.CharField(_("구분"), max_length=10, choices=AccountTransferType.choices)
    withdrawal_type = models.CharField(
        _("출금 유형"), max_length=16, choices=WithdrawalType.choices, blank=True, null=True
    )
    is_fee = models.BooleanField(_("이체 수수료"), default=False)
    status = models.CharField(
        _("상태"),
        max_length=16,
        choices=AccountTransferStatus.choices,
        default=AccountTransferStatus.PREPARED,
    )
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    amount = models.BigIntegerField(_("금액"))
    # the bank fee held back with a pending withdrawal; written as its own entry on success
    fee_amount = models.BigIntegerField(_("예상 수수료"), default=0)
    balance_after = models.BigIntegerField(_("거래 후 잔액"), null=True, blank=True)
    depositor_name = models.CharField(_("입금자명"), max_length=100, blank=True, default="")
    deposit_memo = models.CharField(_("받는 통장 메모"), max_length=100, blank=True, null=True)
    withdrawal_memo = models.CharField(_("보내는 통장 메모"), max_length=100, blank=True, null=True)
    # where the money of a withdrawal goes (the payout's account snapshot)
    deposit_bank = models.CharField(_("입금 은행"), max_length=30, blank=True, default="")
    deposit_account_number = EncryptedCharField(_("입금 계좌번호"), blank=True, null=True)
    deposit_account_holder = models.CharField(
        _("입금 예금주"), max_length=100, blank=True, default=""
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="account_transfers",
        null=True,
        blank=True,
    )
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, related_name="account_transfers", null=True, blank=True
    )
    bulk_payout = models.ForeignKey(
        BulkPayout,
        on_delete=models.PROTECT,
        related_name="account_transfers",
        null=True,
        blank=True,
    )
    bulk_account_transfer = models.ForeignKey(
        BulkAccountTransfer,
        on_delete=models.PROTECT,
        related_name="transfers",
        null=True,
        blank=True,
    )
    fail_reason = models.CharField(_("실패 사유"), max_length=200, blank=True, null=True)
    traded_at = models.DateTimeField(_("거래 일시"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("예약 시각"), null=True, blank=True)
    # how a deposit came in: "OPENING" (test ledger), "MANUAL", "CSV:<file name>", "API"
    source = models.CharField(_("등록 경로"), max_length=120, blank=True, default="")
    # the key every bank call about this transfer carries (the payout's)
    bank_idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(_("송금 요청 시각"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("송금 시도 횟수"), default=0)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    class Meta:
        verbose_name = _("이체 내역")
        verbose_name_plural = pgettext_lazy("plural", "이체 내역")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="account_transfer_unique_id"
            ),
            # one PARTNER_PAYOUT withdrawal per payout, ever
            models.UniqueConstraint(
                fields=["payout"],
                condition=Q(is_fee=False, payout__isnull=False),
                name="account_transfer_one_per_payout",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="account_transfer_amount_gte_0"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "type", "status"], name="acct_transfer_ledger_idx"),
            models.Index(fields=["is_for_test", "created_at"], name="acct_transfer_created_idx"),
            models.Index(fields=["is_for_test", "traded_at"], name="acct_transfer_traded_idx"),
            models.Index(fields=["is_for_test", "status"], name="acct_transfer_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.amount:,} ({self.public_id})"
