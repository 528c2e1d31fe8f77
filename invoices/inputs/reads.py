"""Input of the tax-invoice reads: `GET /b2b/tax-invoices` and `GET /b2b/tax-invoices-sheet`
(their `requestBody`, SDK 0.21.0 GetB2bTaxInvoicesBody / DownloadB2bTaxInvoicesSheetBody), and the
viewer URLs' query. `search_of` turns the validated filter and sort into the selector's
InvoiceSearch (docs/invoices.md#search-and-sheet)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from core.inputs import MAX_PAGE_SIZE, choice_list
from invoices.domain.statuses import (
    DocumentModificationType,
    IssuanceType,
    PurposeType,
    Status,
    TaxationType,
)
from invoices.selectors.tax_invoices import (
    DATE_TYPES,
    SORT_FIELDS,
    SORT_ORDERS,
    DateRange,
    InvoiceSearch,
)

DEFAULT_PAGE_SIZE = 500  # the SDK's default for this list (not the API-wide 20)

#: TaxInvoicesSheetField -> the column's Korean header, in the SDK's order (also the default)
SHEET_FIELDS: dict[str, str] = {
    "STATUS": "상태",
    "CANCEL_REASON": "취소사유",
    "ISSUANCE_TYPE": "발행유형",
    "DOCUMENT_MODIFICATION_TYPE": "문서형태",
    "IS_DELAYED": "지연발행",
    "WRITE_DATE": "작성일자",
    "ISSUANCE_DUE_DATE": "발행마감일",
    "TAXATION_TYPE": "과세형태",
    "PURPOSE_TYPE": "영수/청구",
    "SUPPLIER_COMPANY_NAME": "공급자 상호",
    "SUPPLIER_BRN": "공급자 사업자등록번호",
    "SUPPLIER_REPRESENTATIVE_NAME": "공급자 대표자명",
    "TOTAL_AMOUNT": "합계금액",
    "TOTAL_SUPPLY_AMOUNT": "공급가액",
    "TOTAL_TAX_AMOUNT": "세액",
    "MEMO": "메모",
    "REQUESTED_AT": "요청일시",
    "ISSUED_AT": "발행일시",
    "NTS_SENT_AT": "국세청 전송일시",
    "STATUS_UPDATED_AT": "상태 변경일시",
    "BULK_TAX_INVOICE_ID": "일괄 세금계산서 아이디",
    "PLAIN_ID": "세금계산서 아이디",
    "SUPPLIER_DOCUMENT_KEY": "공급자 문서번호",
    "RECIPIENT_DOCUMENT_KEY": "공급받는자 문서번호",
    "RECIPIENT_COMPANY_NAME": "공급받는자 상호",
    "RECIPIENT_BRN": "공급받는자 사업자등록번호",
    "RECIPIENT_REPRESENTATIVE_NAME": "공급받는자 대표자명",
    "SUPPLIER_COUNTERPARTY_ID": "공급자 거래처 아이디",
    "RECIPIENT_COUNTERPARTY_ID": "공급받는자 거래처 아이디",
    "PAYOUT_ID": "지급 아이디",
    "ITEMS": "품목",
}

PRIMARY_KEYS = (
    "dateFilter",
    "taxInvoiceId",
    "bulkTaxInvoiceId",
    "ntsApprovalNumber",
    "supplierDocumentKey",
    "recipientDocumentKey",
    "taxInvoiceIds",
    "payoutId",
)


class DateRangeInput(serializers.Serializer):
    """DateRangeOption `{from?, until?}` (yyyy-MM-dd, both days included)."""

    until = serializers.DateField(required=False, format="%Y-%m-%d", input_formats=["%Y-%m-%d"])

    def get_fields(self):
        fields = super().get_fields()
        # `from` is a Python keyword: declared here rather than as a class attribute
        fields["from"] = serializers.DateField(required=False, input_formats=["%Y-%m-%d"])
        return fields

    def validate(self, attrs):
        start, end = attrs.get("from"), attrs.get("until")
        if start and end and start > end:
            raise serializers.ValidationError({"from": ["until보다 늦을 수 없습니다."]})
        return attrs


class DateFilterInput(serializers.Serializer):
    dateType = serializers.ChoiceField(choices=DATE_TYPES, required=False)
    dateRange = serializers.ListField(child=DateRangeInput(), required=False, max_length=100)


class PrimaryFilterInput(serializers.Serializer):
    """Exactly one of its fields (GetB2bTaxInvoicesBodyPrimaryFilter)."""

    dateFilter = DateFilterInput(required=False)
    taxInvoiceId = serializers.CharField(required=False)
    bulkTaxInvoiceId = serializers.CharField(required=False)
    ntsApprovalNumber = serializers.CharField(required=False)
    supplierDocumentKey = serializers.CharField(required=False)
    recipientDocumentKey = serializers.CharField(required=False)
    taxInvoiceIds = serializers.ListField(
        child=serializers.CharField(), required=False, max_length=MAX_PAGE_SIZE
    )
    payoutId = serializers.CharField(required=False)

    def validate(self, attrs):
        given = [k for k in PRIMARY_KEYS if k in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                f"{', '.join(PRIMARY_KEYS)} 중 정확히 하나만 입력해야 합니다 "
                f"(받은 필드: {', '.join(given) or '없음'})."
            )
        return attrs


class TaxInvoicesFilterInput(serializers.Serializer):
    """GetB2bTaxInvoicesBodyFilter."""

    primaryFilter = PrimaryFilterInput(required=False)
    supplierBrn = serializers.CharField(required=False, max_length=10)
    partnerBrn = serializers.CharField(required=False, max_length=10)
    statuses = choice_list([s.value for s in Status])
    taxationTypes = choice_list([t.value for t in TaxationType])
    documentModificationTypes = choice_list([t.value for t in DocumentModificationType])
    isDelayed = serializers.BooleanField(required=False, allow_null=True, default=None)
    issuanceTypes = choice_list([t.value for t in IssuanceType])
    purposeTypes = choice_list([t.value for t in PurposeType])
    counterpartyId = serializers.CharField(required=False)
    includeBrnMatch = serializers.BooleanField(required=False, default=False)


class SortInput(serializers.Serializer):
    """B2bTaxInvoiceSortInput."""

    by = serializers.ChoiceField(choices=list(SORT_FIELDS), required=False)
    order = serializers.ChoiceField(choices=SORT_ORDERS, required=False)


class TaxInvoicesInput(serializers.Serializer):
    """GetB2bTaxInvoicesBody: note `test` is in the body here (not the query)."""

    test = serializers.BooleanField(required=False, allow_null=True, default=None)
    pageNumber = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    pageSize = serializers.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)
    filter = TaxInvoicesFilterInput(required=False)
    sort = SortInput(required=False)


class TaxInvoicesSheetInput(serializers.Serializer):
    """DownloadB2bTaxInvoicesSheetBody."""

    test = serializers.BooleanField(required=False, allow_null=True, default=None)
    filter = TaxInvoicesFilterInput(required=False)
    fields = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SHEET_FIELDS)),
        required=False,
        allow_empty=False,
        max_length=len(SHEET_FIELDS) * 2,
    )
    sort = SortInput(required=False)


class ViewerUrlInput(serializers.Serializer):
    """The query of `pdf-download-url`, `print-url`, `popup-url`."""

    taxInvoiceKeyType = serializers.ChoiceField(
        choices=["TAX_INVOICE_ID", "SUPPLIER", "RECIPIENT"], required=False
    )
    brn = serializers.CharField(required=False, max_length=10)
    includeMenu = serializers.BooleanField(required=False, default=True)


def search_of(f: dict[str, Any] | None, sort: dict[str, Any] | None = None) -> InvoiceSearch:
    """InvoiceSearch from a validated TaxInvoicesFilterInput and SortInput."""
    f = f or {}
    sort = sort or {}
    primary = f.get("primaryFilter") or {}
    date_filter = primary.get("dateFilter") or {}
    ids = primary.get("taxInvoiceIds")
    return InvoiceSearch(
        date_type=date_filter.get("dateType") or "REGISTER",
        date_ranges=tuple(
            DateRange(from_=r.get("from"), until=r.get("until"))
            for r in date_filter.get("dateRange") or ()
        ),
        tax_invoice_id=primary.get("taxInvoiceId"),
        bulk_tax_invoice_id=primary.get("bulkTaxInvoiceId"),
        nts_approval_number=primary.get("ntsApprovalNumber"),
        supplier_document_key=primary.get("supplierDocumentKey"),
        recipient_document_key=primary.get("recipientDocumentKey"),
        tax_invoice_ids=tuple(ids) if ids is not None else None,
        payout_id=primary.get("payoutId"),
        supplier_brn=f.get("supplierBrn") or None,
        partner_brn=f.get("partnerBrn") or None,
        statuses=tuple(f.get("statuses") or ()),
        taxation_types=tuple(f.get("taxationTypes") or ()),
        document_modification_types=tuple(f.get("documentModificationTypes") or ()),
        is_delayed=f.get("isDelayed"),
        issuance_types=tuple(f.get("issuanceTypes") or ()),
        purpose_types=tuple(f.get("purposeTypes") or ()),
        counterparty_id=f.get("counterpartyId") or None,
        include_brn_match=bool(f.get("includeBrnMatch")),
        sort_by=sort.get("by") or "STATUS_UPDATED_AT",
        sort_order=sort.get("order") or "DESC",
    )


def page_of(data: dict[str, Any]) -> dict[str, int]:
    """{number, size} for core.api.views.paginate."""
    return {
        "number": data.get("pageNumber") or 0,
        "size": data.get("pageSize") or DEFAULT_PAGE_SIZE,
    }
