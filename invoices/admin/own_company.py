"""자사 정보 (our own company) in the back office: one editable page. The list holds the one row
(created if missing; its Excel download like every list's, tests/core/test_first_screen.py), so it
answers 200 rather than redirecting; nothing is added or deleted. The BRN is checked like every
BRN here (check digit). docs/invoices.md#own-company."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from core.admin.base import HistoryAdmin
from core.admin.display import brn
from core.errors import DomainError
from invoices.models import OwnCompany
from invoices.services.own_company import clean_own_brn, own_company


class OwnCompanyForm(forms.ModelForm):
    brn = forms.CharField(
        label=_("사업자등록번호"), max_length=20, help_text=_("하이픈은 생략 가능")
    )

    class Meta:
        model = OwnCompany
        fields = (
            "brn",
            "tax_registration_id",
            "company_name",
            "representative_name",
            "address",
            "business_type",
            "business_class",
            "taxation_type",
            "contact_name",
            "contact_department",
            "contact_email",
            "contact_phone",
        )

    def clean_brn(self):
        try:
            return clean_own_brn(self.cleaned_data.get("brn") or "")
        except DomainError as exc:
            raise forms.ValidationError(exc.message.removeprefix("brn: ")) from exc


@admin.register(OwnCompany)
class OwnCompanyAdmin(HistoryAdmin):
    form = OwnCompanyForm
    fieldsets = (
        (
            _("자사"),
            {
                "fields": (
                    ("brn", "tax_registration_id"),
                    ("company_name", "representative_name"),
                    "address",
                    ("business_type", "business_class"),
                    "taxation_type",
                )
            },
        ),
        (
            _("담당자"),
            {
                "fields": (
                    ("contact_name", "contact_department"),
                    ("contact_email", "contact_phone"),
                ),
                "description": _("역발행 세금계산서를 받는 자사 담당자입니다."),
            },
        ),
    )
    readonly_fields = ("updated_at",)
    list_display = (
        "company_name",
        "brn_cell",
        "representative_name",
        "contact_email",
        "updated_at",
    )
    list_display_links = ("company_name",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        own_company()  # the one row exists once the page is opened
        return super().get_queryset(request)

    @admin.display(description=_("사업자등록번호"), ordering="brn")
    def brn_cell(self, obj):
        return brn(obj.brn) if obj.brn else _("(미설정)")

    brn_cell.export = lambda obj: obj.brn

    def response_change(self, request, obj):
        if "_continue" in request.POST or "_save" in request.POST:
            self.message_user(request, _("자사 정보를 저장했습니다."))
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)
