"""The viewer URLs of an invoice through the SDK (docs/invoices.md#pdf-and-viewer-urls):
pdf-download-url, print-url, popup-url answer `{url}` on PUBLIC_BASE_URL; the pages answer; the
PDF is a PDF holding the supplier's name (read back with pypdf); an expired link answers 410, a
tampered one (or another page's, or a deleted invoice's) 404."""

from __future__ import annotations

import io
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.utils import timezone
from portone_server_sdk import errors
from pypdf import PdfReader

from invoices.services import pdf, viewer
from tests.invoices.test_reads_api import make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _base(settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.INVOICE_VIEWER_URL_MINUTES = 10


@pytest.fixture
def invoice():
    return make_invoice(
        supplier_name="주식회사 공급상사",
        supplier_document_key="sup-view-1",
        nts_approval_number="202503101000000012345678",
        items=[
            {
                "purchaseDate": "2025-03-10",
                "name": "판매 수수료",
                "quantity": {"value": 15, "scale": 1},
                "unitCostAmount": {"value": 200000},
                "supplyCostAmount": 300_000,
                "taxAmount": 30_000,
            }
        ],
        supply=300_000,
        tax=30_000,
    )


def get(url: str) -> httpx.Response:
    return httpx.get(url, timeout=60)


def test_pdf_download_url_gives_a_pdf_with_the_supplier_name(b2b, invoice, live_server):
    url = b2b.tax_invoice.get_b2b_tax_invoice_pdf_download_url(
        tax_invoice_key=invoice.public_id
    ).url
    assert url.startswith(live_server.url + "/tax-invoices/v/")
    response = get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "private, no-store"
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    compact = text.replace(" ", "").replace("\n", "")
    assert "주식회사공급상사" in compact
    assert "330,000" in compact  # 합계금액
    assert invoice.nts_approval_number in compact


def test_urls_by_document_key_and_in_test_mode(b2b, invoice):
    by_key = b2b.tax_invoice.get_b2b_tax_invoice_print_url(
        tax_invoice_key="sup-view-1", tax_invoice_key_type="SUPPLIER", brn=invoice.supplier_brn
    )
    page = get(by_key.url)
    assert page.status_code == 200
    assert "주식회사 공급상사" in page.text
    assert 'id="print-button"' in page.text
    assert "1.5" in page.text and "200,000" in page.text and "330,000" in page.text
    with pytest.raises(errors.B2bTaxInvoiceNotFoundError):
        b2b.tax_invoice.get_b2b_tax_invoice_print_url(tax_invoice_key=invoice.public_id, test=True)
    test_invoice = make_invoice(is_for_test=True, supplier_name="테스트 공급자")
    url = b2b.tax_invoice.get_b2b_tax_invoice_popup_url(
        tax_invoice_key=test_invoice.public_id, test=True
    ).url
    assert "테스트 공급자" in get(url).text
    with pytest.raises(errors.B2bTaxInvoiceNotFoundError):
        b2b.tax_invoice.get_b2b_tax_invoice_pdf_download_url(tax_invoice_key="nope")
    with pytest.raises(errors.InvalidRequestError):  # a document key needs its BRN
        b2b.tax_invoice.get_b2b_tax_invoice_pdf_download_url(
            tax_invoice_key="sup-view-1", tax_invoice_key_type="SUPPLIER"
        )


def test_popup_with_and_without_menu(b2b, invoice):
    with_menu = get(
        b2b.tax_invoice.get_b2b_tax_invoice_popup_url(tax_invoice_key=invoice.public_id).url
    )
    assert with_menu.status_code == 200
    assert 'id="viewer-menu"' in with_menu.text
    assert "전자세금계산서" in with_menu.text and "공급받는자" in with_menu.text
    pdf_link = with_menu.text.split('id="pdf-link"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert get(httpx.URL(with_menu.url).join(pdf_link)).content.startswith(b"%PDF")
    bare = get(
        b2b.tax_invoice.get_b2b_tax_invoice_popup_url(
            tax_invoice_key=invoice.public_id, include_menu=False
        ).url
    )
    assert bare.status_code == 200
    assert 'id="viewer-menu"' not in bare.text
    assert "주식회사 공급상사" in bare.text


def test_expired_tampered_other_kind_and_deleted_links(b2b, invoice):
    url = b2b.tax_invoice.get_b2b_tax_invoice_popup_url(tax_invoice_key=invoice.public_id).url
    token = url.split("/v/")[1].split("/")[0]
    assert get(url).status_code == 200
    # tampered: one character of the signature changed
    last = token[-1]
    forged = token[:-1] + ("A" if last != "A" else "B")
    assert get(url.replace(token, forged)).status_code == 404
    # a popup token on the PDF path
    assert get(url.replace("/popup", "/pdf")).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        gone = get(url)
    assert gone.status_code == 410
    assert "만료" in gone.text
    invoice.deleted_at = timezone.now()
    invoice.save(update_fields=["deleted_at"])
    assert get(url).status_code == 404


def test_tokens_and_filename_directly(invoice):
    token = viewer.make_token(invoice, "print")
    assert viewer.read_token(token, "print").invoice == invoice
    with pytest.raises(viewer.ViewerLinkError):
        viewer.read_token(token, "popup")
    with pytest.raises(viewer.ViewerLinkError):
        viewer.read_token("garbage", "print")
    name = pdf.invoice_filename(invoice)
    assert (
        name == f"세금계산서_주식회사 공급상사_{invoice.write_date:%Y%m%d}_{invoice.public_id}.pdf"
    )
    free = make_invoice(taxation_type="FREE", tax=0, supplier_name="면세/상사")
    assert pdf.invoice_filename(free).startswith("계산서_면세상사_")
