"""The ModelAdmins of contracts, policies and the platform setting (registered in
policies.admin). Writes go through core.versioning (terms, schedules, archive) and
policies.services (the setting).

Lists read as a finance team speaks ("매주 목요일", "매월 25일, 말일", "3.5%", "1,000원") through
policies.admin.display, which never raises on a bad stored value: a malformed row shows as
"값 오류", it does not take the list down.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.decorators import display

from core.admin.actions import ArchiveActionsMixin
from core.admin.base import HistoryAdmin
from core.admin.display import truncated
from core.admin.versions import VersionInline
from core.versioning import services as versioning
from core.versioning.models import VersionBase
from policies import services
from policies.admin.display import (
    cycle_text,
    fee_text,
    label_html,
    rate_text,
    status_labels,
    status_text,
    term_label,
    term_text,
)
from policies.admin.forms import (
    CYCLE_CONDITIONS,
    FEE_CONDITIONS,
    AdditionalFeePolicyForm,
    ContractForm,
    DiscountSharePolicyForm,
    PlatformSettingForm,
)
from policies.admin.schedules import ScheduleMixin
from policies.models import (
    AdditionalFeePolicyVersion,
    ContractVersion,
    DiscountSharePolicyVersion,
)


class PolicyVersionInline(VersionInline):
    """Versions with the policies' own units (rates in %, amounts in 원, cycles in words)."""

    def term_label(self, name):
        return term_label(self.entity_model, name)

    def format_term(self, name, value):
        return term_text(self.entity_model, name, value)


class ContractVersionInline(PolicyVersionInline):
    model = ContractVersion


class DiscountSharePolicyVersionInline(PolicyVersionInline):
    model = DiscountSharePolicyVersion


class AdditionalFeePolicyVersionInline(PolicyVersionInline):
    model = AdditionalFeePolicyVersion


def nowrap(text):
    return format_html('<span class="nowrap">{}</span>', text)


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class VersionedAdmin(ScheduleMixin, ArchiveActionsMixin, HistoryAdmin):
    """Shared list behaviour, archive/recover actions, 변경 예약 and versioned saves."""

    kind: versioning.Kind
    actions = ["archive_selected", "recover_selected"]
    list_per_page = 50
    search_fields = ("public_id", "name", "memo")
    readonly_fields = ("applied_at", "created_at", "updated_at", "is_archived")
    list_display_links = ("id_display", "name_display")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["public_id", "is_for_test", *self.DETAIL_SWAPS.values()]
        return fields

    def has_delete_permission(self, request, obj=None):
        return False  # versioned entities are archived (and recovered), never deleted

    #: on an existing entity, flags and times read as words instead of icons and locale dates
    DETAIL_SWAPS = {
        "is_for_test": "mode_text",
        "is_archived": "archived_text",
        "applied_at": "applied_at_text",
        "created_at": "created_at_text",
        "updated_at": "updated_at_text",
    }

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:  # nothing to show about a version that does not exist yet
            return [(t, o) for t, o in fieldsets if "is_archived" not in o["fields"]]
        swap = self.DETAIL_SWAPS
        return [
            (t, {**o, "fields": tuple(swap.get(f, f) for f in o["fields"])}) for t, o in fieldsets
        ]

    @display(description=_("모드"))
    def mode_text(self, obj):
        return label_html("테스트", "info") if obj.is_for_test else label_html("운영", "success")

    @display(description=_("보관"))
    def archived_text(self, obj):
        return label_html("보관됨", "warning") if obj.is_archived else "사용 중"

    @display(description=_("현재 버전 적용 시각"))
    def applied_at_text(self, obj):
        return _local(obj.applied_at)

    @display(description=_("생성 시각"))
    def created_at_text(self, obj):
        return _local(obj.created_at)

    @display(description=_("수정 시각"))
    def updated_at_text(self, obj):
        return _local(obj.updated_at)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        pending = self.kind.version_model.objects.filter(
            entity=OuterRef("pk"), state=VersionBase.State.SCHEDULED
        )
        return super().get_queryset(request).annotate(has_pending=Exists(pending))

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

    # --- list columns ---------------------------------------------------------------------------

    @display(description=_("아이디"), ordering="public_id")
    def id_display(self, obj):
        return truncated(obj.public_id, "10rem")

    id_display.export = lambda obj: obj.public_id

    @display(description=_("이름"), ordering="name")
    def name_display(self, obj):
        return truncated(obj.name, "11rem")

    name_display.export = lambda obj: obj.name

    @display(description=_("상태"))
    def status(self, obj):
        return status_labels(obj)

    status.export = status_text

    @display(description=_("적용일"), ordering="applied_at")
    def applied(self, obj):
        local = timezone.localtime(obj.applied_at)
        return format_html(
            '<span class="nowrap" title="{}">{}</span>',
            f"{local:%Y-%m-%d %H:%M}",
            f"{local:%Y-%m-%d}",
        )

    applied.export = lambda obj: _local(obj.applied_at)


