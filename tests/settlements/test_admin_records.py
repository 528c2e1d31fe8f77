"""The settlement records in the back office (settlements/admin/transfers.py,
partner_settlements.py, records.py): one manual transfer added by hand through the same service
as the API, the transfer and partner settlement detail pages, status changes with a confirmation
and a reason kept in the history, warnings for money to a closed or unverified account, the list
totals and the Excel download of the filtered rows."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.models import AccountStatus, BusinessStatus, Partner, UserDefinedProperty
from settlements.models import (
    AMOUNT_COLUMNS,
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferType,
)
from settlements.services.daily import settle_due
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db

ADD_URL = "admin:settlements_transfer_add"
WITHHELD = PartnerSettlementStatus.PAYOUT_WITHHELD
PREPARED = PartnerSettlementStatus.PAYOUT_PREPARED
EXCLUDED = PartnerSettlementStatus.PAYOUT_EXCLUDED


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def partners(db):
    make_contract("C1", name="기본 계약", fee_rate=10_000, platform_fee_vat_payer="PARTNER")
    make_discount_share_policy("P1", name="반반 쿠폰", partner_share_rate=50_000)
    make_additional_fee_policy(
        "F1",
        name="풀필먼트",
        fee_type="FIXED_RATE",
        fee_rate=5_000,
        fee_amount=None,
        vat_payer="PARTNER",
    )
    make_partner("seller", contract_id="C1", name="가나 상점", tags=["패션"])
    make_partner("other", contract_id="C1", name="다라 상사")
    make_contract("C1", is_for_test=True)
    make_partner("seller", contract_id="C1", is_for_test=True, name="테스트 상점")
    Partner.objects.update(
        account_status=AccountStatus.VERIFIED, business_status=BusinessStatus.IN_BUSINESS
    )


def _day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def _add(client, **fields):
    data = {
        "partner": "seller",
        "settlement_amount": "12,000",
        "settlement_tax_free_amount": "",
        "settlement_date": _day(3).isoformat(),
        "settlement_currency": "KRW",
        "memo": "",
        "user_defined_properties": "",
        "id": "",
    }
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(reverse(ADD_URL), data)


def _api_manual(api_client, **body) -> Transfer:
    response = api_client.post("/platform/transfers/manual", body, format="json")
    assert response.status_code == 200, response.content
    return Transfer.objects.get(public_id=response.json()["transfer"]["id"])


COMPARED = (
    "type",
    "stored_status",
    "is_for_test",
    "partner_id",
    "contract_id",
    "settlement_start_date",
    "settlement_date",
    "settlement_date_explicit",
    "settlement_currency",
    "memo",
    "user_defined_properties",
    "parameters",
    "payment_id",
    "payment_public_id",
    *AMOUNT_COLUMNS,
)


def _row(transfer: Transfer) -> dict:
    return {name: getattr(transfer, name) for name in COMPARED}


# --- one manual transfer ------------------------------------------------------------------------


def test_add_plus_and_minus_manual_transfers_as_the_api_would(staff, partners, api_client):
    UserDefinedProperty.objects.create(key="region", label="지역")
    plus = _add(
        staff,
        settlement_amount="12,000",
        settlement_tax_free_amount="2,000",
        memo="1월 프로모션 지원금",
        user_defined_properties="region=서울",
    )
    created = Transfer.objects.get(memo="1월 프로모션 지원금")
    assert plus.status_code == 302
    assert plus.url == reverse("admin:settlements_transfer_change", args=[created.pk])
    minus = _add(staff, settlement_amount="-3000", memo="배송비 차감", id="adj-1")
    assert minus.status_code == 302
    adjustment = Transfer.objects.get(public_id="adj-1")

    assert created.type == TransferType.MANUAL
    assert (created.amount_settlement, created.amount_settlement_tax_free) == (12_000, 2_000)
    assert created.settlement_date == _day(3)
    assert created.user_defined_properties == [{"key": "region", "value": {"string": "서울"}}]
    assert (adjustment.amount_settlement, adjustment.memo) == (-3_000, "배송비 차감")
    assert adjustment.partner.public_id == "seller" and not adjustment.is_for_test

    # the API with the same input writes the same row
    via_api = _api_manual(
        api_client,
        partnerId="seller",
        settlementAmount=12_000,
        settlementTaxFreeAmount=2_000,
        settlementDate=_day(3).isoformat(),
        memo="1월 프로모션 지원금",
        userDefinedProperties=[{"key": "region", "value": {"string": "서울"}}],
    )
    assert _row(created) == _row(via_api)
    via_api_minus = _api_manual(
        api_client,
        partnerId="seller",
        settlementAmount=-3_000,
        settlementDate=_day(3).isoformat(),
        memo="배송비 차감",
    )
    assert _row(adjustment) == _row(via_api_minus)
    assert created.history.first().history_type == "+"


def test_add_in_test_mode_uses_the_test_partner(staff, partners):
    _add(staff, is_for_test="on", memo="테스트 지원금")
    transfer = Transfer.objects.get(memo="테스트 지원금")
    assert transfer.is_for_test
    assert transfer.partner.name == "테스트 상점"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"settlement_amount": "0"}, "settlement_amount", "0원은 등록할 수 없습니다."),
        ({"partner": "nobody"}, "partner", "파트너를 찾을 수 없습니다: nobody"),
        (
            {"settlement_amount": "-3,000", "settlement_tax_free_amount": "1,000"},
            "settlement_tax_free_amount",
            "정산금액과 같은 부호이고",
        ),
        ({"settlement_amount": "12.5"}, "settlement_amount", "정수(원 단위)여야 합니다"),
        ({"user_defined_properties": "nokey=1"}, "user_defined_properties", "nokey"),
    ],
)
def test_refusals_land_on_the_field_and_write_nothing(staff, partners, fields, field, message):
    response = _add(staff, **fields)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    assert not Transfer.objects.exists()


def test_a_used_id_is_refused_on_the_id_field(staff, partners):
    assert _add(staff, id="adj-1").status_code == 302
    response = _add(staff, id="adj-1", settlement_amount="5,000")
    assert (
        "이미 사용된 정산건 아이디입니다: adj-1"
        in response.context["adminform"].form.errors["id"][0]
    )
    assert Transfer.objects.count() == 1


def test_an_archived_partner_is_named_as_such(staff, partners):
    from core.versioning import services as versioning
    from partners.services.partners import PARTNER

    versioning.entity_archive(PARTNER, public_id="other", is_for_test=False)
    response = _add(staff, partner="other")
    assert response.context["adminform"].form.errors["partner"] == ["보관된 파트너입니다: other"]


def test_add_needs_the_add_permission(client, django_user_model, partners):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_transfer"))
    client.force_login(user)
    assert client.get(reverse(ADD_URL)).status_code == 403
    assert _add(client).status_code == 403
    assert client.get(reverse("admin:settlements_transfer_partners")).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_transfer"))
    client.force_login(user)
    assert client.get(reverse(ADD_URL)).status_code == 200
    assert _add(client).status_code == 302
    assert Transfer.objects.get().type == TransferType.MANUAL


def test_partner_autocomplete_gives_ids(staff, partners):
    response = staff.get(reverse("admin:settlements_transfer_partners"), {"term": "상점"})
    results = response.json()["results"]
    assert {r["id"] for r in results} == {"seller"}
    assert sorted(r["text"] for r in results) == [
        "가나 상점 (seller)",
        "테스트 상점 (seller) · 테스트",
    ]


def test_the_add_page_offers_manual_transfers_only(staff, partners):
    page = staff.get(reverse(ADD_URL)).content.decode()
    assert "수기 정산건 등록" in page
    for label in ("정산금액 (원)", "면세금액 (원)", "정산일", "메모", "테스트 모드"):
        assert label in page
    assert 'name="type"' not in page


# --- transfer detail ----------------------------------------------------------------------------


@pytest.fixture
def order(api_client, partners) -> Transfer:
    """ORDER 20,000 with a 2,000 coupon (P1: the partner bears half) and F1 (5 %) on C1 (10 %,
    VAT on the partner): 20,000 − 1,000 − 2,000 − 200 − 1,000 − 100 = 15,700."""
    response = api_client.post(
        "/platform/transfers/order",
        {
            "id": "o1",
            "partnerId": "seller",
            "paymentId": "pay-o1",
            "orderDetail": {"orderAmount": 20_000},
            "discounts": [{"sharePolicyId": "P1", "amount": 2_000}],
            "additionalFees": [{"policyId": "F1"}],
            "externalPaymentDetail": {
                "currency": "KRW",
                "orderName": "봄 신상",
                "paidAt": timezone.now().isoformat(),
            },
            "settlementStartDate": _day(0).isoformat(),
            "settlementDate": _day(10).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    return Transfer.objects.get(public_id="o1")


def _amount(text: str, amount: int) -> str:
    return f"{amount:,}원"


def _row_html(page: str, table_id: str, key: str) -> str:
    table = page.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.search(rf'<tr data-key="{key}"[^>]*>(.*?)</tr>', table, re.S).group(1)


def test_transfer_detail_shows_the_breakdown_and_policy_versions(staff, order):
    assert order.amount_settlement == 15_700
    response = staff.get(reverse("admin:settlements_transfer_change", args=[order.pk]))
    page = response.content.decode()
    assert response.context["title"] == f"주문 정산 · seller · {_day(10)} · 15,700원"
    expected = {
        "amount_order": "20,000원",
        "amount_discount_share": "-1,000원",
        "amount_platform_fee": "-2,000원",
        "amount_platform_fee_vat": "-200원",
        "amount_additional_fee": "-1,000원",
        "amount_additional_fee_vat": "-100원",
        "amount_payment_vat_burden": "0원",
    }
    for key, text in expected.items():
        assert f">{text}</span>" in _row_html(page, "breakdown-calculation", key), key
    assert ">15,700원</span>" in _row_html(page, "breakdown-calculation", "amount_settlement")
    assert ">18,000원</span>" in _row_html(page, "breakdown-parts", "amount_payment")
    assert ">1,636원</span>" in _row_html(page, "breakdown-parts", "amount_payment_vat")

    versions = page.split('id="policy-versions"', 1)[1].split("</table>", 1)[0]
    for kind, name, terms in (
        ("계약", "기본 계약", "중개수수료 정률 10%"),
        ("할인 분담 정책", "반반 쿠폰", "파트너 분담 50%"),
        ("추가 수수료 정책", "풀필먼트", "정률 5% · 부가세 파트너 부담"),
    ):
        assert kind in versions and name in versions and terms in versions
    contract = order.contract
    assert reverse("admin:policies_contract_change", args=[contract.pk]) in versions
    applied = timezone.localtime(contract.applied_at).strftime("%Y-%m-%d %H:%M")
    assert applied in versions
    # no raw JSON, English labels or unformatted amounts
    assert "orderLines" not in page and "sharePolicy" not in page
    assert "Settlement date explicit" not in page and "15700" not in page


def test_manual_transfer_detail(staff, partners):
    _add(staff, settlement_amount="12,000", memo="지원금")
    transfer = Transfer.objects.get()
    page = staff.get(reverse("admin:settlements_transfer_change", args=[transfer.pk]))
    assert page.context["title"] == f"수기 정산 · seller · {_day(3)} · 12,000원"
    html = page.content.decode()
    assert ">12,000원</span>" in _row_html(html, "breakdown-calculation", "manual")
    assert "수기 정산건은 계약·정책으로 계산하지 않습니다." in html


# --- partner settlements ------------------------------------------------------------------------


@pytest.fixture
def settlement(staff, api_client, partners) -> PartnerSettlement:
    """seller's MANUAL settlement of yesterday: +12,000, −3,000 and +500 (tax-free 100)."""
    for amount, tax_free in (("12,000", ""), ("-3,000", ""), ("500", "100")):
        response = _add(
            staff,
            settlement_amount=amount,
            settlement_tax_free_amount=tax_free,
            settlement_date=_day(-1).isoformat(),
        )
        assert response.status_code == 302
    settle_due()
    return PartnerSettlement.objects.get(partner__public_id="seller", is_for_test=False)


