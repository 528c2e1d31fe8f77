"""Finance-team admin pages (settlements/admin/): the settlement dashboard and its XLSX,
and the bulk manual-transfer upload (CSV in UTF-8 / UTF-8 BOM / CP949, XLSX).

Transfers are created through the API in-process (DRF's APIClient, the JSON portone-server-sdk
sends), so every test runs in a rolled-back transaction; the SDK itself is tested in
test_transfers_api.py."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core.files import sheets
from core.versioning import services as versioning
from partners.services.partners import PARTNER
from settlements.admin.uploads import MANUAL_TRANSFERS
from settlements.files import manual as manual_files
from settlements.models import PartnerSettlement, PartnerSettlementStatus, Transfer, TransferStatus
from settlements.selectors.dashboard import DASHBOARD_COLUMNS
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db

HEADERS = ["파트너 아이디", "정산금액", "면세금액", "정산일", "통화", "메모", "정산건 아이디"]


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def partners(db):
    make_contract("C1", name="기본 계약", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_contract("C2", name="할인 계약", fee_rate=5_000, platform_fee_vat_payer="PARTNER")
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_partner("seller", contract_id="C1", name="가나 상점")
    make_partner("other", contract_id="C2", name="다라 상사")
    make_partner("gone", contract_id="C1", name="보관 상점")
    versioning.entity_archive(PARTNER, public_id="gone", is_for_test=False)
    make_contract("C1", is_for_test=True)
    make_partner("seller", contract_id="C1", is_for_test=True)


# --- dashboard ------------------------------------------------------------------------------------


def _day(offset: int) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def create_transfer(api_client, kind: str, **body) -> dict:
    """POST /platform/transfers/{kind} in-process; the created transfer's JSON."""
    response = api_client.post(f"/platform/transfers/{kind}", body, format="json")
    assert response.status_code == 200, response.content
    return response.json()["transfer"]


@pytest.fixture
def scheduled(api_client, partners):
    """Within the next 30 days (live mode):

    seller: ORDER 10,000 (day 3) -> 8,900 · ORDER 20,000 with P1 2,000 and F1 (day 10) -> 15,700
            · cancel of 5,000 from the first (day 3) -> 4,450 · MANUAL +50,000 (day 3)
            · MANUAL -12,000 (day 10)
    other:  ORDER 30,000 on a 5 % contract (day 10) -> 28,350
    Left out: two PAID_OUT manuals (stored, and through the settlement), one on day 40, and a
    test-mode manual.
    """
    external = {"currency": "KRW", "orderName": "주문", "paidAt": timezone.now().isoformat()}

    def order(id_, partner, amount, day, discounts=(), fees=()):
        return create_transfer(
            api_client,
            "order",
            id=id_,
            partnerId=partner,
            paymentId=f"pay-{id_}",
            orderDetail={"orderAmount": amount},
            discounts=[{"sharePolicyId": p, "amount": a} for p, a in discounts],
            additionalFees=[{"policyId": f} for f in fees],
            externalPaymentDetail=external,
            settlementStartDate=_day(0),
            settlementDate=_day(day),
        )

    def manual(id_, partner, amount, day, **kwargs):
        return create_transfer(
            api_client,
            "manual",
            id=id_,
            partnerId=partner,
            settlementAmount=amount,
            settlementDate=_day(day),
            **kwargs,
        )

    assert order("o1", "seller", 10_000, 3)["amount"]["settlement"] == 8_900
    o2 = order("o2", "seller", 20_000, 10, discounts=[("P1", 2_000)], fees=["F1"])
    assert o2["amount"]["settlement"] == 15_700
    cancel = create_transfer(
        api_client,
        "order-cancel",
        id="c1",
        transferId="o1",
        cancellationId="cancel-1",
        orderDetail={"orderAmount": 5_000},
        discounts=[],
        externalCancellationDetail={"cancelledAt": timezone.now().isoformat()},
        settlementStartDate=_day(0),
        settlementDate=_day(3),
    )
    assert cancel["amount"]["settlement"] == 4_450
    manual("m1", "seller", 50_000, 3)
    manual("m2", "seller", -12_000, 10)
    assert order("o3", "other", 30_000, 10)["amount"]["settlement"] == 28_350
    manual("paid", "other", 99_999, 5)
    Transfer.objects.filter(public_id="paid").update(
        stored_status=TransferStatus.PAID_OUT
    )  # stored
    manual("paid-2", "other", 88_888, 5)  # paid through its partner settlement
    paid = Transfer.objects.get(public_id="paid-2")
    Transfer.objects.filter(pk=paid.pk).update(stored_status=TransferStatus.SETTLED)
    PartnerSettlement.all_objects.filter(pk=paid.partner_settlement_id).update(
        status=PartnerSettlementStatus.PAID_OUT
    )
    manual("later", "seller", 7_777, 40)
    manual("t1", "seller", 1_234, 3, isForTest=True)


