"""E-mail and messenger messages about invoices (docs/invoices.md#notifications).

Queueing happens in the caller's transaction: one `Notification` row per message (e-mail, and the
messenger message when the party has a mobile number, or a phone number and `sendSms`), written
with one COPY on PostgreSQL (`bulk_create` elsewhere); the link fields of a reverse request are
set with one UPDATE per chunk, or written with the invoice by a bulk (`with_link_fields`).
After commit a sending task (`invoices.tasks.send_notifications`) is enqueued; the every-minute
schedule sends whatever is still waiting.

Sending (`send_queued`) takes each message under its row lock (`SKIP LOCKED`: two workers never
send the same one), sends it, and marks it SENT or FAILED with the error. A temporary failure is
tried again by the next runs, up to MAX_ATTEMPTS; a permanent one (no address, a number the
messenger refuses, an invoice no longer waiting) is not.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django_q.tasks import async_task

from core import pgcopy
from invoices.domain.statuses import Action, Status
from invoices.models import Notification, TaxInvoice
from invoices.providers.messenger import (
    MessengerError,
    get_messenger_client,
    messenger_enabled,
    normalise_phone,
)
from invoices.services import links, transitions

logger = logging.getLogger(__name__)

SEND_TASK = "invoices.tasks.send_notifications"
REQUEST = "REVERSE_REQUEST"
#: what happened -> whom to tell ("supplier" or "recipient"): the party that did not act
EVENT_AUDIENCE = {
    "ISSUED": "recipient",
    "REFUSED": "recipient",
    "ISSUANCE_CANCELLED": "recipient",
    "REQUEST_CANCELLED": "supplier",
}
EVENT_LABELS = {
    REQUEST: "역발행 요청",
    "ISSUED": "발행",
    "REFUSED": "발행 거부",
    "ISSUANCE_CANCELLED": "발행 취소",
    "REQUEST_CANCELLED": "역발행 요청 취소",
}
TEMPLATE_CODES = {
    REQUEST: "TAX_INVOICE_REVERSE_REQUEST",
    "ISSUED": "TAX_INVOICE_ISSUED",
    "REFUSED": "TAX_INVOICE_REFUSED",
    "ISSUANCE_CANCELLED": "TAX_INVOICE_ISSUANCE_CANCELLED",
    "REQUEST_CANCELLED": "TAX_INVOICE_REQUEST_CANCELLED",
}
MAX_ATTEMPTS = 3
CHUNK = 5_000


# --- whom -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    email: str
    phone: str  # "" when no messenger message


def contact_of(invoice: TaxInvoice, party: str) -> Contact:
    """The e-mail and the messenger number of one party of the invoice ("supplier" or
    "recipient"), from its snapshot."""
    snapshot = (invoice.supplier if party == "supplier" else invoice.recipient) or {}
    contact = snapshot.get("contact") or {}
    email = (contact.get("email") or "").strip()
    if not email and party == "supplier":
        email = (invoice.supplier_email or "").strip()
    phone = (contact.get("mobilePhoneNumber") or "").strip()
    if not phone and invoice.send_sms:
        phone = (contact.get("phoneNumber") or "").strip()
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValueError:
            phone = ""
        if not phone.startswith("01"):  # a land line reaches no messenger
            phone = ""
    return Contact(email=email, phone=phone)


def _rows(invoice: TaxInvoice, kind: str, contact: Contact, messenger: bool):
    """(invoice pk, channel, kind, to) of each message to one party."""
    if contact.email:
        yield (invoice.pk, Notification.Channel.EMAIL.value, kind, contact.email[:254])
    if messenger and contact.phone:
        yield (invoice.pk, Notification.Channel.MESSENGER.value, kind, contact.phone)


def _insert(rows: list[tuple[int, str, str, str]], now: datetime) -> int:
    """Write QUEUED messages: COPY on PostgreSQL (200,000 rows in about a second, where
    bulk_create spends Python on each instance), bulk_create elsewhere."""
    if not rows:
        return 0
    if pgcopy.is_available():
        pgcopy.copy_rows(
            Notification,
            ["invoice_id", "channel", "kind", "to", "state", "error", "attempts", "created_at"],
            (
                (pk, channel, kind, to, Notification.State.QUEUED.value, "", 0, now)
                for pk, channel, kind, to in rows
            ),
        )
    else:
        Notification.objects.bulk_create(
            [
                Notification(invoice_id=pk, channel=channel, kind=kind, to=to, created_at=now)
                for pk, channel, kind, to in rows
            ],
            batch_size=CHUNK,
        )
    _enqueue_after_commit()
    return len(rows)


# --- queueing ----------------------------------------------------------------------------------


#: set on an invoice given `with_link_fields` before its INSERT: the row carries the link of
#: this first sending, so `queue_requests` writes only its messages
LINK_WRITTEN = "_request_link_written"


def with_link_fields(invoice: TaxInvoice, now: datetime) -> TaxInvoice:
    """An invoice about to be inserted (a bulk's), given the link fields of its first request
    now: the bulk writes them in its COPY, so no UPDATE of the rows it has just inserted is
    needed (that UPDATE cost about as much as the INSERT at 100,000 invoices)."""
    invoice.link_expires_at = links.new_expiry(now)
    invoice.link_sent_at = now
    invoice.link_sent_count = 1
    setattr(invoice, LINK_WRITTEN, True)
    return invoice


def queue_requests(invoices: Sequence[TaxInvoice], *, renew: bool = False) -> int:
    """Queue the reverse-issuance request message (e-mail with the signed link, and the messenger
    message when the supplier has a mobile number) for each REQUESTED invoice; `renew` re-signs
    the link for another two months (a re-send: earlier links are superseded). An invoice whose
    link has expired (or never existed) gets a new one anyway. Returns the messages queued.
    Set-based: one UPDATE per chunk of 5,000 and one bulk INSERT, fit for 100,000 invoices;
    invoices inserted `with_link_fields` (a bulk's) need no UPDATE at all."""
    todo = [
        inv
        for inv in invoices
        if inv.status == Status.REQUESTED and inv.deleted_at is None and inv.pk is not None
    ]
    if not todo:
        return 0
    now = timezone.now()
    expiry = links.new_expiry(now)
    # once: a later call on the same instance updates its row as usual
    written = {id(inv) for inv in todo if inv.__dict__.pop(LINK_WRITTEN, False) and not renew}
    rest = [inv for inv in todo if id(inv) not in written]
    renewed = [inv for inv in rest if renew]
    fresh = [
        inv
        for inv in rest
        if not renew and (inv.link_expires_at is None or inv.link_expires_at <= now)
    ]
    kept = [
        inv
        for inv in rest
        if not renew and inv.link_expires_at is not None and inv.link_expires_at > now
    ]
    common = {"link_sent_at": now, "link_sent_count": F("link_sent_count") + 1, "updated_at": now}
    groups = (
        (renewed, {"link_version": F("link_version") + 1, "link_expires_at": expiry}),
        (fresh, {"link_expires_at": expiry}),
        (kept, {}),
    )
    for group, extra in groups:
        pks = [inv.pk for inv in group]
        for start in range(0, len(pks), CHUNK):
            TaxInvoice.objects.filter(pk__in=pks[start : start + CHUNK]).update(**common, **extra)
        for inv in group:
            if "link_version" in extra:
                inv.link_version += 1
            if "link_expires_at" in extra:
                inv.link_expires_at = expiry
            inv.link_sent_at = now
            inv.link_sent_count += 1
    messenger = messenger_enabled()
    rows = [
        row for inv in todo for row in _rows(inv, REQUEST, contact_of(inv, "supplier"), messenger)
    ]
    return _insert(rows, now)


def queue_event(invoice: TaxInvoice, kind: str) -> int:
    """Queue the message telling the other party about `kind` (ISSUED, REFUSED, REQUEST_CANCELLED,
    ISSUANCE_CANCELLED): the recipient hears of the supplier's issuance, refusal and
    cancellation, the supplier of a cancelled request. Returns the messages queued."""
    party = EVENT_AUDIENCE.get(kind)
    if party is None:
        raise ValueError(f"unknown notification kind: {kind}")
    rows = list(_rows(invoice, kind, contact_of(invoice, party), messenger_enabled()))
    return _insert(rows, timezone.now())


@transaction.atomic
def resend_request(invoice: TaxInvoice, *, actor: str) -> TaxInvoice:
    """Send the reverse-issuance request again with a renewed link (valid two more months; the
    earlier links stop working). Recorded as RESEND_REQUEST (TaxInvoice.Manual webhook); refused
    with B2B_TAX_INVOICE_NOT_REQUESTED_STATUS unless REQUESTED. The row is read again under
    lock: a copy read earlier (the admin's) may be stale, approved meanwhile."""
    invoice = TaxInvoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
    transitions.apply(
        invoice,
        Action.RESEND_REQUEST,
        actor=actor,
        details={"link_version": invoice.link_version + 1},
    )
    queue_requests([invoice], renew=True)
    return invoice


# --- the task after commit ------------------------------------------------------------------------


def _enqueue_after_commit() -> None:
    """One sending task per transaction, after it commits (robust: a broker error never turns a
    committed change into an error; the every-minute schedule sends them anyway)."""
    pending = transaction.get_connection().run_on_commit
    if any(entry[1] is _enqueue for entry in pending):
        return
    transaction.on_commit(_enqueue, robust=True)


def _enqueue() -> None:
    try:
        async_task(SEND_TASK, task_name=f"invoice-notifications-{timezone.now():%Y%m%d%H%M%S%f}")
    except Exception:
        logger.exception("could not enqueue invoice notifications")


# --- sending -----------------------------------------------------------------------------------


class _Permanent(Exception):
    """A message that can never go: no retry."""


def _amount(value: int | None) -> str:
    return f"{value or 0:,}원"


def context_of(notification: Notification) -> dict:
    """What the e-mail and messenger templates read."""
    invoice = notification.invoice
    link = ""
    expires_at = None
    if notification.kind == REQUEST and invoice.link_expires_at is not None:
        link = links.url_for(invoice)
        expires_at = timezone.localtime(invoice.link_expires_at)
    return {
        "invoice": invoice,
        "kind": notification.kind,
        "kind_label": EVENT_LABELS.get(notification.kind, notification.kind),
        "document_title": invoice.document_title,
        "link": link,
        "expires_at": expires_at,
        "total_amount": _amount(invoice.total_amount),
        "supply_amount": _amount(invoice.total_supply_amount),
        "tax_amount": _amount(invoice.total_tax_amount),
        "reason": invoice.cancel_reason or "",
    }


def subject_of(notification: Notification) -> str:
    invoice = notification.invoice
    title = invoice.document_title
    if notification.kind == REQUEST:
        return (
            f"[{invoice.recipient_name}] {title} 역발행 요청 - "
            f"{_amount(invoice.total_amount)} ({invoice.write_date:%Y-%m-%d})"
        )
    label = EVENT_LABELS.get(notification.kind, notification.kind)
    actor = invoice.recipient_name if notification.kind == "REQUEST_CANCELLED" else None
    actor = actor or invoice.supplier_name
    return f"[{actor}] {title} {label} - {_amount(invoice.total_amount)}"


def email_of(notification: Notification) -> EmailMultiAlternatives:
    context = context_of(notification)
    name = "request" if notification.kind == REQUEST else "event"
    text = render_to_string(f"invoices/email/{name}.txt", context)
    html = render_to_string(f"invoices/email/{name}.html", context)
    message = EmailMultiAlternatives(
        subject=subject_of(notification),
        body=text,
        from_email=getattr(settings, "INVOICE_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL,
        to=[notification.to],
    )
    message.attach_alternative(html, "text/html")
    return message


def _messenger_message(notification: Notification) -> tuple[str, dict, str]:
    context = context_of(notification)
    invoice = notification.invoice
    variables = {
        "documentTitle": invoice.document_title,
        "supplierName": invoice.supplier_name,
        "recipientName": invoice.recipient_name,
        "totalAmount": invoice.total_amount,
        "writeDate": invoice.write_date.isoformat(),
        "taxInvoiceId": invoice.public_id,
    }
    if context["link"]:
        variables["link"] = context["link"]
        variables["expiresAt"] = f"{context['expires_at']:%Y-%m-%d}"
    text = render_to_string("invoices/email/messenger.txt", context).strip()
    return TEMPLATE_CODES.get(notification.kind, notification.kind), variables, text


def _send_one(notification: Notification, mail_connection, messenger) -> None:
    invoice = notification.invoice
    if notification.kind == REQUEST and (
        invoice.status != Status.REQUESTED or invoice.deleted_at is not None
    ):
        raise _Permanent(f"역발행 요청 상태가 아니어서 보내지 않았습니다 (현재 {invoice.status})")
    if notification.channel == Notification.Channel.EMAIL:
        if not notification.to:
            raise _Permanent("받는 사람 이메일이 없습니다")
        try:
            mail_connection.send_messages([email_of(notification)])
        except smtplib.SMTPRecipientsRefused as exc:
            raise _Permanent(f"받는 사람 주소 거부: {exc}") from None
        return
    if messenger is None:
        raise _Permanent("메신저가 설정되지 않았습니다 (MESSENGER_PROVIDER=none)")
    template_code, variables, text = _messenger_message(notification)
    try:
        messenger.send(notification.to, template_code, variables, text)
    except ValueError as exc:
        raise _Permanent(str(exc)) from None
    except MessengerError as exc:
        if exc.permanent:
            raise _Permanent(exc.message) from None
        raise


def _due_pks(limit: int) -> list[int]:
    queued = list(
        Notification.objects.filter(state=Notification.State.QUEUED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if len(queued) < limit:
        queued += list(
            Notification.objects.filter(state=Notification.State.FAILED, attempts__lt=MAX_ATTEMPTS)
            .order_by("created_at", "id")
            .values_list("pk", flat=True)[: limit - len(queued)]
        )
    return queued


def send_queued(limit: int = 500) -> int:
    """Send up to `limit` waiting messages (queued ones first, then failed ones due a retry);
    each is marked SENT or FAILED (with the error; a permanent failure is never retried). When
    more wait behind a full batch, another run is enqueued at once. Returns the messages sent."""
    pks = _due_pks(limit)
    if not pks:
        return 0
    mail_connection = get_connection(fail_silently=False)
    try:
        mail_connection.open()
    except Exception:  # each message then fails on its own and is retried later
        logger.exception("could not open the e-mail connection")
    try:
        messenger = get_messenger_client()
    except Exception:
        logger.exception("messenger misconfigured")
        messenger = None
    sent = 0
    try:
        for pk in pks:
            sent += _send_locked(pk, mail_connection, messenger)
    finally:
        try:
            mail_connection.close()
        except Exception:
            logger.exception("could not close the e-mail connection")
    if len(pks) >= limit and Notification.objects.filter(state=Notification.State.QUEUED).exists():
        _enqueue()
    return sent


def _send_locked(pk: int, mail_connection, messenger) -> int:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("invoice")
            .filter(pk=pk)
            .first()
        )
        if notification is None:
            return 0  # another worker has it
        retryable = (
            notification.state == Notification.State.FAILED and notification.attempts < MAX_ATTEMPTS
        )
        if notification.state != Notification.State.QUEUED and not retryable:
            return 0
        notification.attempts += 1
        try:
            _send_one(notification, mail_connection, messenger)
        except _Permanent as exc:
            notification.state = Notification.State.FAILED
            notification.error = str(exc)[:500]
            notification.attempts = max(notification.attempts, MAX_ATTEMPTS)
        except Exception as exc:
            logger.warning("notification %s not sent: %s", pk, exc)
            notification.state = Notification.State.FAILED
            notification.error = (f"{type(exc).__name__}: {exc}")[:500]
        else:
            notification.state = Notification.State.SENT
            notification.error = ""
            notification.sent_at = timezone.now()
        notification.save(update_fields=["state", "error", "attempts", "sent_at"])
        return 1 if notification.state == Notification.State.SENT else 0