def _detail(client, settlement):
    return client.get(reverse("admin:settlements_partnersettlement_change", args=[settlement.pk]))


def test_partner_settlement_detail_lists_its_transfers_and_their_sums(staff, settlement):
    assert settlement.amount_settlement == 9_500
    response = _detail(staff, settlement)
    page = response.content.decode()
    rows = page.split('id="transfer-rows"', 1)[1].split("</table>", 1)[0]
    for transfer in settlement.transfers.all():
        url = reverse("admin:settlements_transfer_change", args=[transfer.pk])
        assert f'href="{url}"' in rows
    assert rows.count("data-transfer=") == 3
    assert ">-3,000원</span>" in rows
    sums = rows.split('id="transfer-sums"', 1)[1]
    assert "합계 (3건)" in sums and ">9,500원</span>" in sums and ">100원</span>" in sums
    assert response.context["totals_match"] is True
    amounts = _row_html(page, "amount-totals", "amount_settlement")
    assert amounts.count(">9,500원</span>") == 2  # the settlement and the sum of its transfers
    assert "정산 내역 · seller" in response.context["title"]


def test_withhold_with_a_reason_keeps_it_in_the_history(staff, settlement):
    page = _detail(staff, settlement).content.decode()
    url = reverse("admin:settlements_partnersettlement_status", args=[settlement.pk, WITHHELD])
    assert f'href="{url}"' in page  # a button
    confirm = staff.get(url)
    assert confirm.status_code == 200 and "사유" in confirm.content.decode()
    settlement.refresh_from_db()
    assert settlement.status == PREPARED  # nothing changes before the confirmation

    missing = staff.post(url, {"reason": "  "})
    assert missing.status_code == 200 and missing.context["form"].errors["reason"]
    settlement.refresh_from_db()
    assert settlement.status == PREPARED

    done = staff.post(url, {"reason": "계좌 확인 중"})
    assert done.status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == WITHHELD
    record = settlement.history.first()
    assert (record.status, record.history_change_reason) == (WITHHELD, "계좌 확인 중")
    assert record.history_user.username == "finance"


