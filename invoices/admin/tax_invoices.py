"""Tax invoices (세금계산서) in the back office (docs/invoices.md#admin).

* The list: status badges; filters by status, write date, registration time, partner (a BRN or a
  counterparty id, either side), taxation type, document type, issuance type, bulk, mode; search by
  id, document keys, BRNs, names, approval number; the Excel download with the seeds' columns.
* The page of one: read-only, the document as the NTS lays it out
  (templates/invoices/_document.html), its history (TaxInvoiceEvent) and the messages sent
  about it (Notification).
* Actions, on the list (each selected row, each refusal reported with its reason) and on the
  page: 역발행 요청, 요청 재발송, 요청 취소, 발행 취소, 국세청 전송 (invoices.issue_taxinvoice),
  PDF 다운로드 (view permission; several selected give a ZIP).
The services decide: a refused action is a core.errors.DomainError reported as a message.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from importlib import import_module

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from unfold.contrib.filters.admin import (
    ChoicesDropdownFilter,
    RangeDateFilter,
    RangeDateTimeFilter,
    TextFilter,
)
from unfold.decorators import action

from core.admin.base import ModelAdmin, TabularInline
from core.admin.display import DANGER, INFO, NEUTRAL, PRIMARY, SUCCESS, WARNING, badge, brn, money
from core.admin.exports import Column
from core.errors import DomainError
from invoices.domain.statuses import Status
from invoices.models import Notification, TaxInvoice, TaxInvoiceEvent
from payouts.admin.common import confirm_page

ISSUE_PERMISSION = "invoices.issue_taxinvoice"
PDF_ZIP_MAX = 100

STATUS_TONES = {
    Status.DRAFTED: NEUTRAL,
    Status.DRAFT_PENDING: NEUTRAL,
    Status.DRAFT_FAILED: DANGER,
    Status.REQUESTED: INFO,
    Status.REQUEST_PENDING: INFO,
    Status.REQUEST_FAILED: DANGER,
    Status.REQUEST_CANCELLED: WARNING,
    Status.REQUEST_REFUSED: WARNING,
    Status.ISSUED: PRIMARY,
    Status.ISSUE_PENDING: PRIMARY,
    Status.ISSUE_FAILED: DANGER,
    Status.ISSUANCE_CANCELLED: WARNING,
    Status.CANCEL_PENDING: WARNING,
    Status.BEFORE_SENDING: PRIMARY,
    Status.WAITING_SENDING: PRIMARY,
    Status.SENDING: PRIMARY,
    Status.SENDING_PENDING: PRIMARY,
    Status.SENDING_COMPLETED: SUCCESS,
    Status.SENDING_FAILED: DANGER,
}


def actor_of(request) -> str:
    return f"admin:{request.user.get_username()}"


def _service(module: str, name: str) -> Callable:
    """A service function, imported when used: a missing one is reported like a refusal."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):

        def missing(invoice, *, actor, **kwargs):
            raise DomainError("NOT_AVAILABLE", "이 기능은 아직 사용할 수 없습니다.")

        return missing


#: action name -> (label, module, function, success message)
WRITE_ACTIONS = {
    "request": (
        _("역발행 요청"),
        "invoices.services.tax_invoices",
        "request",
        "역발행을 요청했습니다",
    ),
    "resend_request": (
        _("요청 재발송"),
        "invoices.services.notifications",
        "resend_request",
        "요청을 다시 보냈습니다",
    ),
    "cancel_request": (
        _("요청 취소"),
        "invoices.services.tax_invoices",
        "cancel_request",
        "요청을 취소했습니다",
    ),
    "cancel_issuance": (
        _("발행 취소"),
        "invoices.services.tax_invoices",
        "cancel_issuance",
        "발행을 취소했습니다",
    ),
    "send_to_nts": (
        _("국세청 전송"),
        "invoices.services.transmission",
        "send_to_nts",
        "국세청 전송을 시작했습니다",
    ),
}


#: the actions that take a reason (memo)
WITH_MEMO = ("cancel_request", "cancel_issuance")


class MemoForm(forms.Form):
    memo = forms.CharField(label=_("사유"), required=False, max_length=500)


def run_action(
    name: str, invoices, actor: str, memo: str = ""
) -> tuple[list[TaxInvoice], list[str]]:
    """Run one write action on each invoice, each in its own transaction: (done, refusals)."""
    _label, module, function, _ok = WRITE_ACTIONS[name]
    call = _service(module, function)
    extra = {"memo": memo} if memo and name in WITH_MEMO else {}
    done, refused = [], []
    for invoice in invoices:
        try:
            with transaction.atomic():
                done.append(call(invoice, actor=actor, **extra))
        except DomainError as exc:
            refused.append(f"{invoice.public_id}: {exc.message or exc.code}")
    return done, refused


