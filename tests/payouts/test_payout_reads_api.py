"""A bulk payout end to end against the live server: our extension through httpx (deposit,
create, start), the runner task run synchronously, then everything read back through the official
SDK (portone-server-sdk 0.21.0): get_platform_bulk_payouts, get_platform_payouts with every
filter and its counts, get_platform_account_transfers (the deposit, the PARTNER_PAYOUT
withdrawals with their balance after, the failed one with its reason),
get_platform_bulk_account_transfers, and the payout stage of the partner settlements and the
transfers behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
from django.utils import timezone
from portone_server_sdk.common import DateTimeRange, PageInput
from portone_server_sdk.platform.account_transfer import (
    PlatformAccountTransferFilter,
    PlatformDepositAccountTransfer,
    PlatformWithdrawalAccountTransfer,
)
from portone_server_sdk.platform.bulk_account_transfer import (
    PlatformBulkAccountTransferFilterInput,
    PlatformBulkAccountTransferFilterInputCriteria,
)
from portone_server_sdk.platform.bulk_payout import (
    PlatformBulkPayoutFilterInput,
    PlatformBulkPayoutFilterInputCriteria,
)
from portone_server_sdk.platform.partner_settlement import (
    PlatformPartnerSettlementFilterInput,
    PlatformPartnerSettlementFilterKeywordInput,
)
from portone_server_sdk.platform.payout import (
    PlatformPayoutFilterInput,
    PlatformPayoutFilterInputCriteria,
)

from core.wire import graphql_id, rfc3339
from payouts import tasks
from payouts.models import BulkPayout, Payout
from policies.models import PlatformSetting
from settlements.models import PartnerSettlement, Transfer
from settlements.selectors.transfers import transfer_get
from settlements.services.gather import partner_settlements_gather
from tests.conftest import TEST_SECRET
from tests.factories import make_partner, make_transfer

pytestmark = pytest.mark.django_db(transaction=True)

WHT = {"partner_type": "WHT_PAYER", "birthdate": "1990-01-01"}
BUSINESS_AMOUNT = 1_100_000
WHT_AMOUNT = 967_000  # 1,000,000 − 30,000 income tax (3 %) − 3,000 local income tax (0.3 %)
FAILED_AMOUNT = 50_000
MANUAL_AMOUNT = 200_000  # a NON_WHT_PAYER paid for a MANUAL transfer: nothing withheld
PAID = BUSINESS_AMOUNT + WHT_AMOUNT + MANUAL_AMOUNT
DEPOSIT = 3_000_000


@dataclass
class Flow:
    bulk_id: str
    partners: dict
    settlements: dict
    deposit_id: str


def call(server, method: str, path: str, body: dict | None = None) -> dict:
    response = httpx.request(
        method,
        f"{server.url}{path}",
        json=body,
        headers={"Authorization": f"PortOne {TEST_SECRET}"},
    )
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def flow(live_server, portone, make_world) -> Flow:
    """Live mode: deposit 3,000,000 through the API; pay a business (1,100,000, tag 패션, bank
    SHINHAN), a withholding-tax individual (1,000,000 → 967,000) and an account the sandbox bank
    refuses (ends in 9), and an individual with a MANUAL transfer (200,000); run the runner."""
    PlatformSetting.objects.update_or_create(is_for_test=False, defaults={"deduct_wht": True})
    world = make_world(
        {
            "가나다 상사": {"amount": 1_100_000, "tags": ["패션"], "bank": "SHINHAN"},
            "프리랜서": {"amount": 1_000_000, **WHT},
            "오류 계좌": {"amount": FAILED_AMOUNT, "account_number": "1101234569"},
        },
        is_for_test=False,
    )
    manual = make_partner(
        contract_id=world.partners["프리랜서"].default_contract.public_id,
        partner_type="NON_WHT_PAYER",
        name="수기 정산",
    )
    make_transfer(manual, type="MANUAL", amounts={"settlement": MANUAL_AMOUNT})
    partner_settlements_gather()
    world.partners["수기 정산"] = manual
    world.settlements["수기 정산"] = list(PartnerSettlement.objects.filter(partner=manual))
    deposit = call(
        live_server,
        "POST",
        "/platform/payout-account/deposits",
        {"amount": DEPOSIT, "depositorName": "주식회사 플랫폼", "depositMemo": "3월 충전"},
    )["accountTransfer"]
    created = call(
        live_server,
        "POST",
        "/platform/bulk-payouts",
        {
            "id": "bp-march",
            "name": "3월 정산",
            "partnerSettlementIds": world.ids("가나다 상사", "프리랜서", "오류 계좌", "수기 정산"),
            "withdrawalMemo": "플랫폼정산",
        },
    )["bulkPayout"]
    assert created["status"] == "PREPARED"
    started = call(live_server, "POST", "/platform/bulk-payouts/bp-march/start")["bulkPayout"]
    assert started["status"] == "ONGOING"
    tasks.run_bulk_payout(BulkPayout.objects.get(public_id="bp-march").pk)
    return Flow("bp-march", world.partners, world.settlements, deposit["id"])


def test_the_extension_shows_the_completed_bulk_payout_and_the_balance(live_server, flow):
    bulk = call(live_server, "GET", "/platform/bulk-payouts/bp-march")
    assert bulk["status"] == "COMPLETED"
    assert bulk["totalPayoutAmount"] == PAID + FAILED_AMOUNT
    account = call(live_server, "GET", "/platform/payout-account")
    assert account["balance"] == DEPOSIT - PAID


def test_get_platform_bulk_payouts(portone, flow):
    client = portone.platform.bulk_payout
    answer = client.get_platform_bulk_payouts()
    assert answer.page.total_count == 1
    bulk = answer.items[0]
    assert (bulk.id, bulk.graphql_id) == ("bp-march", graphql_id("bulk_payout", "bp-march"))
    assert (bulk.name, bulk.method, bulk.status) == ("3월 정산", "AGENCY", "COMPLETED")
    assert bulk.total_payout_amount == PAID + FAILED_AMOUNT
    assert bulk.total_settlement_amount == 1_100_000 + 1_000_000 + FAILED_AMOUNT + MANUAL_AMOUNT
    assert bulk.creator_id.startswith("secret:")
    count, amount = bulk.payout_stats.count, bulk.payout_stats.amount
    assert (count.succeeded, count.failed, count.prepared, count.processing) == (3, 1, 0, 0)
    assert (amount.succeeded, amount.failed) == (PAID, FAILED_AMOUNT)
    assert answer.counts.completed == 1
    assert (answer.counts.prepared, answer.counts.ongoing, answer.counts.cancelled) == (0, 0, 0)

    def ids(**filter_kw) -> list[str]:
        found = client.get_platform_bulk_payouts(filter=PlatformBulkPayoutFilterInput(**filter_kw))
        return [b.id for b in found.items]

    Criteria = PlatformBulkPayoutFilterInputCriteria
    assert ids(statuses=["COMPLETED"]) == ["bp-march"]
    assert ids(statuses=["ONGOING"]) == []
    assert ids(methods=["AGENCY"]) == ["bp-march"]
    assert ids(methods=["DIRECT"]) == []
    assert ids(criteria=Criteria(bulk_payout_id="bp-march")) == ["bp-march"]
    assert ids(criteria=Criteria(bulk_payout_id="other")) == []
    now = timezone.now()
    around = DateTimeRange(from_=rfc3339(now - timedelta(hours=1)), until=rfc3339(now))
    before = DateTimeRange(
        from_=rfc3339(now - timedelta(days=2)), until=rfc3339(now - timedelta(days=1))
    )
    assert ids(criteria=Criteria(timestamp_range=around)) == ["bp-march"]
    assert ids(criteria=Criteria(timestamp_range=before)) == []
    assert ids(criteria=Criteria(status_updated_timestamp_range=around)) == ["bp-march"]
    # counts ignore the statuses criterion
    only_ongoing = client.get_platform_bulk_payouts(
        filter=PlatformBulkPayoutFilterInput(statuses=["ONGOING"])
    )
    assert (only_ongoing.items, only_ongoing.counts.completed) == ([], 1)
    # test mode is another namespace
    assert client.get_platform_bulk_payouts(test=True).items == []


def test_get_platform_payouts_with_every_filter_and_the_counts(portone, flow):
    client = portone.platform.payout
    Criteria = PlatformPayoutFilterInputCriteria
    answer = client.get_platform_payouts(
        filter=PlatformPayoutFilterInput(criteria=Criteria(bulk_payout_id="bp-march"))
    )
    assert answer.page.total_count == 4
    assert (answer.counts.succeeded, answer.counts.failed, answer.counts.cancelled) == (3, 1, 0)
    by_name = {p.partner.name: p for p in answer.items}
    wht = by_name["프리랜서"]
    assert wht.status == "SUCCEEDED"
    assert (wht.amount, wht.income_tax_amount, wht.local_income_tax_amount) == (
        WHT_AMOUNT,
        30_000,
        3_000,
    )
    assert (wht.settlement_amount, wht.deduct_wht, wht.settlement_amount_type) == (
        1_000_000,
        True,
        "GROSS",
    )
    assert (wht.bulk_payout_id, wht.bulk_payout_graphql_id) == (
        "bp-march",
        graphql_id("bulk_payout", "bp-march"),
    )
    assert wht.partner.id == flow.partners["프리랜서"].public_id
    assert (wht.account.bank, wht.account.number, wht.account.holder) == (
        "KOOKMIN",
        "1101234560",
        "홍길동",
    )
    assert wht.withdrawal_memo == "플랫폼정산"
    # completed: its 정산 내역서 is prepared; the django-q2 worker (not running here) sends it
    assert wht.settlement_statement.status == "SEND_PREPARED"
    assert wht.tax_invoice_status == "NONE"
    business = by_name["가나다 상사"]
    assert (business.amount, business.supply_amount, business.vat_amount) == (
        1_100_000,
        1_000_000,
        100_000,
    )
    assert (business.income_tax_amount, business.local_income_tax_amount) == (0, 0)
    failed = by_name["오류 계좌"]
    assert (failed.status, failed.fail_reason, failed.amount) == (
        "FAILED",
        "계좌번호 오류",
        FAILED_AMOUNT,
    )

    def names(criteria=None, **filter_kw) -> set[str]:
        found = client.get_platform_payouts(
            filter=PlatformPayoutFilterInput(criteria=criteria or Criteria(), **filter_kw)
        )
        return {p.partner.name for p in found.items}

    everyone = {"가나다 상사", "프리랜서", "오류 계좌", "수기 정산"}
    assert names() == everyone
    assert names(statuses=["SUCCEEDED"]) == {"가나다 상사", "프리랜서", "수기 정산"}
    assert names(statuses=["FAILED"]) == {"오류 계좌"}
    assert names(partner_ids=[flow.partners["프리랜서"].public_id]) == {"프리랜서"}
    assert names(payout_account_banks=["SHINHAN"]) == {"가나다 상사"}
    assert names(partner_tags=["패션"]) == {"가나다 상사"}
    assert names(partner_tags=["없는 태그"]) == set()
    assert names(payout_currencies=["KRW"]) == everyone
    assert names(payout_currencies=["USD"]) == set()
    assert names(payout_ids=[wht.id, failed.id]) == {"프리랜서", "오류 계좌"}
    assert names(tax_invoice_statuses=["NONE"]) == everyone
    assert names(tax_invoice_statuses=["ISSUED"]) == set()
    assert names(partner_types=["WHT_PAYER"]) == {"프리랜서"}
    assert names(partner_types=["BUSINESS"]) == {"가나다 상사", "오류 계좌"}
    assert names(partner_types=["NON_WHT_PAYER"]) == {"수기 정산"}
    assert names(partner_taxation_types=["NORMAL"]) == {"가나다 상사", "오류 계좌"}
    # statements: prepared for the succeeded payouts when the bulk payout completed
    assert names(settlement_statement_statuses=["UNSENT"]) == {"오류 계좌"}
    assert names(settlement_statement_statuses=["SEND_PREPARED"]) == everyone - {"오류 계좌"}
    assert names(settlement_statement_statuses=["SENT"]) == set()
    assert names(Criteria(payout_id=wht.id)) == {"프리랜서"}
    assert names(Criteria(bulk_payout_id="other")) == set()
    assert names(Criteria(tax_invoice_id="none")) == set()
    assert names(Criteria(settlement_statement_id="none")) == set()
    now = timezone.now()
    around = DateTimeRange(from_=rfc3339(now - timedelta(hours=1)), until=rfc3339(now))
    before = DateTimeRange(
        from_=rfc3339(now - timedelta(days=2)), until=rfc3339(now - timedelta(days=1))
    )
    assert names(Criteria(timestamp_range=around)) == everyone
    assert names(Criteria(timestamp_range=before)) == set()
    assert names(Criteria(status_updated_timestamp_range=around)) == everyone
    assert names(Criteria(scheduled_timestamp_range=around)) == set()  # started at once
    assert names(Criteria(settlement_statement_issued_timestamp_range=around)) == set()
    # counts over the filter without its statuses
    failed_only = client.get_platform_payouts(
        filter=PlatformPayoutFilterInput(criteria=Criteria(), statuses=["FAILED"])
    )
    assert len(failed_only.items) == 1
    assert (failed_only.counts.succeeded, failed_only.counts.failed) == (3, 1)
    # paging: totalCount is every match
    page = client.get_platform_payouts(page=PageInput(number=1, size=3))
    assert (len(page.items), page.page.total_count, page.page.number) == (1, 4, 1)
    assert client.get_platform_payouts(test=True).items == []


def test_get_platform_account_transfers(portone, flow):
    client = portone.platform.account_transfer
    answer = client.get_platform_account_transfers()
    assert answer.page.total_count == 5
    deposits = [t for t in answer.items if isinstance(t, PlatformDepositAccountTransfer)]
    withdrawals = [t for t in answer.items if isinstance(t, PlatformWithdrawalAccountTransfer)]
    assert len(deposits) == 1 and len(withdrawals) == 4
    deposit = deposits[0]
    assert (deposit.id, deposit.amount, deposit.status) == (flow.deposit_id, DEPOSIT, "SUCCEEDED")
    assert (deposit.depositor_name, deposit.deposit_memo) == ("주식회사 플랫폼", "3월 충전")
    assert deposit.bank_account.provider == "HYPHEN_FIRM"

    payouts = {p.partner.public_id: p for p in Payout.objects.select_related("partner")}
    by_partner = {w.partner_id: w for w in withdrawals}
    business = by_partner[flow.partners["가나다 상사"].public_id]
    wht = by_partner[flow.partners["프리랜서"].public_id]
    failed = by_partner[flow.partners["오류 계좌"].public_id]
    manual = by_partner[flow.partners["수기 정산"].public_id]
    for w in (business, wht, failed, manual):
        assert w.withdrawal_type == "PARTNER_PAYOUT"
        assert (w.bulk_payout_id, w.bulk_payout_graphql_id) == (
            "bp-march",
            graphql_id("bulk_payout", "bp-march"),
        )
        payout = payouts[w.partner_id]
        assert (w.payout_id, w.payout_graphql_id) == (
            payout.public_id,
            graphql_id("payout", payout.public_id),
        )
        assert w.partner_graphql_id == graphql_id("partner", w.partner_id)
        assert w.bulk_account_transfer_id is not None
        assert w.bank_account_id == deposit.bank_account_id
        assert w.withdrawal_memo == "플랫폼정산"
    assert (business.status, business.amount, business.deposit_bank) == (
        "SUCCEEDED",
        BUSINESS_AMOUNT,
        "SHINHAN",
    )
    assert (wht.status, wht.amount) == ("SUCCEEDED", WHT_AMOUNT)
    assert (wht.deposit_account_number, wht.deposit_account_holder) == ("1101234560", "홍길동")
    assert (manual.status, manual.amount) == ("SUCCEEDED", MANUAL_AMOUNT)
    # balances after each movement, in the order they happened
    paid = sorted((business, wht, manual), key=lambda w: w.balance, reverse=True)
    balance = DEPOSIT
    for w in paid:
        balance -= w.amount
        assert w.balance == balance
    assert balance == DEPOSIT - PAID
    assert (failed.status, failed.fail_reason, failed.balance) == ("FAILED", "계좌번호 오류", None)
    assert (answer.counts.succeeded, answer.counts.failed, answer.counts.prepared) == (4, 1, 0)

    def ids(**kw) -> set[str]:
        found = client.get_platform_account_transfers(filter=PlatformAccountTransferFilter(**kw))
        return {t.id for t in found.items}

    every = {t.id for t in answer.items}
    assert ids(types=["DEPOSIT"]) == {deposit.id}
    assert ids(types=["WITHDRAWAL"]) == {business.id, wht.id, failed.id, manual.id}
    assert ids(statuses=["FAILED"]) == {failed.id}
    assert ids(account_transfer_ids=[wht.id, deposit.id]) == {wht.id, deposit.id}
    assert ids(account_transfer_id=failed.id) == {failed.id}
    assert ids(bank_account_id=deposit.bank_account_id) == every
    assert ids(bank_account_id="other") == set()
    assert ids(bulk_account_transfer_id=wht.bulk_account_transfer_id) == every - {deposit.id}
    assert ids(payout_id=wht.payout_id) == {wht.id}
    assert ids(depositor_name="플랫폼") == {deposit.id}
    assert ids(deposit_account_holder="홍길동") == {business.id, wht.id, failed.id, manual.id}
    assert ids(deposit_memo="충전") == {deposit.id}
    assert ids(withdrawal_memo="플랫폼정산") == {business.id, wht.id, failed.id, manual.id}
    now = timezone.now()
    around = DateTimeRange(from_=rfc3339(now - timedelta(hours=1)), until=rfc3339(now))
    assert ids(trade_timestamp_range=around) == {deposit.id, business.id, wht.id, manual.id}
    assert ids(created_timestamp_range=around) == every
    assert ids(status_updated_timestamp_range=around) == every
    assert ids(scheduled_timestamp_range=around) == set()
    failed_only = client.get_platform_account_transfers(
        filter=PlatformAccountTransferFilter(statuses=["FAILED"])
    )
    assert (len(failed_only.items), failed_only.counts.succeeded) == (1, 4)
    # test mode is its own ledger
    assert client.get_platform_account_transfers(test=True).items == []


def test_get_platform_bulk_account_transfers(portone, flow):
    client = portone.platform.bulk_account_transfer
    answer = client.get_platform_bulk_account_transfers()
    assert answer.page.total_count == 1
    batch = answer.items[0]
    assert batch.status == "COMPLETED"
    assert batch.total_amount == PAID + FAILED_AMOUNT
    assert batch.graphql_id == graphql_id("bulk_account_transfer", batch.id)
    assert batch.creator_id.startswith("secret:")
    assert (batch.stats.count.succeeded, batch.stats.count.failed) == (3, 1)
    assert batch.stats.amount.succeeded == PAID
    assert (answer.counts.completed, answer.counts.ongoing) == (1, 0)
    Criteria = PlatformBulkAccountTransferFilterInputCriteria

    def ids(**kw):
        found = client.get_platform_bulk_account_transfers(
            filter=PlatformBulkAccountTransferFilterInput(**kw)
        )
        return [b.id for b in found.items]

    assert ids(statuses=["COMPLETED"]) == [batch.id]
    assert ids(statuses=["ONGOING"]) == []
    assert ids(criteria=Criteria(bulk_account_transfer_id=batch.id)) == [batch.id]
    now = timezone.now()
    around = DateTimeRange(from_=rfc3339(now - timedelta(hours=1)), until=rfc3339(now))
    assert ids(criteria=Criteria(timestamp_range=around)) == [batch.id]
    assert ids(criteria=Criteria(status_updated_timestamp_range=around)) == [batch.id]


def test_partner_settlements_and_transfers_read_the_payout_stage(portone, flow):
    client = portone.platform.partner_settlement
    Keyword = PlatformPartnerSettlementFilterKeywordInput
    answer = client.get_platform_partner_settlements(
        filter=PlatformPartnerSettlementFilterInput(keyword=Keyword(bulk_payout_id="bp-march"))
    )
    by_partner = {s.partner.name: s.status for s in answer.items}
    assert by_partner == {
        "가나다 상사": "PAID_OUT",
        "프리랜서": "PAID_OUT",
        "오류 계좌": "PAYOUT_FAILED",
        "수기 정산": "PAID_OUT",
    }
    assert (answer.counts.paid_out, answer.counts.payout_failed) == (3, 1)
    wht_payout = Payout.objects.get(partner=flow.partners["프리랜서"])
    one = client.get_platform_partner_settlements(
        filter=PlatformPartnerSettlementFilterInput(keyword=Keyword(payout_id=wht_payout.public_id))
    )
    assert [s.id for s in one.items] == [flow.settlements["프리랜서"][0].public_id]
    # the transfer behind a paid settlement reads PAID_OUT (derived from its settlement)
    manual = Transfer.objects.get(partner=flow.partners["수기 정산"])
    transfer = portone.platform.transfer.get_platform_transfer(id=manual.public_id)
    assert (transfer.id, transfer.status) == (manual.public_id, "PAID_OUT")
    # a failed payout's transfers read SETTLED again (payable)
    failed = transfer_get(
        public_id=Transfer.objects.get(partner=flow.partners["오류 계좌"]).public_id,
        is_for_test=False,
    )
    assert failed.status == "SETTLED"
