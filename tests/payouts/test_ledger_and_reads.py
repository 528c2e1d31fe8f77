"""The deposit upload, complete-payout as a DIRECT bulk payout, DIRECT results, the recovery of
a claimed-but-unsent payout, and the selectors' filters and counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from payouts import selectors
from payouts.files.deposits import import_deposits
from payouts.models import AccountTransfer, BulkPayout
from payouts.providers.bank import SandboxBankClient
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.completion import payout_complete_by_partner_settlement_ids
from payouts.services.runner import bulk_payout_run, payout_record_result, payouts_recover
from payouts.services.selection import Selection
from settlements.models import PartnerSettlement
from settlements.selectors.partner_settlements import PartnerSettlementFilter, partner_settlements

KST = ZoneInfo("Asia/Seoul")
ALICE = bp.Actor("user:1", "alice")


def test_bank_statement_upload_records_every_row_or_none(db):
    good = (
        "거래일시,입금액,입금자명,메모\n"
        '2026-03-02 09:30,"1,000,000",(주)플랫폼,3월 충전\n'
        "2026-03-03 10:00,500000원,플랫폼,\n"
    )
    upload = import_deposits(data=good.encode("utf-8"), filename="statement.csv", is_for_test=False)
    assert upload.errors == []
    assert [
        (d.amount, d.depositor_name, d.deposit_memo, d.balance_after) for d in upload.recorded
    ] == [
        (1_000_000, "(주)플랫폼", "3월 충전", 1_000_000),
        (500_000, "플랫폼", None, 1_500_000),
    ]
    assert upload.recorded[0].traded_at == datetime(2026, 3, 2, 9, 30, tzinfo=KST)
    assert upload.recorded[0].source == "CSV:statement.csv"
    bad = "거래일시,입금액,입금자명\n2026-03-04 10:00,100,a\n2026-03-05,-5,b\n"
    upload = import_deposits(data=bad.encode("cp949"), filename="bad.csv", is_for_test=False)
    assert [(e.row, e.column) for e in upload.errors] == [(3, "입금액")]
    assert upload.recorded == []
    assert ledger.balances(False).balance == 1_500_000
    missing = import_deposits(
        data="금액,입금자\n1,a\n".encode(), filename="m.csv", is_for_test=False
    )
    assert [e.column for e in missing.errors] == ["거래일시"]


def test_complete_payout_records_a_direct_completed_bulk_payout(make_world):
    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000}}, is_for_test=False)
    done = payout_complete_by_partner_settlement_ids(
        public_ids=world.ids("a", "b"), is_for_test=False, bulk_payout_id="manual-1", name="수기"
    )
    assert (done.payout_count, done.partner_settlement_count) == (2, 2)
    bulk = BulkPayout.objects.get(public_id="manual-1")
    assert (bulk.method, bulk.status, bulk.name, bulk.total_payout_amount) == (
        "DIRECT",
        "COMPLETED",
        "수기",
        3_000,
    )
    assert set(bulk.payouts.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert not AccountTransfer.objects.filter(type="WITHDRAWAL").exists()  # no ledger movement
    payout = bulk.payouts.get(partner_name="a")
    f = PartnerSettlementFilter(payout_id=payout.public_id)
    assert list(partner_settlements(is_for_test=False, f=f)) == world.settlements["a"]
    f = PartnerSettlementFilter(bulk_payout_id="manual-1")
    assert partner_settlements(is_for_test=False, f=f).count() == 2


def test_direct_bulk_payout_waits_for_recorded_results(make_world):
    world = make_world({"a": {"amount": 1_000}, "b": {"amount": 2_000}})
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("a", "b"), is_for_test=True),
        name="대량이체 파일",
        actor=ALICE,
        method="DIRECT",
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    assert set(bulk.payouts.values_list("status", flat=True)) == {"PROCESSING"}
    assert PartnerSettlement.objects.get(pk=world.settlements["a"][0].pk).status == "IN_PAYOUT"
    a, b = bulk.payouts.order_by("id")
    assert payout_record_result(payout_pk=a.pk, succeeded=True)
    assert not payout_record_result(payout_pk=a.pk, succeeded=False)  # already has its outcome
    assert payout_record_result(payout_pk=b.pk, succeeded=False, reason="예금주 불일치")
    bulk.refresh_from_db()
    assert bulk.status == "COMPLETED"
    assert PartnerSettlement.objects.get(pk=world.settlements["b"][0].pk).status == "PAYOUT_FAILED"
    assert ledger.balances(True).balance == 1_000_000_000


def test_recovery_sends_a_claimed_payout_the_bank_never_got(make_world):
    from payouts.services.runner import _claim_next

    world = make_world({"a": {"amount": 1_000}})
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("a"), is_for_test=True), name="x", actor=ALICE
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    _claim_next(bulk.pk)  # the worker died right after claiming it
    payout = bulk.payouts.get()
    assert payout.status == "PROCESSING"
    assert payouts_recover(older_than=timedelta(hours=1)).sent == 0  # too recent to touch
    payouts_recover(older_than=timedelta(0))
    payout.refresh_from_db()
    assert payout.status == "SUCCEEDED"
    assert SandboxBankClient.sends[payout.bank_idempotency_key] == 1


def test_selectors_filter_and_count(make_world):
    world = make_world(
        {
            "a": {"amount": 1_000, "tags": ["패션"]},
            "bad": {"amount": 2_000, "account_number": "1101234569"},
            "c": {"amount": 3_000, "partner_type": "NON_WHT_PAYER"},
        }
    )
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("a", "bad"), is_for_test=True), name="x", actor=ALICE
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    bulk_payout_run(bulk.pk)
    other = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("c"), is_for_test=True), name="y", actor=ALICE
    )

    qs = selectors.payouts(is_for_test=True, f=selectors.PayoutFilter())
    assert selectors.status_counts(qs) == {"SUCCEEDED": 1, "FAILED": 1, "PREPARED": 1}
    f = selectors.PayoutFilter(statuses=("FAILED",))
    failed = selectors.with_statuses(selectors.payouts(is_for_test=True, f=f), f.statuses)
    assert [p.partner_name for p in failed] == ["bad"]
    by_tag = selectors.payouts(is_for_test=True, f=selectors.PayoutFilter(partner_tags=("패션",)))
    assert [p.partner_name for p in by_tag] == ["a"]
    by_type = selectors.payouts(
        is_for_test=True, f=selectors.PayoutFilter(partner_types=("NON_WHT_PAYER",))
    )
    assert [p.bulk_payout_id for p in by_type] == [other.pk]
    by_bulk = selectors.payouts(
        is_for_test=True, f=selectors.PayoutFilter(bulk_payout_id=bulk.public_id)
    )
    assert by_bulk.count() == 2

    stats = selectors.bulk_payout_stats(bulk)
    assert stats["count"]["SUCCEEDED"] == 1 and stats["amount"]["FAILED"] == 2_000
    assert stats["count"]["PREPARED"] == 0
    bulks = selectors.bulk_payouts(is_for_test=True, f=selectors.BulkPayoutFilter())
    assert selectors.status_counts(bulks) == {"COMPLETED": 1, "PREPARED": 1}
    assert selectors.bulk_payout_get(other.public_id, is_for_test=True) == other

    transfers = selectors.account_transfers(
        is_for_test=True, f=selectors.AccountTransferFilter(types=("WITHDRAWAL",))
    )
    assert selectors.status_counts(transfers) == {"SUCCEEDED": 1, "FAILED": 1}
    deposits = selectors.account_transfers(
        is_for_test=True, f=selectors.AccountTransferFilter(depositor_name="모의")
    )
    assert [d.amount for d in deposits] == [1_000_000_000]
    ledger_rows = list(selectors.ledger_rows(is_for_test=True))
    assert [r.balance_after for r in ledger_rows] == [1_000_000_000, 1_000_000_000 - 1_000]
    (batch,) = selectors.bulk_account_transfers(
        is_for_test=True, f=selectors.BulkAccountTransferFilter()
    )
    assert selectors.bulk_account_transfer_stats(batch)["count"]["FAILED"] == 1
    assert batch.total_amount == 3_000
