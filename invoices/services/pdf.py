"""The PDF of one tax invoice: templates/invoices/pdf.html (the NTS layout of
templates/invoices/_document.html on an A4 page) rendered by WeasyPrint with the statements'
renderer (payouts.services.statements.render_pdf: one kept FontConfiguration per thread, Korean
fonts from the system's fontconfig — NanumGothic first). docs/invoices.md#pdf-and-viewer-urls.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.http import content_disposition_header

from invoices.models import TaxInvoice
from payouts.services.statements import render_pdf

TEMPLATE = "invoices/pdf.html"


def invoice_html(invoice: TaxInvoice, *, copy_label: str = "") -> str:
    return render_to_string(
        TEMPLATE,
        {"invoice": invoice, "copy_label": copy_label, "generated_at": timezone.localtime()},
    )


def invoice_pdf(invoice: TaxInvoice, *, copy_label: str = "") -> bytes:
    return render_pdf(invoice_html(invoice, copy_label=copy_label))


def invoice_filename(invoice: TaxInvoice) -> str:
    """세금계산서_<supplier>_<write date>_<id>.pdf (계산서_… for FREE; no path separators)."""
    name = "".join(c for c in invoice.supplier_name if c not in '/\\:*?"<>|').strip() or "supplier"
    return f"{invoice.document_title}_{name}_{invoice.write_date:%Y%m%d}_{invoice.public_id}.pdf"


def invoice_pdf_response(invoice: TaxInvoice, *, as_attachment: bool = True) -> HttpResponse:
    """The download (admin, viewer URL): the PDF with a Korean filename (RFC 6266 filename*)."""
    response = HttpResponse(invoice_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment, invoice_filename(invoice)
    )
    response["Cache-Control"] = "private, no-store"
    return response
