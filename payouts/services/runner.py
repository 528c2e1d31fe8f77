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
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

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


def _max_attempts() -> int:
    return max(1, int(getattr(settings, "PAYOUT_MAX_ATTEMPTS", 3)))


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
            Payout.objects.select_for_update(skip_locked=True)
            .filter(
                bulk_payout_id=bulk_pk, status__in=(PayoutStatus.CONFIRMED, PayoutStatus.SCHEDULED)
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
            AccountTransfer.objects.create(
                is_for_test=w.is_for_test,
                account_id=w.account_id,
                type=AccountTransferType.WITHDRAWAL,
                withdrawal_type=WithdrawalType.REMIT,
                is_fee=True,
                status=AccountTransferStatus.SUCCEEDED,
                status_updated_at=now,
                currency=w.currency,
                amount=w.fee_amount,
                balance_after=after_fee,
                withdrawal_memo="이체 수수료",
                partner_id=w.partner_id,
                payout_id=w.payout_id,
                bulk_payout_id=w.bulk_payout_id,
                bulk_account_transfer_id=w.bulk_account_transfer_id,
                traded_at=now,
            )
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


def payout_send(payout_pk: int, *, bank: BankClient | None = None) -> Outcome:
    """Take one PROCESSING payout to its outcome (or leave it in flight when the bank cannot
    say). Safe to call again for the same payout at any time: asks before it sends."""
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
    sends = 0
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
    runners of one bulk payout share the work (each payout is claimed by one)."""
    report = RunReport()
    bulk = BulkPayout.objects.get(pk=bulk_pk)
    if bulk.status == BulkPayoutStatus.ONGOING and bulk.method == PayoutMethod.AGENCY:
        bank = bank or get_bank_client(is_for_test=bulk.is_for_test)
        while (payout_pk := _claim_next(bulk_pk)) is not None:
            outcome = payout_send(payout_pk, bank=bank)
            report.sent += 1
            if outcome is Outcome.SUCCEEDED:
                report.succeeded += 1
            elif outcome is Outcome.FAILED:
                report.failed += 1
            else:
                report.unknown += 1
    report.status = bulk_payout_finalize(bulk_pk)
    return report


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
