"""django-q2 entry points of tax invoices. Thin: each calls its service (docs/invoices.md)."""

from __future__ import annotations


def send_notifications() -> int:
    """Queued e-mail and messenger messages (each minute, and enqueued after a request)."""
    from invoices.services.notifications import send_queued

    return send_queued()


def transmit_due() -> int:
    """Issued invoices whose transmission to the NTS is due (each minute)."""
    from invoices.services.transmission import transmit_due as run

    return run()


def advance_nts() -> int:
    """Invoices on their way through the NTS provider: ask it and record each step."""
    from invoices.services.transmission import advance

    return advance()


def follow_nts() -> int:
    """After a send-to-nts: keep stepping the walk for a few seconds (the sandbox completes it)."""
    from invoices.services.transmission import follow

    return follow()


def run_bulk(bulk_pk: int) -> int:
    """Build and request the invoices of one bulk tax invoice (background)."""
    from invoices.services.bulk import run

    return run(bulk_pk)


def resume_bulks() -> int:
    """Bulk tax invoices whose background task was lost (each minute): still REQUEST_PENDING
    INVOICE_BULK_RESUME_AFTER_SECONDS (120) after they were made. With the Redis broker a task
    taken by a cluster killed with SIGKILL is gone (docs/deploy.md#stopping-a-worker); resuming
    beside a task that is only late is safe (`run` skips a bulk another worker holds)."""
    from django.conf import settings

    from invoices.services.bulk import resume_stale

    seconds = settings.INVOICE_BULK_RESUME_AFTER_SECONDS
    return resume_stale(older_than_seconds=seconds)


def advance_connections() -> int:
    """Counterparties waiting for their NTS connection (sandbox: done within seconds)."""
    from invoices.services.counterparties import advance_connections as run

    return run()
