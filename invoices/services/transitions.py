"""The one way an invoice changes status (docs/invoices.md#status-machine): check the action is
allowed from the current status (invoices.domain.statuses.ACTIONS), set the status and its
timestamp, write the history row, mirror the status onto the invoice's payout, and emit the
webhook event — all in the caller's transaction.

Every service that moves an invoice (API, admin, the partner's page, the NTS task, bulk requests)
goes through `apply` (one invoice) or `apply_many` (set-based, for bulk work).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import Invalid
from core.outbound import events
from core.outbound.services import emit
from invoices.domain.statuses import ACTIONS, Action, Status, allowed
from invoices.models import TaxInvoice, TaxInvoiceEvent

#: the status an action refuses from -> the error type the SDK knows for it
_NOT_IN_STATUS = {
    Action.UPDATE_DRAFT: ("B2B_TAX_INVOICE_NOT_DRAFTED_STATUS", "임시저장 상태가 아닙니다."),
    Action.REQUEST: ("B2B_TAX_INVOICE_NOT_DRAFTED_STATUS", "임시저장 상태가 아닙니다."),
    Action.RESEND_REQUEST: ("B2B_TAX_INVOICE_NOT_REQUESTED_STATUS", "역발행 요청 상태가 아닙니다."),
    Action.REFUSE: ("B2B_TAX_INVOICE_NOT_REQUESTED_STATUS", "역발행 요청 상태가 아닙니다."),
    Action.CANCEL_REQUEST: ("B2B_TAX_INVOICE_NOT_REQUESTED_STATUS", "역발행 요청 상태가 아닙니다."),
    Action.CANCEL_ISSUANCE: (
        "B2B_TAX_INVOICE_NOT_ISSUED_STATUS",
        "발행 완료(국세청 전송 전) 상태가 아닙니다.",
    ),
    Action.SEND_TO_NTS: ("B2B_TAX_INVOICE_NOT_ISSUED_STATUS", "국세청 전송 전 상태가 아닙니다."),
    Action.NTS_PROGRESS: ("B2B_TAX_INVOICE_NOT_ISSUED_STATUS", "국세청 전송 중이 아닙니다."),
    Action.DELETE: ("B2B_TAX_INVOICE_NON_DELETABLE_STATUS", "삭제할 수 없는 상태입니다."),
}

#: the status reached -> the webhook event type (others: TaxInvoice.StatusChanged)
_EVENT_OF_STATUS = {
    Status.REQUESTED: events.TAX_INVOICE_REQUESTED,
    Status.ISSUED: events.TAX_INVOICE_ISSUED,
    Status.REQUEST_CANCELLED: events.TAX_INVOICE_REQUEST_CANCELLED,
    Status.ISSUANCE_CANCELLED: events.TAX_INVOICE_ISSUANCE_CANCELLED,
    Status.REQUEST_REFUSED: events.TAX_INVOICE_REFUSED,
    Status.SENDING_COMPLETED: events.TAX_INVOICE_SENDING_COMPLETED,
}

#: the timestamp column stamped when a status is reached
_STAMP = {
    Status.DRAFTED: "drafted_at",
    Status.REQUESTED: "requested_at",
    Status.ISSUED: "issued_at",
    Status.WAITING_SENDING: "nts_sent_at",
}


def refusal(action: Action, invoice: TaxInvoice) -> Invalid | None:
    """The error `action` meets on `invoice` now, or None when it is allowed."""
    if invoice.deleted_at is not None:
        return Invalid("B2B_TAX_INVOICE_NON_DELETABLE_STATUS", "삭제된 세금계산서입니다.")
    if allowed(action, invoice.status):
        return None
    if action is Action.ISSUE:
        code = (
            "B2B_TAX_INVOICE_NOT_REQUESTED_STATUS"
            if invoice.issuance_type == "REVERSE"
            else "B2B_TAX_INVOICE_NOT_DRAFTED_STATUS"
        )
        return Invalid(code, f"발행할 수 없는 상태입니다: {invoice.status}")
    code, message = _NOT_IN_STATUS.get(action, ("INVALID_REQUEST", "허용되지 않는 상태입니다."))
    return Invalid(code, f"{message} (현재 {invoice.status})")


def event_data(invoice: TaxInvoice) -> dict[str, Any]:
    """The webhook `data` of an invoice (PortOne's tax-invoice webhook shape)."""
    data = {
        "taxInvoiceId": invoice.public_id,
        "status": invoice.status,
        "supplierBrn": invoice.supplier_brn,
        "totalAmount": invoice.total_amount,
        "totalSupplyAmount": invoice.total_supply_amount,
        "totalTaxAmount": invoice.total_tax_amount,
    }
    if invoice.supplier_document_key:
        data["supplierDocumentKey"] = invoice.supplier_document_key
    if invoice.recipient_document_key:
        data["recipientDocumentKey"] = invoice.recipient_document_key
    return data


def event_type_for(action: Action, status: Status | str) -> str:
    if action is Action.RESEND_REQUEST:
        return events.TAX_INVOICE_MANUAL
    return _EVENT_OF_STATUS.get(Status(status), events.TAX_INVOICE_STATUS_CHANGED)


def _sync_payouts(invoices: Sequence[TaxInvoice]) -> None:
    """payout.taxInvoiceId / taxInvoiceStatus follow the invoice made from the payout: one UPDATE
    per status (chunks of 5,000 payouts). Only a payout still pointing at the invoice follows it:
    an older invoice of a payout that has a newer one leaves the payout alone."""
    from payouts.models import Payout  # the two columns invoices keep on payouts

    by_status: dict[str, list[tuple[int, str]]] = {}
    for inv in invoices:
        if inv.payout_id is not None:
            by_status.setdefault(inv.status, []).append((inv.payout_id, inv.public_id))
    now = timezone.now()
    for status, pairs in by_status.items():
        for start in range(0, len(pairs), 5000):
            chunk = pairs[start : start + 5000]
            Payout.objects.filter(
                pk__in=[p for p, _ in chunk], tax_invoice_id__in=[t for _, t in chunk]
            ).update(tax_invoice_status=status, updated_at=now)


def _unlink_payout(invoice: TaxInvoice) -> None:
    """A deleted invoice no longer stands for its payout: the payout pointing at it shows NONE
    again (and can be requested anew)."""
    from payouts.models import Payout

    if invoice.payout_id is not None:
        Payout.objects.filter(pk=invoice.payout_id, tax_invoice_id=invoice.public_id).update(
            tax_invoice_id=None, tax_invoice_status="NONE", updated_at=timezone.now()
        )


def link_payout(invoice: TaxInvoice) -> None:
    """Point the invoice's payout at it (id and status): when an invoice is made from a payout."""
    from payouts.models import Payout

    if invoice.payout_id is not None:
        Payout.objects.filter(pk=invoice.payout_id).update(
            tax_invoice_id=invoice.public_id,
            tax_invoice_status=invoice.status,
            updated_at=timezone.now(),
        )


@transaction.atomic
def apply(
    invoice: TaxInvoice,
    action: Action,
    *,
    actor: str,
    memo: str | None = None,
    to_status: Status | None = None,
    at: datetime | None = None,
    details: dict | None = None,
    changes: dict[str, Any] | None = None,
    emit_event: bool = True,
) -> TaxInvoice:
    """Move `invoice` by `action`; refuses (core.errors.Invalid with the SDK's error type) when
    the current status does not allow it. `to_status` is for NTS_PROGRESS (where the provider
    says); `changes` are other fields to save with it (nts_approval_number, cancel_reason, …).
    The caller holds the row (`select_for_update`) when two writers could race."""
    problem = refusal(action, invoice)
    if problem is not None:
        raise problem
    now = at or timezone.now()
    before = invoice.status
    after = to_status or ACTIONS[action][1] or Status(before)
    fields = set(changes or {})
    for name, value in (changes or {}).items():
        setattr(invoice, name, value)
    if action is Action.DELETE:
        invoice.deleted_at = now
        fields.add("deleted_at")
    if after != before or action in (Action.DRAFT, Action.UPDATE_DRAFT, Action.RESEND_REQUEST):
        invoice.status = after
        invoice.status_updated_at = now
        fields |= {"status", "status_updated_at"}
        stamp = _STAMP.get(Status(after))
        if stamp and (getattr(invoice, stamp) is None or after != before):
            setattr(invoice, stamp, now)
            fields.add(stamp)
    if invoice.pk is None:
        invoice.save()
    else:
        invoice.save(update_fields=sorted(fields | {"updated_at"}))
    TaxInvoiceEvent.objects.create(
        invoice=invoice,
        at=now,
        action=action,
        from_status=before or "",
        to_status=invoice.status,
        actor=actor[:200],
        memo=(memo or "")[:500],
        details=details or {},
    )
    if action is Action.DELETE:
        _unlink_payout(invoice)
    elif invoice.status != before:
        _sync_payouts([invoice])
    if emit_event and (invoice.status != before or action is Action.RESEND_REQUEST):
        emit(
            event_type_for(action, invoice.status),
            [event_data(invoice)],
            is_for_test=invoice.is_for_test,
        )
    return invoice


def apply_many(
    invoices: Iterable[TaxInvoice],
    action: Action,
    *,
    actor: str,
    memo: str | None = None,
    at: datetime | None = None,
) -> list[TaxInvoice]:
    """`apply` for many invoices at once, set-based: one UPDATE per status reached, one bulk
    INSERT of history rows, one webhook emission per event type. Invoices the action is not
    allowed from are skipped (returned are the ones moved). For bulk work (requests from payouts,
    the NTS schedule); the caller's transaction holds the rows."""
    now = at or timezone.now()
    moved: list[TaxInvoice] = []
    rows: list[TaxInvoiceEvent] = []
    target = ACTIONS[action][1]
    if target is None:
        raise ValueError(f"apply_many needs an action with a fixed target, not {action}")
    for invoice in invoices:
        if refusal(action, invoice) is not None:
            continue
        before = invoice.status
        invoice.status = target
        invoice.status_updated_at = now
        stamp = _STAMP.get(target)
        if stamp:
            setattr(invoice, stamp, now)
        moved.append(invoice)
        rows.append(
            TaxInvoiceEvent(
                invoice=invoice,
                at=now,
                action=action,
                from_status=before,
                to_status=target,
                actor=actor[:200],
                memo=(memo or "")[:500],
            )
        )
    if not moved:
        return []
    update = {"status": target, "status_updated_at": now, "updated_at": now}
    stamp = _STAMP.get(target)
    if stamp:
        update[stamp] = now
    pks = [inv.pk for inv in moved]
    for start in range(0, len(pks), 5000):
        TaxInvoice.objects.filter(pk__in=pks[start : start + 5000]).update(**update)
    TaxInvoiceEvent.objects.bulk_create(rows, batch_size=5000)
    _sync_payouts(moved)
    by_mode: dict[bool, list[dict]] = {}
    for inv in moved:
        by_mode.setdefault(inv.is_for_test, []).append(event_data(inv))
    for mode, items in by_mode.items():
        emit(event_type_for(action, target), items, is_for_test=mode)
    return moved


def actor_of(user: Any) -> str:
    """The history's `actor` for a request's user: an API secret or a staff user."""
    secret = getattr(user, "secret", None)
    if secret is not None:
        return f"api:{secret.name}"
    username = getattr(user, "get_username", lambda: "")()
    return f"admin:{username}" if username else "system"
