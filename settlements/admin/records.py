"""Back office for the settlement records: transfers (정산건, settlements/admin/transfers.py),
partner settlements (정산 내역, settlements/admin/partner_settlements.py), payments, closed days
and settlement parameters, registered here.

Transfers are created through the API, the files and the admin's one-manual-transfer form (the
same service as the API); partner settlement status changes and "정산 내역 생성(지금)" go through
settlements.services.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter, RangeDateTimeFilter

from core.admin.base import ModelAdmin
from core.admin.display import INFO, NEUTRAL, PRIMARY, SUCCESS, badge, money, truncated
from settlements.admin.common import ListTotalsMixin
from settlements.admin.partner_settlements import PartnerSettlementAdmin
from settlements.admin.transfers import TransferAdmin, TransferStatusFilter
from settlements.models import ClosedDay, PartnerSettlement, Payment, SettlementParameter, Transfer

__all__ = [
    "ClosedDayAdmin",
    "PartnerSettlementAdmin",
    "PaymentAdmin",
    "SettlementParameterAdmin",
    "TransferAdmin",
    "TransferStatusFilter",
]

admin.site.register(Transfer, TransferAdmin)
admin.site.register(PartnerSettlement, PartnerSettlementAdmin)

WEEKDAYS = "월화수목금토일"


@admin.register(Payment)
class PaymentAdmin(ListTotalsMixin, ModelAdmin):
    list_display = (
        "public_id_cell",
        "kind_badge",
        "order_name_cell",
        "paid_at",
        "total_amount_money",
        "tax_free_amount_money",
        "source_badge",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("paid_at", RangeDateTimeFilter),
        ("kind", ChoicesDropdownFilter),
        ("source", ChoicesDropdownFilter),
        "currency",
        "is_for_test",
    )
    search_fields = ("public_id", "order_name")
    list_totals = (("total_amount", "결제 총액"), ("tax_free_amount", "면세액"))
    totals_currency_field = "currency"
    fieldsets = (
        (
            _("결제"),
            {
                "fields": (
                    ("public_id", "kind", "source"),
                    ("order_name", "currency", "mode"),
                    ("total_amount_money", "tax_free_amount_money", "paid_at"),
                    ("store_id", "channel_key", "method_text"),
                    ("created_at", "updated_at"),
                )
            },
        ),
    )

    total_amount_money = money("total_amount", _("결제 총액"), currency_field="currency")
    tax_free_amount_money = money("tax_free_amount", _("면세액"), currency_field="currency")
    kind_badge = badge("kind", _("구분"), {"PORT_ONE": PRIMARY, "EXTERNAL": INFO})
    source_badge = badge(
        "source", _("출처"), {"API": INFO, "CSV": NEUTRAL, "WEBHOOK": SUCCESS, "RESOLVER": PRIMARY}
    )

    def get_readonly_fields(self, request, obj=None):
        return [n for row in self.fieldsets[0][1]["fields"] for n in row]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("결제 아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html("{}{}", truncated(obj.public_id, "14rem"), test)

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("주문명"), ordering="order_name")
    def order_name_cell(self, obj):
        return truncated(obj.order_name or "-", "16rem")

    order_name_cell.export = lambda obj: obj.order_name

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("결제수단"))
    def method_text(self, obj):
        return (obj.method or {}).get("type", "-") if isinstance(obj.method, dict) else "-"


@admin.register(ClosedDay)
class ClosedDayAdmin(ModelAdmin):
    list_display = ("date", "weekday", "name")
    list_filter = (("date", RangeDateFilter),)
    search_fields = ("name",)

    @admin.display(description=_("요일"))
    def weekday(self, obj):
        return WEEKDAYS[obj.date.weekday()]


@admin.register(SettlementParameter)
class SettlementParameterAdmin(ModelAdmin):
    list_display = ("key", "label")
    search_fields = ("key", "label")
