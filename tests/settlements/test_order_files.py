"""주문 정산 파일 (settlements.order_files) and its admin upload: CSV in three encodings and XLSX,
cell errors by row and column, service errors mapped back to rows, preview -> confirm."""

import csv
import io
from datetime import date, datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from core.files import sheets
from settlements.domain import calculation as calc
from settlements.files import orders as order_files
from settlements.models import Payment, Transfer
from settlements.services.order_transfers import ExternalPayment, OrderTransferRequest
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

HEADERS = [
    "파트너 아이디",
    "결제 아이디",
    "주문 금액",
    "면세 금액",
    "할인 분담 정책 아이디",
    "할인 금액",
    "추가 수수료 정책 아이디",
    "결제 구분",
    "통화",
    "주문명",
    "결제 시각",
    "결제수단",
    "메모",
]
ROWS = [
    ["seller", "pay-1", "10,000", "", "", "", "", "외부", "KRW", "티셔츠", "2025-10-01 10:00",
     "카드", "첫 주문"],
    ["seller", "pay-2", "42000", "30000", "P1", "3000", "F1, F2", "EXTERNAL", "", "도서",
     "2025-10-01T11:30:00+09:00", "간편결제", ""],
    ["seller-2", "pay-1", "5000", "", "", "", "", "외부", "KRW", "티셔츠", "2025-10-01 10:00",
     "", ""],
]  # fmt: skip


def csv_bytes(rows=ROWS, headers=HEADERS, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def setup(db):
    make_contract("C1", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_additional_fee_policy("F2", fee_amount=1_000, vat_payer="MERCHANT")
    make_partner("seller", contract_id="C1")
    make_partner("seller-2", contract_id="C1")


EXPECTED_FIRST = OrderTransferRequest(
    partner_id="seller",
    payment_id="pay-1",
    order=calc.Order(order_amount=10_000),
    memo="첫 주문",
    external_payment=ExternalPayment(
        currency="KRW",
        order_name="티셔츠",
        paid_at=datetime.fromisoformat("2025-10-01T10:00:00+09:00"),
        method={"type": "CARD"},
    ),
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949"])
def test_csv_in_each_encoding_gives_the_same_rows(encoding):
    parsed = order_files.parse_file(csv_bytes(encoding=encoding), "orders.csv")
    assert parsed.errors == []
    assert parsed.row_numbers == [2, 3, 4]
    assert parsed.rows[0] == EXPECTED_FIRST
    second = parsed.rows[1]
    assert second.order == calc.Order(
        order_amount=42_000,
        discounts=(calc.Discount("P1", 3_000),),
        additional_fees=(calc.AdditionalFee("F1"), calc.AdditionalFee("F2")),
        tax_free_amount=30_000,
    )
    assert second.external_payment.paid_at.isoformat() == "2025-10-01T11:30:00+09:00"
    assert second.external_payment.method == {"type": "EASY_PAY"}
    assert parsed.rows[2].external_payment.method is None


def test_xlsx_with_number_and_date_cells_gives_the_same_rows():
    rows = [list(r) for r in ROWS]
    rows[0][2] = 10000  # a number cell
    rows[0][10] = datetime.fromisoformat("2025-10-01T10:00:00")  # a (naive) date-time cell
    rows[1][2] = 42000.0
    parsed = order_files.parse_file(xlsx_bytes(rows), "orders.xlsx")
    assert parsed.errors == []
    assert parsed.rows[0] == EXPECTED_FIRST
    assert parsed.rows[1].order.order_amount == 42_000


def test_dates_and_portone_rows():
    headers = ["파트너 아이디", "결제 아이디", "주문 금액", "정산 시작일", "정산일", "계약 아이디",
               "정산건 아이디", "결제 구분"]  # fmt: skip
    rows = [
        ["seller", "po-1", "1000", "2025.10.01", "20251031", "C9", "my-id", ""],
        ["seller", "po-2", "1000", "", "", "", "", "포트원"],
    ]
    parsed = order_files.parse_file(xlsx_bytes(rows, headers), "x.xlsx")
    assert parsed.errors == []
    first = parsed.rows[0]
    assert first.settlement_start_date == date(2025, 10, 1)
    assert first.settlement_date == date(2025, 10, 31)
    assert (first.contract_id, first.id, first.external_payment) == ("C9", "my-id", None)
    assert parsed.rows[1].external_payment is None


def test_cell_errors_name_the_row_and_the_column():
    rows = [
        ["seller", "pay-1", "10000.5", "", "", "", "", "외부", "", "", "", "", ""],
        ["", "pay-2", "-5", "", "P1", "", "", "외부", "", "", "어제", "현금", ""],
        ["seller", "pay-3", "1000", "", "", "100", "", "", "KRW", "", "", "", ""],
        ["seller", "pay-4", "abc", "", "", "", "", "몰라", "", "", "", "", ""],
        ["seller", "pay-5", "1000", "2000", "", "", "", "외부", "", "", "", "", ""],  # fine here
    ]
    parsed = order_files.parse_file(csv_bytes(rows), "orders.csv")
    errors = {(e.row, e.column) for e in parsed.errors}
    assert errors == {
        (2, "주문 금액"),
        (3, "파트너 아이디"),
        (3, "주문 금액"),
        (3, "할인 금액"),
        (3, "결제 시각"),
        (3, "결제수단"),
        (4, "할인 분담 정책 아이디"),
        (4, "통화"),
        (5, "주문 금액"),
        (5, "결제 구분"),
    }
    messages = {(e.row, e.column): e.message for e in parsed.errors}
    assert "정수" in messages[(2, "주문 금액")]
    assert "0 이상" in messages[(3, "주문 금액")]
    assert parsed.row_numbers == [6]


def test_header_errors():
    parsed = order_files.parse_file(
        csv_bytes([], headers=["파트너아이디", "결제 아이디", "금액", "결제 아이디"]), "x.csv"
    )
    assert {(e.row, e.column, e.message) for e in parsed.errors} == {
        (1, "금액", "알 수 없는 열입니다. 템플릿의 열 이름을 쓰세요."),
        (1, "결제 아이디", "같은 열이 두 번 있습니다."),
        (1, "주문 금액", "필수 열이 없습니다."),
    }
    broken = order_files.parse_file(b"PK\x03\x04garbage", "x.xlsx")
    assert broken.errors[0].row == 0 and "엑셀" in broken.errors[0].message


def test_import_creates_transfers_or_maps_service_errors_to_rows(setup):
    result = order_files.import_order_file(csv_bytes(), "orders.csv", is_for_test=False)
    assert result.ok, result.errors
    assert Transfer.objects.count() == 3
    assert set(Payment.objects.values_list("source", flat=True)) == {"CSV"}
    assert result.totals()[0]["count"] == 3

    again = [
        ["seller", "pay-9", "1000", "", "", "", "", "외부", "", "", "", "", ""],
        ["ghost", "pay-10", "1000", "", "", "", "", "외부", "", "", "", "", ""],
        ["seller", "pay-1", "1000", "", "", "", "", "외부", "", "", "", "", ""],
        ["seller", "pay-11", "1000", "", "P404", "10", "", "외부", "", "", "", "", ""],
        ["seller", "pay-12", "1000", "", "", "", "", "외부", "ABC", "", "", "", ""],
    ]
    result = order_files.import_order_file(csv_bytes(again), "orders.csv", is_for_test=False)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "파트너 아이디"),
        (4, "결제 아이디"),
        (5, "할인 분담 정책 아이디"),
        (6, "통화"),
    ]
    assert "PLATFORM_TRANSFER_ALREADY_EXISTS" in result.errors[1].message
    assert Transfer.objects.count() == 3


def test_templates_parse_back_cleanly():
    spec = order_files.template_sheet()
    template_csv = sheets.csv_bytes(spec.headers, spec.rows)
    for data, name in ((template_csv, "t.csv"), (sheets.xlsx_bytes([spec]), "t.xlsx")):
        parsed = order_files.parse_file(data, name)
        assert parsed.errors == []
        assert len(parsed.rows) == 3
    assert template_csv.startswith(b"\xef\xbb\xbf")


# --- admin upload ---

UPLOAD = "/admin/settlements/orders/"


def upload(client, data: bytes, name="orders.csv", mode="live"):
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, data), "mode": mode})


