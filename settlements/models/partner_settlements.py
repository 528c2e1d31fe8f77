"""Partner settlements (정산 내역) and the open buckets transfers wait in until their day."""

from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audit_history
from settlements.models.amounts import AmountColumns
from settlements.models.statuses import OPEN_BUCKET_STATUS, PartnerSettlementStatus, TransferType


class PartnerSettlementManager(models.Manager):
    """Partner settlements as the API, the admin and payouts see them: no open buckets."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().exclude(status=OPEN_BUCKET_STATUS)


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
        verbose_name_plural = pgettext_lazy("plural", "정산 내역")
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
        # Breadcrumbs and history pages: the settlement date and kind a person reads, and the id
        # that tells two settlements of one partner apart (no query: no partner name here).
        return f"{self.settlement_date} {self.get_settlement_type_display()} {self.public_id}"
