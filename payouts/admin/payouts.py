"""Payouts (지급) in the back office: the list (filters: status, bulk payout, partner, dates,
mode) with the seeds' Excel columns, and the page of one with its settlements and, when the
statement service is there, its 정산 내역서 PDF."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    ChoicesDropdownFilter,
    RangeDateTimeFilter,
)

from core.admin.base import HistoryAdmin
from core.admin.display import badge, money, truncated, won
from core.admin.exports import Column
from invoices.admin import uploads as tax_invoice_actions
from payouts.admin.common import (
    PAYOUT_STATUS_TONES,
    account_number,
    bank_label,
    seed_columns,
    sees_personal_data,
)
from payouts.models import Payout
from payouts.selectors import payout_settlements
from settlements.admin.common import SETTLEMENT_STATUS_TONES


def statement_service():
    """payouts.services.statements when it is installed (it is being built beside this)."""
    try:
        from payouts.services import statements
    except ImportError:  # pragma: no cover - the module ships with the statements work
        return None
    return statements if hasattr(statements, "statement_pdf_response") else None


class PayoutAdmin(HistoryAdmin):
    list_display = (
        "public_id_cell",
        "partner_cell",
        "bulk_cell",
        "account_cell",
        "amount_money",
        "status_badge",
        "created_at",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("bulk_payout", AutocompleteSelectFilter),
        ("partner", AutocompleteSelectFilter),
        ("created_at", RangeDateTimeFilter),
        ("method", ChoicesDropdownFilter),
        "is_for_test",
    )
    search_fields = ("public_id", "partner__public_id", "partner_name", "account_holder")
    list_select_related = ("partner", "bulk_payout")
    change_form_template = "admin/payouts/payout/change_form.html"
    fieldsets = (
        (
            _("지급"),
            {
                "fields": (
                    "public_id",
                    ("bulk_link", "mode"),
                    ("partner_link", "partner_type", "partner_taxation_type"),
                    ("status_label", "method", "status_updated_at"),
                    ("amount_money", "settlement_amount_money", "settlement_tax_free_amount_money"),
                    ("supply_amount_money", "vat_amount_money", "tax_free_amount_money"),
                    ("income_tax_amount_money", "local_income_tax_amount_money", "deduct_wht"),
                    ("bank_text", "account_text", "account_holder", "account_status"),
                    "fail_reason",
                    ("memo", "withdrawal_memo", "deposit_memo"),
                    ("scheduled_at", "sent_at", "attempt_count"),
                    ("settlement_statement_status", "created_at"),
                )
            },
        ),
    )

    status_badge = badge("status", _("상태"), PAYOUT_STATUS_TONES)
    amount_money = money("amount", _("지급액"), currency_field="currency")
    settlement_amount_money = money("settlement_amount", _("정산금액"), currency_field="currency")
    settlement_tax_free_amount_money = money(
        "settlement_tax_free_amount", _("정산 면세금액"), currency_field="currency"
    )
    supply_amount_money = money("supply_amount", _("공급가액"), currency_field="currency")
    vat_amount_money = money("vat_amount", _("부가세"), currency_field="currency")
    tax_free_amount_money = money("tax_free_amount", _("면세금액"), currency_field="currency")
    income_tax_amount_money = money("income_tax_amount", _("소득세"), currency_field="currency")
    local_income_tax_amount_money = money(
        "local_income_tax_amount", _("지방소득세"), currency_field="currency"
    )

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for line in self.fieldsets
            for row in line[1]["fields"]
            for name in (row if isinstance(row, tuple) else (row,))
        ]

    actions = (tax_invoice_actions.request_from_payouts,)

    def has_request_tax_invoice_permission(self, request):  # 세금계산서 역발행 요청
        return tax_invoice_actions.may_request(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    # --- list ----------------------------------------------------------------------------------

    @admin.display(description=_("아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html("{}{}", truncated(obj.public_id, "10rem"), test)

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("파트너"), ordering="partner_name")
    def partner_cell(self, obj):
        marker = (
            ""
            if obj.account_verified
            else mark_safe(
                ' <span class="money-marker" title="예금주 확인 전">⚠ 계좌 미인증</span>'
            )
        )
        return format_html(
            '{}<br><span class="muted nowrap">{}</span>{}',
            truncated(obj.partner_name, "12rem"),
            obj.partner.public_id,
            marker,
        )

    partner_cell.export = lambda obj: f"{obj.partner_name} ({obj.partner.public_id})"

    @admin.display(description=_("일괄 지급"), ordering="bulk_payout__name")
    def bulk_cell(self, obj):
        return truncated(obj.bulk_payout.name, "12rem")

    bulk_cell.export = lambda obj: obj.bulk_payout.name

    @admin.display(description=_("계좌"))
    def account_cell(self, obj):
        return format_html(
            '<span class="nowrap">{} {}</span><br><span class="muted">{}</span>',
            bank_label(obj.account_bank),
            obj.masked_account_number,
            obj.account_holder,
        )

    account_cell.export = lambda obj: obj.masked_account_number

    def export_columns(self, request) -> list[Column]:
        return [
            Column("아이디", lambda o: o.public_id),
            Column("일괄 지급", lambda o: o.bulk_payout.name),
            Column("파트너 아이디", lambda o: o.partner.public_id),
            Column("파트너", lambda o: o.partner_name),
            *seed_columns(
                request,
                bank=lambda o: o.account_bank,
                number=lambda o: o.account_number,
                holder=lambda o: o.account_holder,
                partner=lambda o: o.partner,
                amount=lambda o: o.amount,
                memo=lambda o: o.memo or o.bulk_payout.memo,
                external_memo=lambda o: o.deposit_memo,
            ),
            Column("정산금액", lambda o: o.settlement_amount, amount=True),
            Column("공급가액", lambda o: o.supply_amount, amount=True),
            Column("부가세", lambda o: o.vat_amount, amount=True),
            Column("면세금액", lambda o: o.tax_free_amount, amount=True),
            Column("소득세", lambda o: o.income_tax_amount, amount=True),
            Column("지방소득세", lambda o: o.local_income_tax_amount, amount=True),
            Column("통화", lambda o: o.currency),
            Column("상태", lambda o: o.get_status_display()),
            Column("실패 사유", lambda o: o.fail_reason or ""),
            Column("보내는 통장 메모", lambda o: o.withdrawal_memo or ""),
            Column("생성 시각", lambda o: o.created_at),
            Column("모드", lambda o: "테스트" if o.is_for_test else "운영"),
        ]

    # --- detail --------------------------------------------------------------------------------

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("일괄 지급"))
    def bulk_link(self, obj):
        url = reverse("admin:payouts_bulkpayout_change", args=[obj.bulk_payout_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.bulk_payout)

    @admin.display(description=_("파트너"))
    def partner_link(self, obj):
        url = reverse("admin:partners_partner_change", args=[obj.partner_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.partner_name)

    @admin.display(description=_("은행"))
    def bank_text(self, obj):
        return bank_label(obj.account_bank)

    @admin.display(description=_("계좌번호"))
    def account_text(self, obj):
        return obj.masked_account_number  # in full above the fields, with the permission

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            settlements = list(payout_settlements(obj).select_related("partner")[:200])
            context.update(
                title=f"지급 · {obj.partner_name} · {obj.amount:,}원 · {obj.get_status_display()}",
                subtitle=None,
                payout=obj,
                full_account_number=account_number(obj.account_number, True)
                if sees_personal_data(request)
                else "",
                settlement_rows=[
                    {
                        "settlement": s,
                        "url": reverse("admin:settlements_partnersettlement_change", args=[s.pk]),
                        "amount": won(s.amount_settlement, currency=s.settlement_currency),
                        "tone": SETTLEMENT_STATUS_TONES.get(s.status, ""),
                    }
                    for s in settlements
                ],
                statement_url=reverse("admin:payouts_payout_statement", args=[obj.pk])
                if statement_service()
                else "",
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self):
        return [
            path(
                "<int:pk>/statement.pdf",
                self.admin_site.admin_view(self.statement_view),
                name="payouts_payout_statement",
            ),
            *super().get_urls(),
        ]

    def statement_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        statements = statement_service()
        if statements is None:
            raise Http404
        payout = get_object_or_404(Payout, pk=pk)
        return statements.statement_pdf_response(payout)
