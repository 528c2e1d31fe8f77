"""Transfer summaries and the transfer sheet through portone-server-sdk 0.21.0 against the live
server (docs/api.md#transfer-reads): every filter, paging, test mode, and the CSV file."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from portone_server_sdk import errors
from portone_server_sdk.common import DateRange, PageInput
from portone_server_sdk.platform import PlatformUserDefinedPropertyValue
from portone_server_sdk.platform.transfer import (
    CreatePlatformOrderCancelTransferBodyExternalCancellationDetail,
    CreatePlatformOrderCancelTransferBodyOrderDetail,
    CreatePlatformOrderCancelTransferBodyOrderDetailAll,
    CreatePlatformOrderTransferBodyAdditionalFee,
    CreatePlatformOrderTransferBodyDiscount,
    CreatePlatformOrderTransferBodyExternalPaymentDetail,
    CreatePlatformOrderTransferBodyOrderDetail,
    CreatePlatformOrderTransferBodyOrderLine,
    CreatePlatformOrderTransferBodyProduct,
    PlatformManualTransferSummary,
    PlatformOrderCancelTransferSummary,
    PlatformOrderTransferSummary,
    PlatformPaymentMethodCardInput,
    PlatformPaymentMethodInput,
    PlatformPaymentMethodTransferInput,
    PlatformTransferFilterInput,
    PlatformTransferFilterInputKeyword,
    PlatformTransferPropertyExactMatchInput,
    PlatformTransferSummaryExternalPayment,
    PlatformTransferSummaryPortOnePayment,
    PlatformUserDefinedPropertyKeyValue,
)

from partners.models import UserDefinedProperty
from settlements.models import PartnerSettlement, Payment, Transfer
from tests.factories import (
    make_additional_fee_policy,
    make_contract,
    make_discount_share_policy,
    make_partner,
)

pytestmark = pytest.mark.django_db(transaction=True)

PAID_AT = "2025-10-01T10:00:00+09:00"
LIVE_IDS = {"order-1", "order-2", "order-3", "cancel-1", "manual-1", "manual-2"}


def _external(
    method: PlatformPaymentMethodInput,
) -> CreatePlatformOrderTransferBodyExternalPaymentDetail:
    return CreatePlatformOrderTransferBodyExternalPaymentDetail(
        currency="KRW", order_name="외부 주문", paid_at=PAID_AT, method=method
    )


@pytest.fixture
def data(portone):
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

    client = portone.platform.transfer
    card = PlatformPaymentMethodInput(card=PlatformPaymentMethodCardInput())
    bank = PlatformPaymentMethodInput(transfer=PlatformPaymentMethodTransferInput())
    client.create_platform_order_transfer(
        id="order-1",
        partner_id="seller",
        payment_id="pay-1",
        memo="첫 주문",
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(
            order_lines=[
                CreatePlatformOrderTransferBodyOrderLine(
                    product=CreatePlatformOrderTransferBodyProduct(
                        id="A", name="유기농 사과", amount=10_000
                    ),
                    quantity=1,
                    discounts=[
                        CreatePlatformOrderTransferBodyDiscount(share_policy_id="P1", amount=2_000)
                    ],
                    additional_fees=[],
                )
            ]
        ),
        discounts=[],
        additional_fees=[CreatePlatformOrderTransferBodyAdditionalFee(policy_id="F1")],
        external_payment_detail=_external(card),
        settlement_start_date="2030-03-02",
        settlement_date="2030-03-10",
        user_defined_properties=[
            PlatformUserDefinedPropertyKeyValue(
                key="region", value=PlatformUserDefinedPropertyValue(string="seoul")
            )
        ],
    )
    client.create_platform_order_transfer(
        id="order-2",
        partner_id="other",
        payment_id="pay-2",
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=20_000),
        discounts=[CreatePlatformOrderTransferBodyDiscount(share_policy_id="P2", amount=1_000)],
        additional_fees=[],
        external_payment_detail=_external(bank),
        settlement_start_date="2025-10-01",
        settlement_date="2025-10-15",
    )
    client.create_platform_order_transfer(
        id="order-3",
        partner_id="seller",
        payment_id="po-1",
        order_detail=CreatePlatformOrderTransferBodyOrderDetail(order_amount=30_000),
        discounts=[],
        additional_fees=[],
        settlement_start_date="2030-01-02",
        settlement_date="2030-01-10",
    )
    client.create_platform_order_cancel_transfer(
        id="cancel-1",
        transfer_id="order-2",
        cancellation_id="c-1",
        order_detail=CreatePlatformOrderCancelTransferBodyOrderDetail(
            all=CreatePlatformOrderCancelTransferBodyOrderDetailAll()
        ),
        discounts=[],
        external_cancellation_detail=(
            CreatePlatformOrderCancelTransferBodyExternalCancellationDetail(
                cancelled_at="2025-10-05T10:00:00+09:00"
            )
        ),
        settlement_start_date="2025-10-05",
        settlement_date="2025-10-15",
    )
    client.create_platform_manual_transfer(
        id="manual-1",
        partner_id="seller",
        settlement_amount=-12_000,
        settlement_date="2030-01-10",
        memo="=1+1",
    )
    client.create_platform_manual_transfer(
        id="manual-2", partner_id="other", settlement_amount=5_000, settlement_date="2030-02-01"
    )
    client.create_platform_manual_transfer(
        id="manual-1",
        partner_id="seller",
        settlement_amount=7_000,
        settlement_date="2030-01-10",
        is_for_test=True,
    )
    return client


def ids(client, test=None, **filter_kwargs) -> set[str]:
    result = client.get_platform_transfer_summaries(
        test=test,
        filter=PlatformTransferFilterInput(**filter_kwargs),
        page=PageInput(number=0, size=100),
    )
    return {s.id for s in result.transfer_summaries}


def test_summaries_come_back_as_the_sdks_union_with_their_snapshots(data):
    result = data.get_platform_transfer_summaries()
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
    assert ids(data, settlement_date_range=DateRange(from_="2030-01-01", until="2030-01-31")) == {
        "order-3",
        "manual-1",
    }
    # manual transfers have no settlement start date
    start = DateRange(from_="2025-10-01", until="2025-10-31")
    assert ids(data, settlement_start_date_range=start) == {"order-2", "cancel-1"}
    with pytest.raises(errors.InvalidRequestError):
        ids(data, settlement_start_date_range=start, settlement_date_range=start)


def test_partner_tags_contracts_and_policies_filter(data):
    assert ids(data, partner_tags=["vip"]) == {"order-1", "order-3", "manual-1"}
    assert ids(data, partner_tags=["new", "nobody"]) == {"order-2", "cancel-1", "manual-2"}
    assert ids(data, contract_ids=["C2"]) == {"order-2", "cancel-1"}
    assert ids(data, contract_ids=["C1", "C2"]) == LIVE_IDS - {"manual-1", "manual-2"}
    # P1 sits on a line of order-1; P2 on order-2's order level, and its cancel reverses it
    assert ids(data, discount_share_policy_ids=["P1"]) == {"order-1"}
    assert ids(data, discount_share_policy_ids=["P2"]) == {"order-2", "cancel-1"}
    assert ids(data, additional_fee_policy_ids=["F1"]) == {"order-1"}
    assert ids(data, additional_fee_policy_ids=["C1"]) == set()  # a contract id is no policy


def test_payment_method_and_channel_filter(data):
    assert ids(data, payment_method_types=["CARD"]) == {"order-1"}
    assert ids(data, payment_method_types=["TRANSFER"]) == {"order-2", "cancel-1"}
    assert ids(data, payment_method_types=["EASY_PAY", "CARD"]) == {"order-1", "order-3"}
    assert ids(data, channel_keys=["channel-a"]) == {"order-3"}
    assert ids(data, channel_keys=["channel-b"]) == set()


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
    region = PlatformTransferPropertyExactMatchInput
    assert ids(data, user_defined_property=region(key="region", value="seoul")) == {"order-1"}
    assert ids(data, user_defined_property=region(key="region", value="seou")) == set()
    assert ids(data, user_defined_property=region(key="grade", value="seoul")) == set()


def test_payout_stages_come_from_the_partner_settlement(data, portone):
    """docs/payouts.md#payout-lifecycle: SETTLED transfers show their settlement's payout stage
    (read, not written to each transfer), in the summaries, their status filter and the single get.
    """
    order = Transfer.objects.get(public_id="order-2", is_for_test=False)
    settlement = order.partner_settlement
    portone.platform.payout.complete_platform_payout_by_partner_settlement_ids(
        bulk_payout_id="b-1", partner_settlement_ids=[settlement.public_id]
    )
    assert ids(data, statuses=["PAID_OUT"]) == {"order-2"}
    assert ids(data, statuses=["SETTLED"]) == {"cancel-1"}
    listed = {s.id: s.status for s in data.get_platform_transfer_summaries().transfer_summaries}
    assert (listed["order-2"], listed["cancel-1"], listed["manual-2"]) == (
        "PAID_OUT",
        "SETTLED",
        "IN_PROCESS",
    )
    assert data.get_platform_transfer(id="order-2").status == "PAID_OUT"
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
        assert data.get_platform_transfer(id="order-2").status == shown


def keyword(client, **kwargs) -> set[str]:
    return ids(client, keyword=PlatformTransferFilterInputKeyword(**kwargs))


def test_every_keyword_narrows(data):
    assert keyword(data, payment_id="pay-2") == {"order-2", "cancel-1"}
    assert keyword(data, payment_id="pay") == set()  # exact
    assert keyword(data, transfer_id="manual-1") == {"manual-1"}
    assert keyword(data, transfer_memo="주문") == {"order-1"}  # contains
    assert keyword(data, product_id="A") == {"order-1"}
    assert keyword(data, product_id="a") == set()
    assert keyword(data, product_name="유기농 사과") == {"order-1"}
    assert keyword(data, product_name="사과") == set()  # exact
    assert keyword(data, partner_id="other") == {"order-2", "cancel-1", "manual-2"}
    assert keyword(data, partner_name="가나") == {"order-1", "order-3", "manual-1"}
    assert keyword(data, partner_memo="우수") == {"order-1", "order-3", "manual-1"}
    settlement_id = Transfer.objects.get(public_id="order-2").partner_settlement.public_id
    assert keyword(data, partner_settlement_id=settlement_id) == {"order-2"}
    assert keyword(data, payout_id="payout-1") == set()
    assert keyword(data, all="사과") == {"order-1"}  # a product name, in part
    assert keyword(data, all="manual") == {"manual-1", "manual-2"}
    assert keyword(data, all="다라") == {"order-2", "cancel-1", "manual-2"}
    with pytest.raises(errors.InvalidRequestError):
        keyword(data, payment_id="pay-1", transfer_id="order-1")  # exactly one key


def test_pages_are_newest_first_with_the_total(data):
    pages = [
        data.get_platform_transfer_summaries(page=PageInput(number=n, size=4)) for n in (0, 1, 2)
    ]
    assert [len(p.transfer_summaries) for p in pages] == [4, 2, 0]
    assert all(p.page.total_count == 6 for p in pages)
    assert (pages[1].page.number, pages[1].page.size) == (1, 4)
    seen = [s.id for p in pages for s in p.transfer_summaries]
    assert seen == list(
        Transfer.objects.filter(is_for_test=False)
        .order_by("-created_at", "-id")
        .values_list("public_id", flat=True)
    )
    assert seen[0] == "manual-2"


def test_test_mode_is_a_separate_namespace_and_query_wins(data):
    only_test = data.get_platform_transfer_summaries(test=True).transfer_summaries
    assert [(s.id, s.is_for_test, s.settlement_amount) for s in only_test] == [
        ("manual-1", True, 7_000)
    ]
    assert only_test[0].partner.name == "테스트 상점"
    assert ids(data, is_for_test=True) == {"manual-1"}
    assert ids(data, test=False, is_for_test=True) == LIVE_IDS  # query `test` wins
    assert ids(data, test=True, is_for_test=False) == {"manual-1"}


def rows_of(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_sheet_is_csv_with_bom_korean_headers_and_the_chosen_columns(data):
    text = data.download_platform_transfer_sheet(
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
    text = data.download_platform_transfer_sheet(
        filter=PlatformTransferFilterInput(
            keyword=PlatformTransferFilterInputKeyword(transfer_id="order-3")
        )
    )
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
    text = data.download_platform_transfer_sheet(
        filter=PlatformTransferFilterInput(
            keyword=PlatformTransferFilterInputKeyword(transfer_id="order-1")
        ),
        fields=["TRANSFER_region", "PARTNER_grade", "PARTNER_TAGS", "PARTNER_BANK", "FORMULA_x"],
    )
    assert rows_of(text) == [
        ["정산건 속성: 지역", "파트너 속성: 등급", "파트너 태그", "은행", "정산 수식: x"],
        ["seoul", "gold", "vip, food", "국민은행", ""],
    ]
    with pytest.raises(errors.InvalidRequestError):
        data.download_platform_transfer_sheet(fields=["TRANSFER_ID", "NOPE"])


def test_sheet_follows_test_mode(data):
    assert rows_of(
        data.download_platform_transfer_sheet(test=True, fields=["TRANSFER_ID", "PARTNER_NAME"])
    ) == [["정산건 아이디", "파트너 이름"], ["manual-1", "테스트 상점"]]
