"""The ModelAdmins of partners, user-defined properties and verification records (registered in
partners.admin).

Partners are created, edited and their changes scheduled here with the API's rules and services
(partners.admin.forms); the list a finance team reads (formatted BRN, badges, masked account,
tags as chips) and its Excel/CSV download in the export columns (partners.files.export), with full
account numbers only for the personal-data permission; archive/recover, re-verify and the file
pages (partners.admin.uploads). Writes go through partners.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from simple_history.template_utils import HistoricalRecordContextHelper
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import action, display

from core.admin.actions import ArchiveActionsMixin
from core.admin.base import HistoryAdmin, ModelAdmin
from core.admin.display import (
    DANGER,
    INFO,
    NEUTRAL,
    PRIMARY,
    SUCCESS,
    WARNING,
    badge,
    brn,
    truncated,
)
from core.admin.exports import Column, _plain
from core.errors import DomainError, NotFound
from core.versioning import services as versioning
from partners import selectors
from partners.admin import uploads
from partners.admin.forms import PartnerForm, PartnerScheduleForm, form_class, udp_field_name
from partners.domain.banks import BANK_LABELS
from partners.files.changes import CONTRACT, field_changes, show
from partners.files.export import PartnerExport
from partners.models import (
    AccountStatus,
    BusinessStatus,
    Partner,
    PartnerStatus,
    PartnerTag,
    PartnerType,
    PartnerVersion,
    UserDefinedProperty,
)
from partners.services import partners as services
from partners.services.verification import schedule_verification

PERSONAL_DATA_PERMISSION = "partners.view_partner_personal_data"

ACCOUNT_TONES = {
    AccountStatus.VERIFIED: SUCCESS,
    AccountStatus.VERIFY_FAILED: DANGER,
    AccountStatus.VERIFY_ERROR: WARNING,
    AccountStatus.NOT_VERIFIED: NEUTRAL,
    AccountStatus.UNKNOWN: NEUTRAL,
}
BUSINESS_TONES = {
    BusinessStatus.IN_BUSINESS: SUCCESS,
    BusinessStatus.CLOSED: DANGER,
    BusinessStatus.SUSPENDED: DANGER,
    BusinessStatus.NOT_FOUND: DANGER,
    BusinessStatus.VERIFY_ERROR: WARNING,
    BusinessStatus.NOT_VERIFIED: NEUTRAL,
}
STATUS_TONES = {
    PartnerStatus.APPROVED: SUCCESS,
    PartnerStatus.PENDING: WARNING,
    PartnerStatus.REJECTED: DANGER,
}
TYPE_TONES = {
    PartnerType.BUSINESS: INFO,
    PartnerType.WHT_PAYER: PRIMARY,
    PartnerType.NON_WHT_PAYER: NEUTRAL,
}
VERSION_TONES = {
    PartnerVersion.State.APPLIED: SUCCESS,
    PartnerVersion.State.SCHEDULED: INFO,
    PartnerVersion.State.CANCELLED: NEUTRAL,
}


def label_html(tone: str, text: str) -> str:
    """An unfold label (coloured badge) as HTML, for detail pages and our own tables."""
    return render_to_string("unfold/helpers/label.html", {"type": tone, "text": text})


def warnings_for(partner: Partner) -> list[dict[str, Any]]:
    """What a finance team must know before money goes to this partner (the detail page's
    money-warning boxes): a closed, suspended or unregistered business, an account that is not
    verified, an archived partner."""
    out = []
    if partner.partner_type == PartnerType.BUSINESS:
        status = partner.business_status
        when = (
            f" (국세청 확인 {timezone.localtime(partner.business_verified_at):%Y-%m-%d %H:%M})"
            if partner.business_verified_at
            else ""
        )
        if status in (BusinessStatus.CLOSED, BusinessStatus.SUSPENDED):
            word = "폐업" if status == BusinessStatus.CLOSED else "휴업"
            out.append(
                {
                    "danger": True,
                    "short": status,
                    "message": f"{word}한 사업자입니다{when}. 이 파트너에게 지급하면 "
                    f"{word} 사업자에게 돈이 나갑니다. 정산·지급 전에 사업자 상태를 확인하세요.",
                }
            )
        elif status == BusinessStatus.NOT_FOUND:
            out.append(
                {
                    "danger": True,
                    "short": status,
                    "message": f"국세청에 등록되지 않은 사업자등록번호입니다{when}. 이 파트너에게 "
                    "지급하면 세금계산서를 받을 수 없습니다. 사업자등록번호를 고쳐 저장하세요.",
                }
            )
        elif status in (BusinessStatus.NOT_VERIFIED, BusinessStatus.VERIFY_ERROR):
            out.append(
                {
                    "danger": False,
                    "short": status,
                    "message": "사업자 상태(휴폐업)를 아직 확인하지 못했습니다"
                    f" ({partner.get_business_status_display()}). 이 파트너에게 지급하기 전에 "
                    "확인을 기다리거나 목록에서 '계좌·사업자 상태 다시 확인'을 실행하세요.",
                }
            )
    account = partner.account_status
    if account == AccountStatus.VERIFY_FAILED:
        detail = (
            f" ({partner.account_verification_message})"
            if partner.account_verification_message
            else ""
        )
        out.append(
            {
                "danger": True,
                "short": account,
                "message": f"예금주가 일치하지 않습니다{detail}. 이 파트너에게 지급하면 "
                "다른 사람의 계좌로 돈이 갈 수 있습니다. "
                "예금주·계좌번호를 고쳐 저장하면 다시 확인합니다.",
            }
        )
    elif account != AccountStatus.VERIFIED:
        detail = (
            f" {partner.account_verification_message}"
            if partner.account_verification_message
            else ""
        )
        out.append(
            {
                "danger": account == AccountStatus.VERIFY_ERROR,
                "short": account,
                "message": "계좌를 아직 확인하지 못했습니다 "
                f"({partner.get_account_status_display()}).{detail} "
                "이 파트너에게 지급하면 예금주를 확인하지 않은 계좌로 돈이 나갑니다.",
            }
        )
    if partner.is_archived:
        out.append(
            {
                "danger": False,
                "short": "ARCHIVED",
                "message": "보관된 파트너입니다. 수정하려면 목록에서 선택해 '선택한 항목 복원'을 "
                "실행하세요.",
            }
        )
    return out


def _version_terms(version: PartnerVersion, stored: dict | None) -> dict[str, Any]:
    return versioning.decode_terms(services.PARTNER, stored or {})


def version_rows(partner: Partner) -> list[dict[str, Any]]:
    """The partner's versions, newest first, each as what it changed (Korean labels, masked)."""
    versions = list(partner.versions.order_by("applied_at", "id"))
    decoded = {
        v.pk: _version_terms(v, v.terms if v.state == v.State.APPLIED else v.changes)
        for v in versions
    }
    pks = {t["default_contract_id"] for t in decoded.values() if t.get("default_contract_id")}
    contracts = selectors.contract_public_ids(pks)
    for terms in decoded.values():
        if "default_contract_id" in terms:
            terms[CONTRACT] = contracts.get(terms.pop("default_contract_id"), "")
    rows, previous = [], None
    for version in versions:
        terms = decoded[version.pk]
        if version.state == version.State.APPLIED:
            changes = None if previous is None else field_changes(previous, terms)
            base = previous
            previous = terms
        else:
            base = previous or {}
            changes = field_changes(base, terms)
        rows.append(
            {
                "version": version,
                "tone": VERSION_TONES.get(version.state, NEUTRAL),
                "changes": changes,
                "first": base is None,
            }
        )
    rows.reverse()
    return rows


