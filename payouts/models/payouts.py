"""Bulk payouts (일괄 지급), payouts (지급) and the link that gives a partner settlement to at most
one live payout (docs/payouts.md#payout-lifecycle)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from ulid import ULID

from core.audit import audit_history
from core.crypto import EncryptedCharField, mask
from payouts.models.statuses import (
    BulkPayoutStatus,
    PayoutMethod,
    PayoutStatus,
    SettlementStatementStatus,
    TaxInvoiceStatus,
)
from settlements.models import PartnerSettlementStatus


def new_public_id() -> str:
    return str(ULID())


class BulkPayout(models.Model):
    """일괄 지급: the payouts of one selection, started (now or scheduled), stopped or cancelled
    together. Totals are fixed at creation (a payout's amounts never change)."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    name = models.CharField(_("이름"), max_length=200)
    method = models.CharField(
        _("지급 방식"), max_length=8, choices=PayoutMethod.choices, default=PayoutMethod.AGENCY
    )
    status = models.CharField(
        _("상태"),
        max_length=24,
        choices=BulkPayoutStatus.choices,
        default=BulkPayoutStatus.PREPARED,
    )
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    memo = models.CharField(_("내부 메모"), max_length=256, blank=True, null=True)
    withdrawal_memo = models.CharField(_("보내는 통장 메모"), max_length=100, blank=True, null=True)
    deposit_memo = models.CharField(_("받는 통장 메모"), max_length=100, blank=True, null=True)
    # Who: "user:<pk>" for a staff user, "secret:<name>" for an API secret (wire `creatorId`).
    creator_id = models.CharField(_("생성자"), max_length=120, blank=True, default="")
    creator_name = models.CharField(_("생성자 이름"), max_length=150, blank=True, default="")
    approver_id = models.CharField(_("승인자"), max_length=120, blank=True, default="")
    approver_name = models.CharField(_("승인자 이름"), max_length=150, blank=True, default="")
    approved_at = models.DateTimeField(_("승인 시각"), null=True, blank=True)
    scheduled_at = models.DateTimeField(_("예약 시각"), null=True, blank=True)
    started_at = models.DateTimeField(_("시작 시각"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("중단 시각"), null=True, blank=True)
    completed_at = models.DateTimeField(_("완료 시각"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    payout_count = models.PositiveIntegerField(_("지급 건수"), default=0)
    partner_settlement_count = models.PositiveIntegerField(_("정산 내역 수"), default=0)
    total_payout_amount = models.BigIntegerField(_("총 지급 금액"), default=0)
    total_settlement_amount = models.BigIntegerField(_("총 정산 금액"), default=0)
    # PREPARING: what to build in the background ({"partnerSettlementIds": [...]}), cleared once
    # built; why the build gave up (the bulk payout is then CANCELLED)
    preparing_selection = models.JSONField(null=True, blank=True, editable=False)
    prepare_error = models.CharField(_("준비 실패 사유"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history(excluded_fields=["preparing_selection"])

    class Meta:
        verbose_name = _("일괄 지급")
        verbose_name_plural = pgettext_lazy("plural", "일괄 지급")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="bulk_payout_unique_id"
            )
        ]
        indexes = [
            models.Index(fields=["is_for_test", "status"], name="bulk_payout_status_idx"),
            models.Index(fields=["is_for_test", "created_at"], name="bulk_payout_created_idx"),
        ]
        permissions = [
            ("approve_bulkpayout", _("일괄 지급 승인")),
            ("start_bulkpayout", _("일괄 지급 시작·예약·중단·취소")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def is_scheduled(self) -> bool:
        return self.status == BulkPayoutStatus.PREPARED and self.scheduled_at is not None


class Payout(models.Model):
    """지급: one partner, one currency, the net of its selected settlements, with the amounts of
    `calculate_payout` and the account as it was at creation."""

    public_id = models.CharField(_("아이디"), max_length=100, default=new_public_id)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    bulk_payout = models.ForeignKey(
        BulkPayout, verbose_name=_("일괄 지급"), on_delete=models.PROTECT, related_name="payouts"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("파트너"),
        on_delete=models.PROTECT,
        related_name="payouts",
    )
    method = models.CharField(
        _("지급 방식"), max_length=8, choices=PayoutMethod.choices, default=PayoutMethod.AGENCY
    )
    status = models.CharField(
        _("상태"), max_length=12, choices=PayoutStatus.choices, default=PayoutStatus.PREPARED
    )
    status_updated_at = models.DateTimeField(_("상태 변경 시각"))
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    # calculate_payout (payouts/domain/amounts.py), at creation
    amount = models.BigIntegerField(_("지급금액"), default=0)
    supply_amount = models.BigIntegerField(_("공급가액"), default=0)
    tax_free_amount = models.BigIntegerField(_("면세금액"), default=0)
    vat_amount = models.BigIntegerField(_("부가세"), default=0)
    settlement_amount = models.BigIntegerField(_("정산금액"), default=0)
    settlement_tax_free_amount = models.BigIntegerField(_("정산 면세금액"), default=0)
    income_tax_amount = models.BigIntegerField(_("소득세"), default=0)
    local_income_tax_amount = models.BigIntegerField(_("지방소득세"), default=0)
    deduct_wht = models.BooleanField(_("원천징수세 차감"), default=False)
    settlement_amount_type = models.CharField(_("정산 금액 기준"), max_length=5, default="GROSS")
    # partner snapshot (filters partnerTypes / partnerTaxationTypes, statements)
    partner_name = models.CharField(_("파트너 이름"), max_length=200, blank=True, default="")
    partner_type = models.CharField(_("파트너 유형"), max_length=15, blank=True, default="")
    partner_taxation_type = models.CharField(_("과세 유형"), max_length=30, blank=True, null=True)
    # account snapshot (wire `account {bank, number, holder}`)
    account_bank = models.CharField(_("은행"), max_length=30)
    account_number = EncryptedCharField(_("계좌번호"))
    account_number_last4 = models.CharField(max_length=4, editable=False, default="")
    account_holder = models.CharField(_("예금주"), max_length=100)
    account_status = models.CharField(_("계좌 인증"), max_length=15, blank=True, default="")
    account_verified = models.BooleanField(_("예금주 확인됨"), default=False)
    memo = models.CharField(_("내부 메모"), max_length=256, blank=True, null=True)
    withdrawal_memo = models.CharField(_("보내는 통장 메모"), max_length=100, blank=True, null=True)
    deposit_memo = models.CharField(_("받는 통장 메모"), max_length=100, blank=True, null=True)
    scheduled_at = models.DateTimeField(_("예약 시각"), null=True, blank=True)
    fail_reason = models.CharField(_("실패 사유"), max_length=200, blank=True, null=True)
    # Exactly once: the key every bank call about this payout carries (unique; derived from it)
    bank_idempotency_key = models.CharField(max_length=120, unique=True, null=True, blank=True)
    sent_at = models.DateTimeField(_("송금 요청 시각"), null=True, blank=True)
    attempt_count = models.PositiveSmallIntegerField(_("송금 시도 횟수"), default=0)
    partner_settlement_count = models.PositiveIntegerField(_("정산 내역 수"), default=0)
    settlement_statement_status = models.CharField(
        _("정산 내역서"),
        max_length=16,
        choices=SettlementStatementStatus.choices,
        default=SettlementStatementStatus.UNSENT,
    )
    settlement_statement_id = models.CharField(max_length=100, blank=True, null=True)
    settlement_statement_issued_at = models.DateTimeField(null=True, blank=True)
    tax_invoice_status = models.CharField(
        _("세금계산서 상태"), max_length=30, default=TaxInvoiceStatus.NONE
    )
    tax_invoice_id = models.CharField(max_length=100, blank=True, null=True)
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history(excluded_fields=["account_number"])

    class Meta:
        verbose_name = _("지급")
        verbose_name_plural = pgettext_lazy("plural", "지급")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_for_test", "public_id"], name="payout_unique_id"),
            # one payout per partner x currency in a bulk payout
            models.UniqueConstraint(
                fields=["bulk_payout", "partner", "currency"], name="payout_one_per_partner"
            ),
        ]
        indexes = [
            models.Index(fields=["is_for_test", "status"], name="payout_status_idx"),
            models.Index(fields=["is_for_test", "created_at"], name="payout_created_idx"),
            models.Index(fields=["is_for_test", "status_updated_at"], name="payout_updated_idx"),
            models.Index(fields=["is_for_test", "scheduled_at"], name="payout_scheduled_idx"),
            models.Index(fields=["bulk_payout", "status"], name="payout_bulk_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.partner_name} {self.amount:,} {self.currency} ({self.public_id})"

    def save(self, *args, **kwargs):
        self.account_number_last4 = "".join(c for c in self.account_number or "" if c.isdigit())[
            -4:
        ]
        super().save(*args, **kwargs)

    @property
    def masked_account_number(self) -> str:
        return mask(self.account_number)


class PayoutSettlement(models.Model):
    """A partner settlement in a payout. `active` while the payout holds it (PREPARED ..
    SUCCEEDED); a FAILED, STOPPED or CANCELLED payout lets go. The partial unique constraint is
    what keeps a settlement in at most one live payout, whatever the code above it does."""

    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, related_name="links")
    partner_settlement = models.ForeignKey(
        "settlements.PartnerSettlement", on_delete=models.PROTECT, related_name="payout_links"
    )
    # what the settlement was when selected: where a cancel or stop returns it
    previous_status = models.CharField(
        max_length=16,
        choices=PartnerSettlementStatus.choices,
        default=PartnerSettlementStatus.PAYOUT_PREPARED,
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("지급 정산 내역")
        verbose_name_plural = pgettext_lazy("plural", "지급 정산 내역")
        constraints = [
            models.UniqueConstraint(
                fields=["partner_settlement"],
                condition=Q(active=True),
                name="payout_settlement_one_live",
            ),
            models.UniqueConstraint(
                fields=["payout", "partner_settlement"], name="payout_settlement_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payout_id}:{self.partner_settlement_id}"
