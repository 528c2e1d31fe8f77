"""The hourly job (and 00:05 KST, and the admin's "정산 내역 생성(지금)"): recompute provisional
transfers whose start date has come, advance statuses, then gather. docs/statuses.md."""

from __future__ import annotations

from datetime import date

from settlements.services.gather import partner_settlements_gather, transfers_advance_statuses
from settlements.services.transfers import scheduled_transfers_recompute


def settle_due(*, today: date | None = None) -> dict[str, int]:
    """The hourly job (and the admin's "정산 내역 생성(지금)"): recompute provisional transfers
    whose start date has come (docs/versioning.md), advance statuses, then gather."""
    recomputed = scheduled_transfers_recompute(today=today)
    result = transfers_advance_statuses(today=today)
    result["recomputed"] = recomputed
    result["gathered"] = partner_settlements_gather(today=today)
    return result
