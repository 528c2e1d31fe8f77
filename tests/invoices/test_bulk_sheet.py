"""일괄 역발행 요청 파일 (invoices/files/bulk_sheet.py, the admin's BulkInvoiceUpload): CP949 and
UTF-8-BOM CSV and XLSX read by core.files.sheets, every row checked with its row and column named,
all rows requested as one SHEET bulk or none."""

from __future__ import annotations

from datetime import date

import pytest

from core.admin.uploads import FileRefused
from core.files import sheets
from core.files.rows import RowError
from invoices.admin.uploads import BULK_INVOICES
from invoices.files import bulk_sheet
from invoices.models import BulkTaxInvoice, Notification, TaxInvoice, TaxInvoiceEvent
from partners.domain.brn import check_digit
from tests.invoices.conftest import PARTNER_BRN

UNCONNECTED_BRN = "220880001" + str(check_digit("220880001"))
HEADERS = ["공급자 사업자번호", "파트너 아이디", "작성일자", "공급가액", "세액", "품목명", "비고"]


def csv(rows, *, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def table(data: bytes, name: str = "requests.csv"):
    return sheets.read_table(data, name)


def commit(data: bytes, filename: str = "requests.csv", **kw):
    return bulk_sheet.commit_table(
        table(data, filename), is_for_test=False, actor="admin:alice", **kw
    )


def test_utf8_bom_csv_requests_every_row_read_through_the_sdk(b2b, own_company, connected_partner):
    data = csv(
        [
            ["214-88-12345", "", "2026-03-31", '"1,000,000"', "100000", "3월 정산 대금", "3월분"],
            [PARTNER_BRN, "", "2026.04.30", "500000원", "50000", "", ""],
        ]
    )
    assert table(data).encoding == "utf-8-sig"
    done = commit(data, name="4월 요청")
    assert done.errors == []
    bulk = done.bulk
    got = b2b.tax_invoice.get_b2b_bulk_tax_invoice(bulk_tax_invoice_id=bulk.public_id)
    assert (got.source_type, got.status, got.total_invoice_count) == ("SHEET", "COMPLETED", 2)
    assert got.total_amount == 1_650_000
    assert got.name == "4월 요청"
    stats = {k: (v.count, v.amount_sum) for k, v in got.stats.additional_properties.items()}
    assert stats == {"REQUESTED": (2, 1_650_000)}
    invoices = list(TaxInvoice.objects.filter(bulk=bulk).order_by("write_date"))
    assert [(i.write_date, i.total_supply_amount, i.total_tax_amount) for i in invoices] == [
        (date(2026, 3, 31), 1_000_000, 100_000),
        (date(2026, 4, 30), 500_000, 50_000),
    ]
    first = b2b.tax_invoice.get_b2b_tax_invoice(tax_invoice_key=invoices[0].public_id)
    assert first.items[0].name == "3월 정산 대금"
    assert first.remarks == ["3월분"]
    assert first.issuance_due_date == "2026-04-10"
    assert first.supplier.brn == PARTNER_BRN and first.recipient.brn == own_company.brn
    assert invoices[1].items[0]["name"] == "플랫폼 정산 대금"
    assert invoices[0].payout_id is None
    assert TaxInvoiceEvent.objects.filter(invoice__in=invoices).count() == 4
    assert Notification.objects.filter(invoice__in=invoices, to="partner@partner.test").count() == 2


def test_cp949_csv_by_partner_id(own_company, connected_partner):
    headers = ["파트너 아이디", "작성일자", "공급가액", "세액", "품목명", "영수/청구"]
    data = csv(
        [[connected_partner.public_id, "20260331", "120000", "12000", "광고 대행 수수료", "영수"]],
        headers=headers,
        encoding="cp949",
    )
    assert table(data).encoding == "cp949"
    done = commit(data)
    assert done.errors == []
    invoice = done.bulk.invoices.get()
    assert (invoice.purpose_type, invoice.total_amount) == ("RECEIPT", 132_000)
    assert invoice.items[0]["name"] == "광고 대행 수수료"
    assert invoice.supplier_counterparty.partner_id == connected_partner.pk


def test_xlsx(own_company, connected_partner):
    data = sheets.xlsx_bytes(
        [
            sheets.SheetSpec(
                title="요청",
                headers=HEADERS,
                rows=[[int(PARTNER_BRN), "", date(2026, 3, 31), 300000, 30000, "", ""]],
            )
        ]
    )
    assert table(data, "requests.xlsx").encoding == "xlsx"
    done = commit(data, "requests.xlsx")
    assert done.errors == []
    assert done.bulk.invoices.get().total_amount == 330_000


def test_every_row_checked_errors_name_row_and_column_nothing_written(
    own_company, connected_partner
):
    data = csv(
        [
            [PARTNER_BRN, "", "2026-03-31", "100000", "10000", "", ""],  # fine
            ["1234567890", "", "2026-02-30", "12.5", "-1", "", ""],
            ["", "", "2026-03-31", "100000", "10000", "", ""],
            [PARTNER_BRN, "", "2026-03-31", "100000", "20000", "", ""],
            [UNCONNECTED_BRN, "", "2026-03-31", "100000", "10000", "", "x" * 151],
            ["", "no-such-partner", "2026-03-31", "100000", "10000", "", ""],
        ]
    )
    done = commit(data)
    assert done.bulk is None
    got = [(e.row, e.column) for e in done.errors]
    assert got == [
        (3, "공급자 사업자번호"),
        (3, "작성일자"),
        (3, "공급가액"),
        (3, "세액"),
        (4, "공급자 사업자번호"),
        (5, "세액"),
        (6, "공급자 사업자번호"),
        (6, "비고"),
        (7, "파트너 아이디"),
    ]
    messages = {(e.row, e.column): e.message for e in done.errors}
    assert "검증번호" in messages[(3, "공급자 사업자번호")]
    assert "없는 날짜" in messages[(3, "작성일자")]
    assert "10%" in messages[(5, "세액")] and "10,000원" in messages[(5, "세액")]
    assert "국세청에 연동된 거래처가 없습니다" in messages[(6, "공급자 사업자번호")]
    assert "150자" in messages[(6, "비고")]
    assert "no-such-partner" in messages[(7, "파트너 아이디")]
    assert TaxInvoice.objects.count() == 0 and BulkTaxInvoice.objects.count() == 0


def test_columns_are_checked_before_rows(own_company, connected_partner):
    no_supplier = csv([["2026-03-31", "1000", "100"]], headers=["작성일자", "공급가액", "세액"])
    assert commit(no_supplier).errors == [
        RowError(1, "공급자 사업자번호", "공급자 사업자번호 또는 파트너 아이디 열이 필요합니다.")
    ]
    unknown = csv([[PARTNER_BRN, "x"]], headers=["공급자 사업자번호", "금액"])
    columns = {(e.row, e.column) for e in commit(unknown).errors}
    assert columns == {(1, "금액"), (1, "작성일자"), (1, "공급가액"), (1, "세액")}
    empty = csv([])
    assert commit(empty).errors == [RowError(0, "", "요청할 행이 없습니다.")]


def test_the_upload_page_checks_then_commits_all_or_nothing(own_company, connected_partner):
    good = table(csv([[PARTNER_BRN, "", "2026-03-31", "100000", "10000", "", ""]]))
    checked = BULK_INVOICES.check(good, is_for_test=False)
    assert (checked.errors, checked.count) == ([], 1)
    assert checked.context["totals"] == {
        "count": 1,
        "suppliers": 1,
        "supply": 100_000,
        "tax": 10_000,
        "total": 110_000,
    }
    assert checked.context["preview"][0]["supplier"] == f"주식회사 파트너 ({PARTNER_BRN})"
    assert TaxInvoice.objects.count() == 0
    done = BULK_INVOICES.commit(good, is_for_test=False)
    assert done.count == 1 and "1건" in done.message
    bad = table(csv([[PARTNER_BRN, "", "", "100000", "10000", "", ""]]))
    with pytest.raises(FileRefused) as refused:
        BULK_INVOICES.commit(bad, is_for_test=False)
    assert refused.value.errors == [RowError(2, "작성일자", "값이 필요합니다.")]
    assert TaxInvoice.objects.count() == 1
    template = table(sheets.csv_bytes(*_template()))
    assert template.headers[:5] == HEADERS[:5]


def _template():
    spec = bulk_sheet.template_sheet()
    return spec.headers, spec.rows
