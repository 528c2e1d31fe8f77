"""What an outgoing webhook says and when it is tried again (docs/webhooks.md). Pure.

portone_server_sdk 0.21.0 defines webhook types for payments only (`Transaction.Paid`,
`BillingKey.Issued`, …), none for the platform, so the platform events are named here in the
`platform.<entity>.<change>` form; the body has the SDK's envelope (`type`, `timestamp`, `data`),
which `portone_server_sdk.webhook.verify` hands back as a plain dict for types it does not know.
"""

from __future__ import annotations

from datetime import timedelta

TRANSFER_CREATED = "platform.transfer.created"
PARTNER_SETTLEMENT_CREATED = "platform.partner_settlement.created"
PARTNER_SETTLEMENT_STATUS_CHANGED = "platform.partner_settlement.status_changed"
PAYOUT_CREATED = "platform.payout.created"
PAYOUT_STATUS_CHANGED = "platform.payout.status_changed"
BULK_PAYOUT_CREATED = "platform.bulk_payout.created"
BULK_PAYOUT_STATUS_CHANGED = "platform.bulk_payout.status_changed"
#: sent only by the "test delivery" action/API, to any endpoint whatever it subscribes to
PING = "webhook.ping"

#: (type, Korean label): what an endpoint may subscribe to
EVENT_TYPES: tuple[tuple[str, str], ...] = (
    (TRANSFER_CREATED, "정산건 생성"),
    (PARTNER_SETTLEMENT_CREATED, "정산 내역 생성"),
    (PARTNER_SETTLEMENT_STATUS_CHANGED, "정산 내역 상태 변경"),
    (PAYOUT_CREATED, "지급 생성"),
    (PAYOUT_STATUS_CHANGED, "지급 상태 변경"),
    (BULK_PAYOUT_CREATED, "일괄 지급 생성"),
    (BULK_PAYOUT_STATUS_CHANGED, "일괄 지급 상태 변경"),
)
EVENT_TYPE_NAMES = frozenset(name for name, _ in EVENT_TYPES)

#: the data key naming the entity of each event family
ID_KEYS = {
    "transfer": "transferId",
    "partner_settlement": "partnerSettlementId",
    "payout": "payoutId",
    "bulk_payout": "bulkPayoutId",
}

#: the delay before each attempt, counted from the previous one: 8 attempts, the last ~27.6 h after
#: the event (0, 1 min, 6 min, 36 min, 2.6 h, 7.6 h, 17.6 h, 27.6 h after it). A message whose
#: last attempt fails is FAILED; it can still be re-sent by hand.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS)


def next_delay(attempts_made: int) -> timedelta | None:
    """After `attempts_made` failed attempts, how long until the next; None: give up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return RETRY_DELAYS[attempts_made]


def should_disable(
    consecutive_failures: int, failing_for: timedelta, *, after: int, window: timedelta
) -> bool:
    """An endpoint is disabled once every attempt has failed `after` times in a row *and* the
    first of those failures is at least `window` old (one bad hour does not switch it off)."""
    return consecutive_failures >= after and failing_for >= window
