"""Races that need a real server database (PostgreSQL; skipped on SQLite, which serialises every
writer): parallel starts give one run and one reservation, two bulk payouts cannot spend the
same balance, two runners send each payout once, two creations cannot take one settlement."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from core.errors import DomainError
from payouts.models import AccountTransfer, BulkPayout
from payouts.providers.bank import SandboxBankClient
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.runner import bulk_payout_run
from payouts.services.selection import Selection

pytestmark = pytest.mark.django_db(transaction=True)
ALICE = bp.Actor("user:1", "alice")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises all writers; the race needs a real server database")


def parallel(*calls):
    """Run the calls at the same moment in threads; returns (result or exception) per call."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def codes(results):
    return sorted(r.code if isinstance(r, DomainError) else type(r).__name__ for r in results)


def test_parallel_starts_give_one_run_and_one_reservation(make_world):
    world = make_world({f"p{i}": {"amount": 1_000 * (i + 1)} for i in range(5)})
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*world.partners), is_for_test=True),
        name="x",
        actor=ALICE,
    )
    ledger.payout_account(True)

    def start():
        return bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)

    results = parallel(start, start, start)
    assert codes(results) == [
        "BulkPayout",
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
    ]
    assert AccountTransfer.objects.filter(type="WITHDRAWAL").count() == 5
    assert ledger.balances(True).reserved == 15_000
    bulk_payout_run(bulk.pk)
    assert BulkPayout.objects.get(pk=bulk.pk).status == "COMPLETED"


def test_two_bulk_payouts_cannot_spend_the_same_balance(make_world):
    world = make_world({"a": {"amount": 60_000}, "b": {"amount": 60_000}}, is_for_test=False)
    ledger.deposit_record(is_for_test=False, amount=100_000, depositor_name="플랫폼")
    first = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("a"), is_for_test=False), name="a", actor=ALICE
    )
    second = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("b"), is_for_test=False), name="b", actor=ALICE
    )
    results = parallel(
        *(
            (
                lambda b=b: bp.bulk_payout_start(
                    public_id=b.public_id, is_for_test=False, actor=ALICE
                )
            )
            for b in (first, second)
        )
    )
    assert codes(results) == ["BulkPayout", "PLATFORM_INSUFFICIENT_BALANCE"]
    assert ledger.balances(False).reserved == 60_000
    started = next(r for r in results if isinstance(r, BulkPayout))
    bulk_payout_run(started.pk)
    assert ledger.balances(False).balance == 40_000


def test_two_runners_send_each_payout_once(make_world):
    world = make_world({f"p{i}": {"amount": 100 + i} for i in range(20)})
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*world.partners), is_for_test=True),
        name="x",
        actor=ALICE,
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    results = parallel(lambda: bulk_payout_run(bulk.pk), lambda: bulk_payout_run(bulk.pk))
    assert sum(r.sent for r in results) == 20
    assert sorted(SandboxBankClient.sends.values()) == [1] * 20
    assert BulkPayout.objects.get(pk=bulk.pk).status == "COMPLETED"
    assert AccountTransfer.objects.filter(type="WITHDRAWAL", status="SUCCEEDED").count() == 20


def test_two_creations_cannot_take_one_settlement(make_world):
    world = make_world({"a": {"amount": 1_000}})
    ids = world.ids("a")

    def create():
        return bp.bulk_payout_create(
            selection=Selection.of_ids(ids, is_for_test=True), name="x", actor=ALICE
        )

    results = parallel(create, create)
    assert codes(results) == ["BulkPayout", "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS"]