def test_only_allowed_transitions_are_offered_and_others_refused(staff, settlement):
    page = _detail(staff, settlement).content.decode()
    offered = set(re.findall(r'class="status-button[^"]*" href="[^"]+" data-status="(\w+)"', page))
    assert offered == {WITHHELD, EXCLUDED}
    release = reverse("admin:settlements_partnersettlement_status", args=[settlement.pk, PREPARED])
    assert staff.post(release, {"reason": "해제"}).status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == PREPARED  # not a transition from PAYOUT_PREPARED
    PartnerSettlement.objects.filter(pk=settlement.pk).update(
        status=PartnerSettlementStatus.PAID_OUT
    )
    page = _detail(staff, settlement).content.decode()
    assert "data-status=" not in page
    assert "지급에 들어간 정산 내역은 여기서 상태를 바꿀 수 없습니다." in page
    exclude = reverse("admin:settlements_partnersettlement_status", args=[settlement.pk, EXCLUDED])
    response = staff.post(exclude, {"reason": "중복"}, follow=True)
    assert "바꿀 수 없습니다" in response.content.decode()
    settlement.refresh_from_db()
    assert settlement.status == PartnerSettlementStatus.PAID_OUT


def test_status_change_needs_the_change_permission(client, django_user_model, settlement):
    user = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_partnersettlement"))
    client.force_login(user)
    assert "data-status=" not in _detail(client, settlement).content.decode()
    url = reverse("admin:settlements_partnersettlement_status", args=[settlement.pk, WITHHELD])
    assert client.post(url, {"reason": "x"}).status_code == 403
    settlement.refresh_from_db()
    assert settlement.status == PREPARED


