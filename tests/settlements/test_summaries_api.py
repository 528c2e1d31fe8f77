"""Transfer summaries and the transfer sheet (docs/api.md#transfer-reads): every filter, paging,
test mode, and the CSV file.

Two tests drive the live server with portone-server-sdk 0.21.0, as an integrator would: the
summaries come back as the SDK's union types, and the sheet is the text the SDK hands over. The
others are about what the filters select and call the API in-process (DRF's APIClient) with the
JSON the SDK sends, so they run in a rolled-back transaction instead of committing for a live
server.
"""

import csv
import io
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from portone_server_sdk.platform.transfer import (
    PlatformManualTransferSummary,
    PlatformOrderCancelTransferSummary,
    PlatformOrderTransferSummary,
    PlatformTransferFilterInput,
    PlatformTransferSummaryExternalPayment,
    PlatformTransferSummaryPortOnePayment,
)

from partners.models import UserDefinedProperty
from settlements.models import PartnerSettlement, Payment, Transfer
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db
# The SDK talks to the live server, another thread and connection: the rows must be committed.
through_the_sdk = pytest.mark.django_db(transaction=True)

PAID_AT = "2025-10-01T10:00:00+09:00"
LIVE_IDS = {"order-1", "order-2", "order-3", "cancel-1", "manual-1", "manual-2"}
SUMMARIES = "/platform/transfer-summaries"
SHEET = "/platform/transfer-summaries/sheet-file"


def _external(method: dict) -> dict:
    return {"currency": "KRW", "orderName": "외부 주문", "paidAt": PAID_AT, "method": method}


# The request bodies portone-server-sdk sends for the data below.
TRANSFERS = [
    (
        "/platform/transfers/order",
        {
            "id": "order-1",
            "partnerId": "seller",
            "paymentId": "pay-1",
            "memo": "첫 주문",
            "orderDetail": {
                "orderLines": [
                    {
                        "product": {"id": "A", "name": "유기농 사과", "amount": 10_000},
                        "quantity": 1,
                        "discounts": [{"sharePolicyId": "P1", "amount": 2_000}],
                        "additionalFees": [],
                    }
                ]
            },
            "discounts": [],
            "additionalFees": [{"policyId": "F1"}],
            "externalPaymentDetail": _external({"card": {}}),
            "settlementStartDate": "2030-03-02",
            "settlementDate": "2030-03-10",
            "userDefinedProperties": [{"key": "region", "value": {"string": "seoul"}}],
        },
    ),
    (
        "/platform/transfers/order",
        {
            "id": "order-2",
            "partnerId": "other",
            "paymentId": "pay-2",
            "orderDetail": {"orderAmount": 20_000},
            "discounts": [{"sharePolicyId": "P2", "amount": 1_000}],
            "additionalFees": [],
            "externalPaymentDetail": _external({"transfer": {}}),
            "settlementStartDate": "2025-10-01",
            "settlementDate": "2025-10-15",
        },
    ),
    (
        "/platform/transfers/order",
        {
            "id": "order-3",
            "partnerId": "seller",
            "paymentId": "po-1",
            "orderDetail": {"orderAmount": 30_000},
            "discounts": [],
            "additionalFees": [],
            "settlementStartDate": "2030-01-02",
            "settlementDate": "2030-01-10",
        },
    ),
    (
        "/platform/transfers/order-cancel",
        {
            "id": "cancel-1",
            "transferId": "order-2",
            "cancellationId": "c-1",
            "orderDetail": {"all": {}},
            "discounts": [],
            "externalCancellationDetail": {"cancelledAt": "2025-10-05T10:00:00+09:00"},
            "settlementStartDate": "2025-10-05",
            "settlementDate": "2025-10-15",
        },
    ),
    (
        "/platform/transfers/manual",
        {
            "id": "manual-1",
            "partnerId": "seller",
            "settlementAmount": -12_000,
            "settlementDate": "2030-01-10",
            "memo": "=1+1",
        },
    ),
    (
        "/platform/transfers/manual",
        {
            "id": "manual-2",
            "partnerId": "other",
            "settlementAmount": 5_000,
            "settlementDate": "2030-02-01",
        },
    ),
    (
        "/platform/transfers/manual",
        {
            "id": "manual-1",
            "partnerId": "seller",
            "settlementAmount": 7_000,
            "settlementDate": "2030-01-10",
            "isForTest": True,
        },
    ),
]


