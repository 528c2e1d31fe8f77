"""Transmission of issued invoices to the NTS (국세청 전송), docs/invoices.md#transmission.

    ISSUED ──SEND_TO_NTS──► BEFORE_SENDING ──NTS_PROGRESS──► WAITING_SENDING ──► SENDING
           ──► SENDING_COMPLETED | SENDING_FAILED (ntsResultCode, ntsResult)

* `transmit_due(now)` — the every-minute schedule: issued invoices whose `nts_due_at` (the next
  business day at NTS_SEND_HOUR KST, set when issued; `nts_due_at()` here computes it) has come
  are handed to the provider. One query finds them (in batches, rows locked, others' skipped).
* `send_to_nts(invoice, actor=)` — the API's 즉시 전송: from ISSUED the same hand-over now; from
  BEFORE_SENDING / WAITING_SENDING the next step is asked for at once. A provider outage answers
  502 B2B_EXTERNAL_SERVICE and changes nothing.
* `advance(now)` — invoices under way whose `nts_next_step_at` has come: the provider is asked
  and each step it reports is recorded (history row, payout mirror, webhook — all through
  invoices.services.transitions; TaxInvoice.SendingCompleted at the end).
* `follow()` — `advance` for a few seconds, enqueued after a send-to-nts commits, so that the
  sandbox's walk (one step every NTS_SANDBOX_STEP_SECONDS) is seen within seconds; the
  every-minute schedule covers whatever it leaves.

A temporary provider error (NtsError(permanent=False)) leaves the invoice where it is and asks
again after RETRY_SECONDS; a permanent one ends the transmission in SENDING_FAILED with the
provider's code.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django_q.tasks import async_task
from ulid import ULID

from core.errors import Unavailable
from invoices.domain import nts_xml
from invoices.domain.statuses import Action, Status
from invoices.models import TaxInvoice
from invoices.providers.nts import NtsError, NtsProvider, NtsReport, get_nts_provider
from invoices.services import transitions

logger = logging.getLogger(__name__)

KST = nts_xml.KST
SYSTEM = "system"
BATCH = 200
#: after a temporary provider error, the invoice is tried again this much later
RETRY_SECONDS = 60
#: one run of transmit_due / advance stops after this long (the schedule runs each minute)
TIME_BUDGET_SECONDS = 50.0
FOLLOW_TASK = "invoices.tasks.follow_nts"
#: on the way, after the hand-over (what `advance` steps)
UNDER_WAY: tuple[Status, ...] = (Status.BEFORE_SENDING, Status.WAITING_SENDING, Status.SENDING)
SENDABLE: tuple[Status, ...] = (Status.ISSUED, Status.BEFORE_SENDING, Status.WAITING_SENDING)
#: the failure code written when a permanent provider error names none
FAILURE_CODE = "SYS001"


# --- when ---------------------------------------------------------------------------------------


def business_calendar():
    """Public holidays plus the platform's closed days (docs/dates.md#business-days)."""
    from settlements.services.rules import calendar

    return calendar()


def nts_due_at(issued_at: datetime, calendar=None, send_hour: int | None = None) -> datetime:
    """The automatic transmission time: the business day after the issue day (KST) at
    NTS_SEND_HOUR:00 KST (a Friday's invoice goes on Monday, one before a holiday after it)."""
    cal = calendar if calendar is not None else business_calendar()
    hour = settings.NTS_SEND_HOUR if send_hour is None else send_hour
    day = cal.business_day_on_or_after(issued_at.astimezone(KST).date() + timedelta(days=1))
    return datetime(day.year, day.month, day.day, hour, tzinfo=KST)


# --- the document -------------------------------------------------------------------------------


def _party(snapshot: dict | None, brn: str, name: str, representative: str) -> dict:
    party = dict(snapshot or {})
    party["brn"] = party.get("brn") or brn
    party["name"] = party.get("name") or name
    party["representativeName"] = party.get("representativeName") or representative
    return party


def document_of(inv: TaxInvoice) -> nts_xml.NtsInvoice:
    """What the provider is given: the invoice in plain values (invoices.domain.nts_xml)."""
    is_modification = inv.document_modification_type == "MODIFICATION"
    contacts = list(inv.additional_contacts or [])
    return nts_xml.NtsInvoice(
        approval_number=inv.nts_approval_number or "",
        issued_at=inv.issued_at or inv.status_updated_at,
        write_date=inv.write_date,
        taxation_type=inv.taxation_type,
        purpose_type=inv.purpose_type,
        supplier=_party(
            inv.supplier, inv.supplier_brn, inv.supplier_name, inv.supplier_representative_name
        ),
        recipient=_party(
            inv.recipient,
            inv.recipient_brn,
            inv.recipient_name,
            inv.recipient_representative_name,
        ),
        total_supply_amount=inv.total_supply_amount,
        total_tax_amount=inv.total_tax_amount,
        total_amount=inv.total_amount,
        items=list(inv.items or []),
        remarks=[r for r in (inv.remarks or []) if r],
        modification_type=(inv.modification_type or None) if is_modification else None,
        original_approval_number=inv.original_nts_approval_number or None,
        cash_amount=inv.cash_amount,
        check_amount=inv.check_amount,
        note_amount=inv.note_amount,
        credit_amount=inv.credit_amount,
        secondary_contact=contacts[0] if contacts else None,
    )


