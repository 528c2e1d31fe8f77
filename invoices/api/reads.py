"""The reads of tax invoices in the B2B API (SDK 0.21.0 b2b.tax_invoice):

* `GET /b2b/tax-invoices` (get_b2b_tax_invoices): the search, one page; `test` is inside the
  requestBody for this endpoint (a query `test` also works and wins).
* `GET /b2b/tax-invoices-sheet` (download_b2b_tax_invoices_sheet): the same search as a CSV, the
  columns `fields[]` chooses, in that order (all, in the SDK's order, when none); Korean headers;
  UTF-8 with a BOM so Excel opens it; amounts as integers; streamed.
* `GET /b2b/tax-invoices/{key}/pdf-download-url`, `…/print-url`, `…/popup-url` → `{url}`: signed
  URLs to our own viewer (invoices.portal.viewer), valid INVOICE_VIEWER_URL_MINUTES.

docs/invoices.md#search-and-sheet, #pdf-and-viewer-urls.
"""

from __future__ import annotations

import csv
from typing import Any

from django.http import StreamingHttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.views import PortOneApiView, paginate, parse_bool, request_body
from core.inputs import validated
from invoices.api.outputs import tax_invoice_summary_json
from invoices.inputs import reads as inputs
from invoices.models import TaxInvoice
from invoices.selectors.tax_invoices import SUMMARY_RELATED, tax_invoices
from invoices.services import viewer
from invoices.services.addressing import get_invoice

SHEET_CHUNK = 2_000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _test_mode(request, data: dict) -> bool:
    """Query `test` (as on other endpoints) wins, else the requestBody's `test`, else false."""
    raw = request.query_params.get("test")
    if raw:
        return parse_bool(raw, "test")
    return bool(data.get("test"))


class TaxInvoicesView(PortOneApiView):
    @extend_schema(
        summary="세금계산서 다건 조회",
        description=(
            "조건에 맞는 세금계산서를 한 페이지 조회합니다. requestBody(JSON)에 test, pageNumber "
            "(기본 0), pageSize(기본 500, 최대 1000), filter, sort(기본 STATUS_UPDATED_AT DESC)를 "
            "넣습니다. primaryFilter는 한 가지만 쓸 수 있고, 없으면 최근 한 달의 등록일 기준입니다."
        ),
    )
    def get(self, request):
        data = validated(inputs.TaxInvoicesInput, request_body(request))
        search = inputs.search_of(data.get("filter"), data.get("sort"))
        qs = tax_invoices(search, is_for_test=_test_mode(request, data)).select_related(
            *SUMMARY_RELATED
        )
        items, page = paginate(qs, inputs.page_of(data))
        return Response({"items": [tax_invoice_summary_json(i) for i in items], "page": page})


# --- the sheet ------------------------------------------------------------------------------------


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _items_text(inv: TaxInvoice) -> str:
    """The NTS way of naming the items: the first one's name, "외 N건" for the rest."""
    items = inv.items or []
    if not items:
        return ""
    first = (items[0] or {}).get("name") or "-"
    return f"{first} 외 {len(items) - 1}건" if len(items) > 1 else first


SHEET_VALUES: dict[str, Any] = {
    "STATUS": lambda i: i.get_status_display(),
    "CANCEL_REASON": lambda i: i.cancel_reason or "",
    "ISSUANCE_TYPE": lambda i: i.get_issuance_type_display(),
    "DOCUMENT_MODIFICATION_TYPE": lambda i: i.get_document_modification_type_display(),
    "IS_DELAYED": lambda i: "" if i.is_delayed is None else ("예" if i.is_delayed else "아니오"),
    "WRITE_DATE": lambda i: i.write_date.isoformat(),
    "ISSUANCE_DUE_DATE": lambda i: i.issuance_due_date.isoformat(),
    "TAXATION_TYPE": lambda i: i.get_taxation_type_display(),
    "PURPOSE_TYPE": lambda i: i.get_purpose_type_display(),
    "SUPPLIER_COMPANY_NAME": lambda i: i.supplier_name,
    "SUPPLIER_BRN": lambda i: i.supplier_brn,
    "SUPPLIER_REPRESENTATIVE_NAME": lambda i: i.supplier_representative_name,
    "TOTAL_AMOUNT": lambda i: i.total_amount,
    "TOTAL_SUPPLY_AMOUNT": lambda i: i.total_supply_amount,
    "TOTAL_TAX_AMOUNT": lambda i: i.total_tax_amount,
    "MEMO": lambda i: i.memo or "",
    "REQUESTED_AT": lambda i: _local(i.requested_at),
    "ISSUED_AT": lambda i: _local(i.issued_at),
    "NTS_SENT_AT": lambda i: _local(i.nts_sent_at),
    "STATUS_UPDATED_AT": lambda i: _local(i.status_updated_at),
    "BULK_TAX_INVOICE_ID": lambda i: i.bulk.public_id if i.bulk_id else "",
    "PLAIN_ID": lambda i: i.public_id,
    "SUPPLIER_DOCUMENT_KEY": lambda i: i.supplier_document_key or "",
    "RECIPIENT_DOCUMENT_KEY": lambda i: i.recipient_document_key or "",
    "RECIPIENT_COMPANY_NAME": lambda i: i.recipient_name,
    "RECIPIENT_BRN": lambda i: i.recipient_brn,
    "RECIPIENT_REPRESENTATIVE_NAME": lambda i: i.recipient_representative_name,
    "SUPPLIER_COUNTERPARTY_ID": lambda i: (
        i.supplier_counterparty.public_id if i.supplier_counterparty_id else ""
    ),
    "RECIPIENT_COUNTERPARTY_ID": lambda i: (
        i.recipient_counterparty.public_id if i.recipient_counterparty_id else ""
    ),
    "PAYOUT_ID": lambda i: i.payout.public_id if i.payout_id else "",
    "ITEMS": _items_text,
}


