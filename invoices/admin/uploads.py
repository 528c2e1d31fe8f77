"""Bulk reverse-issuance requests in the back office (docs/invoices.md, "Bulk requests from
payouts"):

* the sheet upload page (core.admin.uploads.SheetUpload): a CSV/XLSX of requests, every row
  checked (invoices/files/bulk_sheet.py), a preview, one SHEET bulk of every row or none —
  mounted by the bulk tax invoice admin (`urls(model_admin)` in its get_urls);
* the "세금계산서 역발행 요청" actions of the bulk payout and payout lists (they add
  `request_from_bulk_payouts` / `request_from_payouts` to their actions and
  `may_request(request)` as their has_request_tax_invoice_permission): one PLATFORM bulk per
  selected bulk payout, or per mode for ticked payouts.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.admin.uploads import Checked, Done, FileRefused, SheetUpload, mode_label
from core.errors import DomainError
from core.files.sheets import SheetSpec, Table
from invoices.files import bulk_sheet
from invoices.models import BulkTaxInvoice
from invoices.services import bulk as service
from invoices.services.transitions import actor_of

PERMISSIONS = ("invoices.issue_taxinvoice", "invoices.add_bulktaxinvoice")


def may_request(request) -> bool:
    """Either permission lets a user request invoices in bulk."""
    return any(request.user.has_perm(p) for p in PERMISSIONS)


def _current_actor() -> str:
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return actor_of(user) if user is not None else "admin:sheet-upload"


class BulkInvoiceUpload(SheetUpload):
    title = "일괄 역발행 요청 파일 업로드"
    page_template = "invoices/admin/bulk_upload.html"
    permissions = ("invoices.add_bulktaxinvoice",)
    model = BulkTaxInvoice
    url_names = (
        "invoices_bulk_upload",
        "invoices_bulk_upload_confirm",
        "invoices_bulk_upload_template",
    )
    paths = ("upload/", "upload/confirm/", "upload/template/<str:fmt>/")
    template_filename = "bulk-tax-invoices-template"

    def check(self, table: Table, *, is_for_test: bool) -> Checked:
        checked = bulk_sheet.check_table(table, is_for_test=is_for_test)
        if checked.errors:
            return Checked(errors=checked.errors)
        return Checked(
            count=len(checked.rows),
            context={"totals": checked.totals(), "preview": checked.preview()},
        )

    def commit(self, table: Table, *, is_for_test: bool) -> Done:
        done = bulk_sheet.commit_table(table, is_for_test=is_for_test, actor=_current_actor())
        if done.errors:
            raise FileRefused(done.errors)
        count = len(done.rows)
        return Done(
            count=count,
            message=f"세금계산서 {count:,}건의 역발행을 {mode_label(is_for_test)} 모드로 "
            f"요청했습니다 (일괄 세금계산서 {done.bulk.public_id}).",
        )

    def template_sheet(self) -> SheetSpec:
        return bulk_sheet.template_sheet()


BULK_INVOICES = BulkInvoiceUpload()


def urls(model_admin) -> list:
    """The upload pages the bulk tax invoice admin puts before its own URLs."""
    return BULK_INVOICES.urls(model_admin.admin_site.admin_view)


# --- the actions on the payout lists ------------------------------------------------------------


def _report(modeladmin, request, bulk: BulkTaxInvoice) -> None:
    url = reverse("admin:invoices_bulktaxinvoice_change", args=[bulk.pk])
    skipped = service.skipped_text((bulk.selection or {}).get("skipped") or {})
    waiting = bulk.status == "REQUEST_PENDING"
    text = (
        "백그라운드에서 요청하는 중입니다"
        if waiting
        else f"{bulk.total_invoice_count:,}건을 요청했습니다"
    )
    modeladmin.message_user(
        request,
        format_html(
            '<a class="underline" href="{}">일괄 세금계산서 {}</a>: {}{}',
            url,
            bulk.public_id,
            text,
            f" (건너뜀: {skipped})" if skipped else "",
        ),
        messages.SUCCESS,
    )


def _request(modeladmin, request, **selection) -> None:
    try:
        bulk = service.bulk_from_payouts(**selection, actor=actor_of(request.user))
    except DomainError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    _report(modeladmin, request, bulk)


@admin.action(description=_("세금계산서 역발행 요청"), permissions=["request_tax_invoice"])
def request_from_bulk_payouts(modeladmin, request, queryset):
    for bulk_payout in queryset.order_by("pk"):
        _request(
            modeladmin,
            request,
            bulk_payout_public_id=bulk_payout.public_id,
            is_for_test=bulk_payout.is_for_test,
            name=f"{bulk_payout.name} 세금계산서",
        )


@admin.action(description=_("세금계산서 역발행 요청"), permissions=["request_tax_invoice"])
def request_from_payouts(modeladmin, request, queryset):
    for mode in sorted(set(queryset.values_list("is_for_test", flat=True))):
        ids = list(queryset.filter(is_for_test=mode).values_list("public_id", flat=True))
        _request(modeladmin, request, payout_ids=ids, is_for_test=mode)
