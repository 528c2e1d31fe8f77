"""Back office for contracts and policies. Every write goes through core.versioning, so the admin
creates versions and respects archive/schedule rules exactly like the API."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from core.admin.actions import ArchiveActionsMixin
from core.admin.widgets import MilliPercentField
from core.versioning import services as versioning
from policies import services
from policies.models import (
    AdditionalFeePolicy,
    AdditionalFeePolicyVersion,
    Contract,
    ContractVersion,
    DiscountSharePolicy,
    DiscountSharePolicyVersion,
    PlatformSetting,
    format_milli_percent,
)


class VersionInline(admin.TabularInline):
    extra = 0
    can_delete = False
    fields = ("state", "applied_at", "summary", "created_at")
    readonly_fields = fields
    verbose_name = _("버전")
    verbose_name_plural = _("버전 이력 (적용·예약)")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("내용"))
    def summary(self, obj):
        data = obj.terms if obj.state == obj.State.APPLIED else obj.changes
        return format_html_join(", ", "{}={}", ((k, v) for k, v in (data or {}).items()))


class ContractVersionInline(VersionInline):
    model = ContractVersion


class DiscountSharePolicyVersionInline(VersionInline):
    model = DiscountSharePolicyVersion


class AdditionalFeePolicyVersionInline(VersionInline):
    model = AdditionalFeePolicyVersion


class VersionedAdmin(ArchiveActionsMixin, SimpleHistoryAdmin):
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


class VersionedForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.is_archived:
            raise ValidationError(_("보관된 항목은 수정할 수 없습니다. 먼저 복원하세요."))
        return cleaned


def _fee_clean(form: forms.ModelForm, cleaned: dict) -> None:
    fee_type = cleaned.get("fee_type")
    if fee_type == "FIXED_RATE":
        if cleaned.get("fee_rate") is None:
            form.add_error("fee_rate", _("정률 수수료는 수수료율이 필요합니다."))
        cleaned["fee_amount"] = None
    elif fee_type == "FIXED_AMOUNT":
        if cleaned.get("fee_amount") is None or cleaned["fee_amount"] < 0:
            form.add_error("fee_amount", _("정액 수수료는 0원 이상의 금액이 필요합니다."))
        cleaned["fee_rate"] = None


class ContractForm(VersionedForm):
    fee_rate = MilliPercentField(label=_("수수료율(%)"), required=False)

    class Meta:
        model = Contract
        fields = ("public_id", "is_for_test", *Contract.TERMS)

    def clean(self):
        cleaned = super().clean()
        _fee_clean(self, cleaned)
        lag = cleaned.get("lag_days")
        if lag is not None and not 1 <= lag <= 10:
            self.add_error("lag_days", _("지체일은 1~10일이어야 합니다."))
        method = cleaned.get("cycle_method")
        required = {
            "WEEKLY": "days_of_week",
            "MONTHLY": "days_of_month",
            "MANUAL_DATES": "manual_dates",
        }
        if method in required and not cleaned.get(required[method]):
            self.add_error(required[method], _("이 정산 주기에는 값이 필요합니다."))
        return cleaned


@admin.register(Contract)
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


class DiscountSharePolicyForm(VersionedForm):
    partner_share_rate = MilliPercentField(label=_("파트너 분담률(%)"))

    class Meta:
        model = DiscountSharePolicy
        fields = ("public_id", "is_for_test", *DiscountSharePolicy.TERMS)


@admin.register(DiscountSharePolicy)
class DiscountSharePolicyAdmin(VersionedAdmin):
    kind = services.DISCOUNT_SHARE_POLICY
    form = DiscountSharePolicyForm
    inlines = [DiscountSharePolicyVersionInline]
    list_display = ("public_id", "name", "share", "is_archived", "is_for_test", "applied_at")
    list_filter = ("is_archived", "is_for_test")

    @admin.display(description=_("파트너 분담률"), ordering="partner_share_rate")
    def share(self, obj):
        return format_milli_percent(obj.partner_share_rate)


class AdditionalFeePolicyForm(VersionedForm):
    fee_rate = MilliPercentField(label=_("수수료율(%)"), required=False)

    class Meta:
        model = AdditionalFeePolicy
        fields = ("public_id", "is_for_test", *AdditionalFeePolicy.TERMS)

    def clean(self):
        cleaned = super().clean()
        _fee_clean(self, cleaned)
        return cleaned


@admin.register(AdditionalFeePolicy)
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


@admin.register(PlatformSetting)
class PlatformSettingAdmin(SimpleHistoryAdmin):
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