def test_bulk_withhold_asks_for_a_reason_first(staff, settlement):
    changelist = reverse("admin:settlements_partnersettlement_changelist")
    action = {"action": "withhold_selected", "_selected_action": [settlement.pk], "index": 0}
    first = staff.post(changelist, action)
    assert first.status_code == 200
    assert "사유" in first.content.decode() and settlement.public_id in first.content.decode()
    settlement.refresh_from_db()
    assert settlement.status == PREPARED

    without_reason = staff.post(changelist, {**action, "confirm": "yes", "reason": ""})
    assert without_reason.status_code == 200
    settlement.refresh_from_db()
    assert settlement.status == PREPARED

    done = staff.post(changelist, {**action, "confirm": "yes", "reason": "파트너 요청"})
    assert done.status_code == 302
    settlement.refresh_from_db()
    assert settlement.status == WITHHELD
    assert settlement.history.first().history_change_reason == "파트너 요청"


def test_warning_for_a_closed_partner(staff, settlement):
    assert "money-warning" not in _detail(staff, settlement).content.decode()
    Partner.objects.filter(public_id="seller", is_for_test=False).update(
        business_status=BusinessStatus.CLOSED
    )
    page = _detail(staff, settlement).content.decode()
    assert 'data-warning="폐업"' in page and "폐업한 사업자입니다" in page
    listing = staff.get(reverse("admin:settlements_partnersettlement_changelist"))
    assert "⚠ 폐업" in listing.content.decode()
    transfer = settlement.transfers.first()
    detail = staff.get(reverse("admin:settlements_transfer_change", args=[transfer.pk]))
    assert "폐업한 사업자입니다" in detail.content.decode()


