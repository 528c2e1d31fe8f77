"""Two runners on one bulk payout claiming from the same list of the queue, a few payouts at a
time (PostgreSQL: FOR UPDATE SKIP LOCKED; skipped on SQLite): every payout is sent once and the
ledger moves once per payout, however their batches interleave."""

from __future__ import annotations

import pytest
from django.db import connection

from payouts.models import AccountTransfer, BulkPayout
from payouts.providers.bank import SandboxBankClient
from payouts.services import bulk_payouts as bp
from payouts.services import ledger
from payouts.services.runner import bulk_payout_run
from payouts.services.selection import Selection
from tests.payouts.test_concurrency_pg import parallel

pytestmark = pytest.mark.django_db(transaction=True)
ALICE = bp.Actor("user:1", "alice")


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises all writers; the race needs a real server database")


class SlowBank(SandboxBankClient):
    """A bank of a few milliseconds per call: the two runners' batches interleave."""

    def __init__(self) -> None:
        super().__init__(latency_ms=3)


def test_two_runners_share_small_batches_and_pay_each_payout_once(make_world, settings):
    settings.PAYOUT_RUN_BATCH = 3
    amounts = {f"p{i}": 1_000 + i for i in range(30)}
    world = make_world({name: {"amount": amount} for name, amount in amounts.items()})
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*world.partners), is_for_test=True),
        name="x",
        actor=ALICE,
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    before = ledger.balances(True).balance
    results = parallel(
        lambda: bulk_payout_run(bulk.pk, bank=SlowBank()),
        lambda: bulk_payout_run(bulk.pk, bank=SlowBank()),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.sent for r in results) == 30
    assert sorted(SandboxBankClient.sends.values()) == [1] * 30
    assert BulkPayout.objects.get(pk=bulk.pk).status == "COMPLETED"
    paid = AccountTransfer.objects.filter(
        bulk_payout=bulk, type="WITHDRAWAL", status="SUCCEEDED", is_fee=False
    )
    assert paid.count() == 30
    assert ledger.balances(True).balance == before - sum(amounts.values())
    assert ledger.balances(True).reserved == 0