def report(request, name: str, done: list, refused: list[str]) -> None:
    label, _module, _function, ok = WRITE_ACTIONS[name]
    if done:
        messages.success(request, f"{len(done):,}건 {ok}.")
    if refused:
        shown = refused[:20]
        more = f" 외 {len(refused) - len(shown):,}건" if len(refused) > len(shown) else ""
        messages.error(request, f"{label}: {len(refused):,}건 거절 — " + " / ".join(shown) + more)


class PartnerFilter(TextFilter):
    """거래처: a BRN (either party) or a counterparty id (either side)."""

    title = _("거래처 (사업자번호·거래처 아이디)")
    parameter_name = "partner"

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        digits = value.replace("-", "")
        return queryset.filter(
            Q(supplier_brn=digits)
            | Q(recipient_brn=digits)
            | Q(supplier_counterparty__public_id=value)
            | Q(recipient_counterparty__public_id=value)
        )


class EventInline(TabularInline):
    model = TaxInvoiceEvent
    verbose_name_plural = _("이력")
    fields = ("at", "action", "from_status", "to_status", "actor", "memo")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NotificationInline(TabularInline):
    model = Notification
    verbose_name_plural = _("발송 기록")
    fields = ("created_at", "channel", "kind", "to", "state", "attempts", "sent_at", "error")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TaxInvoice)
