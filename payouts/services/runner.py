"""The runner: sends each payout of an ONGOING AGENCY bulk payout to the bank exactly once
(docs/payouts.md#exactly-once).

Per payout:
1. claim it (CONFIRMED/SCHEDULED -> PROCESSING, a conditional UPDATE: two runners never take the
   same payout) and commit; its settlements read IN_PAYOUT;
2. before every send: mark the withdrawal sent (attempt + 1, `sent_at`) and commit — from here
   the bank may have the money; if anything was sent before under the key, ask the bank first
   (`inquire`) and send again only when it has nothing;
3. the answer: SUCCEEDED / FAILED are recorded (conditional on the withdrawal still being in
   flight, so a second recorder does nothing); RETRY (bank maintenance: not accepted) waits with
   back-off and sends again, up to PAYOUT_MAX_ATTEMPTS, then FAILED with the bank's reason;
   UNKNOWN (time-out, 5xx) is never retried blindly: ASYNC_PROCESSING, then inquire.
A worker killed anywhere leaves the payout PROCESSING with its withdrawal in flight;
`payouts_recover` finds those and asks the bank (step 2), so the key is never sent twice.

`bulk_payout_run` does steps 1–3 a batch at a time (`_claim_batch`, `_record_many`): the queue
is read once, then one transaction claims the next PAYOUT_RUN_BATCH of it by primary key and
marks them sent, they are sent one by one, and the final answers are recorded in one
transaction with one statement per table. The batch shrinks to about PAYOUT_RUN_BATCH_SECONDS
of bank calls when the bank is slow, so the progress moves and a claimed batch never lies
unsent longer than the recovery waits. Answers that are not final (RETRY, UNKNOWN) take the
per-payout path (`payout_send`), which asks before it sends.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.bulk_sql import set_integers
from invoices.domain.statuses import ISSUED_OR_LATER
from payouts.models import (
    IN_FLIGHT_TRANSFER_STATUSES,
    PENDING_TRANSFER_STATUSES,
    AccountTransfer,
    AccountTransferStatus,
    AccountTransferType,
    BulkPayout,
    BulkPayoutStatus,
    Payout,
    PayoutMethod,
    PayoutStatus,
    WithdrawalType,
)
from payouts.providers.bank import (
    REASON_INSTITUTION,
    BankAnswer,
    BankClient,
    BankTransfer,
    Outcome,
    get_bank_client,
)
from payouts.services import ledger
from payouts.services.bulk_payouts import bulk_payout_stop_unsent
from payouts.services.finalize import bulk_payout_finalize
from payouts.services.transitions import follow

logger = logging.getLogger(__name__)


@dataclass
class RunReport:
    sent: int = 0
    succeeded: int = 0
    failed: int = 0
    unknown: int = 0
    status: str = ""
    outcomes: dict[str, str] = field(default_factory=dict)  # payout public id -> outcome

    def count(self, outcome: Outcome) -> None:
        self.sent += 1
        if outcome is Outcome.SUCCEEDED:
            self.succeeded += 1
        elif outcome is Outcome.FAILED:
            self.failed += 1
        else:
            self.unknown += 1


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "PAYOUT_MAX_ATTEMPTS", 3)))


def _batch_size() -> int:
    return max(1, int(getattr(settings, "PAYOUT_RUN_BATCH", 100)))


def _batch_seconds() -> float:
    return max(0.1, float(getattr(settings, "PAYOUT_RUN_BATCH_SECONDS", 5)))


def _backoff(attempt: int) -> None:
    base = int(getattr(settings, "PAYOUT_RETRY_BACKOFF_MS", 500))
    if base > 0:
        time.sleep(base * (2 ** (attempt - 1)) / 1000)


def _bank_transfer(w: AccountTransfer) -> BankTransfer:
    return BankTransfer(
        idempotency_key=w.bank_idempotency_key,
        bank=w.deposit_bank,
        account_number=w.deposit_account_number or "",
        holder=w.deposit_account_holder,
        amount=w.amount,
        currency=w.currency,
        withdrawal_memo=w.withdrawal_memo,
        deposit_memo=w.deposit_memo,
    )


# --- claim --------------------------------------------------------------------------------------


@transaction.atomic
def _claim_next(bulk_pk: int) -> int | None:
    """The next queued payout of the bulk payout, now PROCESSING; None when none is left."""
    now = timezone.now()
    while True:
        payout_pk = (
            _sendable(
                Payout.objects.select_for_update(skip_locked=True).filter(
                    bulk_payout_id=bulk_pk, status__in=QUEUED_PAYOUT_STATUSES
                )
            )
            .order_by("id")
            .values_list("pk", flat=True)
            .first()
        )
        if payout_pk is None:
            return None
        claimed = Payout.objects.filter(
            pk=payout_pk, status__in=(PayoutStatus.CONFIRMED, PayoutStatus.SCHEDULED)
        ).update(status=PayoutStatus.PROCESSING, status_updated_at=now, updated_at=now)
        if not claimed:
            continue
        AccountTransfer.objects.filter(
            payout_id=payout_pk,
            is_fee=False,
            status__in=(AccountTransferStatus.PREPARED, AccountTransferStatus.SCHEDULED),
        ).update(status=AccountTransferStatus.PROCESSING, status_updated_at=now, updated_at=now)
        follow([payout_pk], PayoutStatus.PROCESSING)
        return payout_pk


QUEUED_PAYOUT_STATUSES = (PayoutStatus.CONFIRMED, PayoutStatus.SCHEDULED)


def _sendable(qs):
    """Queued payouts less those waiting for their tax invoice: with
    PAYOUT_REQUIRES_ISSUED_TAX_INVOICE, a BUSINESS payout with VAT stays CONFIRMED/SCHEDULED
    until its invoice is issued (or later); the recovery's run picks it up then
    (docs/invoices.md#payouts-waiting-for-their-invoice)."""
    if not getattr(settings, "PAYOUT_REQUIRES_ISSUED_TAX_INVOICE", False):
        return qs
    return qs.exclude(
        Q(partner_type="BUSINESS", vat_amount__gt=0)
        & ~Q(tax_invoice_status__in=[s.value for s in ISSUED_OR_LATER])
    )


def _queued(bulk_pk: int) -> list[int]:
    """The bulk payout's queued, sendable payouts in pk order, read without locks: the run
    claims them from this list by primary key, a slice at a time, so no claim searches the
    queue again (reading the 10,000 queued rows to take the first 100, a hundred times over,
    was most of the claim's time)."""
    return list(
        _sendable(Payout.objects.filter(bulk_payout_id=bulk_pk, status__in=QUEUED_PAYOUT_STATUSES))
        .order_by("id")
        .values_list("pk", flat=True)
    )


@transaction.atomic
def _claim_batch(bulk_pk: int, candidates: list[int]) -> list[AccountTransfer]:
    """Those of `candidates` (payout pks) still queued, now PROCESSING and marked sent
    (attempt + 1, `sent_at`), committed before any of them reaches the bank; their withdrawals,
    in payout order. The status is checked again under the row lock, so a payout another runner
    took meanwhile is left alone, and rows another runner holds are skipped (FOR UPDATE SKIP
    LOCKED on PostgreSQL): one payout, one claimer."""
    now = timezone.now()
    pks = list(
        _sendable(
            Payout.objects.select_for_update(skip_locked=True).filter(
                pk__in=candidates, bulk_payout_id=bulk_pk, status__in=QUEUED_PAYOUT_STATUSES
            )
        )
        .order_by("id")
        .values_list("pk", flat=True)
    )
    if not pks:
        return []
    Payout.objects.filter(pk__in=pks).update(
        status=PayoutStatus.PROCESSING,
        status_updated_at=now,
        updated_at=now,
        attempt_count=F("attempt_count") + 1,
        sent_at=now,
    )
    AccountTransfer.objects.filter(
        payout_id__in=pks,
        is_fee=False,
        status__in=(AccountTransferStatus.PREPARED, AccountTransferStatus.SCHEDULED),
    ).update(
        status=AccountTransferStatus.PROCESSING,
        status_updated_at=now,
        updated_at=now,
        attempt_count=F("attempt_count") + 1,
        sent_at=now,
    )
    follow(pks, PayoutStatus.PROCESSING)
    return list(
        AccountTransfer.objects.filter(payout_id__in=pks, is_fee=False).order_by("payout_id")
    )


# --- record -------------------------------------------------------------------------------------


@transaction.atomic
def _record(w: AccountTransfer, answer: BankAnswer) -> bool:
    """SUCCEEDED or FAILED, once: False if another recorder was first."""
    now = timezone.now()
    if answer.outcome is Outcome.SUCCEEDED:
        done = AccountTransfer.objects.filter(pk=w.pk, status__in=PENDING_TRANSFER_STATUSES).update(
            status=AccountTransferStatus.SUCCEEDED,
            status_updated_at=now,
            traded_at=now,
            updated_at=now,
        )
        if not done:
            return False
        balance = ledger.move_balance(w.account_id, -w.amount)
        AccountTransfer.objects.filter(pk=w.pk).update(balance_after=balance)
        if w.fee_amount:
            after_fee = ledger.move_balance(w.account_id, -w.fee_amount)
            _fee_entry(w, after_fee, now).save()
        Payout.objects.filter(pk=w.payout_id).update(
            status=PayoutStatus.SUCCEEDED, status_updated_at=now, fail_reason=None, updated_at=now
        )
        follow([w.payout_id], PayoutStatus.SUCCEEDED)
        return True
    reason = (answer.reason or REASON_INSTITUTION)[:200]
    done = AccountTransfer.objects.filter(pk=w.pk, status__in=PENDING_TRANSFER_STATUSES).update(
        status=AccountTransferStatus.FAILED,
        status_updated_at=now,
        fail_reason=reason,
        updated_at=now,
    )
    if not done:
        return False
    Payout.objects.filter(pk=w.payout_id).update(
        status=PayoutStatus.FAILED, status_updated_at=now, fail_reason=reason, updated_at=now
    )
    follow([w.payout_id], PayoutStatus.FAILED)
    return True


@transaction.atomic
def _record_many(results: list[tuple[AccountTransfer, BankAnswer]]) -> int:
    """`_record` for a batch of final answers (SUCCEEDED / FAILED) in one transaction, one
    statement per table: only withdrawals still in flight are recorded (a second recorder does
    nothing); the balance moves once by the batch's total, and each withdrawal's `balance_after`
    is the running balance in payout order, its fee entry right after it. Returns how many."""
    if not results:
        return 0
    now = timezone.now()
    pending = set(
        AccountTransfer.objects.select_for_update()
        .filter(pk__in=[w.pk for w, _ in results], status__in=PENDING_TRANSFER_STATUSES)
        .values_list("pk", flat=True)
    )
    results = [(w, a) for w, a in results if w.pk in pending]
    succeeded = [w for w, a in results if a.outcome is Outcome.SUCCEEDED]
    failed = [(w, a) for w, a in results if a.outcome is Outcome.FAILED]
    fees: list[AccountTransfer] = []
    balance_after: dict[int, int] = {}
    for account_pk in {w.account_id for w in succeeded}:
        mine = [w for w in succeeded if w.account_id == account_pk]
        total = sum(w.amount + w.fee_amount for w in mine)
        running = ledger.move_balance(account_pk, -total) + total
        for w in mine:
            running -= w.amount
            balance_after[w.pk] = running
            if w.fee_amount:
                running -= w.fee_amount
                fees.append(_fee_entry(w, running, now))
    if succeeded:
        AccountTransfer.objects.filter(pk__in=balance_after).update(
            status=AccountTransferStatus.SUCCEEDED,
            status_updated_at=now,
            traded_at=now,
            updated_at=now,
        )
        set_integers(AccountTransfer, "balance_after", balance_after)
        AccountTransfer.objects.bulk_create(fees)
        pks = [w.payout_id for w in succeeded]
        Payout.objects.filter(pk__in=pks).update(
            status=PayoutStatus.SUCCEEDED, status_updated_at=now, fail_reason=None, updated_at=now
        )
        follow(pks, PayoutStatus.SUCCEEDED)
    by_reason: dict[str, list[AccountTransfer]] = {}
    for w, answer in failed:
        by_reason.setdefault((answer.reason or REASON_INSTITUTION)[:200], []).append(w)
    for reason, ws in by_reason.items():  # few: one statement per reason and table
        AccountTransfer.objects.filter(pk__in=[w.pk for w in ws]).update(
            status=AccountTransferStatus.FAILED,
            status_updated_at=now,
            fail_reason=reason,
            updated_at=now,
        )
        Payout.objects.filter(pk__in=[w.payout_id for w in ws]).update(
            status=PayoutStatus.FAILED, status_updated_at=now, fail_reason=reason, updated_at=now
        )
    if failed:
        follow([w.payout_id for w, _ in failed], PayoutStatus.FAILED)
    return len(results)


def _fee_entry(w: AccountTransfer, balance_after: int, now: datetime) -> AccountTransfer:
    """The bank fee of a succeeded withdrawal: its own ledger entry."""
    return AccountTransfer(
        is_for_test=w.is_for_test,
        account_id=w.account_id,
        type=AccountTransferType.WITHDRAWAL,
        withdrawal_type=WithdrawalType.REMIT,
        is_fee=True,
        status=AccountTransferStatus.SUCCEEDED,
        status_updated_at=now,
        currency=w.currency,
        amount=w.fee_amount,
        balance_after=balance_after,
        withdrawal_memo="이체 수수료",
        partner_id=w.partner_id,
        payout_id=w.payout_id,
        bulk_payout_id=w.bulk_payout_id,
        bulk_account_transfer_id=w.bulk_account_transfer_id,
        traded_at=now,
    )


def _mark(w: AccountTransfer, status: str, *, sent: bool = False) -> None:
    now = timezone.now()
    fields = {"status": status, "status_updated_at": now, "updated_at": now}
    if sent:
        fields.update(attempt_count=F("attempt_count") + 1, sent_at=now)
    AccountTransfer.objects.filter(pk=w.pk, status__in=PENDING_TRANSFER_STATUSES).update(**fields)
    if sent:
        Payout.objects.filter(pk=w.payout_id).update(
            attempt_count=F("attempt_count") + 1, sent_at=now
        )


# --- send ---------------------------------------------------------------------------------------


def payout_send(payout_pk: int, *, bank: BankClient | None = None, sends: int = 0) -> Outcome:
    """Take one PROCESSING payout to its outcome (or leave it in flight when the bank cannot
    say). Safe to call again for the same payout at any time: asks before it sends. `sends`:
    how many times the caller already sent it in this run (they count toward the limit)."""
    w = (
        AccountTransfer.objects.filter(payout_id=payout_pk, is_fee=False)
        .select_related(None)
        .first()
    )
    if w is None or w.status not in PENDING_TRANSFER_STATUSES:
        return (
            Outcome.SUCCEEDED
            if w and w.status == AccountTransferStatus.SUCCEEDED
            else Outcome.FAILED
        )
    bank = bank or get_bank_client(is_for_test=w.is_for_test)
    transfer = _bank_transfer(w)
    while True:
        w.refresh_from_db(fields=["status", "attempt_count"])
        if w.status not in PENDING_TRANSFER_STATUSES:
            return Outcome(w.status) if w.status in ("SUCCEEDED", "FAILED") else Outcome.FAILED
        if w.attempt_count > 0:  # the bank may have it: ask before sending anything again
            answer = bank.inquire(transfer)
            if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED):
                _record(w, answer)
                return answer.outcome
            if answer.outcome is Outcome.UNKNOWN:
                _mark(w, AccountTransferStatus.ASYNC_PROCESSING)
                return Outcome.UNKNOWN  # still unknown: the recovery asks again later
            # NOT_FOUND: nothing under the key, sending is safe
        if sends >= _max_attempts() or w.attempt_count >= _max_attempts() * 2:
            _record(w, BankAnswer(Outcome.FAILED, last_reason(w) or REASON_INSTITUTION))
            return Outcome.FAILED
        _mark(w, AccountTransferStatus.PROCESSING, sent=True)  # committed before the call
        sends += 1
        answer = bank.send(transfer)
        if answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED):
            _record(w, answer)
            return answer.outcome
        if answer.outcome is Outcome.RETRY:
            _remember_reason(w, answer.reason)
            if sends >= _max_attempts():
                _record(w, BankAnswer(Outcome.FAILED, answer.reason))
                return Outcome.FAILED
            _backoff(sends)
            continue
        _remember_reason(w, answer.reason)
        _mark(w, AccountTransferStatus.ASYNC_PROCESSING)  # UNKNOWN: inquire on the next turn


