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
# Tax invoices: PortOne's names (docs:platform/ko/guides/webhook.md), data {taxInvoiceId,
# supplierDocumentKey, recipientDocumentKey, status, supplierBrn, totalAmount, totalSupplyAmount,
# totalTaxAmount}; every other status change as TaxInvoice.StatusChanged (ours).
TAX_INVOICE_REQUESTED = "TaxInvoice.Requested"
TAX_INVOICE_ISSUED = "TaxInvoice.Issued"
TAX_INVOICE_REQUEST_CANCELLED = "TaxInvoice.RequestCancelled"
TAX_INVOICE_ISSUANCE_CANCELLED = "TaxInvoice.IssuanceCancelled"
TAX_INVOICE_REFUSED = "TaxInvoice.Refused"
TAX_INVOICE_SENDING_COMPLETED = "TaxInvoice.SendingCompleted"
TAX_INVOICE_MANUAL = "TaxInvoice.Manual"
TAX_INVOICE_STATUS_CHANGED = "TaxInvoice.StatusChanged"
# Partner ↔ counterparty NTS connection (domain extension, data {partnerId, counterpartyId,
# memberCompanyConnectionStatus})
PARTNER_COUNTERPARTY_CONNECTED = "Partner.CounterpartyConnected"
PARTNER_COUNTERPARTY_CONNECT_FAILED = "Partner.CounterpartyConnectFailed"
PARTNER_COUNTERPARTY_DISCONNECTED = "Partner.CounterpartyDisconnected"
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
    (TAX_INVOICE_REQUESTED, "세금계산서 역발행 요청"),
    (TAX_INVOICE_ISSUED, "세금계산서 발행"),
    (TAX_INVOICE_REQUEST_CANCELLED, "세금계산서 요청 취소"),
    (TAX_INVOICE_ISSUANCE_CANCELLED, "세금계산서 발행 취소"),
    (TAX_INVOICE_REFUSED, "세금계산서 발행 거부"),
    (TAX_INVOICE_SENDING_COMPLETED, "세금계산서 국세청 전송 완료"),
    (TAX_INVOICE_MANUAL, "세금계산서 요청 재발송"),
    (TAX_INVOICE_STATUS_CHANGED, "세금계산서 상태 변경"),
    (PARTNER_COUNTERPARTY_CONNECTED, "파트너 국세청 연동 완료"),
    (PARTNER_COUNTERPARTY_CONNECT_FAILED, "파트너 국세청 연동 실패"),
    (PARTNER_COUNTERPARTY_DISCONNECTED, "파트너 국세청 연동 해제"),
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
