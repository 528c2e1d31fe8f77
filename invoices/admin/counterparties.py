"""거래처 (counterparties) in the back office: the list (filters: NTS connection, 휴폐업 상태,
partner-linked, mode), adding and editing one (the BRN checked, the NTS connection started as the
API does), deleting one softly through the service (refused with an ongoing invoice). Partner-linked
counterparties are read-only here, with a link to their partner (edit the partner)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter

from core.admin.base import HistoryAdmin
from core.admin.display import DANGER, INFO, NEUTRAL, SUCCESS, WARNING, badge, brn, truncated
from core.errors import DomainError
from invoices.domain.statuses import NtsConnectionStatus
from invoices.models import BusinessStatus, Counterparty
from invoices.services import counterparties as service
from invoices.services.own_company import own_company
from partners.domain.brn import validate_brn

NTS_TONES = {
    NtsConnectionStatus.NOT_CONNECTED: NEUTRAL,
    NtsConnectionStatus.PENDING_CONNECT: INFO,
    NtsConnectionStatus.CONNECTED: SUCCESS,
    NtsConnectionStatus.PENDING_DISCONNECT: WARNING,
    NtsConnectionStatus.ERROR: DANGER,
}
BUSINESS_TONES = {
    BusinessStatus.IN_BUSINESS: SUCCESS,
    BusinessStatus.CLOSED: DANGER,
    BusinessStatus.SUSPENDED: WARNING,
    BusinessStatus.NOT_FOUND: DANGER,
    BusinessStatus.CHECK_FAILED: WARNING,
    BusinessStatus.CHECK_PENDING: INFO,
    BusinessStatus.UNKNOWN: NEUTRAL,
}

EDITABLE = (
    "public_id",
    "is_for_test",
    "brn",
    "tax_registration_id",
    "company_name",
    "representative_name",
    "address",
    "business_type",
    "business_class",
    "taxation_type",
    "contact_name",
    "contact_email",
    "contact_phone",
    "contact_memo",
    "additional_contacts",
    "memo",
)
STATE = (
    "nts_connection_status",
    "nts_connected_at",
    "nts_connection_failed_reason",
    "business_status",
    "business_status_checked_at",
    "closed_suspended_date",
    "certificate_registered_at",
    "certificate_expires_at",
    "certificate_issuer",
    "created_at",
    "updated_at",
)


class CounterpartyForm(forms.ModelForm):
    brn = forms.CharField(
        label=_("사업자등록번호"), max_length=20, help_text=_("하이픈은 생략 가능")
    )

    class Meta:
        model = Counterparty
        fields = EDITABLE

    def clean_brn(self):
        raw = self.cleaned_data.get("brn") or ""
        try:
            number = validate_brn(raw)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
        if self.instance.pk and number != self.instance.brn:
            raise forms.ValidationError(_("거래처의 사업자등록번호는 바꿀 수 없습니다."))
        own = own_company().brn
        if own and number == own:
            raise forms.ValidationError(_("자사 사업자등록번호로는 거래처를 만들 수 없습니다."))
        return number

    def clean_additional_contacts(self):
        contacts = self.cleaned_data.get("additional_contacts") or []
        if not isinstance(contacts, list) or not all(
            isinstance(c, dict) and c.get("name") and c.get("email") for c in contacts
        ):
            raise forms.ValidationError(
                _('[{"name": "이름", "email": "메일"}] 형식의 목록이어야 합니다.')
            )
        if len(contacts) > service.MAX_ADDITIONAL_CONTACTS:
            raise forms.ValidationError(_("추가 담당자는 최대 5명입니다."))
        return contacts

    def clean(self):
        data = super().clean()
        public_id = data.get("public_id")
        if public_id and not self.instance.pk:
            taken = Counterparty.objects.filter(
                is_for_test=bool(data.get("is_for_test")), public_id=public_id
            ).exists()
            if taken:
                self.add_error("public_id", _("이미 사용된 거래처 아이디입니다."))
        return data


class LinkedFilter(admin.SimpleListFilter):
    title = _("파트너 연동")
    parameter_name = "linked"

    def lookups(self, request, model_admin):
        return (("yes", _("파트너 연동 거래처")), ("no", _("직접 등록한 거래처")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(partner__isnull=False)
        if self.value() == "no":
            return queryset.filter(partner__isnull=True)
        return queryset


@admin.register(Counterparty)
class CounterpartyAdmin(HistoryAdmin):
    form = CounterpartyForm
    list_display = (
        "public_id_cell",
        "company_cell",
        "brn_cell",
        "nts_connection_status_badge",
        "business_status_badge",
        "partner_cell",
        "created_at",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("nts_connection_status", ChoicesDropdownFilter),
        ("business_status", ChoicesDropdownFilter),
        LinkedFilter,
        "is_for_test",
    )
    search_fields = ("public_id", "brn", "company_name", "contact_email", "partner__company_name")
    list_select_related = ("partner",)
    actions = ("soft_delete",)

    nts_connection_status_badge = badge("nts_connection_status", _("국세청 연동"), NTS_TONES)
    business_status_badge = badge("business_status", _("휴폐업 상태"), BUSINESS_TONES)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.partner_id:
            return (
                (_("파트너 연동 거래처"), {"fields": ("partner_link", *self._shown(obj))}),
                (_("상태"), {"fields": STATE}),
            )
        sets = [(_("거래처"), {"fields": EDITABLE})]
        if obj is not None:
            sets.append((_("상태"), {"fields": STATE}))
        return sets

    @staticmethod
    def _shown(obj):
        return (
            "public_id",
            "shown_company",
            "brn",
            "shown_contact",
            "memo",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        if obj.partner_id:
            return ("partner_link", *self._shown(obj), *STATE)
        return ("public_id", "is_for_test", "brn", *STATE)

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete only, through the action

    def save_model(self, request, obj, form, change):
        if not change:
            obj.nts_connection_status = NtsConnectionStatus.PENDING_CONNECT
            obj.nts_connection_due_at = timezone.now() + service.connect_delay()
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id and request.method == "POST":
            obj = self.get_object(request, object_id)
            if obj is not None and obj.partner_id:
                self.message_user(
                    request,
                    _("파트너 연동 거래처는 파트너 화면에서 수정합니다."),
                    messages.WARNING,
                )
                return HttpResponseRedirect(request.path)
        return super().changeform_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("선택한 거래처 삭제"), permissions=["change"])
    def soft_delete(self, request, queryset):
        done = 0
        for cp in queryset:
            try:
                service.counterparty_delete(public_id=cp.public_id, is_for_test=cp.is_for_test)
            except DomainError as exc:
                self.message_user(request, f"{cp.public_id}: {exc.message}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, _("%(n)d개 거래처를 삭제했습니다.") % {"n": done})

    # --- cells ------------------------------------------------------------------------------------

    @admin.display(description=_("아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        test = format_html(' <span class="muted">{}</span>', _("테스트")) if obj.is_for_test else ""
        return format_html("{}{}", truncated(obj.public_id, "10rem"), test)

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("상호"), ordering="company_name")
    def company_cell(self, obj):
        fields = service.current_fields(obj)
        return format_html(
            '{}<br><span class="muted">{}</span>',
            truncated(fields["company_name"], "14rem"),
            fields["representative_name"] or "",
        )

    company_cell.export = lambda obj: service.current_fields(obj)["company_name"]

    @admin.display(description=_("사업자등록번호"), ordering="brn")
    def brn_cell(self, obj):
        return brn(obj.brn)

    brn_cell.export = lambda obj: obj.brn

    @admin.display(description=_("파트너"))
    def partner_cell(self, obj):
        if not obj.partner_id:
            return "-"
        url = reverse("admin:partners_partner_change", args=[obj.partner_id])
        return format_html('<a href="{}">{}</a>', url, obj.partner.public_id)

    partner_cell.export = lambda obj: obj.partner.public_id if obj.partner_id else ""

    @admin.display(description=_("파트너"))
    def partner_link(self, obj):
        url = reverse("admin:partners_partner_change", args=[obj.partner_id])
        return format_html(
            '<a href="{}">{}</a> <span class="muted">{}</span>',
            url,
            obj.partner.name,
            _("(상호·대표자·담당자는 파트너 화면에서 수정합니다)"),
        )

    @admin.display(description=_("상호 / 대표자"))
    def shown_company(self, obj):
        fields = service.current_fields(obj)
        return f"{fields['company_name']} / {fields['representative_name'] or '-'}"

    @admin.display(description=_("담당자"))
    def shown_contact(self, obj):
        fields = service.current_fields(obj)
        return f"{fields['contact_name']} <{fields['contact_email']}>"
