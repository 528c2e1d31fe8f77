"""Finding an invoice by `{taxInvoiceKey}` + `taxInvoiceKeyType` + `brn`
(docs/invoices.md#addressing).

TAX_INVOICE_ID (the default on path endpoints): our id. SUPPLIER / RECIPIENT: a document key, unique
per BRN, so `brn` is required with them. Deleted invoices are not found.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound, invalid
from invoices.models import TaxInvoice

KEY_TYPES = ("TAX_INVOICE_ID", "SUPPLIER", "RECIPIENT")


def not_found(key: str) -> NotFound:
    return NotFound("B2B_TAX_INVOICE_NOT_FOUND", f"세금계산서를 찾을 수 없습니다: {key}")


def invoice_filter(
    key: str, key_type: str | None, brn: str | None, *, is_for_test: bool
) -> QuerySet[TaxInvoice]:
    key_type = key_type or "TAX_INVOICE_ID"
    if key_type not in KEY_TYPES:
        raise invalid(f"taxInvoiceKeyType: {', '.join(KEY_TYPES)} 중 하나여야 합니다.")
    qs = TaxInvoice.objects.filter(is_for_test=is_for_test, deleted_at__isnull=True)
    if key_type == "TAX_INVOICE_ID":
        return qs.filter(public_id=key)
    if not brn:
        raise invalid(f"brn: taxInvoiceKeyType이 {key_type}이면 사업자등록번호가 필요합니다.")
    if key_type == "SUPPLIER":
        return qs.filter(supplier_brn=brn, supplier_document_key=key)
    return qs.filter(recipient_brn=brn, recipient_document_key=key)


def get_invoice(
    key: str,
    key_type: str | None = None,
    brn: str | None = None,
    *,
    is_for_test: bool,
    for_update: bool = False,
) -> TaxInvoice:
    """The invoice or 404 B2B_TAX_INVOICE_NOT_FOUND; `for_update` locks the row (call inside a
    transaction)."""
    qs = invoice_filter(key, key_type, brn, is_for_test=is_for_test).select_related(
        "bulk", "payout", "original", "root", "supplier_counterparty", "recipient_counterparty"
    )
    if for_update:
        qs = qs.select_for_update(of=("self",))
    invoice = qs.first()
    if invoice is None:
        raise not_found(key)
    return invoice