@pytest.fixture
def data(api_client):
    """Six live transfers of two partners (and one test-mode transfer with a repeated id):

    order-1  seller  C1  card (external)      line A "유기농 사과" + P1, order fee F1  2030-03-10
    order-2  other   C2  transfer (external)  orderAmount 20,000 + P2              2025-10-15
    order-3  seller  C1  PortOne EASY_PAY, channel-a, orderAmount 30,000            2030-01-10
    cancel-1 other   C2  cancels all of order-2                                     2025-10-15
    manual-1 seller  -12,000, memo "=1+1"                                           2030-01-10
    manual-2 other   5,000                                                          2030-02-01
    """
    UserDefinedProperty.objects.create(key="grade", label="등급")
    UserDefinedProperty.objects.create(key="region", label="지역")
    make_contract("C1", name="기본 계약", fee_rate=10_000)
    make_contract("C2", name="할인 계약", fee_rate=5_000)
    make_discount_share_policy("P1", partner_share_rate=50_000)
    make_discount_share_policy("P2", partner_share_rate=0)
    make_additional_fee_policy(
        "F1", fee_type="FIXED_RATE", fee_rate=5_000, fee_amount=None, vat_payer="PARTNER"
    )
    make_partner(
        "seller",
        contract_id="C1",
        name="가나 상점",
        tags=["vip", "food"],
        memo="우수 파트너",
        user_defined_properties={"grade": "gold"},
    )
    make_partner("other", contract_id="C2", name="다라 상사", tags=["new"])
    make_contract("C1", is_for_test=True)
    make_partner("seller", contract_id="C1", is_for_test=True, name="테스트 상점")
    Payment.objects.create(
        public_id="po-1",
        kind="PORT_ONE",
        store_id="store-1",
        channel_key="channel-a",
        order_name="포트원 주문",
        currency="KRW",
        paid_at=timezone.now() - timedelta(days=3),
        method={"type": "EASY_PAY", "provider": "KAKAOPAY"},
        total_amount=30_000,
        tax_free_amount=0,
    )

    for path, body in TRANSFERS:
        response = api_client.post(path, body, format="json")
        assert response.status_code == 200, response.content
    return api_client


def get(api, path: str, *, test: bool | None = None, **body):
    """A GET the way the SDK sends it: the input as JSON in `requestBody`, `test` in the query."""
    params = {"requestBody": json.dumps(body)}
    if test is not None:
        params["test"] = str(test).lower()
    return api.get(path, params)


def summaries(api, **kwargs) -> dict:
    response = get(api, SUMMARIES, **kwargs)
    assert response.status_code == 200, response.content
    return response.json()


def ids(api, test=None, **filter_fields) -> set[str]:
    result = summaries(api, test=test, filter=filter_fields, page={"number": 0, "size": 100})
    return {s["id"] for s in result["transferSummaries"]}


def assert_invalid_request(response) -> None:
    """The answer the SDK raises as errors.InvalidRequestError."""
    assert response.status_code == 400
    assert response.json()["type"] == "INVALID_REQUEST"