#: fields of the audit trail (django-simple-history) shown masked without the permission
PERSONAL_FIELDS = ("account_number", "birthdate")


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """The history page's "changes" column with the account number and birth date masked (as
    everywhere else in the admin) unless the user may see personal data."""

    def __init__(self, model, historical_record, *, reveal: bool) -> None:
        super().__init__(model, historical_record)
        self.reveal = reveal

    def prepare_delta_change_value(self, change, value):
        if change.field in PERSONAL_FIELDS and not self.reveal:
            return show(change.field, value)
        return super().prepare_delta_change_value(change, value)


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


BUSINESS_FIELDS = (
    "company_name",
    "business_registration_number",
    "representative_name",
    "taxation_type",
    "company_address",
    "business_type",
    "business_class",
)
#: the form fields a read-only page shows through display methods instead (formatted, masked)
READONLY_SWAP = {
    "account_number": "account_number_display",
    "birthdate": "birthdate_display",
    "business_registration_number": "brn_display",
    "tags": "tags_display",
    "bank": "bank_display",
}


class PartnerAdmin(ArchiveActionsMixin, HistoryAdmin):
    kind = services.PARTNER
    form = PartnerForm
    list_display = (
        "name_cell",
        "partner_type_badge",
        "brn_cell",
        "account_cell",
        "account_status_badge",
        "business_status_badge",
        "contract_cell",
        "tags_cell",
    )
    list_display_links = ("name_cell",)
    list_filter = (
        ("partner_type", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("account_status", ChoicesDropdownFilter),
        ("business_status", ChoicesDropdownFilter),
        ("default_contract", RelatedDropdownFilter),
        TagFilter,
        "is_for_test",
        "is_archived",
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
    search_help_text = _("아이디, 이름, 상호, 사업자등록번호, 담당자 이메일, 예금주, 태그")
    list_select_related = ("default_contract",)
    export_select_related = ("default_contract",)
    list_per_page = 50
    actions = ["archive_selected", "recover_selected", "reverify_selected"]
    actions_detail = ["schedule_change"]
    change_form_before_template = "admin/partners/partner/change_form_before.html"
    readonly_fields = (
        "public_id",
        "mode_display",
        "status_display",
        "account_status_display",
        "account_verified_at",
        "account_verification_message",
        "business_status_display",
        "business_verified_at",
        "member_company_connection_status",
        "version_history",
        "is_archived",
        "applied_at",
        "created_at",
        "updated_at",
        *READONLY_SWAP.values(),
        "udp_display",
    )

    # --- list ------------------------------------------------------------------------------

    @display(description=_("파트너"), ordering="name")
    def name_cell(self, obj):
        test = mark_safe(' <span class="muted">[테스트]</span>') if obj.is_for_test else ""
        archived = mark_safe(' <span class="muted">[보관]</span>') if obj.is_archived else ""
        status = ""
        if obj.status != PartnerStatus.APPROVED:  # 승인 완료 is the rule: only exceptions show
            status = format_html(
                " {}", label_html(STATUS_TONES.get(obj.status, NEUTRAL), obj.get_status_display())
            )
        return format_html(
            '{}{}{}{}<br><span class="muted nowrap">{}</span>',
            truncated(obj.name, "12rem"),
            test,
            archived,
            status,
            obj.public_id,
        )

    name_cell.export = lambda obj: obj.name

    partner_type_badge = badge("partner_type", _("유형"), TYPE_TONES)
    account_status_badge = badge("account_status", _("계좌 인증"), ACCOUNT_TONES)
    status_badge = badge("status", _("승인 상태"), STATUS_TONES)

    @display(description=_("사업자 상태"), ordering="business_status", label=BUSINESS_TONES)
    def business_status_badge(self, obj):
        if obj.partner_type != PartnerType.BUSINESS:
            return "", ""
        return obj.business_status, obj.get_business_status_display()

    business_status_badge.export = lambda obj: (
        obj.get_business_status_display() if obj.partner_type == PartnerType.BUSINESS else ""
    )

    @display(description=_("사업자등록번호"), ordering="business_registration_number")
    def brn_cell(self, obj):
        if not obj.business_registration_number:
            return "-"
        return format_html('<span class="nowrap">{}</span>', brn(obj.business_registration_number))

    brn_cell.export = lambda obj: (
        brn(obj.business_registration_number) if obj.business_registration_number else ""
    )

    @display(description=_("정산 계좌"))
    def account_cell(self, obj):
        return format_html(
            '<span class="nowrap">{}</span><br><span class="muted nowrap">{} · {}</span>',
            obj.masked_account_number,
            BANK_LABELS.get(obj.bank, obj.bank),
            obj.account_holder,
        )

    account_cell.export = lambda obj: (
        f"{BANK_LABELS.get(obj.bank, obj.bank)} {obj.masked_account_number}"
    )

    @display(description=_("기본 계약"), ordering="default_contract__name")
    def contract_cell(self, obj):
        return truncated(obj.default_contract.name, "8rem")

    contract_cell.export = lambda obj: obj.default_contract.name

    @display(description=_("태그"), label=True)
    def tags_cell(self, obj):
        return list(obj.tags or [])

    tags_cell.export = lambda obj: ", ".join(obj.tags or [])

    # --- export: the partner export columns, personal data by permission --------------------

    def export_columns(self, request) -> list[Column]:
        """The export's columns (partners.files.export), their values already plain."""
        export = PartnerExport(reveal=request.user.has_perm(PERSONAL_DATA_PERMISSION))
        return [Column(header, value, plain=True) for header, value in export.columns()]

    def export_filename(self, request) -> str:
        return f"partners-{timezone.localdate():%Y%m%d}.xlsx"

    # --- detail: read-only displays ---------------------------------------------------------

    @display(description=_("모드"))
    def mode_display(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @display(description=_("승인 상태"))
    def status_display(self, obj):
        return label_html(STATUS_TONES.get(obj.status, NEUTRAL), obj.get_status_display())

    @display(description=_("계좌 인증"))
    def account_status_display(self, obj):
        return label_html(
            ACCOUNT_TONES.get(obj.account_status, NEUTRAL), obj.get_account_status_display()
        )

    @display(description=_("사업자 상태"))
    def business_status_display(self, obj):
        if obj.partner_type != PartnerType.BUSINESS:
            return "-"
        return label_html(
            BUSINESS_TONES.get(obj.business_status, NEUTRAL), obj.get_business_status_display()
        )

    @display(description=_("계좌번호"))
    def account_number_display(self, obj):
        return obj.masked_account_number

    @display(description=_("생년월일"))
    def birthdate_display(self, obj):
        return obj.masked_birthdate or "-"

    @display(description=_("사업자등록번호"))
    def brn_display(self, obj):
        return brn(obj.business_registration_number) if obj.business_registration_number else "-"

    @display(description=_("태그"))
    def tags_display(self, obj):
        return ", ".join(obj.tags or []) or "-"

    @display(description=_("은행"))
    def bank_display(self, obj):
        return BANK_LABELS.get(obj.bank, obj.bank)

    @display(description=_("사용자 정의 속성"))
    def udp_display(self, obj):
        values = obj.user_defined_properties or {}
        if not values:
            return "-"
        labels = dict(UserDefinedProperty.objects.values_list("key", "label"))
        return format_html_join(
            mark_safe("<br>"), "{}: {}", ((labels.get(k, k), v) for k, v in values.items())
        )

    @display(description=_("버전 이력"))
    def version_history(self, obj):
        if obj is None or not obj.pk:
            return "-"
        return render_to_string(
            "admin/partners/partner/version_history.html",
            {"rows": version_rows(obj)},
        )

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskedHistoryHelper(
            self.model,
            historical_record,
            reveal=request.user.has_perm(PERSONAL_DATA_PERMISSION),
        )

    # --- the form ---------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_archived:
            return False  # archived partners cannot be changed (recover first)
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # partners are archived (and recovered), never deleted: money refers to them

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is None:  # the id is typed (or left blank) when adding
            return tuple(f for f in fields if f != "public_id")
        return fields

    def get_inlines(self, request, obj):
        return []  # the version history is a read-only field (version_history)

    def _udp_names(self) -> list[str]:
        return [
            udp_field_name(key) for key in UserDefinedProperty.objects.values_list("key", flat=True)
        ]

    def get_fieldsets(self, request, obj=None):
        udp = self._udp_names()
        if obj is None:
            return [
                (
                    None,
                    {"fields": ("mode", "public_id", "name", "memo", "tags", "default_contract")},
                ),
                (_("담당자"), {"fields": ("contact_name", "contact_email", "contact_phone")}),
                (
                    _("정산 계좌"),
                    {"fields": ("bank", "account_currency", "account_number", "account_holder")},
                ),
                (_("유형"), {"fields": ("partner_type",)}),
                (
                    _("사업자 정보 (사업자만)"),
                    {"fields": BUSINESS_FIELDS, "classes": ("partner-business",)},
                ),
                (
                    _("개인 정보 (원천징수 대상자·비대상자만)"),
                    {"fields": ("birthdate",), "classes": ("partner-person",)},
                ),
                *([(_("사용자 정의 속성"), {"fields": tuple(udp)})] if udp else []),
            ]
        fieldsets = [
            (
                None,
                {
                    "fields": (
                        "public_id",
                        "mode_display",
                        "status_display",
                        "name",
                        "memo",
                        "tags",
                        "default_contract",
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
                        "account_number",
                        "account_holder",
                        "account_status_display",
                        "account_verified_at",
                        "account_verification_message",
                    )
                },
            ),
            (_("유형"), {"fields": ("partner_type",)}),
            (
                _("사업자 정보 (사업자만)"),
                {
                    "fields": (
                        *BUSINESS_FIELDS,
                        "business_status_display",
                        "business_verified_at",
                        "member_company_connection_status",
                    ),
                    "classes": ("partner-business",),
                },
            ),
            (
                _("개인 정보 (원천징수 대상자·비대상자만)"),
                {"fields": ("birthdate",), "classes": ("partner-person",)},
            ),
        ]
        editable = self.has_change_permission(request, obj)
        if editable:
            if udp:
                fieldsets.append((_("사용자 정의 속성"), {"fields": tuple(udp)}))
        else:
            reveal = request.user.has_perm(PERSONAL_DATA_PERMISSION)
            swap = dict(READONLY_SWAP)
            if reveal:
                swap.pop("account_number")
                swap.pop("birthdate")
            fieldsets = [
                (name, {**opts, "fields": tuple(swap.get(f, f) for f in opts["fields"])})
                for name, opts in fieldsets
            ]
            fieldsets.append((_("사용자 정의 속성"), {"fields": ("udp_display",)}))
        fieldsets.append((_("버전 이력"), {"fields": ("version_history",)}))
        fieldsets.append(
            (_("기록"), {"fields": ("is_archived", "applied_at", "created_at", "updated_at")})
        )
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        reveal = request.user.has_perm(PERSONAL_DATA_PERMISSION)
        base = form_class(self.form, reveal=reveal)
        readonly = set(self.get_readonly_fields(request, obj))
        omit = {name: None for name in base.declared_fields if name in readonly}
        kwargs["form"] = type(base.__name__, (base,), omit) if omit else base
        return super().get_form(request, obj, change, **kwargs)

    def save_model(self, request, obj, form, change):
        """The form's service call has written already (partners.admin.forms)."""
        if form.partner is None:
            return
        if change and form.has_changed():
            partner = form.partner
            if partner.account_status != AccountStatus.VERIFIED or (
                partner.partner_type == PartnerType.BUSINESS
                and partner.business_status == BusinessStatus.NOT_VERIFIED
            ):
                self.message_user(
                    request,
                    "계좌·사업자 상태 확인을 다시 요청했습니다 (백그라운드에서 진행됩니다).",
                    messages.INFO,
                )

    def save_form(self, request, form, change):
        return form.save(commit=False)

    def save_related(self, request, form, formsets, change):
        return None

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        extra = dict(extra_context or {})
        if obj is not None:
            extra["partner_warnings"] = warnings_for(obj)
            extra["partner_schedule"] = self._pending(obj)
            extra["schedule_url"] = reverse(
                "admin:partners_partner_schedule", args=[obj.pk], current_app=self.admin_site.name
            )
        return super().change_view(request, object_id, form_url, extra)

    # --- schedule (변경 예약) ---------------------------------------------------------------

    def _pending(self, obj: Partner) -> dict[str, Any] | None:
        try:
            partner, version = versioning.schedule_get(
                services.PARTNER, public_id=obj.public_id, is_for_test=obj.is_for_test
            )
        except NotFound:
            return None
        changes = versioning.decode_terms(services.PARTNER, version.changes)
        if "default_contract_id" in changes:
            pk = changes.pop("default_contract_id")
            changes[CONTRACT] = selectors.contract_public_ids([pk]).get(pk, "")
        current = partner.terms()
        current[CONTRACT] = partner.default_contract.public_id
        return {
            "version": version,
            "applied_at": version.applied_at,
            "changes": field_changes(current, changes),
        }

    @action(description=_("변경 예약"), url_path="schedule-change", icon="schedule")
    def schedule_change(self, request, object_id):
        return redirect(
            reverse(
                "admin:partners_partner_schedule",
                args=[object_id],
                current_app=self.admin_site.name,
            )
        )

    def schedule_view(self, request, object_id) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not super().has_change_permission(request, obj):
            raise PermissionDenied
        pending = self._pending(obj)
        change_url = reverse(
            "admin:partners_partner_change", args=[obj.pk], current_app=self.admin_site.name
        )
        if request.method == "POST" and "cancel" in request.POST:
            try:
                versioning.schedule_cancel(
                    services.PARTNER, public_id=obj.public_id, is_for_test=obj.is_for_test
                )
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, "예약된 변경을 취소했습니다.", messages.SUCCESS)
            return redirect(request.path)
        reveal = request.user.has_perm(PERSONAL_DATA_PERMISSION)
        form_type = form_class(PartnerScheduleForm, reveal=reveal)
        version = pending["version"] if pending else None
        if request.method == "POST":
            form = form_type(request.POST, instance=obj, pending=version)
            if form.is_valid():
                when = timezone.localtime(form.cleaned_data["apply_at"])
                self.message_user(
                    request,
                    f"{obj.name}: {when:%Y-%m-%d %H:%M}에 적용할 변경을 예약했습니다.",
                    messages.SUCCESS,
                )
                return redirect(request.path)
        else:
            form = form_type(instance=obj, pending=version)
        fieldsets = [
            (_("적용 시각"), {"fields": ("apply_at",)}),
            *[
                (name, {**opts, "fields": tuple(f for f in opts["fields"] if f in form.fields)})
                for name, opts in self.get_fieldsets(request, obj)
                if any(f in form.fields for f in opts["fields"])
            ],
        ]
        adminform = admin.helpers.AdminForm(form, fieldsets, {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{obj.name}: 변경 예약",
            "subtitle": obj.public_id,
            "opts": self.model._meta,
            "original": obj,
            "adminform": adminform,
            "form": form,
            "errors": admin.helpers.AdminErrorList(form, []),
            "pending": pending,
            "change_url": change_url,
            "media": self.media + adminform.media,
            "has_view_permission": True,
            "inline_admin_formsets": [],
        }
        return TemplateResponse(request, "admin/partners/partner/schedule.html", context)

    # --- actions ----------------------------------------------------------------------------

    def archive_one(self, obj) -> None:
        services.partner_archive(public_id=obj.public_id, is_for_test=obj.is_for_test)

    def recover_one(self, obj) -> None:
        services.partner_recover(public_id=obj.public_id, is_for_test=obj.is_for_test)

    @admin.action(description=_("계좌·사업자 상태 다시 확인"), permissions=["change"])
    def reverify_selected(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        schedule_verification(pks)
        self.message_user(
            request, f"{len(pks)}명 확인을 요청했습니다 (백그라운드).", messages.SUCCESS
        )

    def get_urls(self):
        site = self.admin_site
        return [
            path(
                "<path:object_id>/schedule/",
                site.admin_view(self.schedule_view),
                name="partners_partner_schedule",
            ),
            *uploads.urls(self),
            *super().get_urls(),
        ]


def partner_counts(keys: list[str]) -> dict[str, int]:
    """How many partners hold a value for each property key, in one query."""
    if not keys:
        return {}
    counts = Partner.objects.aggregate(
        **{
            f"k{i}": Count("pk", filter=Q(user_defined_properties__has_key=key))
            for i, key in enumerate(keys)
        }
    )
    return {key: counts[f"k{i}"] for i, key in enumerate(keys)}


class UserDefinedPropertyAdmin(ModelAdmin):
    list_display = ("key", "label", "value_type_badge", "partner_count")
    search_fields = ("key", "label")
    search_help_text = _("키 또는 표시 이름")

    value_type_badge = badge("value_type", _("값 종류"), {"STRING": NEUTRAL})

    def get_changelist_instance(self, request):
        """The page's partner counts in one query, not one per row."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        counts = partner_counts([row.key for row in rows])
        for row in rows:
            row.partner_total = counts[row.key]
        return changelist

    def export_rows(self, queryset, columns):
        counts = partner_counts(list(queryset.values_list("key", flat=True)))
        for obj in queryset.iterator():
            obj.partner_total = counts.get(obj.key, 0)
            yield [_plain(column.value(obj)) for column in columns]

    @staticmethod
    def _partner_total(obj) -> int:
        total = getattr(obj, "partner_total", None)
        return partner_counts([obj.key])[obj.key] if total is None else total

    @display(description=_("값이 있는 파트너"))
    def partner_count(self, obj):
        return f"{self._partner_total(obj):,}명"

    partner_count.export = _partner_total


def column(attr: str, description: str, *, ordering: bool = True, fmt=None):
    """A plain column under a Korean header (the verification models' fields have none)."""

    def value(obj):
        v = getattr(obj, attr)
        if fmt is not None:
            return fmt(v)
        return "-" if v in (None, "") else v

    @display(description=description, ordering=attr if ordering else None)
    def show(self, obj):
        v = value(obj)
        if hasattr(v, "tzinfo") and v is not None and not isinstance(v, str):
            return timezone.localtime(v).strftime("%Y-%m-%d %H:%M")
        return v

    show.__name__ = f"{attr}_column"
    return show


def _mode(self, obj):
    return "테스트" if obj.is_for_test else "운영"


def _used(self, obj):
    return ("USED", "파트너에 사용됨") if obj.used_at else ("FREE", "미사용")


class VerificationAdminBase(ModelAdmin):
    """Lookup records are written by the lookups (partners.services.lookups), never here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    lookup_id = column("public_id", _("조회 아이디"))
    looked_up_at = column("created_at", _("조회 시각"))
    used_at_column = column("used_at", _("사용 시각"))
    mode = display(description=_("모드"), ordering="is_for_test")(_mode)
    used_badge = display(description=_("사용"), label={"USED": SUCCESS, "FREE": NEUTRAL})(_used)
    used_badge.export = lambda obj: "파트너에 사용됨" if obj.used_at else "미사용"


class AccountVerificationAdmin(VerificationAdminBase):
    list_display = ("lookup_id", "bank_label", "holder", "looked_up_at", "used_badge", "mode")
    list_filter = ("is_for_test", ("used_at", admin.EmptyFieldListFilter))
    search_fields = ("public_id", "holder_name")
    search_help_text = _("조회 아이디 또는 예금주")
    fields = ("lookup_id", "mode", "bank_label", "holder", "looked_up_at", "used_at_column")
    readonly_fields = fields

    holder = column("holder_name", _("예금주"))

    @display(description=_("은행"), ordering="bank")
    def bank_label(self, obj):
        return BANK_LABELS.get(obj.bank, obj.bank)


class CompanyVerificationAdmin(VerificationAdminBase):
    list_display = (
        "lookup_id",
        "brn_cell",
        "status_badge",
        "taxation",
        "closed",
        "looked_up_at",
        "used_badge",
        "mode",
    )
    list_filter = (("status", ChoicesDropdownFilter), "is_for_test")
    search_fields = ("business_registration_number", "public_id")
    search_help_text = _("사업자등록번호(숫자만) 또는 조회 아이디")
    fields = (
        "lookup_id",
        "mode",
        "brn_cell",
        "status_badge_html",
        "taxation",
        "closed",
        "looked_up_at",
        "used_at_column",
    )
    readonly_fields = fields

    status_badge = badge("status", _("사업자 상태"), BUSINESS_TONES)
    taxation = column("taxation_type", _("과세 유형"))
    closed = column("closed_on", _("폐업일"))

    @display(description=_("사업자등록번호"), ordering="business_registration_number")
    def brn_cell(self, obj):
        return brn(obj.business_registration_number)

    @display(description=_("사업자 상태"))
    def status_badge_html(self, obj):
        return label_html(BUSINESS_TONES.get(obj.status, NEUTRAL), obj.get_status_display())