# --- recording what the provider said -----------------------------------------------------------


def _details(provider: NtsProvider, report: NtsReport | None = None) -> dict:
    details = {"provider": provider.name}
    if report is not None and report.result_code:
        details["ntsResultCode"] = report.result_code
    return details


def _record(
    inv: TaxInvoice,
    action: Action,
    report: NtsReport,
    *,
    provider: NtsProvider,
    actor: str,
    now: datetime,
) -> None:
    changes: dict = {"nts_next_step_at": report.next_check_at}
    if action is Action.SEND_TO_NTS:
        changes.update(nts_result=None, nts_result_code=None, nts_result_received_at=None)
    if report.is_final:
        changes.update(
            nts_result=(report.result or "")[:300] or None,
            nts_result_code=report.result_code,
            nts_result_received_at=now,
            nts_next_step_at=None,
        )
    transitions.apply(
        inv,
        action,
        actor=actor,
        to_status=Status(report.status),
        at=now,
        memo=report.result if report.status == Status.SENDING_FAILED else None,
        details=_details(provider, report),
        changes=changes,
    )


def _fail(
    inv: TaxInvoice, error: NtsError, *, provider: NtsProvider, actor: str, now: datetime
) -> None:
    """A permanent refusal: the transmission ends in SENDING_FAILED (handed over first when
    it was still ISSUED, so the history shows both steps)."""
    report = NtsReport(Status.SENDING_FAILED, None, (error.code or FAILURE_CODE)[:6], error.message)
    if inv.status == Status.ISSUED:
        started = NtsReport(Status.BEFORE_SENDING, None)
        _record(inv, Action.SEND_TO_NTS, started, provider=provider, actor=actor, now=now)
    _record(inv, Action.NTS_PROGRESS, report, provider=provider, actor=actor, now=now)


def _postpone(inv: TaxInvoice, now: datetime, error: NtsError) -> None:
    logger.warning("NTS provider unavailable for invoice %s: %s", inv.public_id, error.message)
    retry_at = now + timedelta(seconds=RETRY_SECONDS)
    TaxInvoice.objects.filter(pk=inv.pk).update(nts_next_step_at=retry_at)
    inv.nts_next_step_at = retry_at


# --- the API: send now --------------------------------------------------------------------------


def send_to_nts(invoice: TaxInvoice, *, actor: str) -> TaxInvoice:
    """국세청 즉시 전송: ISSUED → BEFORE_SENDING now (the walk follows within seconds); from
    BEFORE_SENDING / WAITING_SENDING the next step is due at once. Other statuses: 400
    B2B_TAX_INVOICE_NOT_ISSUED_STATUS. The provider unreachable: 502 B2B_EXTERNAL_SERVICE,
    nothing written."""
    provider = get_nts_provider()
    with transaction.atomic():
        inv = (
            TaxInvoice.objects.select_for_update(of=("self",))
            .select_related("bulk", "original", "root")
            .get(pk=invoice.pk)
        )
        problem = transitions.refusal(Action.SEND_TO_NTS, inv)
        if problem is not None:
            raise problem
        now = timezone.now()
        if inv.status == Status.ISSUED:
            try:
                report = provider.submit(document_of(inv), now=now)
            except NtsError as error:
                if not error.permanent:
                    raise Unavailable("B2B_EXTERNAL_SERVICE", error.message) from error
                _fail(inv, error, provider=provider, actor=actor, now=now)
            else:
                _record(inv, Action.SEND_TO_NTS, report, provider=provider, actor=actor, now=now)
        else:
            try:
                provider.available(document_of(inv))
            except NtsError as error:
                raise Unavailable("B2B_EXTERNAL_SERVICE", error.message) from error
            transitions.apply(
                inv,
                Action.SEND_TO_NTS,
                actor=actor,
                to_status=Status(inv.status),
                at=now,
                details=_details(provider),
                changes={"nts_next_step_at": now},
            )
        if inv.status in UNDER_WAY:
            enqueue_follow()
    return inv


# --- the schedule -------------------------------------------------------------------------------