def test_admin_preview_writes_nothing_and_confirm_creates_everything(setup, admin_client):
    page = admin_client.get(UPLOAD)
    assert page.status_code == 200
    assert "주문 정산 파일 업로드" in page.content.decode()

    preview = upload(admin_client, csv_bytes(encoding="cp949"), mode="test")
    assert preview.status_code == 200
    text = preview.content.decode()
    assert 'id="upload-errors"' in text and 'id="upload-confirm"' not in text
    assert "PLATFORM_PARTNER_NOT_FOUND" in text  # test mode has no partners: every row refused
    assert Transfer.objects.count() == 0

    preview = upload(admin_client, csv_bytes(encoding="cp949"))
    text = preview.content.decode()
    assert 'id="upload-confirm"' in text and "정산건 3건 등록" in text
    assert Transfer.objects.count() == 0 and Payment.objects.count() == 0

    done = admin_client.post(f"{UPLOAD}confirm/")
    assert done.status_code == 302
    assert Transfer.objects.filter(is_for_test=False).count() == 3
    again = admin_client.post(f"{UPLOAD}confirm/", follow=True)  # token used up
    assert "다시 올려 주세요" in again.content.decode()
    assert Transfer.objects.count() == 3


def test_admin_shows_errors_by_row(setup, admin_client):
    rows = [["seller", "pay-1", "x", "", "", "", "", "외부", "", "", "", "", ""]]
    response = upload(admin_client, csv_bytes(rows))
    text = response.content.decode()
    assert 'id="upload-errors"' in text and "숫자가 아닙니다" in text
    assert admin_client.post(f"{UPLOAD}confirm/").status_code == 302
    assert Transfer.objects.count() == 0


def test_admin_template_downloads(admin_client):
    xlsx = admin_client.get(f"{UPLOAD}template.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[1]][:3] == ["파트너 아이디", "결제 아이디", "주문 금액"]
    assert admin_client.get(f"{UPLOAD}template.csv").content.startswith(b"\xef\xbb\xbf")
    assert admin_client.get(f"{UPLOAD}template.pdf").status_code == 404


def test_admin_upload_is_staff_only_and_needs_the_permission(db, client):
    assert client.get(UPLOAD).status_code == 302  # to the admin login
    staff = User.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(staff)
    assert client.get(UPLOAD).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="add_transfer"))
    assert client.get(UPLOAD).status_code == 200
