"""Partner settlement operations of portone-server-sdk 0.21.0 against the live server: list,
delete and complete-payout (PartnerSettlementClient, PayoutClient)."""

import json
from dataclasses import dataclass
from datetime import date

import pytest
from django.utils.timezone import localtime
from portone_server_sdk import errors
from portone_server_sdk.common import PageInput
from portone_server_sdk.platform.partner_settlement import (
    PlatformPartnerManualSettlement,
    PlatformPartnerOrderCancelSettlement,
    PlatformPartnerOrderSettlement,
    PlatformPartnerSettlementFilterInput,
    PlatformPartnerSettlementFilterKeywordInput,
)

from core.wire import graphql_id
from settlements.models import (
    PartnerSettlement,
    PartnerSettlementStatus,
    Transfer,
    TransferStatus,
    transfer_status_q,
)
from settlements.services import gather
from settlements.services import partner_settlements as ps_services
from tests.factories import make_contract, make_partner, make_transfer

pytestmark = pytest.mark.django_db(transaction=True)

D = date(2026, 3, 10)
D2 = date(2026, 3, 20)
Filter = PlatformPartnerSettlementFilterInput
Keyword = PlatformPartnerSettlementFilterKeywordInput


@dataclass
class World:
    order: PartnerSettlement  # p-1 ORDER c-1 KRW on D: 1,000 + 500
    cancel: PartnerSettlement  # p-1 ORDER_CANCEL c-1 KRW on D: 200 (cancels the 1,000 order)
    manual: PartnerSettlement  # p-1 MANUAL KRW on D: -100 (tax-free -10)
    usd: PartnerSettlement  # p-2 ORDER c-2 USD on D2: 300, withheld
    test: PartnerSettlement  # test mode: p-1 ORDER on D: 999
    order_transfer: Transfer
    cancel_transfer: Transfer


def _settlement(**lookup) -> PartnerSettlement:
    return PartnerSettlement.objects.get(**lookup)


@pytest.fixture
def world() -> World:
    c1 = make_contract("c-1", name="기본 계약")
    c2 = make_contract("c-2", name="달러 계약")
    p1 = make_partner("p-1", contract_id="c-1", name="가나다 상점", tags=["패션"])
    p2 = make_partner("p-2", contract_id="c-2", name="라마바 상점", tags=["리빙"])
    make_contract("c-1", is_for_test=True)
    t1 = make_partner("p-1", contract_id="c-1", is_for_test=True)

    order_transfer = make_transfer(
        p1,
        contract=c1,
        settlement_start_date=date(2026, 3, 2),
        amounts={"order": 1_100, "payment": 1_100, "platformFee": 100, "settlement": 1_000},
    )
    make_transfer(
        p1, contract=c1, settlement_start_date=date(2026, 3, 6), amounts={"settlement": 500}
    )
    cancel_transfer = make_transfer(
        p1, type="ORDER_CANCEL", contract=c1, original=order_transfer, amounts={"settlement": 200}
    )
    make_transfer(p1, type="MANUAL", amounts={"settlement": -100, "settlementTaxFree": -10})
    make_transfer(p2, contract=c2, currency="USD", settlement_date=D2, amounts={"settlement": 300})
    make_transfer(t1, amounts={"settlement": 999})
    gather.partner_settlements_gather()
    usd = _settlement(settlement_currency="USD")
    ps_services.partner_settlement_set_status(
        settlement=usd, status=PartnerSettlementStatus.PAYOUT_WITHHELD, memo="서류 확인 중"
    )
    return World(
        order=_settlement(is_for_test=False, settlement_type="ORDER", settlement_currency="KRW"),
        cancel=_settlement(settlement_type="ORDER_CANCEL"),
        manual=_settlement(settlement_type="MANUAL"),
        usd=_settlement(settlement_currency="USD"),
        test=_settlement(is_for_test=True),
        order_transfer=order_transfer,
        cancel_transfer=cancel_transfer,
    )


def ids(response) -> set[str]:
    return {item.id for item in response.items}


# --- list ---------------------------------------------------------------------------------------