def _remember_reason(w: AccountTransfer, reason: str | None) -> None:
    if reason:
        AccountTransfer.objects.filter(pk=w.pk).update(fail_reason=reason[:200])


def last_reason(w: AccountTransfer) -> str | None:
    return AccountTransfer.objects.filter(pk=w.pk).values_list("fail_reason", flat=True).first()


# --- run ----------------------------------------------------------------------------------------


def bulk_payout_run(bulk_pk: int, *, bank: BankClient | None = None) -> RunReport:
    """Send every queued payout of an ONGOING AGENCY bulk payout, then finalize it. Several
    runners of one bulk payout share the work (each payout is claimed by one).

    The queue is read once (`_queued`) and claimed slice by slice; when the list is used up it
    is read again, for what another runner skipped and gave back (its claim rolled back) or a
    payout that became sendable meanwhile (its invoice issued). A pass that claims nothing ends
    the run."""
    report = RunReport()
    bulk = BulkPayout.objects.get(pk=bulk_pk)
    if bulk.status == BulkPayoutStatus.ONGOING and bulk.method == PayoutMethod.AGENCY:
        bank = bank or get_bank_client(is_for_test=bulk.is_for_test)
        size = _batch_size()
        stopped = False
        while not stopped and (queue := _queued(bulk_pk)):
            claimed, at = 0, 0
            while not stopped and at < len(queue):
                batch = _claim_batch(bulk_pk, queue[at : at + size])
                at += size
                if not batch:
                    continue
                claimed += len(batch)
                started = time.monotonic()
                stopped = _send_batch(bulk_pk, batch, bank, report)
                size = _next_batch_size(size, len(batch), time.monotonic() - started)
            if not claimed:
                break
    report.status = bulk_payout_finalize(bulk_pk)
    return report


