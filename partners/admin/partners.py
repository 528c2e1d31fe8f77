"""The ModelAdmins of partners, user-defined properties and verification records (registered in
partners.admin): search, filters, masked account numbers, archive/recover, re-verify, and the
file pages (partners.admin.uploads). Writes go through partners.services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.admin.actions import ArchiveActionsMixin
from core.admin.base import HistoryAdmin, ModelAdmin
from core.admin.versions import VersionInline
from partners.admin import uploads
from partners.models import CompanyVerification, Partner, PartnerTag, PartnerVersion
from partners.services import partners as services
from partners.services.verification import schedule_verification

PERSONAL_DATA_PERMISSION = "partners.view_partner_personal_data"


class PartnerVersionInline(VersionInline):
    model = PartnerVersion

    @admin.display(description=_("내용"))
    def summary(self, obj):
        data = dict((obj.terms if obj.state == obj.State.APPLIED else obj.changes) or {})
        for secret in ("account_number", "birthdate"):
            if data.get(secret):
                data[secret] = "(암호화됨)"
        return ", ".join(f"{k}={v}" for k, v in data.items())


class TagFilter(admin.SimpleListFilter):
    title = _("태그")
    parameter_name = "tag"

    def lookups(self, request, model_admin):
        tags = PartnerTag.objects.values_list("tag", flat=True).distinct().order_by("tag")[:100]
        return [(t, t) for t in tags]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(tag_rows__tag=self.value()).distinct()
        return queryset


class PartnerAdmin(ArchiveActionsMixin, HistoryAdmin):
    kind = services.PARTNER
    list_display = (
        "public_id",
        "name",
        "partner_type",
        "business_registration_number",
        "contact_email",
        "bank",
        "masked_account",
        "account_status",
        "business_status",
        "default_contract",
        "tag_list",
        "is_archived",
        "is_for_test",
    )
    list_filter = (
        "partner_type",
        "status",
        "account_status",
        "business_status",
        "default_contract",
        TagFilter,
        "is_archived",
        "is_for_test",
        "taxation_type",
    )
    search_fields = (
        "public_id",
        "name",
        "business_registration_number",
        "contact_email",
        "tag_rows__tag",
        "company_name",
        "account_holder",
    )
    list_select_related = ("default_contract",)
    list_per_page = 50
    actions = ["archive_selected", "recover_selected", "reverify_selected"]
    inlines = [PartnerVersionInline]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "public_id",
                    "is_for_test",
                    "status",
                    "name",
                    "memo",
                    "tags",
                    "default_contract",
                    "user_defined_properties",
                )
            },
        ),
        (_("담당자"), {"fields": ("contact_name", "contact_email", "contact_phone")}),
        (
            _("정산 계좌"),
            {
                "fields": (
                    "bank",
                    "account_currency",
                    "account_number_display",
                    "account_holder",
                    "account_status",
                    "account_verified_at",
                    "account_verification_message",
                )
            },
        ),
        (
            _("유형"),
            {
                "fields": (
                    "partner_type",
                    *Partner.BUSINESS_TERMS,
                    "business_status",
                    "business_verified_at",
                    "member_company_connection_status",
                    "birthdate_display",
                )
            },
        ),
        (_("상태"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")}),
    )
    # every field is read-only: partners change through the API or a file, where each rule holds
    readonly_fields = tuple(name for _title, options in fieldsets for name in options["fields"])

    def has_add_permission(self, request):
        return False  # partners are created by API or bulk file, where every rule is checked

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description=_("계좌번호"))
    def masked_account(self, obj):
        return obj.masked_account_number

    @admin.display(description=_("계좌번호"))
    def account_number_display(self, obj):
        return obj.masked_account_number

    @admin.display(description=_("계좌번호 (전체)"))
    def account_number_full(self, obj):
        return obj.account_number

    @admin.display(description=_("생년월일"))
    def birthdate_display(self, obj):
        return obj.masked_birthdate or "-"

    @admin.display(description=_("생년월일 (전체)"))
    def birthdate_full(self, obj):
        return obj.birthdate or "-"

    @admin.display(description=_("태그"))
    def tag_list(self, obj):
        return ", ".join(obj.tags or [])

    def get_fieldsets(self, request, obj=None):
        """Full account number and birth date only for staff with the permission."""
        fieldsets = super().get_fieldsets(request, obj)
        if not request.user.has_perm(PERSONAL_DATA_PERMISSION):
            return fieldsets
        swap = {
            "account_number_display": "account_number_full",
            "birthdate_display": "birthdate_full",
        }
        return [
            (name, {**opts, "fields": tuple(swap.get(f, f) for f in opts["fields"])})
            for name, opts in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "account_number_full", "birthdate_full")

    def archive_one(self, obj) -> None:
        services.partner_archive(public_id=obj.public_id, is_for_test=obj.is_for_test)

    def recover_one(self, obj) -> None:
        services.partner_recover(public_id=obj.public_id, is_for_test=obj.is_for_test)

    @admin.action(description=_("계좌·사업자 상태 다시 확인"))
    def reverify_selected(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        schedule_verification(pks)
        self.message_user(
            request, f"{len(pks)}명 확인을 요청했습니다 (백그라운드).", messages.SUCCESS
        )

    def get_urls(self):
        return uploads.urls(self) + super().get_urls()


class UserDefinedPropertyAdmin(ModelAdmin):
    list_display = ("key", "label", "value_type")
    search_fields = ("key", "label")


class AccountVerificationAdmin(ModelAdmin):
    list_display = ("public_id", "bank", "holder_name", "created_at", "used_at", "is_for_test")
    readonly_fields = ("public_id", "is_for_test", "bank", "holder_name", "created_at", "used_at")
    exclude = ("account_number_index",)

    def has_add_permission(self, request):
        return False


class CompanyVerificationAdmin(ModelAdmin):
    list_display = (
        "public_id",
        "business_registration_number",
        "status",
        "taxation_type",
        "created_at",
        "used_at",
        "is_for_test",
    )
    search_fields = ("business_registration_number",)
    readonly_fields = [f.name for f in CompanyVerification._meta.fields]

    def has_add_permission(self, request):
        return False
