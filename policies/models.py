"""Contracts (계약), discount-share policies (할인 분담 정책), additional-fee policies
(추가 수수료 정책) and the platform setting (플랫폼 설정). docs/calculation.md#policies,
docs/versioning.md#versioned-entities.

Rates are integer milli-percent (1,000 = 1 %, 100,000 = 100 %); fixed amounts are integer KRW.
Every change to terms is versioned (core.versioning) and audited (core.audit).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.audit import audit_history
from core.versioning.models import VersionBase, Versioned
from policies.domain.rates import format_milli_percent


class Payer(models.TextChoices):
    PARTNER = "PARTNER", _("파트너 부담")
    MERCHANT = "MERCHANT", _("고객사 부담")


class FeeType(models.TextChoices):
    FIXED_RATE = "FIXED_RATE", _("정률")
    FIXED_AMOUNT = "FIXED_AMOUNT", _("정액")


class CycleMethod(models.TextChoices):
    DAILY = "DAILY", _("매일")
    WEEKLY = "WEEKLY", _("매주")
    MONTHLY = "MONTHLY", _("매월")
    MANUAL_DATES = "MANUAL_DATES", _("지정일")


class DatePolicy(models.TextChoices):
    HOLIDAY_BEFORE = "HOLIDAY_BEFORE", _("공휴일 전 영업일")
    HOLIDAY_AFTER = "HOLIDAY_AFTER", _("공휴일 후 영업일")
    CALENDAR_DAY = "CALENDAR_DAY", _("달력일")


DAYS_OF_WEEK = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")


class FeeMixin(models.Model):
    """The PlatformFee union: a rate (milli-percent) or a fixed KRW amount."""

    fee_type = models.CharField(_("수수료 방식"), max_length=12, choices=FeeType.choices)
    fee_rate = models.PositiveIntegerField(_("수수료율(밀리퍼센트)"), null=True, blank=True)
    fee_amount = models.BigIntegerField(_("정액 수수료(원)"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def fee_display(self) -> str:
        if self.fee_type == FeeType.FIXED_RATE:
            return format_milli_percent(self.fee_rate)
        return f"{self.fee_amount:,}원"


class Contract(FeeMixin, Versioned):
    """계약: the platform fee and settlement cycle applied to a partner's sales."""

    name = models.CharField(_("이름"), max_length=200)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    lag_days = models.PositiveSmallIntegerField(_("지체일(D+n)"))
    date_policy = models.CharField(_("기준일"), max_length=16, choices=DatePolicy.choices)
    cycle_method = models.CharField(_("정산 주기"), max_length=12, choices=CycleMethod.choices)
    days_of_week = models.JSONField(_("정산 요일"), default=list, blank=True)
    days_of_month = models.JSONField(_("정산일(매월)"), default=list, blank=True)
    manual_dates = models.JSONField(_("지정 정산일"), default=list, blank=True)
    platform_fee_vat_payer = models.CharField(
        _("수수료 부가세 부담"), max_length=8, choices=Payer.choices
    )
    subtract_payment_vat_amount = models.BooleanField(_("결제금액 부가세 감액"), default=False)

    TERMS = (
        "name",
        "memo",
        "fee_type",
        "fee_rate",
        "fee_amount",
        "lag_days",
        "date_policy",
        "cycle_method",
        "days_of_week",
        "days_of_month",
        "manual_dates",
        "platform_fee_vat_payer",
        "subtract_payment_vat_amount",
    )

    history = audit_history()

    class Meta:
        verbose_name = _("계약")
        verbose_name_plural = pgettext_lazy("plural", "계약")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_for_test", "public_id"], name="contract_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class ContractVersion(VersionBase):
    entity = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="versions")

    class Meta(VersionBase.Meta):
        verbose_name = _("계약 버전")
        verbose_name_plural = pgettext_lazy("plural", "계약 버전")


class DiscountSharePolicy(Versioned):
    """할인 분담 정책: the share of a discount the partner bears."""

    name = models.CharField(_("이름"), max_length=200)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    partner_share_rate = models.PositiveIntegerField(_("파트너 분담률(밀리퍼센트)"))

    TERMS = ("name", "memo", "partner_share_rate")

    history = audit_history()

    class Meta:
        verbose_name = _("할인 분담 정책")
        verbose_name_plural = pgettext_lazy("plural", "할인 분담 정책")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="discount_share_policy_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class DiscountSharePolicyVersion(VersionBase):
    entity = models.ForeignKey(
        DiscountSharePolicy, on_delete=models.CASCADE, related_name="versions"
    )

    class Meta(VersionBase.Meta):
        verbose_name = _("할인 분담 정책 버전")
        verbose_name_plural = pgettext_lazy("plural", "할인 분담 정책 버전")


class AdditionalFeePolicy(FeeMixin, Versioned):
    """추가 수수료 정책: fees on top of the platform fee (fulfilment, marketing, PG fees)."""

    name = models.CharField(_("이름"), max_length=200)
    memo = models.CharField(_("메모"), max_length=256, blank=True, null=True)
    vat_payer = models.CharField(_("부가세 부담"), max_length=8, choices=Payer.choices)

    TERMS = ("name", "memo", "fee_type", "fee_rate", "fee_amount", "vat_payer")

    history = audit_history()

    class Meta:
        verbose_name = _("추가 수수료 정책")
        verbose_name_plural = pgettext_lazy("plural", "추가 수수료 정책")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_for_test", "public_id"], name="additional_fee_policy_unique_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class AdditionalFeePolicyVersion(VersionBase):
    entity = models.ForeignKey(
        AdditionalFeePolicy, on_delete=models.CASCADE, related_name="versions"
    )

    class Meta(VersionBase.Meta):
        verbose_name = _("추가 수수료 정책 버전")
        verbose_name_plural = pgettext_lazy("plural", "추가 수수료 정책 버전")


class SettlementAmountType(models.TextChoices):
    NET = "NET", _("공급가액 기준(NET)")
    GROSS = "GROSS", _("부가세 포함(GROSS)")


class PlatformSetting(models.Model):
    """플랫폼 설정: one row for live and one for test mode. Defaults per
    docs/api.md#platform-setting."""

    is_for_test = models.BooleanField(_("테스트"), unique=True)
    supports_multiple_order_transfers_per_partner = models.BooleanField(
        _("파트너별 중복 주문 정산 허용"), default=False
    )
    adjust_settlement_date_after_holiday_if_earlier = models.BooleanField(
        _("정산일이 시작일 이전이면 공휴일 후 영업일로 재계산"), default=False
    )
    deduct_wht = models.BooleanField(_("지급 시 원천징수세 차감"), default=False)
    settlement_amount_type = models.CharField(
        _("정산 금액 기준"),
        max_length=5,
        choices=SettlementAmountType.choices,
        default=SettlementAmountType.GROSS,
    )
    default_withdrawal_memo = models.CharField(
        _("기본 보내는 통장 메모"), max_length=100, blank=True, null=True
    )
    default_deposit_memo = models.CharField(
        _("기본 받는 통장 메모"), max_length=100, blank=True, null=True
    )
    updated_at = models.DateTimeField(_("수정 시각"), auto_now=True)

    history = audit_history()

    class Meta:
        verbose_name = _("플랫폼 설정")
        verbose_name_plural = pgettext_lazy("plural", "플랫폼 설정")

    def __str__(self) -> str:
        return str(_("테스트 모드 설정") if self.is_for_test else _("운영 설정"))

    @classmethod
    def for_mode(cls, *, is_for_test: bool) -> "PlatformSetting":
        obj, _created = cls.objects.get_or_create(is_for_test=is_for_test)
        return obj
