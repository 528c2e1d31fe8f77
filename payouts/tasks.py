"""django-q2 targets for payouts: one line each, the work lives in payouts.services."""

from payouts.services import bulk_payouts, runner


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
    bulk payouts, finish those that are done; build PREPARING ones whose build never ended."""
    report = vars(runner.payouts_recover())
    report["prepared"] = len(bulk_payouts.bulk_payouts_prepare_stale())
    return report
