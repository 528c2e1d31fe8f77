"""django-q2 entry points of outgoing webhooks (the work is in core.outbound.services)."""

from __future__ import annotations

from core.outbound.services import deliver_due as _deliver_due
from core.outbound.services import messages_purge


def deliver_due() -> int:
    return _deliver_due()


def purge_messages() -> int:
    return messages_purge()
