"""The 17 amount fields of PlatformOrderSettlementAmount, one BigIntegerField column each, shared
by transfers and partner settlements (which are plain column sums of their transfers)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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