class ContractAdmin(VersionedAdmin):
    kind = services.CONTRACT
    form = ContractForm
    inlines = [ContractVersionInline]
    conditional_fields = {**FEE_CONDITIONS, **CYCLE_CONDITIONS}
    list_display = (
        "id_display",
        "name_display",
        "fee",
        "cycle",
        "lag",
        "date_policy_text",
        "vat_payer_text",
        "status",
        "applied",
    )
    list_filter = (
        "is_archived",
        "is_for_test",
        "cycle_method",
        "fee_type",
        "platform_fee_vat_payer",
        "date_policy",
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
                    "cycle_method",
                    "days_of_week",
                    "days_of_month",
                    "manual_dates",
                    "lag_days",
                    "date_policy",
                )
            },
        ),
        (_("상태"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")}),
    )

    @display(description=_("수수료"), ordering="fee_rate")
    def fee(self, obj):
        return nowrap(fee_text(obj))

    fee.export = fee_text

    @display(description=_("정산 주기"), ordering="cycle_method")
    def cycle(self, obj):
        return truncated(cycle_text(obj), "10rem")

    cycle.export = cycle_text

    @display(description=_("지체일"), ordering="lag_days")
    def lag(self, obj):
        return term_text(obj, "lag_days", obj.lag_days)

    lag.export = lambda obj: obj.lag_days

    @display(description=_("휴일이면"), ordering="date_policy")
    def date_policy_text(self, obj):
        short = {
            "HOLIDAY_BEFORE": "전 영업일",
            "HOLIDAY_AFTER": "후 영업일",
            "CALENDAR_DAY": "그대로",
        }
        return format_html(
            '<span class="nowrap" title="{}">{}</span>',
            obj.get_date_policy_display(),
            short.get(obj.date_policy, obj.get_date_policy_display()),
        )

    date_policy_text.export = lambda obj: obj.get_date_policy_display()

    @display(description=_("부가세 부담"), ordering="platform_fee_vat_payer")
    def vat_payer_text(self, obj):
        short = {"PARTNER": "파트너", "MERCHANT": "고객사"}
        return format_html(
            '<span class="nowrap" title="{}">{}</span>',
            obj.get_platform_fee_vat_payer_display(),
            short.get(obj.platform_fee_vat_payer, obj.get_platform_fee_vat_payer_display()),
        )

    vat_payer_text.export = lambda obj: obj.get_platform_fee_vat_payer_display()


class DiscountSharePolicyAdmin(VersionedAdmin):
    kind = services.DISCOUNT_SHARE_POLICY
    form = DiscountSharePolicyForm
    inlines = [DiscountSharePolicyVersionInline]
    list_display = ("id_display", "name_display", "share", "status", "applied")
    list_filter = ("is_archived", "is_for_test")
    fieldsets = (
        (None, {"fields": ("public_id", "is_for_test", "name", "memo", "partner_share_rate")}),
        (_("상태"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")}),
    )

    @display(description=_("파트너 분담률"), ordering="partner_share_rate")
    def share(self, obj):
        return rate_text(obj.partner_share_rate)

    share.export = lambda obj: rate_text(obj.partner_share_rate)


class AdditionalFeePolicyAdmin(VersionedAdmin):
    kind = services.ADDITIONAL_FEE_POLICY
    form = AdditionalFeePolicyForm
    inlines = [AdditionalFeePolicyVersionInline]
    conditional_fields = FEE_CONDITIONS
    list_display = ("id_display", "name_display", "fee", "vat_payer", "status", "applied")
    list_filter = ("is_archived", "is_for_test", "fee_type", "vat_payer")
    fieldsets = (
        (None, {"fields": ("public_id", "is_for_test", "name", "memo")}),
        (_("수수료"), {"fields": ("fee_type", "fee_rate", "fee_amount", "vat_payer")}),
        (_("상태"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")}),
    )

    @display(description=_("수수료"))
    def fee(self, obj):
        return fee_text(obj)

    fee.export = fee_text


def _yes_no(name: str, description: str, yes: str = "예", no: str = "아니오"):
    """A boolean setting as a readable label (Excel gets the same words)."""

    @display(description=description, ordering=name)
    def show(self, obj):
        return label_html(yes, "success") if getattr(obj, name) else label_html(no, "")

    show.export = lambda obj: yes if getattr(obj, name) else no
    show.__name__ = f"{name}_text"
    return show


class PlatformSettingAdmin(HistoryAdmin):
    """The live and the test setting (one row each). Saves go through policies.services."""

    form = PlatformSettingForm
    list_display = (
        "mode",
        "settlement_amount_type",
        "deduct_wht_text",
        "multiple_transfers_text",
        "adjust_text",
        "updated",
    )
    list_display_links = ("mode",)
    readonly_fields = ("mode", "updated")
    fieldsets = (
        (None, {"fields": ("mode", "settlement_amount_type", "deduct_wht")}),
        (
            _("정산 규칙"),
            {
                "fields": (
                    "supports_multiple_order_transfers_per_partner",
                    "adjust_settlement_date_after_holiday_if_earlier",
                )
            },
        ),
        (_("지급 메모"), {"fields": ("default_withdrawal_memo", "default_deposit_memo")}),
        (None, {"fields": ("updated",)}),
    )

    deduct_wht_text = _yes_no("deduct_wht", _("원천징수세 차감"), "차감", "차감 안 함")
    multiple_transfers_text = _yes_no(
        "supports_multiple_order_transfers_per_partner", _("중복 주문 정산"), "허용", "허용 안 함"
    )
    adjust_text = _yes_no(
        "adjust_settlement_date_after_holiday_if_earlier",
        _("시작일 이전 정산일 재계산"),
        "재계산",
        "안 함",
    )

    @display(description=_("모드"), ordering="is_for_test")
    def mode(self, obj):
        return label_html("테스트", "info") if obj.is_for_test else label_html("운영", "success")

    mode.export = lambda obj: "테스트" if obj.is_for_test else "운영"

    @display(description=_("수정 시각"), ordering="updated_at")
    def updated(self, obj):
        return _local(obj.updated_at)

    updated.export = lambda obj: _local(obj.updated_at)

    def changelist_view(self, request, extra_context=None):
        for is_for_test in (False, True):  # both rows always exist, as the API assumes
            services.setting_get(is_for_test=is_for_test)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        saved = services.setting_update(is_for_test=obj.is_for_test, changes=changes)
        obj.pk = saved.pk

    def has_add_permission(self, request):
        return False  # one row per mode, created on first use

    def has_delete_permission(self, request, obj=None):
        return False