def test_warning_for_an_unverified_account(staff, settlement):
    Partner.objects.filter(public_id="seller", is_for_test=False).update(
        account_status=AccountStatus.VERIFY_FAILED, account_verification_message="예금주 불일치"
    )
    page = _detail(staff, settlement).content.decode()
    assert 'data-warning="계좌 미인증"' in page and "계좌가 인증되지 않았습니다" in page
    listing = staff.get(reverse("admin:settlements_transfer_changelist"))
    assert "⚠ 계좌 미인증" in listing.content.decode()


# --- lists: totals and Excel --------------------------------------------------------------------


@pytest.fixture
def listed(staff, partners, order):
    """o1 (ORDER 15,700 for seller) and manual +12,000 / −3,000 (seller), +7,000 (other)."""
    _add(staff, settlement_amount="12,000")
    _add(staff, settlement_amount="-3,000")
    _add(staff, partner="other", settlement_amount="7,000")


def _total(page: str, field: str) -> str:
    return re.search(rf'data-total="{field}">(.*?)</b>', page, re.S).group(1)


def test_list_totals_are_the_sums_of_the_filtered_rows(staff, listed):
    url = reverse("admin:settlements_transfer_changelist")
    everything = staff.get(url).content.decode()
    assert _total(everything, "count") == "4건"
    assert ">31,700원<" in _total(everything, "amount_settlement")
    assert ">2,000원<" in _total(everything, "amount_platform_fee")

    manual = staff.get(url, {"type__exact": "MANUAL", "q": "seller"})
    page = manual.content.decode()
    rows = list(manual.context["cl"].queryset)
    assert sorted(t.amount_settlement for t in rows) == [-3_000, 12_000]
    assert _total(page, "count") == "2건"
    assert ">9,000원<" in _total(page, "amount_settlement")
    assert ">0원<" in _total(page, "amount_platform_fee")