def _fill_missing_due_times() -> int:
    """Issued invoices without a due time (made before it was set): computed from issued_at."""
    missing = list(
        TaxInvoice.objects.filter(
            status=Status.ISSUED, nts_due_at__isnull=True, deleted_at__isnull=True
        ).values_list("pk", "issued_at", "status_updated_at")[:5000]
    )
    if not missing:
        return 0
    cal = business_calendar()
    by_due: dict[datetime, list[int]] = {}
    for pk, issued_at, updated_at in missing:
        by_due.setdefault(nts_due_at(issued_at or updated_at, cal), []).append(pk)
    for due, pks in by_due.items():
        TaxInvoice.objects.filter(pk__in=pks, nts_due_at__isnull=True).update(nts_due_at=due)
    return len(missing)


def due_invoices(now: datetime):
    """Issued invoices whose transmission is due (and not waiting for a retry)."""
    return TaxInvoice.objects.filter(
        Q(nts_next_step_at__isnull=True) | Q(nts_next_step_at__lte=now),
        status=Status.ISSUED,
        deleted_at__isnull=True,
        nts_due_at__lte=now,
    )


def transmit_due(now: datetime | None = None) -> int:
    """Hand every due issued invoice to the provider (ISSUED → BEFORE_SENDING). Returns the
    invoices handed over (or failed for good)."""
    now = now or timezone.now()
    _fill_missing_due_times()
    provider = get_nts_provider()
    started = time.monotonic()
    moved = 0
    while time.monotonic() - started < TIME_BUDGET_SECONDS:
        with transaction.atomic():
            batch = list(
                due_invoices(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("nts_due_at", "pk")[:BATCH]
            )
            for inv in batch:
                try:
                    report = provider.submit(document_of(inv), now=now)
                except NtsError as error:
                    if error.permanent:
                        _fail(inv, error, provider=provider, actor=SYSTEM, now=now)
                        moved += 1
                    else:
                        _postpone(inv, now, error)
                    continue
                _record(inv, Action.SEND_TO_NTS, report, provider=provider, actor=SYSTEM, now=now)
                moved += 1
        if len(batch) < BATCH:
            break
    return moved


def advance(now: datetime | None = None) -> int:
    """Ask the provider about each invoice under way whose next step is due, and record what
    it reports (one history row per step). Returns the steps recorded."""
    now = now or timezone.now()
    provider = get_nts_provider()
    started = time.monotonic()
    steps = 0
    while time.monotonic() - started < TIME_BUDGET_SECONDS:
        with transaction.atomic():
            batch = list(
                TaxInvoice.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status__in=UNDER_WAY,
                    deleted_at__isnull=True,
                    nts_next_step_at__lte=now,
                )
                .order_by("nts_next_step_at", "pk")[:BATCH]
            )
            for inv in batch:
                try:
                    report = provider.progress(document_of(inv), inv.status, now=now)
                except NtsError as error:
                    if error.permanent:
                        _fail(inv, error, provider=provider, actor=SYSTEM, now=now)
                        steps += 1
                    else:
                        _postpone(inv, now, error)
                    continue
                _record(inv, Action.NTS_PROGRESS, report, provider=provider, actor=SYSTEM, now=now)
                steps += 1
        if not batch:
            break
    return steps


# --- within seconds -----------------------------------------------------------------------------


def next_step_at() -> datetime | None:
    return TaxInvoice.objects.filter(
        status__in=UNDER_WAY, deleted_at__isnull=True, nts_next_step_at__isnull=False
    ).aggregate(at=Min("nts_next_step_at"))["at"]


def follow(max_seconds: float | None = None) -> int:
    """`advance` again each time a step falls due, for up to `max_seconds` (default: the whole
    sandbox walk and a margin, at most a minute). Enqueued after a send-to-nts commits."""
    step = float(getattr(settings, "NTS_SANDBOX_STEP_SECONDS", 2))
    budget = min(60.0, 4 * step + 5) if max_seconds is None else max_seconds
    deadline = time.monotonic() + budget
    steps = 0
    while True:
        steps += advance()
        upcoming = next_step_at()
        if upcoming is None:
            return steps
        wait = max((upcoming - timezone.now()).total_seconds(), 0.0) + 0.05
        if time.monotonic() + wait > deadline:
            return steps
        time.sleep(wait)


def enqueue_follow() -> None:
    """One `follow` task per transaction, after it commits (robust: a broker error never turns
    a committed send into an error; the every-minute schedule advances it anyway)."""
    pending = transaction.get_connection().run_on_commit
    if any(entry[1] is _enqueue for entry in pending):
        return
    transaction.on_commit(_enqueue, robust=True)


def _enqueue() -> None:
    try:
        async_task(FOLLOW_TASK, task_name=f"nts-follow-{ULID()}")
    except Exception:
        logger.exception("could not enqueue the NTS follow-up")