SELLER = {
    "transfer_count": 5,
    "sales": 24_600,
    "cancellations": 4_450,
    "adjust_plus": 50_000,
    "adjust_minus": -12_000,
    "platform_fee": 2_500,  # 1,000 + 2,000 - 500
    "platform_fee_vat": 250,
    "additional_fee": 1_000,
    "additional_fee_vat": 100,
    "discount_share": 1_000,
    "net": 58_150,  # 24,600 - 4,450 + 50,000 - 12,000
}
OTHER = {
    "transfer_count": 1,
    "sales": 28_350,
    "cancellations": 0,
    "adjust_plus": 0,
    "adjust_minus": 0,
    "platform_fee": 1_500,
    "platform_fee_vat": 150,
    "additional_fee": 0,
    "additional_fee_vat": 0,
    "discount_share": 0,
    "net": 28_350,
}


def _numbers(row: dict) -> dict:
    return {key: row[key] for key in SELLER}


def test_dashboard_sums_what_is_still_to_be_paid_per_partner(staff, scheduled):
    response = staff.get(reverse("settlements-dashboard"))
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.context["rows"]}
    assert set(rows) == {"seller", "other"}
    assert _numbers(rows["seller"]) == SELLER
    assert _numbers(rows["other"]) == OTHER
    assert rows["seller"]["name"] == "가나 상점"
    [total] = response.context["totals"]
    assert total["currency"] == "KRW"
    assert total["net"] == 86_500
    assert total["transfer_count"] == 6
    [chart] = response.context["charts"]
    assert [(bar["date"].isoformat(), bar["net"]) for bar in chart["bars"]] == [
        (_day(3), 54_450),  # 8,900 - 4,450 + 50,000
        (_day(10), 32_050),  # 15,700 - 12,000 + 28,350
    ]
    assert chart["bars"][0]["percent"] == 100
    html = response.content.decode()
    assert "58,150" in html and "86,500" in html
    assert 'class="dash-chart"' in html


def test_dashboard_per_contract_and_for_one_date(staff, scheduled):
    response = staff.get(reverse("settlements-dashboard"), {"group": "contract"})
    rows = {row["key"]: row for row in response.context["rows"]}
    assert {key: row["net"] for key, row in rows.items()} == {
        "C1": 20_150,  # 8,900 + 15,700 - 4,450
        "C2": 28_350,
        None: 38_000,  # manual transfers have no contract
    }
    assert rows["C1"]["name"] == "기본 계약"
    assert "(계약 없음: 수기 정산)" in response.content.decode()

    one_day = staff.get(reverse("settlements-dashboard"), {"date": _day(3)})
    [total] = one_day.context["totals"]
    assert (total["net"], total["transfer_count"]) == (54_450, 3)

    later = staff.get(
        reverse("settlements-dashboard"), {"date_from": _day(31), "date_until": _day(60)}
    )
    assert [r["net"] for r in later.context["rows"]] == [7_777]

    test_mode = staff.get(reverse("settlements-dashboard"), {"mode": "test"})
    assert [(r["key"], r["net"]) for r in test_mode.context["rows"]] == [("seller", 1_234)]


def test_dashboard_rejects_a_reversed_period(staff, scheduled):
    response = staff.get(
        reverse("settlements-dashboard"), {"date_from": _day(5), "date_until": _day(1)}
    )
    assert response.status_code == 200
    assert "rows" not in response.context
    assert "기간 끝이 기간 시작보다 빠릅니다." in response.content.decode()


