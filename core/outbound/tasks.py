"""django-q2 entry points of outgoing webhooks (the work is in core.outbound.services)."""

from __future__ import annotations

from core.outbound.services import deliver_due as _deliver_due


def deliver_due() -> int:
    return _deliver_due()
