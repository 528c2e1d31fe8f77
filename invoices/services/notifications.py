"""E-mail and messenger messages about invoices (docs/invoices.md#notifications). (being built)

The signatures below are the contract other services call; the bodies arrive with the partner page.
"""

from __future__ import annotations

from collections.abc import Sequence

from invoices.models import TaxInvoice


def queue_requests(invoices: Sequence[TaxInvoice], *, renew: bool = False) -> int:
    """Queue the reverse-issuance request message (e-mail with the signed link, and the messenger
    message when the supplier has a mobile number) for each REQUESTED invoice; `renew` re-signs
    the link for another two months (a re-send). Returns the messages queued. Set-based: fit for
    100,000 invoices in one call."""
    return 0


def queue_event(invoice: TaxInvoice, kind: str) -> int:
    """Queue the message telling the other party about `kind` (ISSUED, REFUSED, REQUEST_CANCELLED,
    ISSUANCE_CANCELLED). Returns the messages queued."""
    return 0


def send_queued(limit: int = 500) -> int:
    """Send queued messages (the task). Returns the messages sent."""
    return 0