def test_list_returns_the_sdk_union_with_partner_and_contract(portone, world):
    response = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=Filter(settlement_dates=["2026-03-10"])
    )
    by_id = {item.id: item for item in response.items}
    assert set(by_id) == {world.order.public_id, world.cancel.public_id, world.manual.public_id}

    order = by_id[world.order.public_id]
    assert isinstance(order, PlatformPartnerOrderSettlement)
    assert order.graphql_id == graphql_id("partner_settlement", world.order.public_id)
    assert order.partner.id == "p-1" and order.partner.name == "가나다 상점"
    assert order.partner.tags == ["패션"]
    assert order.contract.id == "c-1" and order.contract.name == "기본 계약"
    assert order.settlement_date == "2026-03-10"
    assert order.settlement_currency == "KRW"
    assert order.status == "PAYOUT_PREPARED"
    assert order.is_for_test is False
    assert order.status_updated_at
    assert order.memo is None
    assert (order.settlement_start_date_range.from_, order.settlement_start_date_range.until) == (
        "2026-03-02",
        "2026-03-06",
    )
    assert (order.amount.order, order.amount.payment, order.amount.platform_fee) == (
        1_100,
        1_100,
        100,
    )
    assert order.amount.settlement == 1_500
    assert order.amount.user_defined_formulas.additional_properties == {}

    cancel = by_id[world.cancel.public_id]
    assert isinstance(cancel, PlatformPartnerOrderCancelSettlement)
    assert cancel.amount.settlement == 200

    manual = by_id[world.manual.public_id]
    assert isinstance(manual, PlatformPartnerManualSettlement)
    assert (manual.amount, manual.tax_free_amount) == (-100, -10)
    assert manual.partner.id == "p-1"

    assert response.page.total_count == 3
    counts = response.counts
    assert (counts.payout_prepared, counts.payout_withheld, counts.paid_out) == (3, 0, 0)


def test_list_filters(portone, world):
    def find(**kw) -> set[str]:
        return ids(
            portone.platform.partner_settlement.get_platform_partner_settlements(
                filter=Filter(**kw)
            )
        )

    live = {world.order, world.cancel, world.manual, world.usd}
    assert find() == {s.public_id for s in live}
    assert find(settlement_dates=["2026-03-20"]) == {world.usd.public_id}
    assert find(contract_ids=["c-1"]) == {world.order.public_id, world.cancel.public_id}
    assert find(partner_tags=["리빙"]) == {world.usd.public_id}
    assert find(settlement_currencies=["USD"]) == {world.usd.public_id}
    assert find(statuses=["PAYOUT_WITHHELD"]) == {world.usd.public_id}
    assert find(partner_ids=["p-1"]) == {
        world.order.public_id,
        world.cancel.public_id,
        world.manual.public_id,
    }
    assert find(settlement_types=["MANUAL", "ORDER_CANCEL"]) == {
        world.manual.public_id,
        world.cancel.public_id,
    }
    assert find(keyword=Keyword(partner_settlement_id=world.order.public_id)) == {
        world.order.public_id
    }
    assert find(keyword=Keyword(payout_id="payout-1")) == set()
    assert find(contract_ids=["c-1"], settlement_types=["ORDER"]) == {world.order.public_id}


def test_counts_ignore_the_status_filter_and_paging_reports_the_total(portone, world):
    response = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=Filter(statuses=["PAYOUT_WITHHELD"])
    )
    assert ids(response) == {world.usd.public_id}
    usd = response.items[0]
    assert usd.memo == "서류 확인 중"
    assert usd.status == "PAYOUT_WITHHELD"
    assert (response.counts.payout_prepared, response.counts.payout_withheld) == (3, 1)
    assert response.counts.payout_failed == 0

    page = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=Filter(), page=PageInput(number=1, size=3)
    )
    assert (page.page.number, page.page.size, page.page.total_count) == (1, 3, 4)
    assert len(page.items) == 1
    newest_first = PartnerSettlement.objects.filter(is_for_test=False).order_by(
        "-settlement_date", "-id"
    )
    assert page.items[0].id == newest_first[3].public_id