def _cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; numbers stay."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


def sheet_rows(qs, fields: list[str]):
    """The CSV as text chunks: the BOM, the header row, one line per invoice."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([inputs.SHEET_FIELDS[f] for f in fields])
    getters = [SHEET_VALUES[f] for f in fields]
    for inv in qs.iterator(chunk_size=SHEET_CHUNK):
        yield writer.writerow([_cell(get(inv)) for get in getters])


class TaxInvoicesSheetView(PortOneApiView):
    @extend_schema(
        summary="세금계산서 엑셀 파일(csv) 다운로드",
        description=(
            "다건 조회와 같은 filter, sort로 찾은 세금계산서를 CSV(UTF-8, BOM 포함)로 "
            "내려받습니다. fields로 열과 순서를 고릅니다(없으면 전체). "
            "금액은 정수, 일시는 KST입니다."
        ),
    )
    def get(self, request):
        data = validated(inputs.TaxInvoicesSheetInput, request_body(request))
        search = inputs.search_of(data.get("filter"), data.get("sort"))
        qs = tax_invoices(search, is_for_test=_test_mode(request, data)).select_related(
            *SUMMARY_RELATED
        )
        fields = list(dict.fromkeys(data.get("fields") or inputs.SHEET_FIELDS))
        response = StreamingHttpResponse(
            sheet_rows(qs, fields), content_type="text/csv; charset=utf-8"
        )
        day = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="tax-invoices-{day}.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


# --- viewer URLs ------------------------------------------------------------------------------


class _ViewerUrlView(PortOneApiView):
    kind = ""

    def get(self, request, key: str):
        data = validated(inputs.ViewerUrlInput, request.query_params.dict())
        test = request.query_params.get("test")
        invoice = get_invoice(
            key,
            data.get("taxInvoiceKeyType"),
            data.get("brn"),
            is_for_test=parse_bool(test, "test") if test else False,
        )
        include_menu = data.get("includeMenu", True)
        return Response({"url": viewer.viewer_url(invoice, self.kind, include_menu=include_menu)})


class PdfDownloadUrlView(_ViewerUrlView):
    kind = "pdf"

    @extend_schema(
        summary="세금계산서 PDF 다운로드 URL 조회",
        description="세금계산서 PDF를 내려받는 짧은 유효 시간의 서명된 URL을 돌려줍니다.",
    )
    def get(self, request, key: str):
        return super().get(request, key)


class PrintUrlView(_ViewerUrlView):
    kind = "print"

    @extend_schema(
        summary="세금계산서 프린트 URL 조회",
        description="세금계산서 인쇄 화면의 짧은 유효 시간의 서명된 URL을 돌려줍니다.",
    )
    def get(self, request, key: str):
        return super().get(request, key)


class PopupUrlView(_ViewerUrlView):
    kind = "popup"

    @extend_schema(
        summary="세금계산서 팝업 URL 조회",
        description=(
            "세금계산서 팝업 화면의 짧은 유효 시간의 서명된 URL을 돌려줍니다. includeMenu=false면 "
            "메뉴(인쇄, PDF) 없이 문서만 보입니다."
        ),
    )
    def get(self, request, key: str):
        return super().get(request, key)


urlpatterns = [
    path("tax-invoices", TaxInvoicesView.as_view()),
    path("tax-invoices-sheet", TaxInvoicesSheetView.as_view()),
    path("tax-invoices/<str:key>/pdf-download-url", PdfDownloadUrlView.as_view()),
    path("tax-invoices/<str:key>/print-url", PrintUrlView.as_view()),
    path("tax-invoices/<str:key>/popup-url", PopupUrlView.as_view()),
]