def _send_batch(
    bulk_pk: int, batch: list[AccountTransfer], bank: BankClient, report: RunReport
) -> bool:
    """Send a claimed batch one payout at a time and record the final answers together; the
    others take the per-payout path. True when the bulk payout was stopped meanwhile (what was
    not with the bank yet is stopped then, and the run ends)."""
    final: list[tuple[AccountTransfer, BankAnswer]] = []
    later: list[tuple[AccountTransfer, BankAnswer]] = []
    stopped = False
    for i, w in enumerate(batch):
        if _stopped(bulk_pk):  # 중단: what is not with the bank yet is stopped
            bulk_payout_stop_unsent(bulk_pk, [u.payout_id for u in batch[i:]])
            stopped = True
            break
        answer = bank.send(_bank_transfer(w))
        done = answer.outcome in (Outcome.SUCCEEDED, Outcome.FAILED)
        (final if done else later).append((w, answer))
    _record_many(final)
    for _, answer in final:
        report.count(answer.outcome)
    for w, answer in later:
        report.count(_send_again(w, answer, bank))
    return stopped


def _stopped(bulk_pk: int) -> bool:
    """Asked before every send (a raw statement: the ORM's query building would cost more than
    the database does here)."""
    with connection.cursor() as cursor:
        cursor.execute(_STOPPED_SQL, [bulk_pk])
        return cursor.fetchone() is not None


