"""Payout reads shared by the API and the partner-settlement filters.

Until payouts have their own models, which settlements a bulk payout completed is read from the
audit history of those settlements (`history_change_reason` = "bulkPayout:<id>", 100 characters).
"""

from __future__ import annotations

from django.db.models import QuerySet

from settlements.models import PartnerSettlement

BULK_PAYOUT_MARKER = "bulkPayout:"
BULK_PAYOUT_ID_MAX_LENGTH = 100 - len(BULK_PAYOUT_MARKER)


def bulk_payout_marker(bulk_payout_id: str) -> str:
    return f"{BULK_PAYOUT_MARKER}{bulk_payout_id}"


def bulk_payout_settlement_ids(bulk_payout_id: str, *, is_for_test: bool) -> QuerySet:
    """pks of the settlements a bulk payout completed (read from their audit history)."""
    return (
        PartnerSettlement.history.filter(
            is_for_test=is_for_test, history_change_reason=bulk_payout_marker(bulk_payout_id)
        )
        .values("id")
        .distinct()
    )
