"""payouts.services.bank_file and payouts/files/bank_file.py: the bank's result file of a
대량이체 upload recorded against one bulk payout's payouts, every row or none; AGENCY results
write their ledger entries as the runner does (the invariant is asserted after each test)."""

from __future__ import annotations

import pytest

from core.files.sheets import read_table
from payouts.files.bank_file import parse_results, transfer_sheet
from payouts.models import AccountTransferStatus, BulkPayoutStatus, PayoutStatus
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.bank_file import BankResult, bank_results_record
from payouts.services.bulk_payouts import Actor
from payouts.services.runner import _claim_next
from payouts.services.selection import Selection

ALICE = Actor("user:1", "alice")


def started(world, *names, method="DIRECT"):
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*names), is_for_test=world.is_for_test),
        name="파일 지급",
        actor=ALICE,
        method=method,
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=world.is_for_test, actor=ALICE)
    return bulk


@pytest.fixture
def two(make_world):
    return make_world(
        {
            "가": {"amount": 10_000, "account_number": "1102223331"},
            "나": {"amount": 20_000, "account_number": "1102223332"},
        }
    )


def test_rows_of_another_bulk_payout_refuse_the_whole_file(two, make_world):
    bulk = started(two, "가", "나")
    other = make_world({"다": {"amount": 5_000, "account_number": "1102223333"}})
    started(other, "다")
    outcome = bank_results_record(
        bulk_payout_pk=bulk.pk,
        results=[
            BankResult(2, "1102223331", 10_000, True),
            BankResult(3, "1102223333", 5_000, True),  # the other bulk payout's payout
        ],
    )
    assert not outcome.ok
    assert [r.row for r in outcome.refusals] == [3]
    assert "******3333" in outcome.refusals[0].message
    assert set(bulk.payouts.values_list("status", flat=True)) == {PayoutStatus.PROCESSING}


def test_a_wrong_amount_or_a_row_twice_is_refused(two):
    bulk = started(two, "가", "나")
    outcome = bank_results_record(
        bulk_payout_pk=bulk.pk,
        results=[
            BankResult(2, "110-222-3331", 10_000, True),
            BankResult(3, "1102223331", 10_000, True),  # the same payout again
            BankResult(4, "1102223332", 20_001, False),  # not its amount
        ],
    )
    assert [r.row for r in outcome.refusals] == [3, 4]
    assert set(bulk.payouts.values_list("status", flat=True)) == {PayoutStatus.PROCESSING}


def test_direct_results_finish_the_bulk_payout_without_touching_the_ledger(two):
    before = ledger.balances(True)
    bulk = started(two, "가", "나")
    outcome = bank_results_record(
        bulk_payout_pk=bulk.pk,
        results=[
            BankResult(2, "1102223331", 10_000, True),
            BankResult(3, "1102223332", 20_000, False, "예금주 불일치"),
        ],
    )
    assert (outcome.ok, outcome.succeeded, outcome.failed) == (True, 1, 1)
    bulk.refresh_from_db()
    assert bulk.status == BulkPayoutStatus.COMPLETED
    failed = bulk.payouts.get(status=PayoutStatus.FAILED)
    assert failed.fail_reason == "예금주 불일치"
    assert ledger.balances(True) == before


def test_agency_results_write_the_withdrawal_with_its_balance_after(two):
    bulk = started(two, "가", "나", method="AGENCY")
    before = ledger.balances(True).balance
    for _ in range(2):
        _claim_next(bulk.pk)  # with the bank: PROCESSING, as the runner leaves them
    outcome = bank_results_record(
        bulk_payout_pk=bulk.pk,
        results=[
            BankResult(2, "1102223331", 10_000, True),
            BankResult(3, "1102223332", 20_000, False, "계좌번호 오류"),
        ],
    )
    assert outcome.ok
    ok = bulk.payouts.get(amount=10_000).account_transfers.get()
    assert (ok.status, ok.balance_after) == (AccountTransferStatus.SUCCEEDED, before - 10_000)
    bad = bulk.payouts.get(amount=20_000).account_transfers.get()
    assert bad.status == AccountTransferStatus.FAILED
    assert ledger.balances(True).balance == before - 10_000
    assert ledger.balances(True).reserved == 0


def test_transfer_sheet_and_result_parsing(two):
    bulk = started(two, "가", "나")
    spec = transfer_sheet(bulk.payouts.order_by("id"))
    assert list(spec.headers) == ["은행코드", "계좌번호", "금액", "예금주(받는 분)", "메모"]
    assert [row[:3] for row in spec.rows] == [
        ["004", "1102223331", 10_000],
        ["004", "1102223332", 20_000],
    ]
    table = read_table(
        '입금계좌번호,이체금액,처리결과,불능사유\n1102223331,"10,000",정상,\n'
        "1102223332,20000,불능,잔액 부족\n1102223333,1,몰라,\n".encode(),
        "r.csv",
    )
    results, errors = parse_results(table)
    assert [(r.row, r.succeeded, r.reason) for r in results] == [
        (2, True, None),
        (3, False, "잔액 부족"),
    ]
    assert [(e.row, e.column) for e in errors] == [(4, "처리결과")]