def test_a_filtered_transfer_list_does_not_count_the_whole_table(staff, listed):
    """show_full_result_count = False: at 10^7 transfers the unfiltered COUNT(*) behind "2 of
    10,000,000" was most of a filtered page's time (docs/scale.md)."""
    url = reverse("admin:settlements_transfer_changelist")
    with CaptureQueriesContext(connection) as ctx:
        page = staff.get(url, {"type__exact": "MANUAL", "q": "seller"})
    assert page.context["cl"].result_count == 2
    assert page.context["cl"].full_result_count is None
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    transfer_counts = [sql for sql in counts if '"settlements_transfer"' in sql]
    assert transfer_counts and all("WHERE" in sql for sql in transfer_counts), transfer_counts


def test_partner_settlement_list_totals(staff, settlement):
    page = staff.get(reverse("admin:settlements_partnersettlement_changelist")).content.decode()
    assert _total(page, "count") == "1건"
    assert ">9,500원<" in _total(page, "amount_settlement")
    assert ">100원<" in _total(page, "amount_settlement_tax_free")


def test_excel_of_a_filtered_transfer_list_has_exactly_its_rows(staff, listed):
    url = reverse("admin:settlements_transfer_export_xlsx")
    response = staff.get(url, {"type__exact": "MANUAL", "q": "seller"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    data = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    assert len(data) == 2
    assert sorted(r["정산금액"] for r in data) == [-3_000, 12_000]
    assert all(isinstance(r["정산금액"], int) for r in data)
    assert {r["유형"] for r in data} == {"수기 정산"}
    assert {r["상태"] for r in data} == {"정산 중"}  # no start date: in process until the day
    assert {r["파트너 아이디"] for r in data} == {"seller"}


def test_excel_exports_the_derived_transfer_status(staff, settlement, order):
    url = reverse("admin:settlements_transfer_export_xlsx")
    response = staff.get(url, {"status": "SETTLED"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    status = rows[0].index("상태")
    assert [row[status] for row in rows[1:]] == ["정산 확정"] * 3
    PartnerSettlement.objects.filter(pk=settlement.pk).update(
        status=PartnerSettlementStatus.PAID_OUT
    )
    response = staff.get(url, {"status": "PAID_OUT"})
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[status] for row in list(sheet.iter_rows(values_only=True))[1:]] == ["지급 완료"] * 3


def test_lists_answer_with_money_and_korean_badges(staff, settlement, order):
    for name in ("transfer", "partnersettlement", "payment", "closedday", "settlementparameter"):
        response = staff.get(reverse(f"admin:settlements_{name}_changelist"))
        assert response.status_code == 200, name
    page = staff.get(reverse("admin:settlements_transfer_changelist")).content.decode()
    assert '<span class="amount negative">-3,000원</span>' in page
    assert "수기 정산" in page and "정산 확정" in page
    payments = staff.get(reverse("admin:settlements_payment_changelist")).content.decode()
    assert "pay-o1" in payments and _total(payments, "count") == "1건"


def test_filters_by_date_range_partner_and_tag(staff, listed):
    url = reverse("admin:settlements_transfer_changelist")
    day = _day(3).isoformat()
    by_date = staff.get(url, {"settlement_date_from": day, "settlement_date_to": day})
    assert sorted(t.amount_settlement for t in by_date.context["cl"].queryset) == [
        -3_000,
        7_000,
        12_000,
    ]
    other = Partner.objects.get(public_id="other", is_for_test=False)
    by_partner = staff.get(url, {"partner__id__exact": other.pk})
    assert [t.amount_settlement for t in by_partner.context["cl"].queryset] == [7_000]
    by_tag = staff.get(url, {"partner_tag": "패션"})
    assert sorted(t.amount_settlement for t in by_tag.context["cl"].queryset) == [
        -3_000,
        12_000,
        15_700,
    ]
    assert _total(by_tag.content.decode(), "count") == "3건"
