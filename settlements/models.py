"""Transfers (정산건), the payments behind them, and partner settlements (정산 내역).
domain.md §7, §8.1.

Every amount is integer minor units (KRW: won) in its own BigIntegerField, so partner settlements
are aggregated by SQL (SUM ... GROUP BY) rather than in Python. The wire-format snapshots of the
contract and policies a transfer used are frozen in `snapshot`, so later policy changes never alter
an existing transfer.
"""

from collections.abc import Iterable
from datetime import date

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import audit_history

# Wire name (PlatformOrderSettlementAmount) -> column suffix; one column per field on
# Transfer and PartnerSettlement, prefixed with "amount_".
AMOUNT_FIELDS: dict[str, str] = {
    "order": "order",
    "orderTaxFree": "order_tax_free",
    "discount": "discount",
    "discountTaxFree": "discount_tax_free",
    "discountShare": "discount_share",
    "discountShareTaxFree": "discount_share_tax_free",
    "payment": "payment",
    "paymentSupply": "payment_supply",
    "paymentVat": "payment_vat",
    "paymentVatBurden": "payment_vat_burden",
    "paymentTaxFree": "payment_tax_free",
    "platformFee": "platform_fee",
    "platformFeeVat": "platform_fee_vat",
    "additionalFee": "additional_fee",
    "additionalFeeVat": "additional_fee_vat",
    "settlement": "settlement",
    "settlementTaxFree": "settlement_tax_free",
}
AMOUNT_COLUMNS = tuple(f"amount_{suffix}" for suffix in AMOUNT_FIELDS.values())


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


# domain.md §8.1, §12.19: what a payout may take, what may be deleted, manual transitions.
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


class PartnerSettlementManager(models.Manager):
    """Partner settlements as the API, the admin and payouts see them: no open buckets."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(status=OPEN_BUCKET_STATUS)


# domain.md §7.3, §8.2: from SETTLED on, a transfer follows its partner settlement through the
# payout. That status is read from the settlement, not written to every transfer row: paying a day
# of 10^6 transfers updates its few thousand settlements only. A payout that fails or is
# cancelled leaves the settlement PAYOUT_FAILED / CANCELLED, and its transfers SETTLED again.
SETTLEMENT_TRANSFER_STATUS: dict[str, str] = {
    PartnerSettlementStatus.CONFIRMED: TransferStatus.PAYOUT_CONFIRMED,
    PartnerSettlementStatus.PAYOUT_SCHEDULED: TransferStatus.IN_PAYOUT,
    PartnerSettlementStatus.IN_PAYOUT: TransferStatus.IN_PAYOUT,
    PartnerSettlementStatus.PAID_OUT: TransferStatus.PAID_OUT,
}


def settled_q(today: date | None = None) -> Q:
    """Transfers that have reached SETTLED (domain.md §7.3): stored so (created on or after their
    settlement date), or IN_PROCESS whose settlement date has come. The second is not written
    back: moving 10^6 rows a day from IN_PROCESS to SETTLED was a 30 s UPDATE of the widest
    table, for a fact the date already states. "Today" is the KST date."""
    today = today or timezone.localdate()
    return Q(status=TransferStatus.SETTLED) | Q(
        status=TransferStatus.IN_PROCESS, settlement_date__lte=today
    )


def transfer_status_q(statuses: Iterable[str], today: date | None = None) -> Q:
    """Transfers whose status, as the API shows it (`Transfer.current_status`), is one of these:
    SETTLED by date (`settled_q`), and from there the payout stage of the partner settlement.
    Rows stored with a payout status (before it was derived) count too."""
    today = today or timezone.localdate()
    taken = tuple(SETTLEMENT_TRANSFER_STATUS)
    q = Q(pk__in=[])
    for status in sorted(set(statuses)):
        if status == TransferStatus.SETTLED:
            q |= settled_q(today) & ~Q(partner_settlement__status__in=taken)
        elif status == TransferStatus.IN_PROCESS:
            q |= Q(status=status, settlement_date__gt=today)
        elif status in SETTLEMENT_TRANSFER_STATUS.values():
            sources = [s for s, t in SETTLEMENT_TRANSFER_STATUS.items() if t == status]
            q |= Q(status=status) | (settled_q(today) & Q(partner_settlement__status__in=sources))
        else:
            q |= Q(status=status)
    return q


class AmountColumns(models.Model):
    """The 17 PlatformOrderSettlementAmount fields as columns (integer minor units)."""

    amount_order = models.BigIntegerField(_("주문금액"), default=0)
    amount_order_tax_free = models.BigIntegerField(_("주문 면세금액"), default=0)
    amount_discount = models.BigIntegerField(_("할인금액"), default=0)
    amount_discount_tax_free = models.BigIntegerField(_("할인 면세금액"), default=0)
    amount_discount_share = models.BigIntegerField(_("할인 분담금액"), default=0)
    amount_discount_share_tax_free = models.BigIntegerField(_("할인 분담 면세금액"), default=0)
    amount_payment = models.BigIntegerField(_("결제금액"), default=0)
    amount_payment_supply = models.BigIntegerField(_("결제 공급가액"), default=0)
    amount_payment_vat = models.BigIntegerField(_("결제 부가세"), default=0)
    amount_payment_vat_burden = models.BigIntegerField(_("결제 부가세 부담금액"), default=0)
    amount_payment_tax_free = models.BigIntegerField(_("결제 면세금액"), default=0)
    amount_platform_fee = models.BigIntegerField(_("중개수수료"), default=0)
    amount_platform_fee_vat = models.BigIntegerField(_("중개수수료 부가세"), default=0)
    amount_additional_fee = models.BigIntegerField(_("추가 수수료"), default=0)
    amount_additional_fee_vat = models.BigIntegerField(_("추가 수수료 부가세"), default=0)
    amount_settlement = models.BigIntegerField(_("정산금액"), default=0)
    amount_settlement_tax_free = models.BigIntegerField(_("정산 면세금액"), default=0)

    class Meta:
        abstract = True

    def amount_json(self) -> dict[str, int]:
        return {wire: getattr(self, f"amount_{col}") for wire, col in AMOUNT_FIELDS.items()}

    def set_amounts(self, amounts: dict[str, int]) -> None:
        for wire, col in AMOUNT_FIELDS.items():
            setattr(self, f"amount_{col}", int(amounts.get(wire, 0)))


class Payment(models.Model):
    """The payment behind ORDER transfers: PortOne's (resolved or received by webhook) or any
    other PG's (EXTERNAL, created from `externalPaymentDetail` or a CSV)."""

    class Kind(models.TextChoices):
        PORT_ONE = "PORT_ONE", _("포트원 결제")
        EXTERNAL = "EXTERNAL", _("외부 결제")

    class Source(models.TextChoices):
        API = "API", _("API")
        CSV = "CSV", _("파일")
        WEBHOOK = "WEBHOOK", _("웹훅")
        RESOLVER = "RESOLVER", _("포트원 조회")

    public_id = models.CharField(_("결제 아이디"), max_length=200)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    kind = models.CharField(_("구분"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("출처"), max_length=10, choices=Source.choices, default=Source.API)
    store_id = models.CharField(_("상점 아이디"), max_length=100, blank=True)
    channel_key = models.CharField(_("채널 키"), max_length=100, blank=True)
    order_name = models.CharField(_("주문명"), max_length=300, blank=True)
    currency = models.CharField(_("통화"), max_length=3, default="KRW")
    paid_at = models.DateTimeField(_("결제 시각"), null=True, blank=True)
    method = models.JSONField(_("결제수단"), null=True, blank=True)
    total_amount = models.BigIntegerField(_("결제 총액"), null=True, blank=True)
    tax_free_amount = models.BigIntegerField(_("면세액"), null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("결제")
        verbose_name_plural = _("결제")
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "kind", "public_id"], name="payment_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return self.public_id


class PaymentCancellation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="cancellations")
    cancellation_id = models.CharField(_("취소 아이디"), max_length=200)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    total_amount = models.BigIntegerField(_("취소 총액"), null=True, blank=True)
    tax_free_amount = models.BigIntegerField(_("취소 면세액"), null=True, blank=True)

    class Meta:
        verbose_name = _("결제 취소")
        verbose_name_plural = _("결제 취소")
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "cancellation_id"], name="payment_cancellation_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.cancellation_id


