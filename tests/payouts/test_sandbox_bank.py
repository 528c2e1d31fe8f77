"""The sandbox bank keeps its book apart from our database and from the process that sent: a
time-out in one worker is answered by the inquiry of another, a rollback on our side forgets
nothing at the bank, and a key is booked once however many processes race on it."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import transaction

from payouts.providers.bank import BankTransfer, Outcome, SandboxBankClient


def transfer(account: str, key: str = "live-payout-P1", amount: int = 10_000) -> BankTransfer:
    return BankTransfer(
        idempotency_key=key, bank="KOOKMIN", account_number=account, holder="홍길동", amount=amount
    )


def _send_in_child(account: str, key: str, queue) -> None:
    queue.put(SandboxBankClient().send(transfer(account, key)).outcome.value)


def in_another_process(account: str, key: str) -> str:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_send_in_child, args=(account, key, queue))
    child.start()
    child.join(30)
    assert child.exitcode == 0
    return queue.get(timeout=5)


def test_a_time_out_in_one_process_is_answered_by_the_inquiry_in_another():
    assert in_another_process("1101234567", "live-payout-T7") == "UNKNOWN"
    bank = SandboxBankClient()  # this process never sent it
    answer = bank.inquire(transfer("1101234567", "live-payout-T7"))
    assert (answer.outcome, answer.reference) == (Outcome.SUCCEEDED, "SBX-live-payout-T7")
    replay = bank.send(transfer("1101234567", "live-payout-T7"))
    assert replay.outcome is Outcome.SUCCEEDED  # the first answer, nothing moves again
    assert bank.inquire(transfer("1101234560", "live-payout-none")).outcome is Outcome.NOT_FOUND


def test_each_rule_by_last_digit_and_what_the_book_keeps(tmp_path):
    bank = SandboxBankClient(book=tmp_path / "bank.sqlite3")
    assert bank.send(transfer("110-123-4569", "k9")).reason == "계좌번호 오류"
    assert bank.inquire(transfer("110-123-4569", "k9")).outcome is Outcome.FAILED
    assert bank.send(transfer("1101234568", "k8")).outcome is Outcome.RETRY
    assert bank.inquire(transfer("1101234568", "k8")).outcome is Outcome.NOT_FOUND  # not booked
    assert bank.send(transfer("1101234561", "k1")).outcome is Outcome.SUCCEEDED
    restarted = SandboxBankClient(book=tmp_path / "bank.sqlite3")
    assert restarted.inquire(transfer("1101234561", "k1")).outcome is Outcome.SUCCEEDED
    assert SandboxBankClient().inquire(transfer("1101234561", "k1")).outcome is Outcome.NOT_FOUND


@pytest.mark.django_db
def test_our_rollback_does_not_undo_what_the_bank_booked():
    bank = SandboxBankClient()
    with transaction.atomic():
        sid = transaction.savepoint()
        bank.send(transfer("1101234560", "live-payout-RB"))
        transaction.savepoint_rollback(sid)
    assert bank.inquire(transfer("1101234560", "live-payout-RB")).outcome is Outcome.SUCCEEDED


def test_a_key_is_booked_once_when_processes_race():
    """A key another process booked is answered from the book to eight threads with other
    amounts; eight threads racing on a fresh key book it once."""
    key = "live-payout-RACE"
    outcome = in_another_process("1101234560", key)
    bank = SandboxBankClient()
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda n: bank.send(transfer("1101234560", key, amount=n)), range(1, 9))
        )
    assert outcome == "SUCCEEDED"
    assert {a.reference for a in answers} == {f"SBX-{key}"}
    db = bank._db()
    assert db.execute("SELECT count(*), amount FROM book WHERE key = ?", (key,)).fetchone() == (
        1,
        10_000,
    )
    assert SandboxBankClient.sends[key] == 8
    fresh = "live-payout-RACE2"
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda n: bank.send(transfer("1101234560", fresh, amount=n)), range(1, 9))
        )
    assert {a.outcome for a in answers} == {Outcome.SUCCEEDED}
    assert db.execute("SELECT count(*) FROM book WHERE key = ?", (fresh,)).fetchone() == (1,)