@through_the_sdk
def test_summaries_come_back_as_the_sdks_union_with_their_snapshots(data, portone):
    result = portone.platform.transfer.get_platform_transfer_summaries()
    assert result.page.total_count == 6
    by_id = {s.id: s for s in result.transfer_summaries}
    assert set(by_id) == LIVE_IDS

    order = by_id["order-1"]
    assert isinstance(order, PlatformOrderTransferSummary)
    assert order.partner.id == "seller"
    assert order.partner.name == "가나 상점"
    assert order.partner.type == "BUSINESS"
    assert order.partner.taxation_type == "NORMAL"
    assert [(p.key, p.value.string) for p in order.partner.user_defined_properties] == [
        ("grade", "gold")
    ]
    assert order.partner_user_defined_properties == order.partner.user_defined_properties
    assert [(p.key, p.value.string) for p in order.user_defined_properties] == [("region", "seoul")]
    assert order.contract.id == "C1"
    assert (order.settlement_start_date, order.settlement_date) == ("2030-03-02", "2030-03-10")
    assert order.status == "SCHEDULED"
    assert order.memo == "첫 주문"
    assert isinstance(order.payment, PlatformTransferSummaryExternalPayment)
    assert (order.payment.id, order.payment.method_type) == ("pay-1", "CARD")
    # 10,000 order, P1 50 % of 2,000 = 1,000, fee 1,000 + 100, F1 5 % = 500 + 50
    assert (order.amount.order, order.amount.discount_share, order.amount.settlement) == (
        10_000,
        1_000,
        7_350,
    )

    portone_order = by_id["order-3"]
    assert isinstance(portone_order.payment, PlatformTransferSummaryPortOnePayment)
    assert portone_order.store_id == "store-1"
    assert (portone_order.payment.order_name, portone_order.payment.method_type) == (
        "포트원 주문",
        "EASY_PAY",
    )

    cancel = by_id["cancel-1"]
    assert isinstance(cancel, PlatformOrderCancelTransferSummary)
    assert cancel.amount.order == 20_000
    assert cancel.amount.settlement == by_id["order-2"].amount.settlement == 18_900

    manual = by_id["manual-1"]
    assert isinstance(manual, PlatformManualTransferSummary)
    assert (manual.settlement_amount, manual.settlement_tax_free_amount) == (-12_000, 0)
    assert manual.memo == "=1+1"
    assert manual.status == "IN_PROCESS"
    assert manual.is_for_test is False


def test_date_ranges_filter_and_cannot_be_combined(data):
    assert ids(data, settlementDateRange={"from": "2030-01-01", "until": "2030-01-31"}) == {
        "order-3",
        "manual-1",
    }
    # manual transfers have no settlement start date
    start = {"from": "2025-10-01", "until": "2025-10-31"}
    assert ids(data, settlementStartDateRange=start) == {"order-2", "cancel-1"}
    both = {"settlementStartDateRange": start, "settlementDateRange": start}
    assert_invalid_request(get(data, SUMMARIES, filter=both))


def test_partner_tags_contracts_and_policies_filter(data):
    assert ids(data, partnerTags=["vip"]) == {"order-1", "order-3", "manual-1"}
    assert ids(data, partnerTags=["new", "nobody"]) == {"order-2", "cancel-1", "manual-2"}
    assert ids(data, contractIds=["C2"]) == {"order-2", "cancel-1"}
    assert ids(data, contractIds=["C1", "C2"]) == LIVE_IDS - {"manual-1", "manual-2"}
    # P1 sits on a line of order-1; P2 on order-2's order level, and its cancel reverses it
    assert ids(data, discountSharePolicyIds=["P1"]) == {"order-1"}
    assert ids(data, discountSharePolicyIds=["P2"]) == {"order-2", "cancel-1"}
    assert ids(data, additionalFeePolicyIds=["F1"]) == {"order-1"}
    assert ids(data, additionalFeePolicyIds=["C1"]) == set()  # a contract id is no policy


def test_payment_method_and_channel_filter(data):
    assert ids(data, paymentMethodTypes=["CARD"]) == {"order-1"}
    assert ids(data, paymentMethodTypes=["TRANSFER"]) == {"order-2", "cancel-1"}
    assert ids(data, paymentMethodTypes=["EASY_PAY", "CARD"]) == {"order-1", "order-3"}
    assert ids(data, channelKeys=["channel-a"]) == {"order-3"}
    assert ids(data, channelKeys=["channel-b"]) == set()


def test_types_statuses_and_user_defined_property_filter(data):
    assert ids(data, types=["MANUAL"]) == {"manual-1", "manual-2"}
    assert ids(data, types=["ORDER_CANCEL"]) == {"cancel-1"}
    assert ids(data, statuses=["SCHEDULED"]) == {"order-1", "order-3"}
    assert ids(data, statuses=["SETTLED"]) == {"order-2", "cancel-1"}
    assert ids(data, statuses=["IN_PROCESS"]) == {"manual-1", "manual-2"}
    assert ids(data, types=["ORDER"], statuses=["SCHEDULED", "SETTLED"]) == {
        "order-1",
        "order-2",
        "order-3",
    }

    def region(key: str, value: str) -> dict:
        return {"key": key, "value": value}

    assert ids(data, userDefinedProperty=region(key="region", value="seoul")) == {"order-1"}
    assert ids(data, userDefinedProperty=region(key="region", value="seou")) == set()
    assert ids(data, userDefinedProperty=region(key="grade", value="seoul")) == set()