def test_dashboard_xlsx_has_the_same_numbers(staff, scheduled):
    response = staff.get(reverse("settlements-dashboard-xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == sheets.XLSX_CONTENT_TYPE
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["파트너별", "정산일별"]
    header, *rows = [list(r) for r in workbook["파트너별"].iter_rows(values_only=True)]
    assert header[:4] == ["파트너 아이디", "파트너 이름", "통화", "정산건 수"]
    assert header[4:] == [label for _, label in DASHBOARD_COLUMNS]
    by_key = {row[0]: row for row in rows}
    numbers = list(SELLER)
    assert dict(zip(numbers, by_key["seller"][3:], strict=True)) == SELLER
    assert dict(zip(numbers, by_key["other"][3:], strict=True)) == OTHER
    assert by_key["합계"][2] == "KRW"
    assert by_key["합계"][-1] == 86_500
    dates = list(workbook["정산일별"].iter_rows(values_only=True))
    assert [(d[0].date().isoformat(), d[3]) for d in dates[1:]] == [
        (_day(3), 54_450),
        (_day(10), 32_050),
    ]


def test_dashboard_needs_the_view_permission(client, django_user_model, partners):
    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("settlements-dashboard")).status_code == 403
    assert client.get(reverse("settlements-manual-upload")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_transfer"))
    assert client.get(reverse("settlements-dashboard")).status_code == 200
    assert client.get(reverse("settlements-manual-upload")).status_code == 403


def test_admin_home_links_the_tools(staff):
    html = staff.get(reverse("admin:index")).content.decode()
    assert "수기 정산 일괄 등록" in html
    assert reverse("settlements-dashboard") in html
    assert reverse("settlements-manual-upload") in html


# --- bulk manual upload ---------------------------------------------------------------------------


def _csv(rows: list[list[object]], headers: list[str] = HEADERS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def _xlsx(rows: list[list[object]], headers: list[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client, name: str, data: bytes, mode: str = "live"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("settlements-manual-upload"), {"file": file, "mode": mode})


GOOD_ROWS = [
    ["seller", "12,000", "", "2030-01-10", "", "1월 프로모션", "adj-1"],
    ["seller", "-3000", "-1,000", "2030-01-10", "KRW", "배송비 차감", ""],
    ["other", "250000", "0", "2030-02-01", "usd", "", "adj-3"],
]


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("utf8.csv", lambda text: text.encode("utf-8")),
        ("bom.csv", lambda text: text.encode("utf-8-sig")),
        ("excel.csv", lambda text: text.encode("cp949")),
        ("sheet.xlsx", None),
    ],
)
def test_upload_previews_then_confirm_writes_every_row(staff, partners, name, encode):
    data = _xlsx(GOOD_ROWS) if encode is None else encode(_csv(GOOD_ROWS))
    preview = upload(staff, name, data)
    assert preview.status_code == 200
    assert "errors" not in preview.context or not preview.context["errors"]
    assert preview.context["row_count"] == 3
    assert preview.context["partner_count"] == 2
    assert preview.context["sums"] == [
        {
            "currency": "KRW",
            "count": 2,
            "plus": 12_000,
            "minus": -3_000,
            "net": 9_000,
            "tax_free": -1_000,
        },
        {"currency": "USD", "count": 1, "plus": 250_000, "minus": 0, "net": 250_000, "tax_free": 0},
    ]
    assert "1월 프로모션" in preview.content.decode()
    assert Transfer.objects.count() == 0  # preview writes nothing

    done = staff.post(reverse("settlements-manual-upload-confirm"), follow=True)
    assert "수기 정산 3건을 운영 모드로 등록했습니다." in done.content.decode()
    created = {
        t.memo or t.public_id: t for t in Transfer.objects.filter(is_for_test=False, type="MANUAL")
    }
    assert len(created) == 3
    first = created["1월 프로모션"]
    assert (first.public_id, first.amount_settlement, first.partner.public_id) == (
        "adj-1",
        12_000,
        "seller",
    )
    assert first.settlement_date.isoformat() == "2030-01-10"
    assert first.status == TransferStatus.IN_PROCESS
    second = created["배송비 차감"]
    assert (second.amount_settlement, second.amount_settlement_tax_free) == (-3_000, -1_000)
    assert len(second.public_id) == 26  # generated ULID
    third = created["adj-3"]
    assert (third.settlement_currency, third.amount_settlement) == ("USD", 250_000)

    again = staff.post(reverse("settlements-manual-upload-confirm"), follow=True)
    assert "확인할 업로드가 없거나 만료되었습니다" in again.content.decode()
    assert Transfer.objects.count() == 3


def test_upload_with_bad_rows_lists_them_and_writes_nothing(staff, partners, api_client):
    create_transfer(
        api_client,
        "manual",
        id="taken",
        partnerId="seller",
        settlementAmount=1_000,
        settlementDate="2030-01-01",
    )
    rows = [
        ["seller", "12,000", "", "2030-01-10", "", "괜찮은 행", "new-1"],  # row 2: fine
        ["seller", "12.5", "", "2030-01-10", "", "", ""],  # row 3
        ["nobody", "1000", "", "2030/01/10", "", "", ""],  # row 4: partner (the date is fine)
        ["gone", "1000", "", "2030-02-30", "XYZ", "", ""],  # row 5: three errors
        ["seller", "-5000", "1000", "2030-01-10", "", "", ""],  # row 6: sign
        ["seller", "5000", "6000", "2030-01-10", "", "", "new-1"],  # row 7: > amount, dup id
        ["", "", "", "", "", "", "taken"],  # row 8: required x3, id in use
        ["seller", "1,2,3", "", "2030-01-10", "", "", ""],  # row 9
    ]
    response = upload(staff, "bad.csv", _csv(rows).encode("utf-8-sig"))
    found = [(e.row, e.column) for e in response.context["errors"]]
    assert found == [
        (3, "정산금액"),
        (4, "파트너 아이디"),
        (5, "파트너 아이디"),
        (5, "정산일"),
        (5, "통화"),
        (6, "면세금액"),
        (7, "면세금액"),
        (7, "정산건 아이디"),
        (8, "파트너 아이디"),
        (8, "정산금액"),
        (8, "정산일"),
        (8, "정산건 아이디"),
        (9, "정산금액"),
    ]
    messages = {(e.row, e.column): e.message for e in response.context["errors"]}
    assert "정수" in messages[(3, "정산금액")]
    assert "찾을 수 없습니다: nobody" in messages[(4, "파트너 아이디")]
    assert "보관된 파트너" in messages[(5, "파트너 아이디")]
    assert "XYZ" in messages[(5, "통화")]
    assert "2행과 같은 정산건 아이디" in messages[(7, "정산건 아이디")]
    assert "이미 사용된 정산건 아이디입니다: taken" in messages[(8, "정산건 아이디")]
    html = response.content.decode()
    assert "등록하지 않았습니다" in html and "upload-confirm" not in html
    assert Transfer.objects.count() == 1  # only the one made before
    assert MANUAL_TRANSFERS.stage.session_key not in staff.session
    confirm = staff.post(reverse("settlements-manual-upload-confirm"), follow=True)
    assert "확인할 업로드가 없거나 만료되었습니다" in confirm.content.decode()
    assert Transfer.objects.count() == 1


def test_upload_reports_missing_columns_and_unreadable_files(staff, partners):
    response = upload(
        staff, "cols.csv", _csv([["seller", "2030-01-10"]], ["파트너 아이디", "정산일"]).encode()
    )
    assert [(e.row, e.column) for e in response.context["errors"]] == [(1, "정산금액")]
    broken = upload(staff, "broken.xlsx", b"not a workbook")
    assert [e.row for e in broken.context["errors"]] == [0]
    assert Transfer.objects.count() == 0


def test_confirm_runs_one_all_or_nothing_service_call(staff, partners, monkeypatch):
    calls = []
    real = manual_files.manual_transfers_create

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(manual_files, "manual_transfers_create", spy)
    rows = [["seller", str(1_000 + i), "", "2030-01-10", "", f"행 {i}", ""] for i in range(30)]
    upload(staff, "many.xlsx", _xlsx(rows), mode="test")
    assert [c.get("dry_run") for c in calls] == [True]  # the preview checks through the service
    calls.clear()
    staff.post(reverse("settlements-manual-upload-confirm"))
    assert len(calls) == 1 and not calls[0].get("dry_run")
    assert calls[0]["is_for_test"] is True
    assert len(calls[0]["rows"]) == 30
    assert Transfer.objects.filter(is_for_test=True).count() == 30
    assert Transfer.objects.filter(is_for_test=False).count() == 0


def test_confirm_refuses_when_the_data_changed_since_the_preview(staff, partners, api_client):
    upload(staff, "ok.csv", _csv([["seller", "1000", "", "2030-01-10", "", "", "late-1"]]).encode())
    create_transfer(
        api_client,
        "manual",
        id="late-1",
        partnerId="other",
        settlementAmount=1,
        settlementDate="2030-01-01",
    )
    response = staff.post(reverse("settlements-manual-upload-confirm"))
    assert response.status_code == 200
    assert "이미 사용된 정산건 아이디" in response.content.decode()
    assert list(Transfer.objects.values_list("partner__public_id", flat=True)) == ["other"]


def test_templates_download_with_korean_headers(staff):
    csv_response = staff.get(reverse("settlements-manual-upload-template", args=["csv"]))
    text = csv_response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    assert next(csv.reader(io.StringIO(text.lstrip("\ufeff")))) == HEADERS
    xlsx_response = staff.get(reverse("settlements-manual-upload-template", args=["xlsx"]))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["B3"].value == -3000
    assert staff.get(reverse("settlements-manual-upload-template", args=["pdf"])).status_code == 404
