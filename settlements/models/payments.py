"""The payments behind ORDER transfers and their cancellations."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
        verbose_name_plural = pgettext_lazy("plural", "결제")
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
        verbose_name_plural = pgettext_lazy("plural", "결제 취소")
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "cancellation_id"], name="payment_cancellation_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.cancellation_id