def test_payout_stages_come_from_the_partner_settlement(data):
    """docs/payouts.md#payout-lifecycle: SETTLED transfers show their settlement's payout stage
    (read, not written to each transfer), in the summaries, their status filter and the single get.
    """
    order = Transfer.objects.get(public_id="order-2", is_for_test=False)
    settlement = order.partner_settlement
    response = data.post(
        "/platform/partner-settlements/complete-payout",
        {"bulkPayoutId": "b-1", "partnerSettlementIds": [settlement.public_id]},
        format="json",
    )
    assert response.status_code == 200, response.content

    def status_of_order_2() -> str:
        response = data.get("/platform/transfers/order-2")
        assert response.status_code == 200, response.content
        return response.json()["status"]

    assert ids(data, statuses=["PAID_OUT"]) == {"order-2"}
    assert ids(data, statuses=["SETTLED"]) == {"cancel-1"}
    listed = {s["id"]: s["status"] for s in summaries(data)["transferSummaries"]}
    assert (listed["order-2"], listed["cancel-1"], listed["manual-2"]) == (
        "PAID_OUT",
        "SETTLED",
        "IN_PROCESS",
    )
    assert status_of_order_2() == "PAID_OUT"
    assert Transfer.objects.get(pk=order.pk).stored_status == "SETTLED"  # the row is untouched
    for stage, shown in (
        ("CONFIRMED", "PAYOUT_CONFIRMED"),
        ("PAYOUT_SCHEDULED", "IN_PAYOUT"),
        ("IN_PAYOUT", "IN_PAYOUT"),
        ("PAYOUT_FAILED", "SETTLED"),  # a failed payout makes them payable again
        ("CANCELLED", "SETTLED"),
    ):
        PartnerSettlement.objects.filter(pk=settlement.pk).update(status=stage)
        assert "order-2" in ids(data, statuses=[shown]), stage
        assert status_of_order_2() == shown


def keyword(api, **fields) -> set[str]:
    return ids(api, keyword=fields)


def test_every_keyword_narrows(data):
    assert keyword(data, paymentId="pay-2") == {"order-2", "cancel-1"}
    assert keyword(data, paymentId="pay") == set()  # exact
    assert keyword(data, transferId="manual-1") == {"manual-1"}
    assert keyword(data, transferMemo="주문") == {"order-1"}  # contains
    assert keyword(data, productId="A") == {"order-1"}
    assert keyword(data, productId="a") == set()
    assert keyword(data, productName="유기농 사과") == {"order-1"}
    assert keyword(data, productName="사과") == set()  # exact
    assert keyword(data, partnerId="other") == {"order-2", "cancel-1", "manual-2"}
    assert keyword(data, partnerName="가나") == {"order-1", "order-3", "manual-1"}
    assert keyword(data, partnerMemo="우수") == {"order-1", "order-3", "manual-1"}
    settlement_id = Transfer.objects.get(public_id="order-2").partner_settlement.public_id
    assert keyword(data, partnerSettlementId=settlement_id) == {"order-2"}
    assert keyword(data, payoutId="payout-1") == set()
    assert keyword(data, all="사과") == {"order-1"}  # a product name, in part
    assert keyword(data, all="manual") == {"manual-1", "manual-2"}
    assert keyword(data, all="다라") == {"order-2", "cancel-1", "manual-2"}
    two_keys = {"keyword": {"paymentId": "pay-1", "transferId": "order-1"}}
    assert_invalid_request(get(data, SUMMARIES, filter=two_keys))  # exactly one key


