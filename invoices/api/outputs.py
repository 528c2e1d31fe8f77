"""Invoices as the SDK reads them: B2bTaxInvoice, B2bTaxInvoiceSummary, B2bBulkTaxInvoice
(SDK 0.21.0, camelCase, optional fields omitted, never null)."""

from __future__ import annotations

from typing import Any

from core.wire import drop_none, graphql_id
from invoices.models import BulkTaxInvoice, TaxInvoice


def _modification(inv: TaxInvoice) -> dict[str, Any] | None:
    if not inv.modification_type or inv.original_id is None:
        return None
    original = inv.original
    root = inv.root or original
    return {
        "type": inv.modification_type,
        "originalNtsApprovalNumber": inv.original_nts_approval_number or "",
        "originalTaxInvoiceId": original.public_id,
        "rootTaxInvoiceId": root.public_id,
    }


def company_json(snapshot: dict | None) -> dict[str, Any]:
    """A stored party snapshot (already camelCase) without empty values."""
    out = {}
    for key, value in (snapshot or {}).items():
        if value in (None, ""):
            continue
        if key == "contact" and isinstance(value, dict):
            value = {k: v for k, v in value.items() if v not in (None, "")}
            if "email" not in value:
                continue
        out[key] = value
    return out


def tax_invoice_json(inv: TaxInvoice) -> dict[str, Any]:
    """B2bTaxInvoice. `original`/`root` are read when the invoice is a modification (select them
    with the invoice in lists)."""
    return drop_none(
        {
            "id": inv.public_id,
            "status": inv.status,
            "taxationType": inv.taxation_type,
            "documentModificationType": inv.document_modification_type,
            "issuanceType": inv.issuance_type,
            "writeDate": inv.write_date,
            "issuanceDueDate": inv.issuance_due_date,
            "purposeType": inv.purpose_type,
            "totalSupplyAmount": inv.total_supply_amount,
            "totalTaxAmount": inv.total_tax_amount,
            "totalAmount": inv.total_amount,
            "remarks": list(inv.remarks or []),
            "supplier": company_json(inv.supplier),
            "recipient": company_json(inv.recipient),
            "items": list(inv.items or []),
            "additionalContacts": list(inv.additional_contacts or []),
            "isDelayed": inv.is_delayed,
            "bulkTaxInvoiceId": inv.bulk.public_id if inv.bulk_id else None,
            "serialNumber": inv.serial_number or None,
            "bookVolume": inv.book_volume,
            "bookIssue": inv.book_issue,
            "cashAmount": inv.cash_amount,
            "checkAmount": inv.check_amount,
            "creditAmount": inv.credit_amount,
            "noteAmount": inv.note_amount,
            "supplierDocumentKey": inv.supplier_document_key or None,
            "recipientDocumentKey": inv.recipient_document_key or None,
            "sendSms": inv.send_sms,
            "modification": _modification(inv),
            "memo": inv.memo or None,
            "draftedAt": inv.drafted_at,
            "requestedAt": inv.requested_at,
            "issuedAt": inv.issued_at,
            "statusUpdatedAt": inv.status_updated_at,
            "ntsSentAt": inv.nts_sent_at,
            "ntsApprovalNumber": inv.nts_approval_number or None,
            "ntsResult": inv.nts_result or None,
            "ntsResultCode": inv.nts_result_code or None,
            "ntsResultReceivedAt": inv.nts_result_received_at,
            "deletedAt": inv.deleted_at,
        }
    )


def tax_invoice_summary_json(inv: TaxInvoice) -> dict[str, Any]:
    """B2bTaxInvoiceSummary: the list item. Needs `bulk`, `payout`, the two counterparties
    selected with the invoice (select_related) to stay one query per page."""
    recipient_cp = inv.recipient_counterparty if inv.recipient_counterparty_id else None
    return drop_none(
        {
            "id": inv.public_id,
            "taxationType": inv.taxation_type,
            "documentModificationType": inv.document_modification_type,
            "issuanceType": inv.issuance_type,
            "totalSupplyAmount": inv.total_supply_amount,
            "totalTaxAmount": inv.total_tax_amount,
            "totalAmount": inv.total_amount,
            "purposeType": inv.purpose_type,
            "supplierBrn": inv.supplier_brn,
            "supplierName": inv.supplier_name,
            "supplierRepresentativeName": inv.supplier_representative_name,
            "recipientBrn": inv.recipient_brn,
            "recipientName": inv.recipient_name,
            "recipientRepresentativeName": inv.recipient_representative_name,
            "writeDate": inv.write_date,
            "issuanceDueDate": inv.issuance_due_date,
            "status": inv.status,
            "statusUpdatedAt": inv.status_updated_at,
            "items": list(inv.items or []),
            "isDelayed": inv.is_delayed,
            "bulkTaxInvoiceId": inv.bulk.public_id if inv.bulk_id else None,
            "payoutId": inv.payout.public_id if inv.payout_id else None,
            "supplierDocumentKey": inv.supplier_document_key or None,
            "supplierCounterpartyId": (
                inv.supplier_counterparty.public_id if inv.supplier_counterparty_id else None
            ),
            "recipientDocumentKey": inv.recipient_document_key or None,
            "recipientCounterpartyId": recipient_cp.public_id if recipient_cp else None,
            "recipientBusinessStatus": (
                recipient_cp.business_status
                if recipient_cp and recipient_cp.business_status
                else None
            ),
            "recipientClosedSuspendedDate": (
                recipient_cp.closed_suspended_date if recipient_cp else None
            ),
            "draftedAt": inv.drafted_at,
            "requestedAt": inv.requested_at,
            "issuedAt": inv.issued_at,
            "openedAt": inv.opened_at,
            "ntsSentAt": inv.nts_sent_at,
            "ntsApprovalNumber": inv.nts_approval_number or None,
            "ntsResult": inv.nts_result or None,
            "ntsResultReceivedAt": inv.nts_result_received_at,
            "ntsResultCode": inv.nts_result_code or None,
            "memo": inv.memo or None,
        }
    )


def bulk_tax_invoice_json(bulk: BulkTaxInvoice, stats: dict[str, dict[str, int]]) -> dict:
    """B2bBulkTaxInvoice; `stats` is {status: {"count", "amountSum"}} (invoices.selectors)."""
    return drop_none(
        {
            "id": bulk.public_id,
            "graphqlId": graphql_id("bulk_tax_invoice", bulk.public_id),
            "status": bulk.status,
            "totalInvoiceCount": bulk.total_invoice_count,
            "totalAmount": bulk.total_amount,
            "stats": stats,
            "createdAt": bulk.created_at,
            "statusUpdatedAt": bulk.status_updated_at,
            "sourceType": bulk.source_type,
            "issuanceType": bulk.issuance_type,
            "name": bulk.name or None,
            "scheduledAt": bulk.scheduled_at,
            "requestedAt": bulk.requested_at,
        }
    )
