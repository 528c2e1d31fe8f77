"""The runner's claim (payouts.services.runner): the queue is read once and claimed by primary
key, a batch at a time, never searched again per batch; a payout is claimed by one claimer; what
a claim skipped is picked up when the queue is read again; the run's statements do not grow with
the batches' queue reads."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from payouts.models import AccountTransfer, Payout
from payouts.providers.bank import SandboxBankClient
from payouts.services import bulk_payouts as bp
from payouts.services import ledger, runner
from payouts.services.bulk_payouts import Actor
from payouts.services.selection import Selection

ALICE = Actor("user:1", "alice")
NAMES = "abcdefg"


def started(world, *names):
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids(*names), is_for_test=True), name="3월", actor=ALICE
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    return bulk


def world_of(make_world, names=NAMES):
    return make_world({n: {"amount": 1_000 * (i + 1)} for i, n in enumerate(names)})


def test_a_claim_takes_only_queued_payouts_of_its_bulk_once(make_world):
    world = world_of(make_world)
    bulk = started(world, "a", "b", "c")
    other = started(world, "d")
    queue = runner._queued(bulk.pk)
    assert queue == sorted(bulk.payouts.values_list("pk", flat=True))
    foreign = list(other.payouts.values_list("pk", flat=True))

    batch = runner._claim_batch(bulk.pk, [queue[1], *foreign])  # another bulk's pk is ignored
    assert [w.payout_id for w in batch] == [queue[1]]
    assert Payout.objects.get(pk=queue[1]).status == "PROCESSING"
    assert (batch[0].status, batch[0].attempt_count) == ("PROCESSING", 1)
    assert Payout.objects.get(pk=foreign[0]).status == "CONFIRMED"
    # claimed already: a second claimer gets nothing, and the queue no longer lists it
    assert runner._claim_batch(bulk.pk, [queue[1]]) == []
    assert runner._queued(bulk.pk) == [queue[0], queue[2]]
    # what was claimed is sent by the recovery (it asks the bank first), the rest by the run
    report = runner.bulk_payout_run(bulk.pk)
    assert (report.sent, report.succeeded) == (2, 2)
    # the recovery: the claimed one (asked first: nothing there, so sent) and the other bulk
    assert runner.payouts_recover(older_than=timedelta(0)).succeeded == 2
    assert set(bulk.payouts.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert Payout.objects.get(pk=foreign[0]).status == "SUCCEEDED"
    assert all(SandboxBankClient.sends[p.bank_idempotency_key] == 1 for p in bulk.payouts.all())


def test_a_payout_a_claim_skipped_is_sent_when_the_queue_is_read_again(
    make_world, monkeypatch, settings
):
    """Another runner held one payout's row while this one claimed its batch (SKIP LOCKED) and
    then gave it back: the run reads the queue again when its list is used up and sends it."""
    settings.PAYOUT_RUN_BATCH = 3
    world = world_of(make_world)
    bulk = started(world, *NAMES)
    held = runner._queued(bulk.pk)[1]
    claim = runner._claim_batch
    reads: list[int] = []
    queued = runner._queued

    def counting(bulk_pk):
        out = queued(bulk_pk)
        reads.append(len(out))
        return out

    def skips_once(bulk_pk, candidates):
        if held in candidates and not reads[1:]:  # during the first pass: as if locked
            candidates = [pk for pk in candidates if pk != held]
        return claim(bulk_pk, candidates)

    monkeypatch.setattr(runner, "_queued", counting)
    monkeypatch.setattr(runner, "_claim_batch", skips_once)
    report = runner.bulk_payout_run(bulk.pk)
    assert reads == [7, 1, 0]  # the whole queue, then the one left over, then nothing
    assert (report.sent, report.succeeded, report.status) == (7, 7, "COMPLETED")
    assert set(bulk.payouts.values_list("status", flat=True)) == {"SUCCEEDED"}
    assert all(SandboxBankClient.sends[p.bank_idempotency_key] == 1 for p in bulk.payouts.all())
    withdrawn = AccountTransfer.objects.filter(bulk_payout=bulk, status="SUCCEEDED", is_fee=False)
    assert sum(withdrawn.values_list("amount", flat=True)) == sum(1_000 * (i + 1) for i in range(7))
    assert ledger.balances(True).reserved == 0


def test_a_run_reads_the_queue_twice_whatever_the_number_of_batches(make_world, settings):
    """Seven payouts in batches of two: four claims by pk, two reads of the queue (the list,
    then the check that nothing is left), no claim that searches the queue."""
    settings.PAYOUT_RUN_BATCH = 2
    world = world_of(make_world)
    bulk = started(world, *NAMES)
    table = Payout._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        report = runner.bulk_payout_run(bulk.pk)
    assert (report.sent, report.succeeded) == (7, 7)
    claims = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(f'SELECT "{table}"."id"') and '"status" IN' in q["sql"]
    ]
    by_pk = [sql for sql in claims if f'"{table}"."id" IN (' in sql]
    assert len(by_pk) == 4
    assert len(claims) - len(by_pk) == 2
    assert all("LIMIT" not in sql for sql in claims)