def test_pages_are_newest_first_with_the_total(data):
    pages = [summaries(data, page={"number": n, "size": 4}) for n in (0, 1, 2)]
    assert [len(p["transferSummaries"]) for p in pages] == [4, 2, 0]
    assert all(p["page"]["totalCount"] == 6 for p in pages)
    assert (pages[1]["page"]["number"], pages[1]["page"]["size"]) == (1, 4)
    seen = [s["id"] for p in pages for s in p["transferSummaries"]]
    assert seen == list(
        Transfer.objects.filter(is_for_test=False)
        .order_by("-created_at", "-id")
        .values_list("public_id", flat=True)
    )
    assert seen[0] == "manual-2"


def test_test_mode_is_a_separate_namespace_and_query_wins(data):
    only_test = summaries(data, test=True)["transferSummaries"]
    assert [(s["id"], s["isForTest"], s["settlementAmount"]) for s in only_test] == [
        ("manual-1", True, 7_000)
    ]
    assert only_test[0]["partner"]["name"] == "테스트 상점"
    assert ids(data, isForTest=True) == {"manual-1"}
    assert ids(data, test=False, isForTest=True) == LIVE_IDS  # query `test` wins
    assert ids(data, test=True, isForTest=False) == {"manual-1"}


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def sheet(api, **kwargs) -> str:
    response = get(api, SHEET, **kwargs)
    assert response.status_code == 200, response.content
    return response.getvalue().decode(response.charset)


@through_the_sdk
def test_sheet_is_csv_with_bom_korean_headers_and_the_chosen_columns(data, portone):
    text = portone.platform.transfer.download_platform_transfer_sheet(
        filter=PlatformTransferFilterInput(types=["MANUAL"]),
        fields=[
            "TRANSFER_ID",
            "TRANSFER_SETTLEMENT_AMOUNT",
            "TRANSFER_MEMO",
            "PARTNER_NAME",
            "TRANSFER_TYPE",
        ],
    )
    assert text.startswith("\ufeff")
    header, *rows = rows_of(text)
    assert header == ["정산건 아이디", "정산금액", "메모", "파트너 이름", "정산 유형"]
    assert sorted(rows) == [
        ["manual-1", "-12000", "'=1+1", "가나 상점", "수기 정산"],  # formula neutralised
        ["manual-2", "5000", "", "다라 상사", "수기 정산"],  # negative amount stays a number
    ]


def test_sheet_default_columns_cover_orders_and_partners(data):
    text = sheet(data, filter={"keyword": {"transferId": "order-3"}})
    header, row = rows_of(text)
    cells = dict(zip(header, row, strict=True))
    assert header[:3] == ["정산건 아이디", "정산 유형", "정산 상태"]
    assert cells["정산건 아이디"] == "order-3"
    assert cells["정산 상태"] == "정산 예정"
    assert cells["파트너 아이디"] == "seller"
    assert cells["계약 아이디"] == "C1"
    assert cells["계약 이름"] == "기본 계약"
    assert cells["주문 번호(결제 아이디)"] == "po-1"
    assert cells["결제수단"] == "간편결제"
    assert cells["정산일"] == "2030-01-10"
    assert cells["정산 시작일"] == "2030-01-02"
    assert (cells["주문금액"], cells["중개수수료"], cells["중개수수료 부가세"]) == (
        "30000",
        "3000",
        "300",
    )
    assert cells["정산금액"] == "26700"


def test_sheet_partner_and_property_columns_and_unknown_keys(data):
    text = sheet(
        data,
        filter={"keyword": {"transferId": "order-1"}},
        fields=["TRANSFER_region", "PARTNER_grade", "PARTNER_TAGS", "PARTNER_BANK", "FORMULA_x"],
    )
    assert rows_of(text) == [
        ["정산건 속성: 지역", "파트너 속성: 등급", "파트너 태그", "은행", "정산 수식: x"],
        ["seoul", "gold", "vip, food", "국민은행", ""],
    ]
    assert_invalid_request(get(data, SHEET, fields=["TRANSFER_ID", "NOPE"]))


def test_sheet_follows_test_mode(data):
    assert rows_of(sheet(data, test=True, fields=["TRANSFER_ID", "PARTNER_NAME"])) == [
        ["정산건 아이디", "파트너 이름"],
        ["manual-1", "테스트 상점"],
    ]