class TaxInvoiceAdmin(ModelAdmin):
    list_display = (
        "public_id_cell",
        "status_badge",
        "issuance_type",
        "document_cell",
        "write_date",
        "issuance_due_date",
        "supplier_cell",
        "recipient_cell",
        "total_supply_amount_money",
        "total_tax_amount_money",
        "total_amount_money",
        "nts_approval_number",
    )
    list_display_links = ("public_id_cell",)
    list_filter = (
        ("status", ChoicesDropdownFilter),
        ("write_date", RangeDateFilter),
        ("created_at", RangeDateTimeFilter),
        PartnerFilter,
        ("taxation_type", ChoicesDropdownFilter),
        ("document_modification_type", ChoicesDropdownFilter),
        ("modification_type", ChoicesDropdownFilter),
        ("issuance_type", ChoicesDropdownFilter),
        ("purpose_type", ChoicesDropdownFilter),
        "is_delayed",
        "is_for_test",
    )
    search_fields = (
        "=public_id",
        "=supplier_document_key",
        "=recipient_document_key",
        "=supplier_brn",
        "=recipient_brn",
        "=nts_approval_number",
        "supplier_name",
        "recipient_name",
    )
    list_select_related = ("bulk", "payout")
    ordering = ("-status_updated_at", "-id")
    inlines = (EventInline, NotificationInline)
    actions = (
        "request_selected",
        "resend_request_selected",
        "cancel_request_selected",
        "cancel_issuance_selected",
        "send_to_nts_selected",
        "pdf_selected",
    )
    actions_detail = (
        "request_detail",
        "resend_request_detail",
        "cancel_request_detail",
        "cancel_issuance_detail",
        "send_to_nts_detail",
        "pdf_detail",
    )
    fieldsets = (
        (None, {"fields": ("document",)}),
        (
            _("세금계산서"),
            {
                "fields": (
                    ("public_id", "mode"),
                    ("status_label", "status_updated_at", "cancel_reason"),
                    ("issuance_type", "taxation_type", "purpose_type"),
                    ("document_modification_type", "modification_type", "original_link"),
                    ("write_date", "issuance_due_date", "is_delayed"),
                    ("supplier_document_key", "recipient_document_key"),
                    ("bulk_link", "payout_link"),
                    ("drafted_at", "requested_at", "issued_at", "opened_at"),
                    ("link_sent_count", "link_sent_at", "link_expires_at"),
                    ("nts_due_at", "nts_sent_at", "nts_approval_number"),
                    ("nts_result_code", "nts_result", "nts_result_received_at"),
                    "memo",
                    ("created_at", "deleted_at"),
                )
            },
        ),
    )

    status_badge = badge("status", _("상태"), STATUS_TONES)
    total_supply_amount_money = money("total_supply_amount", _("공급가액"))
    total_tax_amount_money = money("total_tax_amount", _("세액"))
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

    def has_issue_permission(self, request, obj=None):
        return request.user.has_perm(ISSUE_PERMISSION)

    # --- list ----------------------------------------------------------------------------------

    @admin.display(description=_("아이디"), ordering="public_id")
    def public_id_cell(self, obj):
        test = mark_safe(' <span class="muted">테스트</span>') if obj.is_for_test else ""
        return format_html('<span class="nowrap">{}</span>{}', obj.public_id, test)

    public_id_cell.export = lambda obj: obj.public_id

    @admin.display(description=_("문서"))
    def document_cell(self, obj):
        kind = obj.document_title
        if obj.document_modification_type == "MODIFICATION":
            kind = f"수정 {kind}"
        return format_html(
            '{}<br><span class="muted">{}</span>', kind, obj.get_taxation_type_display()
        )

    document_cell.export = lambda obj: obj.get_document_modification_type_display()

    @admin.display(description=_("공급자"), ordering="supplier_name")
    def supplier_cell(self, obj):
        return format_html(
            '{}<br><span class="muted nowrap">{}</span>', obj.supplier_name, brn(obj.supplier_brn)
        )

    supplier_cell.export = lambda obj: obj.supplier_name

    @admin.display(description=_("공급받는자"), ordering="recipient_name")
    def recipient_cell(self, obj):
        return format_html(
            '{}<br><span class="muted nowrap">{}</span>', obj.recipient_name, brn(obj.recipient_brn)
        )

    recipient_cell.export = lambda obj: obj.recipient_name

    def export_columns(self, request) -> list[Column]:
        """The seeds' columns first (상태 … 영수/청구), then the parties, amounts and number."""
        return [
            Column("아이디", lambda o: o.public_id),
            Column("상태", lambda o: o.get_status_display()),
            Column("취소사유", lambda o: o.cancel_reason or ""),
            Column("발행유형", lambda o: o.get_issuance_type_display()),
            Column("문서형태", lambda o: o.get_document_modification_type_display()),
            Column("작성일자", lambda o: o.write_date),
            Column("발행마감일", lambda o: o.issuance_due_date),
            Column("과세형태", lambda o: o.get_taxation_type_display()),
            Column("영수/청구", lambda o: o.get_purpose_type_display()),
            Column("공급자 상호", lambda o: o.supplier_name),
            Column("공급자 사업자번호", lambda o: o.supplier_brn),
            Column("공급받는자 상호", lambda o: o.recipient_name),
            Column("공급받는자 사업자번호", lambda o: o.recipient_brn),
            Column("공급가액", lambda o: o.total_supply_amount, amount=True),
            Column("세액", lambda o: o.total_tax_amount, amount=True),
            Column("합계금액", lambda o: o.total_amount, amount=True),
            Column("승인번호", lambda o: o.nts_approval_number or ""),
            Column("수정사유", lambda o: o.get_modification_type_display() or ""),
            Column("일괄 세금계산서", lambda o: o.bulk.public_id if o.bulk_id else ""),
            Column("지급 아이디", lambda o: o.payout.public_id if o.payout_id else ""),
            Column("상태 변경 시각", lambda o: o.status_updated_at),
            Column("모드", lambda o: "테스트" if o.is_for_test else "운영"),
        ]

    # --- detail --------------------------------------------------------------------------------

    @admin.display(description=_("문서"))
    def document(self, obj):
        return mark_safe(render_to_string("invoices/_document.html", {"invoice": obj}))

    @admin.display(description=_("모드"))
    def mode(self, obj):
        return "테스트" if obj.is_for_test else "운영"

    @admin.display(description=_("상태"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("원본"))
    def original_link(self, obj):
        if not obj.original_id:
            return "-"
        url = reverse("admin:invoices_taxinvoice_change", args=[obj.original_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.original.public_id)

    @admin.display(description=_("일괄 세금계산서"))
    def bulk_link(self, obj):
        if not obj.bulk_id:
            return "-"
        url = reverse("admin:invoices_bulktaxinvoice_change", args=[obj.bulk_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.bulk)

    @admin.display(description=_("지급"))
    def payout_link(self, obj):
        if not obj.payout_id:
            return "-"
        url = reverse("admin:payouts_payout_change", args=[obj.payout_id])
        return format_html('<a class="underline" href="{}">{}</a>', url, obj.payout.public_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = dict(extra_context or {})
        obj = self.get_object(request, object_id)
        if obj is not None:
            context["title"] = (
                f"{obj.document_title} · {obj.supplier_name} → {obj.recipient_name} · "
                f"{obj.total_amount:,}원 · {obj.get_status_display()}"
            )
            context["subtitle"] = None
        return super().change_view(request, object_id, form_url, context)

    # --- actions -------------------------------------------------------------------------------

    def _selected(self, request, queryset, name):
        if not self.has_issue_permission(request):
            raise PermissionDenied
        done, refused = run_action(name, queryset.order_by("pk"), actor_of(request))
        report(request, name, done, refused)

    @admin.action(description=_("역발행 요청"), permissions=["issue"])
    def request_selected(self, request, queryset):
        self._selected(request, queryset, "request")

    @admin.action(description=_("요청 재발송"), permissions=["issue"])
    def resend_request_selected(self, request, queryset):
        self._selected(request, queryset, "resend_request")

    @admin.action(description=_("요청 취소"), permissions=["issue"])
    def cancel_request_selected(self, request, queryset):
        self._selected(request, queryset, "cancel_request")

    @admin.action(description=_("발행 취소"), permissions=["issue"])
    def cancel_issuance_selected(self, request, queryset):
        self._selected(request, queryset, "cancel_issuance")

    @admin.action(description=_("국세청 전송"), permissions=["issue"])
    def send_to_nts_selected(self, request, queryset):
        self._selected(request, queryset, "send_to_nts")

    @admin.action(description=_("PDF 다운로드"), permissions=["view"])
    def pdf_selected(self, request, queryset):
        from invoices.services import pdf

        invoices = list(queryset.order_by("pk")[: PDF_ZIP_MAX + 1])
        if len(invoices) > PDF_ZIP_MAX:
            messages.error(request, f"PDF는 한 번에 {PDF_ZIP_MAX}건까지 내려받을 수 있습니다.")
            return None
        if len(invoices) == 1:
            return pdf.invoice_pdf_response(invoices[0])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for invoice in invoices:
                archive.writestr(pdf.invoice_filename(invoice), pdf.invoice_pdf(invoice))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="tax-invoices.zip"'
        return response

    def _detail(self, request, object_id, name):
        """GET: what will happen and the button (a POST, CSRF-protected); POST: do it."""
        invoice = get_object_or_404(TaxInvoice, pk=object_id)
        back = reverse("admin:invoices_taxinvoice_change", args=[invoice.pk])
        label = WRITE_ACTIONS[name][0]
        form = MemoForm(request.POST or None) if name in WITH_MEMO else None
        if request.method == "POST" and (form is None or form.is_valid()):
            memo = form.cleaned_data["memo"] if form is not None else ""
            done, refused = run_action(name, [invoice], actor_of(request), memo)
            report(request, name, done, refused)
            return redirect(back)
        return confirm_page(
            request,
            self,
            title=f"{label} 확인",
            context={
                "action_label": label,
                "danger": name in WITH_MEMO,
                "form": form,
                "summary": (
                    f"{invoice.document_title} {invoice.public_id} "
                    f"({invoice.supplier_name} → {invoice.recipient_name}, "
                    f"{invoice.total_amount:,}원, {invoice.get_status_display()})에 "
                    f"'{label}'을(를) 실행합니다."
                ),
                "cancel_url": back,
            },
        )

    @action(description=_("역발행 요청"), url_path="request", permissions=["issue"])
    def request_detail(self, request, object_id):
        return self._detail(request, object_id, "request")

    @action(description=_("요청 재발송"), url_path="resend", permissions=["issue"])
    def resend_request_detail(self, request, object_id):
        return self._detail(request, object_id, "resend_request")

    @action(description=_("요청 취소"), url_path="cancel-request", permissions=["issue"])
    def cancel_request_detail(self, request, object_id):
        return self._detail(request, object_id, "cancel_request")

    @action(description=_("발행 취소"), url_path="cancel-issuance", permissions=["issue"])
    def cancel_issuance_detail(self, request, object_id):
        return self._detail(request, object_id, "cancel_issuance")

    @action(description=_("국세청 전송"), url_path="send-to-nts", permissions=["issue"])
    def send_to_nts_detail(self, request, object_id):
        return self._detail(request, object_id, "send_to_nts")

    @action(description=_("PDF 다운로드"), url_path="pdf", icon="picture_as_pdf")
    def pdf_detail(self, request, object_id):
        from invoices.services import pdf

        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(TaxInvoice, pk=object_id)
        return pdf.invoice_pdf_response(invoice)

    def get_urls(self):
        return [
            path(
                "<int:pk>/document.pdf",
                self.admin_site.admin_view(self.pdf_view),
                name="invoices_taxinvoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk: int):
        return self.pdf_detail(request, pk)