class PartnerSettlement(AmountColumns):
    """정산 내역: SETTLED transfers of one partner, date, type, contract and currency.

    A row in OPEN_BUCKET_STATUS is the open bucket of such a key instead: its transfers wait in
    it until their settlement date, when the gather makes it a PAYOUT_PREPARED settlement
    (settlements.aggregation). `objects` leaves buckets out; `all_objects` has them."""

    public_id = models.CharField(_("아이디"), max_length=40)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("파트너"),
        on_delete=models.PROTECT,
        related_name="settlements",
    )
    settlement_date = models.DateField(_("정산일"), db_index=True)
    settlement_type = models.CharField(_("정산 유형"), max_length=12, choices=TransferType.choices)
    contract = models.ForeignKey(
        "policies.Contract",
        verbose_name=_("계약"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="settlements",
    )
    settlement_currency = models.CharField(_("통화"), max_length=3, default="KRW")
    status = models.CharField(
        _("상태"),
        max_length=16,
        choices=PartnerSettlementStatus.choices,
        default=PartnerSettlementStatus.PAYOUT_PREPARED,
        db_index=True,
    )
    status_updated_at = models.DateTimeField(_("상태 변경 시각"), null=True, blank=True)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    settlement_start_date_from = models.DateField(_("정산 시작일(부터)"), null=True, blank=True)
    settlement_start_date_until = models.DateField(_("정산 시작일(까지)"), null=True, blank=True)
    transfer_count = models.PositiveIntegerField(_("정산건 수"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    all_objects = models.Manager()
    objects = PartnerSettlementManager()
    history = audit_history()

    class Meta:
        verbose_name = _("정산 내역")
        verbose_name_plural = _("정산 내역")
        default_manager_name = "objects"  # without open buckets: the admin, related managers
        ordering = ["-settlement_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="partner_settlement_unique_id"
            ),
            # One open bucket per aggregation key (contract 0 = none, as in aggregation.Key), so
            # concurrent creators of the key's first transfer meet on this index.
            models.UniqueConstraint(
                "is_for_test",
                "partner",
                "settlement_date",
                "settlement_type",
                "settlement_currency",
                Coalesce("contract", Value(0)),
                condition=Q(status=OPEN_BUCKET_STATUS),
                name="partner_settlement_open_bucket",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_for_test", "partner", "settlement_date", "settlement_type", "status"],
                name="psettlement_key_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} {self.settlement_date} {self.settlement_type}"


class Transfer(AmountColumns):
    """정산건: one ORDER, ORDER_CANCEL or MANUAL transfer to a partner."""

    public_id = models.CharField(_("아이디"), max_length=100)
    is_for_test = models.BooleanField(_("테스트"), default=False)
    type = models.CharField(_("유형"), max_length=12, choices=TransferType.choices)
    status = models.CharField(_("상태"), max_length=16, choices=TransferStatus.choices)
    partner = models.ForeignKey(
        "partners.Partner",
        verbose_name=_("파트너"),
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    contract = models.ForeignKey(
        "policies.Contract",
        verbose_name=_("계약"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    settlement_start_date = models.DateField(_("정산 시작일"), null=True, blank=True)
    settlement_date = models.DateField(_("정산일"))
    settlement_date_explicit = models.BooleanField(default=False)
    settlement_currency = models.CharField(_("통화"), max_length=3, default="KRW")
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    user_defined_properties = models.JSONField(_("사용자 정의 속성"), default=list, blank=True)
    parameters = models.JSONField(_("정산 파라미터"), default=dict, blank=True)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("결제"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
    )
    payment_public_id = models.CharField(_("결제 아이디"), max_length=200, blank=True)
    original = models.ForeignKey(
        "self",
        verbose_name=_("원 주문 정산건"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cancel_transfers",
        db_index=False,  # the partial index in Meta: only cancels have an original
    )
    cancellation_id = models.CharField(_("취소 아이디"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("취소 시각"), null=True, blank=True)
    #: wire-format snapshot: contract, payment, orderLines, discounts, additionalFees
    snapshot = models.JSONField(default=dict, blank=True)
    #: what the calculation needs to recompute or cancel: order input and policy terms
    calc_input = models.JSONField(default=dict, blank=True)
    partner_settlement = models.ForeignKey(
        PartnerSettlement,
        verbose_name=_("정산 내역"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transfers",
    )
    created_at = models.DateTimeField(_("생성 시각"), auto_now_add=True)
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("정산건")
        verbose_name_plural = _("정산건")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_for_test", "public_id"], name="transfer_unique_id"),
        ]
        indexes = [
            models.Index(fields=["status", "settlement_date"], name="transfer_status_date_idx"),
            models.Index(
                fields=["is_for_test", "partner", "payment_public_id"], name="transfer_payment_idx"
            ),
            # A plain b-tree for `paymentId` filters. (db_index=True would add a second,
            # varchar_pattern_ops copy for LIKE 'x%' that no query uses: one index less to
            # maintain on every bulk insert.)
            models.Index(fields=["payment_public_id"], name="transfer_payment_public_id_idx"),
            # Only ORDER_CANCEL transfers have an original: ORDER rows (most of a bulk insert)
            # add no entry. `original_id = x` lookups imply NOT NULL, so they use it.
            models.Index(
                fields=["original"],
                condition=Q(original__isnull=False),
                name="transfer_original_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.public_id}"

    @property
    def current_status(self) -> str:
        """The status the API shows: SETTLED once the settlement date has come (`settled_q`),
        and from there the payout stage of its partner settlement (SETTLEMENT_TRANSFER_STATUS);
        else the stored one. Select `partner_settlement` along with lists of transfers."""
        status = self.status
        if status == TransferStatus.IN_PROCESS and self.settlement_date <= timezone.localdate():
            status = TransferStatus.SETTLED
        if status == TransferStatus.SETTLED and self.partner_settlement_id is not None:
            return SETTLEMENT_TRANSFER_STATUS.get(self.partner_settlement.status, status)
        return status

    def get_current_status_display(self) -> str:
        return str(TransferStatus(self.current_status).label)


class ClosedDay(models.Model):
    """A platform-defined non-business day on top of public holidays (e.g. company closure)."""

    date = models.DateField(_("날짜"), unique=True)
    name = models.CharField(_("사유"), max_length=100)

    class Meta:
        verbose_name = _("추가 휴무일")
        verbose_name_plural = _("추가 휴무일")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SettlementParameter(models.Model):
    """A settlement parameter key transfers may carry (`parameters {key: {decimal}}`)."""

    key = models.CharField(_("키"), max_length=50, unique=True)
    label = models.CharField(_("표시 이름"), max_length=100)

    class Meta:
        verbose_name = _("정산 파라미터")
        verbose_name_plural = _("정산 파라미터")

    def __str__(self) -> str:
        return self.key
