"""django-q2 targets for payouts: one line each, the work lives in payouts.services."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from payouts.models import Payout, PayoutStatus, SettlementStatementStatus
from payouts.services import bulk_payouts, runner, statements

#: how far back the minute task looks for statements whose sending task was lost
STATEMENT_RESEND_WINDOW = timedelta(days=2)


def run_bulk_payout(bulk_pk: int) -> dict:
    """Enqueued by bulk_payout_start (after commit): send the bulk payout's payouts."""
    return vars(runner.bulk_payout_run(bulk_pk))


def prepare_bulk_payout(bulk_pk: int) -> str | None:
    """Enqueued by bulk_payout_create(background=True) (after commit): build its payouts."""
    return bulk_payouts.bulk_payout_prepare(bulk_pk)


def start_due_bulk_payouts() -> int:
    """Every minute: start scheduled bulk payouts whose time has come, and run them."""
    due = bulk_payouts.bulk_payouts_start_due()
    for bulk_pk in due:
        runner.bulk_payout_run(bulk_pk)
    return len(due)


def recover_payouts() -> dict:
    """Every minute: ask the bank about payouts a dead worker left in flight, resume ongoing
    bulk payouts, finish those that are done; build PREPARING ones whose build never ended;
    send the statements whose sending task was lost."""
    report = vars(runner.payouts_recover())
    report["prepared"] = len(bulk_payouts.bulk_payouts_prepare_stale())
    report["statements"] = resend_lost_statements()
    return report


def resend_lost_statements() -> int:
    """Statements still SEND_PREPARED PAYOUT_STATEMENT_RESEND_AFTER_SECONDS (600) after they were
    prepared: the task that was to send them is gone. With the Redis broker a task a cluster
    took is off the list, and a cluster killed with SIGKILL never gives it back
    (docs/deploy.md#stopping-a-worker); nothing else looks at SEND_PREPARED again.

    Each is enqueued again after commit and its clock (`updated_at`) restarted, so the next
    minute leaves it alone. The rows are locked while this happens (FOR UPDATE SKIP LOCKED, the
    status checked again under the lock): one a task is sending right now is skipped, and none
    can turn SENT in between and be put back to SEND_PREPARED, so nothing is mailed twice (the
    admin's `statements_resend` resets any status: used here it did mail some twice). A first
    task that was only late finds them SENT and skips them (`statement_send`). Only payouts that
    succeeded within STATEMENT_RESEND_WINDOW are read, through the (mode, status_updated_at)
    index: the minute task must not read every payout ever paid. Returns how many."""
    seconds = settings.PAYOUT_STATEMENT_RESEND_AFTER_SECONDS
    now = timezone.now()
    with transaction.atomic():
        pks = list(
            Payout.objects.select_for_update(skip_locked=True)
            .filter(
                is_for_test__in=(False, True),
                status_updated_at__gte=now - STATEMENT_RESEND_WINDOW,
                status=PayoutStatus.SUCCEEDED,
                settlement_statement_status=SettlementStatementStatus.SEND_PREPARED,
                updated_at__lte=now - timedelta(seconds=seconds),
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Payout.objects.filter(pk__in=pks).update(updated_at=now)

        def enqueue() -> None:
            for i in range(0, len(pks), statements.SEND_CHUNK):
                chunk = pks[i : i + statements.SEND_CHUNK]
                async_task(statements.SEND_TASK, chunk, task_name=f"statements-{chunk[0]}")

        transaction.on_commit(enqueue)
    return len(pks)
