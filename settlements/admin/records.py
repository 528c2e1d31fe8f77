"""Back office for transfers (정산건), partner settlements (정산 내역), payments, closed days and
settlement parameters.

Transfers are read-only here: they are created through the API and files, where every rule is
checked, and deleted through the API (which re-aggregates their settlement). Partner settlement
status changes and "정산 내역 생성(지금)" go through settlements.services.
"""

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin.base import HistoryAdmin, ModelAdmin
from core.errors import DomainError
from partners.models import PartnerTag
from settlements.models import (
    OPEN_BUCKET_STATUS,
    ClosedDay,
    PartnerSettlement,
    PartnerSettlementStatus,
    Payment,
    SettlementParameter,
    Transfer,
    TransferStatus,
)
from settlements.services.daily import settle_due
from settlements.services.partner_settlements import partner_settlement_set_status

GATHER_ACTION = "gather_now"


def _won(value: int) -> str:
    return f"{value:,}"


class SettleNowMixin:
    """ "정산 내역 생성(지금)" runs the hourly job at once. It needs no selection: Django refuses
    an action without selected rows, so the POST is marked "select across" for this action."""

    @admin.action(description=_("정산 내역 생성(지금)"))
    def gather_now(self, request, queryset):
        result = settle_due()
        self.message_user(
            request,
            f"정산 중 전환 {result['in_process']}건, "
            f"정산 내역에 모은 정산건 {result['gathered']}건",
            messages.SUCCESS,
        )

    def changelist_view(self, request, extra_context=None):
        if (
            request.method == "POST"
            and request.POST.get("action") == GATHER_ACTION
            and not request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            post = request.POST.copy()
            post.setlist(ACTION_CHECKBOX_NAME, ["0"])
            post["select_across"] = "1"
            request.POST = post
        return super().changelist_view(request, extra_context)


class TransferStatusFilter(admin.SimpleListFilter):
    """By the status the API shows (payout stages come from the partner settlement)."""

    title = _("상태")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return TransferStatus.choices

    def queryset(self, request, queryset):
        if self.value() in TransferStatus.values:
            return queryset.in_status(self.value())
        return queryset


@admin.register(Transfer)
class TransferAdmin(SettleNowMixin, HistoryAdmin):
    list_display = (
        "public_id",
        "type",
        "status",
        "partner",
        "contract",
        "settlement_start_date",
        "settlement_date",
        "settlement_currency",
        "settlement_amount",
        "platform_fee",
        "platform_fee_vat",
        "payment_public_id",
        "is_for_test",
    )
    list_filter = ("type", TransferStatusFilter, "contract", "is_for_test")
    date_hierarchy = "settlement_date"
    search_fields = ("public_id", "payment_public_id", "partner__public_id", "partner__name")
    list_select_related = ("partner", "contract", "partner_settlement")
    list_per_page = 50
    actions = [GATHER_ACTION]
    raw_id_fields = ("partner", "contract", "payment", "original")

    def get_readonly_fields(self, request, obj=None):
        shown = {"partner_settlement": "settlement", "stored_status": "status"}
        return [shown.get(f.name, f.name) for f in Transfer._meta.fields]

    @admin.display(description=_("정산 내역"))
    def settlement(self, obj):
        """The partner settlement, once gathered; before that the transfer waits in an open
        bucket, which is no settlement yet (settlements.services.buckets)."""
        settlement = obj.partner_settlement
        if settlement is None or settlement.status == OPEN_BUCKET_STATUS:
            return _("정산일 집계 전")
        url = reverse("admin:settlements_partnersettlement_change", args=[settlement.pk])
        return format_html('<a href="{}">{}</a>', url, settlement.public_id)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # through the API, which re-aggregates the partner settlement

    @admin.display(description=_("상태"))  # derived: no ordering by the stored column
    def status(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("정산금액"), ordering="amount_settlement")
    def settlement_amount(self, obj):
        return _won(obj.amount_settlement)

    @admin.display(description=_("중개수수료"), ordering="amount_platform_fee")
    def platform_fee(self, obj):
        return _won(obj.amount_platform_fee)

    @admin.display(description=_("중개수수료 부가세"), ordering="amount_platform_fee_vat")
    def platform_fee_vat(self, obj):
        return _won(obj.amount_platform_fee_vat)


class PartnerTagFilter(admin.SimpleListFilter):
    title = _("파트너 태그")
    parameter_name = "partner_tag"

    def lookups(self, request, model_admin):
        tags = PartnerTag.objects.values_list("tag", flat=True).distinct().order_by("tag")[:100]
        return [(t, t) for t in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(
                partner_id__in=PartnerTag.objects.filter(tag=self.value()).values("partner_id")
            )
        return queryset


@admin.register(PartnerSettlement)
class PartnerSettlementAdmin(SettleNowMixin, HistoryAdmin):
    list_display = (
        "public_id",
        "partner",
        "settlement_type",
        "settlement_date",
        "contract",
        "settlement_currency",
        "status",
        "transfer_count",
        "order_amount",
        "payment_amount",
        "platform_fee",
        "discount_share",
        "additional_fee",
        "settlement_amount",
        "settlement_tax_free_amount",
        "is_for_test",
    )
    list_filter = (
        "status",
        "settlement_type",
        "settlement_date",
        "contract",
        "settlement_currency",
        PartnerTagFilter,
        "is_for_test",
    )
    date_hierarchy = "settlement_date"
    search_fields = ("public_id", "partner__public_id", "partner__name")
    list_select_related = ("partner", "contract")
    list_per_page = 50
    actions = ["withhold_selected", "release_selected", "exclude_selected", GATHER_ACTION]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PartnerSettlement._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # through the API: it also deletes the member transfers, all or nothing

    def _set_status(self, request, queryset, status: str, verb: str) -> None:
        done, refused = 0, []
        for settlement in queryset:
            try:
                partner_settlement_set_status(settlement=settlement, status=status)
                done += 1
            except DomainError as exc:
                refused.append(exc.message)
        self.message_user(request, f"{done}건 {verb} 처리했습니다.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"{len(refused)}건은 바꿀 수 없습니다.", messages.WARNING)
        for line in refused[:20]:
            self.message_user(request, line, messages.WARNING)

    @admin.action(description=_("지급 보류"))
    def withhold_selected(self, request, queryset):
        self._set_status(request, queryset, PartnerSettlementStatus.PAYOUT_WITHHELD, "지급 보류")

    @admin.action(description=_("보류 해제 (지급 예정으로)"))
    def release_selected(self, request, queryset):
        self._set_status(request, queryset, PartnerSettlementStatus.PAYOUT_PREPARED, "보류 해제")

    @admin.action(description=_("지급 제외"))
    def exclude_selected(self, request, queryset):
        self._set_status(request, queryset, PartnerSettlementStatus.PAYOUT_EXCLUDED, "지급 제외")

    @admin.display(description=_("주문금액"), ordering="amount_order")
    def order_amount(self, obj):
        return _won(obj.amount_order)

    @admin.display(description=_("결제금액"), ordering="amount_payment")
    def payment_amount(self, obj):
        return _won(obj.amount_payment)

    @admin.display(description=_("중개수수료"), ordering="amount_platform_fee")
    def platform_fee(self, obj):
        return _won(obj.amount_platform_fee)

    @admin.display(description=_("할인 분담금액"), ordering="amount_discount_share")
    def discount_share(self, obj):
        return _won(obj.amount_discount_share)

    @admin.display(description=_("추가 수수료"), ordering="amount_additional_fee")
    def additional_fee(self, obj):
        return _won(obj.amount_additional_fee)

    @admin.display(description=_("정산금액"), ordering="amount_settlement")
    def settlement_amount(self, obj):
        return _won(obj.amount_settlement)

    @admin.display(description=_("정산 면세금액"), ordering="amount_settlement_tax_free")
    def settlement_tax_free_amount(self, obj):
        return _won(obj.amount_settlement_tax_free)


@admin.register(Payment)
class PaymentAdmin(ModelAdmin):
    list_display = (
        "public_id",
        "kind",
        "source",
        "order_name",
        "currency",
        "total_amount",
        "paid_at",
        "is_for_test",
    )
    list_filter = ("kind", "source", "currency", "is_for_test")
    search_fields = ("public_id", "order_name")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Payment._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ClosedDay)
class ClosedDayAdmin(ModelAdmin):
    list_display = ("date", "name")
    date_hierarchy = "date"
    search_fields = ("name",)


@admin.register(SettlementParameter)
class SettlementParameterAdmin(ModelAdmin):
    list_display = ("key", "label")
    search_fields = ("key", "label")
