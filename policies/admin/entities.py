"""The ModelAdmins of contracts, policies and the platform setting (registered in
policies.admin). Writes go through core.versioning."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin.actions import ArchiveActionsMixin
from core.admin.base import HistoryAdmin
from core.admin.versions import VersionInline
from core.versioning import services as versioning
from policies import services
from policies.admin.forms import AdditionalFeePolicyForm, ContractForm, DiscountSharePolicyForm
from policies.domain.rates import format_milli_percent
from policies.models import (
    AdditionalFeePolicyVersion,
    ContractVersion,
    DiscountSharePolicyVersion,
)


class ContractVersionInline(VersionInline):
    model = ContractVersion


class DiscountSharePolicyVersionInline(VersionInline):
    model = DiscountSharePolicyVersion


class AdditionalFeePolicyVersionInline(VersionInline):
    model = AdditionalFeePolicyVersion


class VersionedAdmin(ArchiveActionsMixin, HistoryAdmin):
    """Shared list behaviour, archive/recover actions and versioned saves."""

    kind: versioning.Kind
    actions = ["archive_selected", "recover_selected"]
    list_per_page = 50
    search_fields = ("public_id", "name")
    readonly_fields = ("applied_at", "created_at", "updated_at", "is_archived")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["public_id", "is_for_test"]
        return fields

    def save_model(self, request, obj, form, change):
        terms = {name: form.cleaned_data[name] for name in obj.TERMS if name in form.cleaned_data}
        if change:
            current = type(obj).objects.get(pk=obj.pk).terms()
            changed = {k: v for k, v in terms.items() if current[k] != v}
            saved = versioning.entity_update(
                self.kind, public_id=obj.public_id, is_for_test=obj.is_for_test, changes=changed
            )
        else:
            saved = versioning.entity_create(
                self.kind, public_id=obj.public_id, is_for_test=obj.is_for_test, terms=terms
            )
        obj.pk = saved.pk


class ContractAdmin(VersionedAdmin):
    kind = services.CONTRACT
    form = ContractForm
    inlines = [ContractVersionInline]
    list_display = (
        "public_id",
        "name",
        "fee",
        "cycle",
        "date_policy",
        "lag_days",
        "platform_fee_vat_payer",
        "is_archived",
        "is_for_test",
        "applied_at",
    )
    list_filter = (
        "is_archived",
        "is_for_test",
        "cycle_method",
        "date_policy",
        "fee_type",
        "platform_fee_vat_payer",
    )
    fieldsets = (
        (None, {"fields": ("public_id", "is_for_test", "name", "memo")}),
        (
            _("중개수수료"),
            {
                "fields": (
                    "fee_type",
                    "fee_rate",
                    "fee_amount",
                    "platform_fee_vat_payer",
                    "subtract_payment_vat_amount",
                )
            },
        ),
        (
            _("정산 주기"),
            {
                "fields": (
                    "lag_days",
                    "date_policy",
                    "cycle_method",
                    "days_of_week",
                    "days_of_month",
                    "manual_dates",
                )
            },
        ),
        (_("상태"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")}),
    )

    @admin.display(description=_("수수료"))
    def fee(self, obj):
        return obj.fee_display

    @admin.display(description=_("정산 주기"))
    def cycle(self, obj):
        detail = (
            obj.days_of_week
            or obj.days_of_month
            or [f"{d['month']}/{d['day']}" for d in obj.manual_dates]
        )
        label = obj.get_cycle_method_display()
        return f"{label} {', '.join(map(str, detail))}" if detail else label


class DiscountSharePolicyAdmin(VersionedAdmin):
    kind = services.DISCOUNT_SHARE_POLICY
    form = DiscountSharePolicyForm
    inlines = [DiscountSharePolicyVersionInline]
    list_display = ("public_id", "name", "share", "is_archived", "is_for_test", "applied_at")
    list_filter = ("is_archived", "is_for_test")

    @admin.display(description=_("파트너 분담률"), ordering="partner_share_rate")
    def share(self, obj):
        return format_milli_percent(obj.partner_share_rate)


class AdditionalFeePolicyAdmin(VersionedAdmin):
    kind = services.ADDITIONAL_FEE_POLICY
    form = AdditionalFeePolicyForm
    inlines = [AdditionalFeePolicyVersionInline]
    list_display = (
        "public_id",
        "name",
        "fee",
        "vat_payer",
        "is_archived",
        "is_for_test",
        "applied_at",
    )
    list_filter = ("is_archived", "is_for_test", "fee_type", "vat_payer")

    @admin.display(description=_("수수료"))
    def fee(self, obj):
        return obj.fee_display


class PlatformSettingAdmin(HistoryAdmin):
    list_display = (
        "__str__",
        "settlement_amount_type",
        "deduct_wht",
        "supports_multiple_order_transfers_per_partner",
        "adjust_settlement_date_after_holiday_if_earlier",
        "updated_at",
    )

    def has_delete_permission(self, request, obj=None):
        return False