_STOPPED_SQL = f"SELECT 1 FROM {BulkPayout._meta.db_table} WHERE id = %s AND stopped_at IS NOT NULL"


def _send_again(w: AccountTransfer, answer: BankAnswer, bank: BankClient) -> Outcome:
    """A batch's answer that is not final, on the per-payout path: RETRY (not accepted) waits
    and sends again within the limit; UNKNOWN is marked in flight and asked about first."""
    _remember_reason(w, answer.reason)
    if answer.outcome is Outcome.RETRY:
        if _max_attempts() <= 1:
            _record(w, BankAnswer(Outcome.FAILED, answer.reason))
            return Outcome.FAILED
        _backoff(1)
    else:
        _mark(w, AccountTransferStatus.ASYNC_PROCESSING)
    return payout_send(w.payout_id, bank=bank, sends=1)


def _next_batch_size(size: int, sent: int, seconds: float) -> int:
    """About PAYOUT_RUN_BATCH_SECONDS of bank calls per batch, at most PAYOUT_RUN_BATCH."""
    if sent == 0 or seconds <= 0:
        return _batch_size()
    return max(1, min(_batch_size(), int(_batch_seconds() * sent / seconds)))


def payouts_recover(
    *, older_than: timedelta | None = None, bank: BankClient | None = None
) -> RunReport:
    """For payouts left with the bank by a worker that died (or an unknown answer): ask the bank
    and record; then run what is still queued in ONGOING bulk payouts and finalize them."""
    if older_than is None:
        older_than = timedelta(seconds=int(getattr(settings, "PAYOUT_RECOVERY_AFTER_SECONDS", 120)))
    cutoff: datetime = timezone.now() - older_than
    report = RunReport()
    stuck = AccountTransfer.objects.filter(
        type=AccountTransferType.WITHDRAWAL,
        is_fee=False,
        payout__status=PayoutStatus.PROCESSING,
        status__in=(*IN_FLIGHT_TRANSFER_STATUSES,),
        status_updated_at__lte=cutoff,
    ).values_list("payout_id", "is_for_test")
    for payout_pk, is_for_test in list(stuck):
        outcome = payout_send(payout_pk, bank=bank or get_bank_client(is_for_test=is_for_test))
        report.sent += 1
        report.succeeded += outcome is Outcome.SUCCEEDED
        report.failed += outcome is Outcome.FAILED
        report.unknown += outcome not in (Outcome.SUCCEEDED, Outcome.FAILED)
    ongoing = BulkPayout.objects.filter(
        status=BulkPayoutStatus.ONGOING, method=PayoutMethod.AGENCY, started_at__lte=cutoff
    ).values_list("pk", flat=True)
    for bulk_pk in list(ongoing):
        inner = bulk_payout_run(bulk_pk, bank=bank)
        report.sent += inner.sent
        report.succeeded += inner.succeeded
        report.failed += inner.failed
        report.unknown += inner.unknown
    for bulk_pk in BulkPayout.objects.filter(status=BulkPayoutStatus.ONGOING).values_list(
        "pk", flat=True
    ):
        bulk_payout_finalize(bulk_pk)
    return report


@transaction.atomic
def payout_record_result(*, payout_pk: int, succeeded: bool, reason: str | None = None) -> bool:
    """A result from outside the runner: the bank's result file of a bulk-transfer upload
    (대량이체) or a DIRECT payout paid by hand. AGENCY: records its withdrawal (ledger included);
    DIRECT: the payout alone. False if the payout already had its outcome."""
    payout = Payout.objects.select_for_update().get(pk=payout_pk)
    if payout.status != PayoutStatus.PROCESSING:
        return False
    answer = BankAnswer(Outcome.SUCCEEDED if succeeded else Outcome.FAILED, reason)
    w = AccountTransfer.objects.filter(payout=payout, is_fee=False).first()
    if w is not None:
        done = _record(w, answer)
    else:
        now = timezone.now()
        status = PayoutStatus.SUCCEEDED if succeeded else PayoutStatus.FAILED
        Payout.objects.filter(pk=payout_pk).update(
            status=status,
            status_updated_at=now,
            fail_reason=None if succeeded else (reason or REASON_INSTITUTION)[:200],
            updated_at=now,
        )
        follow([payout_pk], status)
        done = True
    bulk_payout_finalize(payout.bulk_payout_id)
    return done
