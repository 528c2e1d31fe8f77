"""Bulk tax invoices (일괄 세금계산서) in the back office (docs/invoices.md#admin): the list,
and the page of one with its progress — how many invoices and how much in each status, one
GROUP BY over its invoices — and a link to its invoices in the tax-invoice list."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateTimeFilter

from core.admin.base import ModelAdmin
from core.admin.display import DANGER, INFO, NEUTRAL, PRIMARY, SUCCESS, WARNING, badge, money, won
from invoices.admin import uploads  # the sheet upload pages (엑셀로 일괄 역발행)
from invoices.admin.tax_invoices import STATUS_TONES
from invoices.domain.statuses import LABELS, BulkStatus, Status
from invoices.models import BulkTaxInvoice, TaxInvoice

BULK_STATUS_TONES = {
    BulkStatus.DRAFT_PENDING: NEUTRAL,
    BulkStatus.DRAFTED: NEUTRAL,
    BulkStatus.REQUEST_PENDING: INFO,
    BulkStatus.ISSUE_PENDING: INFO,
    BulkStatus.IN_PROGRESS: PRIMARY,
    BulkStatus.COMPLETED: SUCCESS,
    BulkStatus.FAILED: DANGER,
    BulkStatus.CANCELLED: WARNING,
}


def progress(bulk: BulkTaxInvoice) -> list[tuple[str, int, int]]:
    """(status, count, amount sum) of the bulk's invoices, in the order of Status; one query."""
    rows = (
        TaxInvoice.objects.filter(bulk=bulk, deleted_at__isnull=True)
        .values("status")
        .annotate(count=Count("id"), amount=Sum("total_amount"))
        .order_by()
    )
    found = {r["status"]: (r["count"], r["amount"] or 0) for r in rows}
    order = [s.value for s in Status]
    return [
        (status, *found[status])
        for status in sorted(found, key=lambda s: order.index(s) if s in order else len(order))
    ]


@admin.register(BulkTaxInvoice)
class BulkTaxInvoiceAdmin(ModelAdmin):
    def get_urls(self):
        return [*uploads.urls(self), *super().get_urls()]

    list_display = (
        "public_id",
        "name",
        "status_badge",
        "source_type",
        "issuance_type",
        "total_invoice_count",
        "total_amount_money",
        "created_at",
        "requested_at",
    )
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("source_type", ChoicesDropdownFilter),
        ("issuance_type", ChoicesDropdownFilter),
        ("created_at", RangeDateTimeFilter),
        "is_for_test",
    )
    search_fields = ("=public_id", "name", "creator_name")
    ordering = ("-created_at", "-id")
    fieldsets = (
        (_("진행 상황"), {"fields": ("progress_table", "invoices_link")}),
        (
            _("일괄 세금계산서"),
            {
                "fields": (
                    ("public_id", "name", "mode"),
                    ("status_label", "status_updated_at"),
                    ("source_type", "issuance_type", "bulk_payout"),
                    ("total_invoice_count", "total_amount_money"),
                    ("scheduled_at", "requested_at", "created_at"),
                    ("creator_name", "error"),
                )
            },
        ),
    )

    status_badge = badge("status", _("상태"), BULK_STATUS_TONES)
    total_amount_money = money("total_amount", _("합계금액"))

    def get_readonly_fields(self, request, obj=None):
        return [
            name
            for line in self.fieldsets
            for row in line[1]["fields"]
            for name in (row if isinstance(row, tuple) else (row,))
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("상태별 건수·금액"))
    def progress_table(self, obj):
        rows = progress(obj)
        if not rows:
            return "세금계산서가 아직 없습니다."
        total_count = sum(c for _s, c, _a in rows)
        total_amount = sum(a for _s, _c, a in rows)
        url = reverse("admin:invoices_taxinvoice_changelist")
        body = format_html_join(
            "",
            '<tr data-status="{}"><td><a class="underline" '
            'href="{}?bulk__exact={}&status__exact={}"><span class="badge {}">{}</span></a></td>'
            '<td class="num">{}</td>'
            '<td class="num">{}</td></tr>',
            (
                (
                    status,
                    url,
                    obj.pk,
                    status,
                    STATUS_TONES.get(status, ""),
                    LABELS.get(status, status),
                    f"{count:,}건",
                    won(amount),
                )
                for status, count, amount in rows
            ),
        )
        return format_html(
            '<table class="data" id="bulk-progress"><thead><tr><th>상태</th>'
            '<th class="num">건수</th><th class="num">합계금액</th></tr></thead><tbody>{}</tbody>'
            '<tfoot><tr><th>합계</th><th class="num">{}</th><th class="num">{}</th></tr></tfoot>'
            "</table>",
            body,
            f"{total_count:,}건",
            won(total_amount),
        )

    @admin.display(description=_("세금계산서"))
    def invoices_link(self, obj):
        url = reverse("admin:invoices_taxinvoice_changelist")
        return format_html(
            '<a class="underline" id="bulk-invoices" href="{}?bulk__exact={}">이 일괄 요청의 '
            "세금계산서 보기</a>",
            url,
            obj.pk,
        )
