"""Attachments through the SDK against the live server: an upload URL, the bytes PUT to it with
httpx (no Authorization), attach, list, delete; and the refusals."""

from __future__ import annotations

import httpx
import pytest
from portone_server_sdk.errors import (
    B2bFileNotFoundError,
    B2bTaxInvoiceAttachmentNotFoundError,
    B2bTaxInvoiceNotDraftedStatusError,
)

from invoices.models import TaxInvoice, UploadedFile
from tests.invoices.test_tax_invoice_writes import reverse_input

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n% contract\n" + b"x" * 2048


def test_upload_attach_list_delete(b2b, own_company, connected_partner, live_server):
    api = b2b.tax_invoice
    invoice = api.draft_b2b_tax_invoice(tax_invoice=reverse_input()).tax_invoice

    upload = api.create_b2b_file_upload_url(file_name="계약서.pdf")
    assert upload.url.startswith(f"{live_server.url}/b2b/file-uploads/{upload.file_id}?sig=")

    # not uploaded yet: not attachable
    with pytest.raises(B2bFileNotFoundError):
        api.attach_b2b_tax_invoice_file(tax_invoice_key=invoice.id, file_id=upload.file_id)

    bad = httpx.put(upload.url.replace("sig=", "sig=x"), content=PDF)
    assert bad.status_code == 400
    assert bad.json()["type"] == "INVALID_REQUEST"
    put = httpx.put(upload.url, content=PDF, headers={"Content-Type": "application/pdf"})
    assert put.status_code == 200
    stored = UploadedFile.objects.get(public_id=upload.file_id)
    assert (bytes(stored.content), stored.size, stored.content_type) == (
        PDF,
        len(PDF),
        "application/pdf",
    )

    api.attach_b2b_tax_invoice_file(tax_invoice_key=invoice.id, file_id=upload.file_id)
    listed = api.get_b2b_tax_invoice_attachments(tax_invoice_key=invoice.id).attachments
    assert [a.name for a in listed] == ["계약서.pdf"]
    assert listed[0].attached_at

    # by document key too
    by_key = api.get_b2b_tax_invoice_attachments(
        tax_invoice_key=invoice.recipient_document_key,
        tax_invoice_key_type="RECIPIENT",
        brn=own_company.brn,
    ).attachments
    assert [a.id for a in by_key] == [listed[0].id]

    with pytest.raises(B2bTaxInvoiceAttachmentNotFoundError):
        api.delete_b2b_tax_invoice_attachment(tax_invoice_key=invoice.id, attachment_id="nope")
    api.delete_b2b_tax_invoice_attachment(tax_invoice_key=invoice.id, attachment_id=listed[0].id)
    assert api.get_b2b_tax_invoice_attachments(tax_invoice_key=invoice.id).attachments == []
    memos = list(TaxInvoice.objects.get(public_id=invoice.id).events.values_list("memo", flat=True))
    assert memos[-2:] == ["첨부: 계약서.pdf", "첨부 삭제: 계약서.pdf"]


def test_refusals(b2b, own_company, connected_partner):
    api = b2b.tax_invoice
    invoice = api.draft_b2b_tax_invoice(tax_invoice=reverse_input()).tax_invoice
    with pytest.raises(B2bFileNotFoundError):
        api.attach_b2b_tax_invoice_file(tax_invoice_key=invoice.id, file_id="unknown")

    upload = api.create_b2b_file_upload_url(file_name="a.txt")
    too_big = httpx.put(upload.url, content=b"0" * (10 * 1024 * 1024 + 1))
    assert too_big.status_code == 413
    assert httpx.put(upload.url, content=b"hello").status_code == 200

    api.request_b2b_tax_invoice(tax_invoice_key=invoice.id)
    with pytest.raises(B2bTaxInvoiceNotDraftedStatusError):
        api.attach_b2b_tax_invoice_file(tax_invoice_key=invoice.id, file_id=upload.file_id)
    assert api.get_b2b_tax_invoice_attachments(tax_invoice_key=invoice.id).attachments == []
