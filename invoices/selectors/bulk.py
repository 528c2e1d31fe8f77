"""Reads of bulk tax invoices (일괄 세금계산서): one by id, and its counts and amounts by status."""

from __future__ import annotations

from django.db.models import Count, Sum

from core.errors import NotFound
from invoices.models import BulkTaxInvoice, TaxInvoice


def bulk_get(public_id: str, is_for_test: bool) -> BulkTaxInvoice:
    bulk = BulkTaxInvoice.objects.filter(is_for_test=is_for_test, public_id=public_id).first()
    if bulk is None:
        raise NotFound(
            "B2B_BULK_TAX_INVOICE_NOT_FOUND", f"일괄 세금계산서를 찾을 수 없습니다: {public_id}"
        )
    return bulk


def bulk_stats(bulk: BulkTaxInvoice) -> dict[str, dict[str, int]]:
    """B2bBulkTaxInvoice `stats`: {status: {"count", "amountSum"}} of its invoices that are not
    deleted (amountSum = Σ totalAmount); one GROUP BY."""
    rows = (
        TaxInvoice.objects.filter(bulk=bulk, deleted_at__isnull=True)
        .values("status")
        .annotate(count=Count("id"), amount=Sum("total_amount"))
        .order_by()
    )
    return {r["status"]: {"count": r["count"], "amountSum": r["amount"] or 0} for r in rows}