@pytest.mark.django_db  # in-process: no live server, so no need to commit
def test_filter_is_required(api_client, world):
    response = api_client.get(
        "/platform/partner-settlements", {"requestBody": json.dumps({"page": {"size": 5}})}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "INVALID_REQUEST"
    bad = api_client.get(
        "/platform/partner-settlements",
        {"requestBody": json.dumps({"filter": {"statuses": ["NOPE"]}})},
    )
    assert bad.status_code == 400


def test_test_and_live_data_are_separate(portone, world):
    client = portone.platform.partner_settlement
    assert ids(client.get_platform_partner_settlements(filter=Filter(), test=True)) == {
        world.test.public_id
    }
    assert ids(client.get_platform_partner_settlements(filter=Filter(), is_for_test=True)) == {
        world.test.public_id
    }
    with pytest.raises(errors.PlatformPartnerSettlementsNotFoundError):
        client.delete_platform_partner_settlements(partner_settlement_ids=[world.test.public_id])
    with pytest.raises(errors.PlatformPartnerSettlementsNotFoundError):
        portone.platform.payout.complete_platform_payout_by_partner_settlement_ids(
            bulk_payout_id="b-live", partner_settlement_ids=[world.order.public_id], test=True
        )
    result = portone.platform.payout.complete_platform_payout_by_partner_settlement_ids(
        bulk_payout_id="b-live", partner_settlement_ids=[world.test.public_id], test=True
    )
    assert result.partner_settlement_count == 1
    world.order.refresh_from_db()
    assert world.order.status == PartnerSettlementStatus.PAYOUT_PREPARED
    # the same bulk payout id is free in the other namespace
    portone.platform.payout.complete_platform_payout_by_partner_settlement_ids(
        bulk_payout_id="b-live", partner_settlement_ids=[world.order.public_id]
    )


# --- delete -------------------------------------------------------------------------------------


def test_delete_removes_settlements_and_their_transfers(portone, world):
    portone.platform.partner_settlement.delete_platform_partner_settlements(
        partner_settlement_ids=[world.order.public_id, world.cancel.public_id]
    )
    assert not PartnerSettlement.objects.filter(pk__in=[world.order.pk, world.cancel.pk]).exists()
    assert not Transfer.objects.filter(
        pk__in=[world.order_transfer.pk, world.cancel_transfer.pk]
    ).exists()
    assert Transfer.objects.filter(is_for_test=False).count() == 2  # manual + USD remain
    assert PartnerSettlement.objects.filter(pk=world.usd.pk).exists()


def test_delete_errors_and_all_or_nothing(portone, world):
    client = portone.platform.partner_settlement
    with pytest.raises(errors.PlatformPartnerSettlementsNotFoundError) as missing:
        client.delete_platform_partner_settlements(
            partner_settlement_ids=[world.manual.public_id, "nope"]
        )
    assert missing.value.ids == ["nope"]
    assert missing.value.graphql_ids == [graphql_id("partner_settlement", "nope")]
    assert PartnerSettlement.objects.filter(pk=world.manual.pk).exists()

    PartnerSettlement.objects.filter(pk=world.manual.pk).update(
        status=PartnerSettlementStatus.PAID_OUT
    )
    with pytest.raises(errors.PlatformNonDeletablePartnerSettlementsError) as paid:
        client.delete_platform_partner_settlements(
            partner_settlement_ids=[world.usd.public_id, world.manual.public_id]
        )
    assert paid.value.ids == [world.manual.public_id]
    assert paid.value.graphql_ids == [graphql_id("partner_settlement", world.manual.public_id)]
    assert PartnerSettlement.objects.filter(pk=world.usd.pk).exists()

    with pytest.raises(errors.PlatformReferencedCancelOrderTransfersExistError) as referenced:
        client.delete_platform_partner_settlements(partner_settlement_ids=[world.order.public_id])
    assert referenced.value.ids == [world.order_transfer.public_id]
    assert Transfer.objects.filter(pk=world.order_transfer.pk).exists()

    with pytest.raises(errors.InvalidRequestError):
        client.delete_platform_partner_settlements(partner_settlement_ids=[])


def test_delete_allows_withheld_excluded_and_cancelled(portone, world):
    PartnerSettlement.objects.filter(pk=world.manual.pk).update(
        status=PartnerSettlementStatus.CANCELLED
    )
    ps_services.partner_settlement_set_status(
        settlement=world.cancel, status=PartnerSettlementStatus.PAYOUT_EXCLUDED
    )
    portone.platform.partner_settlement.delete_platform_partner_settlements(
        partner_settlement_ids=[
            world.usd.public_id,
            world.manual.public_id,
            world.cancel.public_id,
        ]
    )
    assert set(PartnerSettlement.objects.filter(is_for_test=False)) == {world.order}


# --- complete payout ----------------------------------------------------------------------------


def complete(portone, settlement_ids, bulk_payout_id="bulk-1", **kw):
    return portone.platform.payout.complete_platform_payout_by_partner_settlement_ids(
        bulk_payout_id=bulk_payout_id, partner_settlement_ids=settlement_ids, **kw
    )


def test_complete_payout_marks_settlements_and_transfers_paid_out(portone, world):
    chosen = [world.order.public_id, world.cancel.public_id, world.manual.public_id]

    result = complete(portone, chosen, name="3월 2주차 지급", completed_at="2026-03-12")

    assert result.payout_count == 1  # one partner × currency
    assert result.partner_settlement_count == 3
    assert result.bulk_payout_id == "bulk-1"
    assert result.bulk_payout_graphql_id == graphql_id("bulk_payout", "bulk-1")
    paid = PartnerSettlement.objects.filter(public_id__in=chosen)
    assert set(paid.values_list("status", flat=True)) == {PartnerSettlementStatus.PAID_OUT}
    assert {localtime(s.status_updated_at).date() for s in paid} == {date(2026, 3, 12)}
    members = Transfer.objects.filter(partner_settlement__in=paid).select_related(
        "partner_settlement"
    )
    assert members.count() == 4
    assert {t.status for t in members} == {TransferStatus.PAID_OUT}
    # read from the settlement: no transfer row was rewritten
    assert set(members.values_list("stored_status", flat=True)) == {TransferStatus.SETTLED}
    assert Transfer.objects.get(partner_settlement=world.usd).status == "SETTLED"
    transfers = portone.platform.transfer
    member_ids = set(members.values_list("public_id", flat=True))
    manual = members.get(type="MANUAL").public_id  # (the factory's orders have no snapshot)
    assert transfers.get_platform_transfer(id=manual).status == "PAID_OUT"
    by_status = {  # (the summaries API filters with this; tests/settlements/test_summaries_api)
        status: set(
            Transfer.objects.filter(transfer_status_q([status]), is_for_test=False).values_list(
                "public_id", flat=True
            )
        )
        for status in ("PAID_OUT", "SETTLED")
    }
    assert by_status["PAID_OUT"] == member_ids
    assert by_status["SETTLED"] == {Transfer.objects.get(partner_settlement=world.usd).public_id}

    listed = portone.platform.partner_settlement.get_platform_partner_settlements(
        filter=Filter(keyword=Keyword(bulk_payout_id="bulk-1"))
    )
    assert ids(listed) == set(chosen)
    assert listed.counts.paid_out == 3


def test_complete_payout_counts_each_partner_and_currency(portone, world):
    PartnerSettlement.objects.filter(pk=world.usd.pk).update(
        status=PartnerSettlementStatus.PAYOUT_FAILED  # a failed payout may be paid again
    )
    result = complete(portone, [world.order.public_id, world.manual.public_id, world.usd.public_id])
    assert (result.payout_count, result.partner_settlement_count) == (2, 3)


def test_complete_payout_errors(portone, world):
    with pytest.raises(errors.PlatformNoSelectedPartnerSettlementsError):
        complete(portone, [])
    with pytest.raises(errors.PlatformDuplicatedPartnerSettlementIdsError):
        complete(portone, [world.order.public_id, world.order.public_id])
    with pytest.raises(errors.PlatformPartnerSettlementsNotFoundError) as missing:
        complete(portone, [world.order.public_id, "ghost"])
    assert missing.value.ids == ["ghost"]
    with pytest.raises(errors.PlatformNonPayablePartnerSettlementsError) as withheld:
        complete(portone, [world.order.public_id, world.usd.public_id])
    assert withheld.value.ids == [world.usd.public_id]
    assert withheld.value.graphql_ids == [graphql_id("partner_settlement", world.usd.public_id)]
    with pytest.raises(errors.PlatformNegativePayoutAmountPartnersError) as negative:
        complete(portone, [world.cancel.public_id, world.manual.public_id])  # -200 - 100
    assert "p-1" in negative.value.message
    with pytest.raises(errors.InvalidRequestError):
        complete(portone, [world.order.public_id], completed_at="12/03/2026")
    # nothing was paid by any of the refused calls
    assert not PartnerSettlement.objects.filter(status=PartnerSettlementStatus.PAID_OUT).exists()
    assert not Transfer.objects.filter(transfer_status_q(["PAID_OUT"])).exists()

    complete(portone, [world.order.public_id])
    with pytest.raises(errors.PlatformBulkPayoutIdAlreadyExistsError):
        complete(portone, [world.manual.public_id])


def test_complete_payout_never_pays_twice(portone, world):
    complete(portone, [world.order.public_id], bulk_payout_id="first")
    world.order.refresh_from_db()
    paid_at = world.order.status_updated_at

    with pytest.raises(errors.PlatformBulkPayoutIdAlreadyExistsError):
        complete(portone, [world.order.public_id], bulk_payout_id="first")  # a retry
    with pytest.raises(errors.PlatformNonPayablePartnerSettlementsError) as again:
        complete(portone, [world.order.public_id], bulk_payout_id="second")
    assert again.value.ids == [world.order.public_id]

    world.order.refresh_from_db()
    assert world.order.status_updated_at == paid_at
    reasons = list(world.order.history.values_list("history_change_reason", flat=True))
    assert reasons.count("bulkPayout:first") == 1
    assert "bulkPayout:second" not in reasons
    # a transfer gathered later never joins the paid settlement
    make_transfer(world.order.partner, contract=world.order.contract, amounts={"settlement": 7})
    gather.partner_settlements_gather()
    world.order.refresh_from_db()
    assert (world.order.transfer_count, world.order.amount_settlement) == (2, 1_500)
